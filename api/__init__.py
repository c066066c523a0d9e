"""Attune: the service."""
