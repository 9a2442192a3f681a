"""Live events: how services hand events to the websocket consumers."""
