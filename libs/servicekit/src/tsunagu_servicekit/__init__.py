"""tsunagu_servicekit."""
