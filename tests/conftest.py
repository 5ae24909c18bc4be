"""Fixtures shared by the whole suite: the real stack for end-to-end tests, and the reference corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hrbot import environments, paths
from tests.stack import Stack

SHARED = paths.SHARED

# The suite runs the demo configuration, chosen explicitly as `hrbot setup` does: every process it
# starts (in-process apps and subprocesses inherit this) is in development mode. Tests of production
# mode set HRBOT_ENV=production themselves (tests/test_production_mode.py).
os.environ["HRBOT_ENV"] = "development"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (reference corpus and dev questions); CI has it, a clone may not."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"reference corpus not found at {SHARED}/corpus (it sits beside the checkout in CI)")
    return SHARED


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """The trained model; trained here only if `hrbot setup` has not already done it."""
    if not paths.rasa_python().exists():
        pytest.fail("The Rasa environment is missing: run the tests with `make test`.")
    environments.ensure_model()
    return paths.MODEL


@contextmanager
def demo_stack(workdir: Path, **options: Any) -> Iterator[Stack]:
    """The whole assistant on embedded defaults, on free ports, state in `workdir`, the demo
    knowledge base ingested first with the real CLI, as `make run` does."""
    running = Stack(workdir, **options)
    subprocess.run(
        [str(Path(sys.executable).parent / "hrbot"), "knowledge", "ingest", str(paths.DEMO_KNOWLEDGE)],
        env=running.env,
        cwd=paths.ROOT,
        check=True,
        capture_output=True,
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, rasa_model: Path) -> Iterator[Stack]:
    """The assistant shared by the end-to-end tests (see `demo_stack`)."""
    with demo_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
