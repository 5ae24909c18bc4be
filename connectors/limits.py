"""Abuse limits: sliding-window rate limits per user and per client address (issue 17).

A limit allows ``limit`` events per ``window_s`` seconds for each key; an event over the limit is
refused with the seconds until the oldest event in the window leaves it (the ``Retry-After`` the
gateway sends). Refused events are not counted, so a client that waits as told gets through.

In memory, per process: with several gateways behind a load balancer each enforces its own share
(documented in the README). Small and dependency-free so its behaviour is exact and tested
(tests/connectors/test_limits.py).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimit:
    """At most ``limit`` events per ``window_s`` seconds per key (``limit <= 0``: no limit)."""

    limit: int
    window_s: float
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _events: dict[str, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def hit(self, key: str) -> int:
        """Count an event for ``key``; 0 when allowed, else the whole seconds to wait (>= 1)."""
        if self.limit <= 0:
            return 0
        now = self.clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._forget_idle(now)
                events = self._events[key] = deque()
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window_s - now))
            events.append(now)
            return 0

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window_s]
        for key in idle:
            del self._events[key]
