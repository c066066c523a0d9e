"""Domain logic, one module per domain; no FastAPI here."""
