"""Public holiday calendars shipped as YAML data (one file per calendar, edited by HR, not code)."""
