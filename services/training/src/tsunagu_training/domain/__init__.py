"""The training service's rules, in plain Python: no I/O."""
