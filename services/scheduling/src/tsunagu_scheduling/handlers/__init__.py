"""Use cases: each takes the context and a command, changes state and raises events in one unit of work."""
