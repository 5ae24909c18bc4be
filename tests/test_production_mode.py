"""Production is the default mode, and in it every process refuses unsafe settings (issue 17).

Each process is started exactly as the Procfile does (``hrbot serve NAME``) with HRBOT_ENV=production,
a safe configuration, and one unsafe setting; it must exit before serving, naming the variable and
the fix. With the safe configuration the gateway and the backend do start, without demo conveniences.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hrbot import paths
from hrbot.environments import ensure_env_file
from hrbot.security import UnsafeConfiguration, enforce, problems
from tests.stack import free_port, wait_until_ready

HRBOT = str(Path(sys.executable).parent / "hrbot")
STRONG = secrets.token_urlsafe(32)


def safe_env(tmp_path: Path) -> dict[str, str]:
    """A production configuration every check accepts. Every variable the generated .env sets is
    set here too, so the checkout's development .env cannot leak into the test."""
    return {
        **os.environ,
        "HRBOT_ENV": "production",
        "HRBOT_DATA_DIR": str(tmp_path),
        "PERSONNEL_DATABASE_URL": f"sqlite:///{tmp_path / 'personnel.db'}",
        "PERSONNEL_SERVICE_TOKEN": secrets.token_urlsafe(32),
        "HRBOT_IDENTITY_SECRET": secrets.token_urlsafe(32),
        "HRBOT_JWT_SECRET": secrets.token_urlsafe(32),
        "HRBOT_JWT_AUDIENCE": "hrbot",
        "HRBOT_JWT_ISSUER": "https://sso.example.com",
        "HRBOT_DEV_LOGIN": "false",
        "PERSONNEL_URL": f"http://127.0.0.1:{free_port()}",
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(free_port()),
        "ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.com/telegram",
        "TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "TELEGRAM_WEBHOOK_PORT": str(free_port()),
        "HF_HUB_OFFLINE": "1",
    }


# (process, variable, unsafe value or None to unset it, words the refusal must contain)
UNSAFE = [
    ("personnel", "PERSONNEL_SEED_DEMO", "true", "demo staff"),
    ("personnel", "PERSONNEL_SERVICE_TOKEN", "", "is not set"),
    ("personnel", "PERSONNEL_SERVICE_TOKEN", "dev-personnel-token", "published default"),
    ("personnel", "PERSONNEL_SERVICE_TOKEN", "short-token", "at least 32"),
    ("gateway", "HRBOT_DEV_LOGIN", "true", "mint a token for any employee"),
    ("gateway", "HRBOT_JWT_SECRET", "not-long-enough", "at least 32"),
    ("gateway", "HRBOT_JWT_AUDIENCE", "", "other applications"),
    ("gateway", "HRBOT_JWT_ISSUER", "", "another issuer"),
    ("gateway", "HRBOT_CORS_ORIGINS", "*", "every origin"),
    ("gateway", "HRBOT_IDENTITY_SECRET", "", "is not set"),
    ("gateway", "HRBOT_IDENTITY_TTL_S", "3600", "60 s at most"),
    ("gateway", "PERSONNEL_SERVICE_TOKEN", "changeme", "published default"),
    ("telegram", "TELEGRAM_WEBHOOK_SECRET", "", "anyone who reaches the webhook"),
    ("telegram", "HRBOT_IDENTITY_SECRET", "abc", "at least 32"),
    ("actions", "PERSONNEL_SERVICE_TOKEN", "", "is not set"),
    ("actions", "HRBOT_IDENTITY_SECRET", "0123456789", "at least 32"),
]


def run_until_exit(name: str, env: dict[str, str], timeout_s: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HRBOT, "serve", name], env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=timeout_s
    )


@pytest.mark.parametrize(("process", "variable", "value", "words"), UNSAFE, ids=lambda v: str(v)[:24])
def test_each_process_refuses_each_unsafe_setting(
    tmp_path: Path, process: str, variable: str, value: str, words: str
) -> None:
    env = safe_env(tmp_path)
    env[variable] = value
    done = run_until_exit(process, env)
    assert done.returncode != 0, f"{process} started with {variable}={value!r}:\n{done.stderr[-2000:]}"
    assert "refusing to start in production" in done.stderr
    assert variable in done.stderr and words in done.stderr
    assert "Fix:" in done.stderr, "the refusal must say what to do"
    assert "Traceback" not in done.stderr, "the operator gets a message, not a stack trace"


@pytest.fixture
def production_server(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[subprocess.Popen]]]:
    env = safe_env(tmp_path)
    started: list[subprocess.Popen] = []
    yield env, started
    for proc in started:
        proc.terminate()
        proc.wait(timeout=15)


def test_safe_production_starts_without_demo_conveniences(production_server) -> None:
    env, started = production_server
    for name in ("personnel", "gateway"):
        started.append(
            subprocess.Popen(
                [HRBOT, "serve", name],
                env=env,
                cwd=paths.ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    backend = env["PERSONNEL_URL"]
    assert not wait_until_ready({"g": f"{gateway}/healthz", "p": f"{backend}/openapi.json"}, timeout_s=90)
    # no demo sign-in ...
    assert httpx.post(f"{gateway}/dev/token", json={"employee_id": "E1003"}).status_code == 404
    # ... no demo staff in the system of record, and the old fixed token opens nothing
    token = {"Authorization": f"Bearer {env['PERSONNEL_SERVICE_TOKEN']}", "X-Acting-Employee": "E1003"}
    assert httpx.get(f"{backend}/employees/E1003", headers=token).status_code in (401, 403, 404)
    dev = {"Authorization": "Bearer dev-personnel-token", "X-Acting-Employee": "E1003"}
    assert httpx.get(f"{backend}/employees/E1003", headers=dev).status_code == 401


def test_production_is_the_default_and_a_misspelt_mode_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from hrbot import security

    monkeypatch.delenv("HRBOT_ENV")
    monkeypatch.setattr(
        security.ModeSettings, "model_config", {**security.ModeSettings.model_config, "env_file": None}
    )
    assert security.current_mode() == "production"
    with pytest.raises(UnsafeConfiguration, match="HRBOT_DEV_LOGIN"):
        enforce("gateway", {"HRBOT_DEV_LOGIN": True})
    monkeypatch.setenv("HRBOT_ENV", "prod")
    with pytest.raises(UnsafeConfiguration, match="HRBOT_ENV must be"):
        security.current_mode()
    monkeypatch.setenv("HRBOT_ENV", "development")
    assert enforce("gateway", {"HRBOT_DEV_LOGIN": True}) == "development"


def test_checks_concern_only_the_settings_a_process_reads() -> None:
    # the action server does not read CORS or the webhook: it is held to its own settings only
    assert problems({"PERSONNEL_SERVICE_TOKEN": STRONG, "HRBOT_IDENTITY_SECRET": STRONG}) == []
    # polling (no webhook URL) needs no webhook secret
    assert problems({"TELEGRAM_WEBHOOK_URL": None, "TELEGRAM_WEBHOOK_SECRET": None}) == []
    # sign-in off entirely: nothing to pin
    assert problems({"HRBOT_JWT_SECRET": None, "HRBOT_JWT_AUDIENCE": None, "HRBOT_JWT_ISSUER": None}) == []


def test_setup_writes_development_mode_for_the_demo(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    assert ensure_env_file(env_file)
    text = env_file.read_text()
    assert "HRBOT_ENV=development" in text and "HRBOT_DEV_LOGIN=true" in text
    assert not ensure_env_file(env_file), "a second setup changes nothing"
    # a .env generated before the modes existed (demo sign-in on) becomes an explicit demo
    old = tmp_path / "old.env"
    old.write_text(
        "PERSONNEL_SERVICE_TOKEN=a\nHRBOT_IDENTITY_SECRET=b\nHRBOT_JWT_SECRET=c\nHRBOT_DEV_LOGIN=true\n"
    )
    assert ensure_env_file(old) and "HRBOT_ENV=development" in old.read_text()
    # an operator's .env without the demo sign-in stays production
    server = tmp_path / "server.env"
    server.write_text("PERSONNEL_SERVICE_TOKEN=a\nHRBOT_IDENTITY_SECRET=b\nHRBOT_JWT_SECRET=c\n")
    assert not ensure_env_file(server) and "HRBOT_ENV" not in server.read_text()


def test_doctor_prints_the_same_checks(tmp_path: Path) -> None:
    env = safe_env(tmp_path)
    doctor = [HRBOT, "doctor", "--no-ping"]
    done = subprocess.run(doctor, env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mode: production" in done.stderr and "demo sign-in is off" in done.stderr
    env.update(HRBOT_DEV_LOGIN="true", PERSONNEL_SERVICE_TOKEN="dev-personnel-token")
    done = subprocess.run(doctor, env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    flat = " ".join(done.stderr.split())
    assert "HRBOT_DEV_LOGIN" in flat and "PERSONNEL_SERVICE_TOKEN: is a published default value" in flat


def test_code_defaults_are_the_safe_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleting a line from .env must never turn a demo convenience on (the issue's first finding)."""
    from connectors.settings import ConnectorSettings
    from personnel.app.core.config import Settings as PersonnelSettings

    for name in ("HRBOT_DEV_LOGIN", "HRBOT_IDENTITY_TTL_S", "PERSONNEL_SERVICE_TOKEN", "PERSONNEL_SEED_DEMO"):
        monkeypatch.delenv(name, raising=False)
    gateway = ConnectorSettings(_env_file=None, hrbot_jwt_secret=STRONG)
    assert not gateway.dev_login_enabled
    assert gateway.hrbot_identity_ttl_s <= 60
    backend = PersonnelSettings(_env_file=None).apply_mode(development=False)
    assert backend.service_token == "" and backend.seed_demo is False, "no fixed token, no demo staff"
    demo = PersonnelSettings(_env_file=None).apply_mode(development=True)
    assert demo.service_token == "dev-personnel-token" and demo.seed_demo is True


def test_hrbot_token_is_a_demo_sign_in_only(tmp_path: Path) -> None:
    env = safe_env(tmp_path)  # production, with an HS256 SSO secret an operator may well use
    done = subprocess.run([HRBOT, "token", "E1003"], env=env, cwd=paths.ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and not done.stdout, "no token for the HR admin in production"
    assert "HRBOT_ENV=development" in " ".join(done.stderr.split())
    env.update(HRBOT_ENV="development", HRBOT_DEV_LOGIN="true")
    done = subprocess.run([HRBOT, "token", "E1001"], env=env, cwd=paths.ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.count(".") == 2, done.stderr
