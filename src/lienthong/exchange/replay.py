"""Replay protection: a message id is accepted once per sender within the timestamp window.

A message older than the window is refused by its timestamp, so ids need to be remembered
only for the window (twice it, to cover clock differences in both directions). Memory is
bounded by the call rate times that span.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from lienthong.errors import LienthongError
from lienthong.exchange.messages import MESSAGE_ID
from lienthong.i18n import N_


class ReplayGuard:
    """The message ids seen recently, per sending node."""

    def __init__(self, *, window: timedelta) -> None:
        self._span = window * 2
        self._seen: set[tuple[str, str]] = set()
        self._order: deque[tuple[datetime, tuple[str, str]]] = deque()

    def __len__(self) -> int:
        return len(self._seen)

    def check(self, *, sender: str, message_id: str, now: datetime) -> None:
        """Remember a message id, or refuse it when the sender already used it."""
        self._forget(now)
        key = (sender, message_id)
        if key in self._seen:
            raise LienthongError(
                "exchange.replay",
                N_(
                    "Node {node} already sent the message id {message_id}. Every call"
                    " needs a new X-Road-Id."
                ),
                field=MESSAGE_ID,
                node=sender,
                message_id=message_id,
            )
        self._seen.add(key)
        self._order.append((now, key))

    def _forget(self, now: datetime) -> None:
        horizon = now - self._span
        order = self._order
        while order and order[0][0] < horizon:
            self._seen.discard(order.popleft()[1])
