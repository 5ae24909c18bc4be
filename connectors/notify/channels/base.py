"""The one small interface every channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from connectors.notify.catalogue import Rendered


@dataclass(frozen=True)
class Outgoing:
    """A notice ready to send: its id (for logs), kind, language and words."""

    notice_id: int
    employee_id: str
    kind: str
    lang: str
    rendered: Rendered


class ChannelError(Exception):
    """A failed send. ``permanent``: retrying cannot help (e.g. the user blocked the bot);
    ``retry_after``: the channel asked us to wait this many seconds (rate limit)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    """Where notices go. ``targets`` must only return addresses linked to the verified identity."""

    name: str
    #: True when sending reaches a person now (counts for delivery); False for stores such as the
    #: web inbox, which the employee reads when they next open the widget
    push: bool

    def targets(self, employee_id: str) -> list[str]:
        """The employee's addresses on this channel (empty: not linked, nothing is sent)."""
        ...

    def send(self, target: str, notice: Outgoing) -> None:
        """Deliver ``notice`` to ``target``; raise ``ChannelError`` when it did not arrive."""
        ...

    def close(self) -> None: ...
