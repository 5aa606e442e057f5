"""The message bus delivers each event to the handlers of its type and of its base types."""

from __future__ import annotations

from datetime import UTC, datetime

from lienthong.store import Event, MessageBus, RecordCreated, RecordEvent, RecordUpdated


def created(version: int = 1) -> RecordCreated:
    return RecordCreated(
        record_type="Person",
        record_id="001090000001",
        version=version,
        owner_node="VN/GOV/01/node",
        content_hash="0" * 64,
        recorded_at=datetime(2025, 7, 1, tzinfo=UTC),
        origin_node="VN/GOV/01/node",
        sequence=version,
    )


def test_handlers_receive_their_type_and_subtypes_in_order() -> None:
    bus = MessageBus()
    every: list[Event] = []
    records: list[RecordEvent] = []
    updates: list[RecordUpdated] = []
    bus.subscribe(Event, every.append)
    bus.subscribe(RecordEvent, records.append)
    bus.subscribe(RecordUpdated, updates.append)

    bus.publish([created(1), created(2)])

    assert every == records == [created(1), created(2)]
    assert updates == []


def test_a_failing_handler_does_not_stop_the_others() -> None:
    bus = MessageBus()
    received: list[Event] = []

    def fail(event: Event) -> None:
        raise RuntimeError("down")

    bus.subscribe(Event, fail)
    bus.subscribe(Event, received.append)
    bus.publish([created()])
    assert received == [created()]
