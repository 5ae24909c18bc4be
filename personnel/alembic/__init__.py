"""Alembic migrations of the personnel database (a package, so that a wheel ships them)."""
