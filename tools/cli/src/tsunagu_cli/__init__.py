"""The tsunagu command."""
