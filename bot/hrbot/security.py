"""Development or production: the one place that says which settings are unsafe on a server.

``HRBOT_ENV`` is ``production`` unless something says ``development`` (``hrbot setup`` writes
``HRBOT_ENV=development`` into the generated ``.env`` for the one-command demo). In production every
process calls :func:`enforce` with the settings it reads and refuses to start, naming each variable
and its fix, when a demo convenience is on or a secret is missing, a published default or short.
``hrbot doctor`` prints the same checks for the whole configuration (:func:`evaluate`).

Each process passes a mapping ``ENV_VAR_NAME -> value as its settings class resolved it``; a check
runs only when the variables it concerns are in the mapping, so each process is held to exactly the
settings it uses, and every variable keeps one definition (in its component's settings class).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from hrbot.paths import ENV_FILE

Mode = Literal["development", "production"]
DEVELOPMENT: Mode = "development"
PRODUCTION: Mode = "production"

MIN_SECRET_LENGTH = 32
# Identity assertions live this long at most in production (issue 17: bound, not replayable for long).
MAX_IDENTITY_TTL_S = 60
# Values that appear in docs, examples and old code: never a secret, whatever their length.
PUBLISHED_DEFAULTS = frozenset(
    {"dev-personnel-token", "changeme", "change-me", "secret", "password", "test", "dev", "development"}
)
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ModeSettings(BaseSettings):
    """HRBOT_ENV, read by every process (environment first, then ``.env``)."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    hrbot_env: Mode = PRODUCTION


class UnsafeConfiguration(SystemExit):
    """Raised instead of starting: the process exits with status 1 and this message on stderr."""


def current_mode() -> Mode:
    """The mode of this process; a misspelt HRBOT_ENV refuses to start rather than guess."""
    try:
        return ModeSettings().hrbot_env
    except ValidationError as exc:
        raise UnsafeConfiguration(
            "HRBOT_ENV must be 'development' or 'production' (unset means production)"
        ) from exc


def is_development() -> bool:
    return current_mode() == DEVELOPMENT


@dataclass(frozen=True)
class Problem:
    """One unsafe setting: which variable, what is wrong with it, and what to do."""

    variable: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.problem}. Fix: {self.fix}."


@dataclass(frozen=True)
class Check:
    """A production rule over some variables; ``test`` returns the problem or None."""

    name: str
    variables: tuple[str, ...]
    test: Callable[[Mapping[str, Any]], Problem | None]

    def applies_to(self, values: Mapping[str, Any]) -> bool:
        return self.variables[0] in values


def _on(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def secret_problem(name: str, value: Any, required: bool = True) -> Problem | None:
    """Missing, a published default, or too short to resist guessing."""
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    fix = f"set {name} to a long random value, e.g. {GENERATE}"
    if not value:
        return Problem(name, "is not set", fix) if required else None
    if value.lower() in PUBLISHED_DEFAULTS:
        return Problem(name, "is a published default value", fix)
    if len(value) < MIN_SECRET_LENGTH:
        return Problem(name, f"is {len(value)} characters long; at least {MIN_SECRET_LENGTH} are needed", fix)
    return None


def _secret(name: str, required: bool = True) -> Check:
    return Check(f"{name} is a strong secret", (name,), lambda v: secret_problem(name, v[name], required))


def _dev_login(v: Mapping[str, Any]) -> Problem | None:
    if _on(v["HRBOT_DEV_LOGIN"]):
        return Problem(
            "HRBOT_DEV_LOGIN",
            "demo sign-in is on: /dev/token and `hrbot token` mint a token for any employee, HR included",
            "remove HRBOT_DEV_LOGIN (or set it to false); employees sign in through the intranet SSO",
        )
    return None


def _sign_in_configured(v: Mapping[str, Any]) -> bool:
    keys = ("HRBOT_JWT_SECRET", "HRBOT_JWT_PUBLIC_KEY", "HRBOT_JWT_JWKS_URL", "HRBOT_OIDC_ISSUER")
    return any(v.get(k) for k in keys)


def _sso_claim(name: str, what: str) -> Callable[[Mapping[str, Any]], Problem | None]:
    def test(v: Mapping[str, Any]) -> Problem | None:
        if _sign_in_configured(v) and not v.get(name):
            return Problem(
                name,
                f"is not set: tokens {what} would be accepted",
                f"set {name} to the value your SSO puts in the token's "
                f"'{'aud' if 'AUDIENCE' in name else 'iss'}' claim",
            )
        return None

    return test


def _webhook_secret(v: Mapping[str, Any]) -> Problem | None:
    if not v.get("TELEGRAM_WEBHOOK_URL"):
        return None
    problem = secret_problem("TELEGRAM_WEBHOOK_SECRET", v.get("TELEGRAM_WEBHOOK_SECRET"))
    if problem is None:
        return None
    return Problem(
        problem.variable,
        f"{problem.problem}: anyone who reaches the webhook URL could post updates as a linked user",
        "set TELEGRAM_WEBHOOK_SECRET to 32 or more random letters, digits, '_' or '-' "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))')",
    )


def _cors(v: Mapping[str, Any]) -> Problem | None:
    origins = [o.strip() for o in str(v["HRBOT_CORS_ORIGINS"] or "").split(",")]
    if "*" in origins:
        return Problem(
            "HRBOT_CORS_ORIGINS",
            "allows every origin ('*'): any web site could drive the chat API from its visitors' browsers",
            "list the intranet origins that embed the widget, e.g. https://intranet.example.com",
        )
    return None


def _seed_demo(v: Mapping[str, Any]) -> Problem | None:
    if _on(v["PERSONNEL_SEED_DEMO"]):
        return Problem(
            "PERSONNEL_SEED_DEMO",
            "demo staff (an HR admin among them) would be seeded into an empty database",
            "remove PERSONNEL_SEED_DEMO (or set it to false) and load your organisation instead",
        )
    return None


def _identity_ttl(v: Mapping[str, Any]) -> Problem | None:
    ttl = int(v["HRBOT_IDENTITY_TTL_S"] or 0)
    if ttl > MAX_IDENTITY_TTL_S:
        return Problem(
            "HRBOT_IDENTITY_TTL_S",
            f"is {ttl} s: an identity assertion should live {MAX_IDENTITY_TTL_S} s at most",
            f"remove HRBOT_IDENTITY_TTL_S or set it to {MAX_IDENTITY_TTL_S} or less",
        )
    return None


CHECKS: tuple[Check, ...] = (
    Check("demo sign-in is off", ("HRBOT_DEV_LOGIN",), _dev_login),
    Check("demo data is not seeded", ("PERSONNEL_SEED_DEMO",), _seed_demo),
    _secret("PERSONNEL_SERVICE_TOKEN"),
    _secret("HRBOT_IDENTITY_SECRET"),
    _secret("HRBOT_JWT_SECRET", required=False),
    _secret("PERSONNEL_SCIM_TOKEN", required=False),
    Check(
        "SSO audience is pinned",
        ("HRBOT_JWT_AUDIENCE",),
        _sso_claim("HRBOT_JWT_AUDIENCE", "the SSO issued for other applications"),
    ),
    Check(
        "SSO issuer is pinned", ("HRBOT_JWT_ISSUER",), _sso_claim("HRBOT_JWT_ISSUER", "from another issuer")
    ),
    Check(
        "Telegram webhook has a secret", ("TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"), _webhook_secret
    ),
    Check("CORS names its origins", ("HRBOT_CORS_ORIGINS",), _cors),
    Check("identity assertions are short-lived", ("HRBOT_IDENTITY_TTL_S",), _identity_ttl),
)


def evaluate(values: Mapping[str, Any]) -> list[tuple[Check, Problem | None]]:
    """Every check that concerns ``values``, with its problem (None when the setting is safe)."""
    return [(check, check.test(values)) for check in CHECKS if check.applies_to(values)]


def problems(values: Mapping[str, Any]) -> list[Problem]:
    return [problem for _, problem in evaluate(values) if problem is not None]


def refusal(component: str, found: list[Problem]) -> str:
    lines = [f"{component}: refusing to start in production (HRBOT_ENV=production) with unsafe settings:"]
    lines += [f"  - {p}" for p in found]
    lines.append("  (For a local demo only, set HRBOT_ENV=development; `hrbot setup` writes it into .env.)")
    return "\n".join(lines)


def enforce(component: str, values: Mapping[str, Any], mode: Mode | None = None) -> Mode:
    """Refuse to start ``component`` in production when any of its settings is unsafe.

    Returns the mode so the caller can enable development conveniences only when chosen.
    """
    mode = mode or current_mode()
    if mode == PRODUCTION:
        found = problems(values)
        if found:
            raise UnsafeConfiguration(refusal(component, found))
    return mode
