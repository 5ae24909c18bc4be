"""FastAPI application of the personnel backend (imports have no side effects)."""
