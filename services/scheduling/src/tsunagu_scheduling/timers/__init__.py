"""Durable timers: periodic tasks that act on what the database says is due (never in-memory sleeps)."""
