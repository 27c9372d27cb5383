"""The subsidy service's rules: plain Python, no I/O."""
