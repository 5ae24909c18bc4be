"""The web widget: a delivered notice is kept in the backend (the outbox row itself, status
``sent``) and the signed-in widget fetches it from the gateway's ``GET /api/notices``, which asks
the backend's ``GET /notifications`` as the verified employee. Nothing to call here."""

from __future__ import annotations

from connectors.notify.channels.base import Outgoing


class WebInbox:
    name = "web"
    push = False

    def targets(self, employee_id: str) -> list[str]:
        # the inbox belongs to the employee id; only their signed-in widget can read it
        return [employee_id]

    def send(self, target: str, notice: Outgoing) -> None:
        return None

    def close(self) -> None:
        return None
