"""The partners service's rules: plain Python, no I/O."""
