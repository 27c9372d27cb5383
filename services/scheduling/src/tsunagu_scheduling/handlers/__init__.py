"""Use cases: each takes the context and a command, changes state and raises events in one unit of
work through the adapters, and answers with a view (``views``)."""
