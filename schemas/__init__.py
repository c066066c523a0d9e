"""The wire contract: Pydantic models of every REST body and websocket frame."""
