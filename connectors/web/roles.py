"""The HR-admin role check: the personnel backend (system of record) decides, the gateway asks.

Kept in one function so the admin API has a single place that grants curator rights.
"""

from __future__ import annotations

import structlog

from connectors.settings import ConnectorSettings

log = structlog.get_logger(__name__)


class RoleCheckUnavailable(Exception):
    """The personnel backend could not answer; the admin API fails closed with 503."""


async def is_hr_admin(employee_id: str, settings: ConnectorSettings) -> bool:
    """Ask ``GET {PERSONNEL_URL}/me`` as ``employee_id`` whether they are an HR admin.

    Unknown or refused employees are not admins; an unreachable backend raises RoleCheckUnavailable.
    """
    from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

    if not settings.personnel_service_token:
        raise RoleCheckUnavailable("PERSONNEL_SERVICE_TOKEN is not configured")
    try:
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token,
            acting_employee=employee_id,
            channel="web",
            timeout=5.0,
            retries=2,
        ) as client:
            me = await client.me()
    except PersonnelError as exc:
        log.info("role_check_refused", employee_id=employee_id, status=exc.status, code=exc.code)
        return False
    except PersonnelUnavailable as exc:
        log.warning("role_check_unavailable", employee_id=employee_id, error=str(exc))
        raise RoleCheckUnavailable(str(exc)) from exc
    return bool(me.is_hr_admin)


async def is_active_employee(employee_id: str, settings: ConnectorSettings, channel: str = "web") -> bool:
    """Whether the backend still accepts ``employee_id`` (False once deactivated, e.g. by SCIM).

    Asked on every signed-in chat message so that a deactivated person's next message is refused even
    though their sign-in token has not expired. An unreachable backend does not block the chat (its
    transactions fail on their own); only the backend's refusal does.
    """
    from personnel.client import PersonnelClient, PersonnelError, PersonnelUnavailable

    if not settings.personnel_service_token:
        return True
    try:
        async with PersonnelClient(
            settings.personnel_url,
            settings.personnel_service_token,
            acting_employee=employee_id,
            channel=channel,
            timeout=5.0,
            retries=1,
        ) as client:
            await client.me()
    except PersonnelError as exc:
        if exc.code in ("unknown_employee", "identity_required"):
            log.info("inactive_employee_refused", employee_id=employee_id)
            return False
        return True
    except PersonnelUnavailable as exc:
        log.warning("active_check_unavailable", employee_id=employee_id, error=str(exc))
        return True
    return True
