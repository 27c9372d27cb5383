"""Work started by the clock rather than by a request or an event."""
