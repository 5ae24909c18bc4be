"""Database setup: Alembic migrations match the models, first run creates and seeds the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from personnel_testkit import REPO, headers, make_settings

from personnel.app.db import make_engine, migrate
from personnel.app.main import create_app
from personnel.app.models import Base


def test_migrations_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)  # already at head: a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_first_run_creates_migrates_and_seeds(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "dir" / "personnel.db"
    with TestClient(create_app(make_settings(f"sqlite:///{db}"))) as client:
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/me", headers=headers("E1001")).json()["employee"]["id"] == "E1001"
    assert db.exists()
    # a second start neither re-migrates destructively nor seeds twice
    with TestClient(create_app(make_settings(f"sqlite:///{db}"))) as client:
        assert len(client.get("/employees", headers=headers("E1003")).json()) == 50


def test_default_url_is_relative_to_cwd_and_import_has_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import personnel.app.main, personnel.client, personnel.app.seed, os;"
        "assert not os.path.exists('var'), 'import created var/';"
        "from personnel.app.core.config import Settings;"
        "print(Settings().database_url)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONNEL_")}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "sqlite:///var/personnel.db"
    assert not (tmp_path / "var").exists()
