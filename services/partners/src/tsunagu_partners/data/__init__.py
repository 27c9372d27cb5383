"""Reference data shipped with the partners service (the agreement templates), overridable by
files named in the settings."""
