"""Events the unit of work publishes after a commit, and the in-process bus that delivers them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened and was committed."""


@dataclass(frozen=True)
class RecordEvent(Event):
    """A committed write of one record version, with its change-log position."""

    record_type: str
    record_id: str
    version: int
    owner_node: str
    content_hash: str
    recorded_at: datetime
    origin_node: str
    sequence: int


@dataclass(frozen=True)
class RecordCreated(RecordEvent):
    """A record was created (or created again after deletion)."""


@dataclass(frozen=True)
class RecordUpdated(RecordEvent):
    """A record got a new version of its content."""


@dataclass(frozen=True)
class RecordDeleted(RecordEvent):
    """A record was deleted: its new version is a tombstone."""


@dataclass(frozen=True)
class RecordTransferred(RecordEvent):
    """A record moved to a new owner node."""


E = TypeVar("E", bound=Event)
Handler = Callable[[E], None]


class MessageBus:
    """Deliver events to the handlers subscribed to their type (or to a base type)."""

    def __init__(self) -> None:
        self._handlers: list[tuple[type[Event], Callable[[Event], None]]] = []

    def subscribe(self, event_type: type[E], handler: Handler[E]) -> None:
        """Call a handler for every published event of a type or of its subtypes."""
        self._handlers.append((event_type, handler))  # type: ignore[arg-type]

    def publish(self, events: Iterable[Event]) -> None:
        """Deliver events in order; a failing handler is logged and does not stop the others."""
        for event in events:
            for event_type, handler in self._handlers:
                if not isinstance(event, event_type):
                    continue
                try:
                    handler(event)
                except Exception:
                    # The write is already committed: a subscriber's failure must not
                    # look like a failed write to the caller.
                    logger.exception("event handler %r failed on %r", handler, event)
