"""tsunagu_calendar."""
