"""Route modules, one per resource area."""
