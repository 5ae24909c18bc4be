"""Fixtures of the personnel backend tests (defined in personnel_testkit.py)."""

from personnel_testkit import api, db_url, live, templates  # noqa: F401
