"""The training service's edge: tables, queries and writes (named functions), migrations."""
