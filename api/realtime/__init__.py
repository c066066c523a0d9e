"""The live channel: event hub backends and the websocket protocol."""
