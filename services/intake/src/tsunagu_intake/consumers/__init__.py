"""Events intake consumes (one durable pull consumer each, run by the kit)."""
