"""Tables, queries and the reference data: everything of scheduling that touches storage."""
