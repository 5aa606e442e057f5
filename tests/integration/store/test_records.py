"""Records are versioned documents: created, read at any version or time, updated, deleted."""

from __future__ import annotations

import hashlib
import threading
import time
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from tests.integration.store.backends import FakeClock, UowFactory
from tests.integration.store.example import HANOI, person

from lienthong.errors import LienthongError
from lienthong.store import canonical_json


def test_a_new_record_is_version_one_owned_by_the_node_that_created_it(uow: UowFactory) -> None:
    with uow() as work:
        record = work.records.create(record_type="Person", content=person())
        work.commit()

    assert (record.record_type, record.record_id, record.version) == ("Person", "001090000001", 1)
    assert record.owner_node == HANOI
    assert record.partition == "01"
    assert record.schema_version == 1
    assert not record.deleted
    assert record.recorded_at.tzinfo is not None and record.recorded_at.utcoffset() == timedelta(0)


def test_the_content_hash_is_the_sha256_of_the_canonical_json(uow: UowFactory) -> None:
    with uow() as work:
        record = work.records.create(record_type="Person", content=person())
        work.commit()

    assert record.content_hash == hashlib.sha256(canonical_json(record.content)).hexdigest()
    with uow() as work:
        assert work.records.get(record_type="Person", record_id="001090000001") == record


def test_content_is_validated_and_stored_as_the_model_dumps_it(uow: UowFactory) -> None:
    with uow() as work:
        record = work.records.create(record_type="Person", content=person(height_cm="172"))
        work.commit()

    assert record.content["height_cm"] == 172.0
    assert record.content["identifiers"] == []


def test_invalid_content_is_refused_naming_the_field(uow: UowFactory) -> None:
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.create(record_type="Person", content=person(pin="12345"))

    assert caught.value.code == "store.invalid_record"
    assert caught.value.field == "pin"
    assert "pin" in caught.value.message_en


def test_text_is_stored_in_nfc(uow: UowFactory) -> None:
    decomposed = unicodedata.normalize("NFD", "Trần Thị Đào")
    with uow() as work:
        record = work.records.create(record_type="Person", content=person(full_name=decomposed))
        work.commit()

    assert record.content["full_name"] == unicodedata.normalize("NFC", "Trần Thị Đào")


def test_creating_an_existing_record_is_refused(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.commit()

    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.create(record_type="Person", content=person(full_name="Someone Else"))
    assert caught.value.code == "store.already_exists"


def test_an_update_makes_a_new_version_and_keeps_the_old_ones(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        second = work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(full_name="Nguyễn Văn Anh"),
            expected_version=1,
        )
        work.commit()

    with uow() as work:
        current = work.records.get(record_type="Person", record_id="001090000001")
        first = work.records.get(record_type="Person", record_id="001090000001", version=1)

    assert current == second
    assert current.version == 2 and current.content["full_name"] == "Nguyễn Văn Anh"
    assert first.content["full_name"] == "Nguyễn Văn An"
    assert first.content_hash != current.content_hash


def test_an_update_from_a_stale_version_is_a_conflict(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.records.update(
            record_type="Person", record_id="001090000001", content=person(), expected_version=1
        )
        work.commit()

    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(full_name="Lost Update"),
            expected_version=1,
        )
    assert caught.value.code == "store.version_conflict"
    assert caught.value.params == {
        "record_type": "Person",
        "record_id": "001090000001",
        "expected": 1,
        "actual": 2,
    }


def test_an_update_cannot_change_the_identifier(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        with pytest.raises(LienthongError) as caught:
            work.records.update(
                record_type="Person",
                record_id="001090000001",
                content=person(pin="001090000002"),
                expected_version=1,
            )
    assert caught.value.code == "store.invalid_record"
    assert caught.value.field == "pin"


def test_reading_what_does_not_exist_is_not_found(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.commit()
        with pytest.raises(LienthongError) as missing:
            work.records.get(record_type="Person", record_id="001090999999")
        with pytest.raises(LienthongError) as no_version:
            work.records.get(record_type="Person", record_id="001090000001", version=7)
        with pytest.raises(LienthongError) as no_history:
            work.records.history(record_type="Person", record_id="001090999999")

    assert missing.value.code == no_version.value.code == no_history.value.code == "store.not_found"
    assert no_version.value.field == "version"


def test_an_unknown_record_type_is_refused(uow: UowFactory) -> None:
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.get(record_type="Spaceship", record_id="1")
    assert caught.value.code == "store.unknown_record_type"


def test_a_deleted_record_leaves_a_tombstone_and_its_history(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        tombstone = work.records.delete(
            record_type="Person", record_id="001090000001", expected_version=1
        )
        work.commit()

    assert tombstone.deleted and tombstone.version == 2 and tombstone.content == {}
    with uow() as work:
        with pytest.raises(LienthongError) as caught:
            work.records.get(record_type="Person", record_id="001090000001")
        history = work.records.history(record_type="Person", record_id="001090000001")
        with pytest.raises(LienthongError) as again:
            work.records.delete(record_type="Person", record_id="001090000001", expected_version=2)

    assert caught.value.code == again.value.code == "store.deleted"
    assert [(r.version, r.deleted) for r in history] == [(1, False), (2, True)]


def test_a_deleted_record_can_be_created_again_as_its_next_version(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.records.delete(record_type="Person", record_id="001090000001", expected_version=1)
        revived = work.records.create(record_type="Person", content=person())
        work.commit()

    assert revived.version == 3 and not revived.deleted


def test_history_lists_every_version_oldest_first(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        for version, name in enumerate(["Nguyễn Văn Ba", "Nguyễn Văn Bốn"], start=1):
            work.records.update(
                record_type="Person",
                record_id="001090000001",
                content=person(full_name=name),
                expected_version=version,
            )
        work.commit()
        history = work.records.history(record_type="Person", record_id="001090000001")

    assert [r.version for r in history] == [1, 2, 3]
    assert [r.content["full_name"] for r in history] == [
        "Nguyễn Văn An",
        "Nguyễn Văn Ba",
        "Nguyễn Văn Bốn",
    ]
    assert [r.recorded_at for r in history] == sorted(r.recorded_at for r in history)


def test_as_of_reads_return_the_version_valid_at_that_time(
    uow: UowFactory, clock: FakeClock
) -> None:
    created_at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    clock.set(created_at)
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.commit()
    clock.set(created_at + timedelta(days=30))
    with uow() as work:
        work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(full_name="Nguyễn Văn Anh"),
            expected_version=1,
        )
        work.commit()
    clock.set(created_at + timedelta(days=60))
    with uow() as work:
        work.records.delete(record_type="Person", record_id="001090000001", expected_version=2)
        work.commit()

    def as_of(days: float) -> int:
        moment = created_at + timedelta(days=days)
        with uow() as work:
            return work.records.get(
                record_type="Person", record_id="001090000001", as_of=moment
            ).version

    assert as_of(0) == 1
    assert as_of(29.9) == 1
    assert as_of(30) == 2
    with pytest.raises(LienthongError) as before:
        as_of(-1)
    with pytest.raises(LienthongError) as after:
        as_of(61)
    assert before.value.code == "store.not_found"
    assert after.value.code == "store.deleted"


def test_as_of_accepts_any_time_zone_and_refuses_naive_times(uow: UowFactory) -> None:
    with uow() as work:
        record = work.records.create(record_type="Person", content=person())
        work.commit()
    in_hanoi = record.recorded_at.astimezone(datetime.now().astimezone().tzinfo)
    with uow() as work:
        found = work.records.get(record_type="Person", record_id="001090000001", as_of=in_hanoi)
        with pytest.raises(LienthongError) as caught:
            work.records.get(
                record_type="Person",
                record_id="001090000001",
                as_of=record.recorded_at.replace(tzinfo=None),
            )
    assert found.version == 1
    assert caught.value.code == "store.naive_datetime"


def test_a_version_and_a_time_cannot_both_be_asked_for(uow: UowFactory) -> None:
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.get(
            record_type="Person", record_id="001090000001", version=1, as_of=datetime.now(UTC)
        )
    assert caught.value.code == "store.bad_read"


def test_recorded_times_never_go_backwards_even_if_the_clock_does(
    uow: UowFactory, clock: FakeClock
) -> None:
    clock.set(datetime(2025, 3, 1, tzinfo=UTC))
    with uow() as work:
        first = work.records.create(record_type="Person", content=person())
        work.commit()
    clock.set(datetime(2024, 3, 1, tzinfo=UTC))
    with uow() as work:
        second = work.records.update(
            record_type="Person", record_id="001090000001", content=person(), expected_version=1
        )
        work.commit()

    assert second.recorded_at >= first.recorded_at


def test_of_two_writers_racing_from_the_same_version_exactly_one_wins(uow: UowFactory) -> None:
    with uow() as work:
        work.records.create(record_type="Person", content=person())
        work.commit()
    first_wrote = threading.Event()
    outcome: dict[str, str] = {}

    def second_writer() -> None:
        first_wrote.wait(timeout=10)
        with uow() as work:
            try:
                work.records.update(
                    record_type="Person",
                    record_id="001090000001",
                    content=person(full_name="Second"),
                    expected_version=1,
                )
                work.commit()
                outcome["second"] = "won"
            except LienthongError as error:
                outcome["second"] = error.code

    racer = threading.Thread(target=second_writer)
    racer.start()
    with uow() as work:
        work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person(full_name="First"),
            expected_version=1,
        )
        # The second writer starts while this transaction still holds the new version.
        first_wrote.set()
        time.sleep(0.2)
        work.commit()
    racer.join()

    assert outcome == {"second": "store.version_conflict"}
    with uow() as work:
        current = work.records.get(record_type="Person", record_id="001090000001")
    assert (current.version, current.content["full_name"]) == (2, "First")
