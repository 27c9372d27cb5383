"""The scheduling service's rules as plain Python: no I/O, no clock, no database (unit-tested alone)."""
