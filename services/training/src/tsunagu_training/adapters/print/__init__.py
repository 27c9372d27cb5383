"""Typst templates of the training service's printed matter (certificates)."""
