"""HTTP and websocket routes, one thin module per domain."""
