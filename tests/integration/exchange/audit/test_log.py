"""Appending to the audit log: numbered without gaps, chained, in the caller's transaction."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from tests.integration.exchange.audit.helpers import entry, fill

from lienthong.errors import LienthongError
from lienthong.exchange.audit import AuditEntry, append_entries, entry_at, log_size, tail
from lienthong.exchange.audit.log import GENESIS, chain_next, leaf_hashes
from lienthong.exchange.audit.models import audit_log


def _stored(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.sequence, audit_log.c.entry_hash, audit_log.c.chain_hash).order_by(
                audit_log.c.sequence
            )
        )
        return [(row.sequence, row.entry_hash, row.chain_hash) for row in rows]


def _assert_unbroken(engine: Engine) -> None:
    chain = GENESIS
    for expected, (sequence, entry_hash, chain_hash) in enumerate(_stored(engine), start=1):
        assert sequence == expected
        chain = chain_next(chain, bytes.fromhex(entry_hash))
        assert chain_hash == chain.hex()


def test_entries_are_numbered_from_one_and_chained(engine: Engine) -> None:
    assert fill(engine, 3) == [1, 2, 3]
    assert fill(engine, 2, first=4) == [4, 5]
    _assert_unbroken(engine)
    stored = _stored(engine)
    assert stored[0][1] == entry(1).leaf_hash().hex()


def test_appending_nothing_numbers_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        assert append_entries(connection=connection, entries=[]) == []
        assert log_size(connection=connection) == 0


def test_a_rolled_back_transaction_gives_its_numbers_back(engine: Engine) -> None:
    fill(engine, 2)
    with engine.connect() as connection, connection.begin() as transaction:
        append_entries(connection=connection, entries=[entry(3)])
        transaction.rollback()
    assert fill(engine, 1, first=3) == [3]
    _assert_unbroken(engine)


@pytest.mark.parametrize(
    "changes",
    [
        {"client": "VN/GOV/Bộ Công an/dân cư", "purpose": "xác minh nhân thân — “đặc biệt”"},
        {"duration_ms": 0.0001, "status": None, "request_size": None, "user_id": None},
        {"duration_ms": -0.0, "body": '{"a": "\\u0000 \\n"}', "details": "[]"},
        {"recorded_at": entry(1).recorded_at.astimezone(timezone(timedelta(hours=7)))},
        {"duration_ms": 1e12, "request_size": 2**40, "response_size": 0},
    ],
)
def test_an_entry_read_back_hashes_to_its_stored_hash(
    engine: Engine, changes: dict[str, object]
) -> None:
    written = entry(1, **changes)
    with engine.begin() as connection:
        append_entries(connection=connection, entries=[written])
    with engine.connect() as connection:
        logged = entry_at(connection=connection, sequence=1)
    assert logged.entry.leaf_hash().hex() == logged.entry_hash == written.leaf_hash().hex()


def test_an_entry_needs_an_aware_time() -> None:
    with pytest.raises(LienthongError) as raised:
        AuditEntry(
            recorded_at=entry(1).recorded_at.replace(tzinfo=None),
            kind="record.read",
            client="c",
            outcome="ok",
        )
    assert raised.value.code == "audit.entry.time"


def test_concurrent_transactions_take_turns_and_leave_an_unbroken_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for round_ in range(5):
                with engine.begin() as connection:
                    append_entries(
                        connection=connection,
                        entries=[entry(1000 * worker + 10 * round_ + n) for n in range(3)],
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_stored(engine)) == 4 * 5 * 3
    _assert_unbroken(engine)


def test_tail_gives_the_last_entries_oldest_first(engine: Engine) -> None:
    fill(engine, 5)
    with engine.connect() as connection:
        last = tail(connection=connection, limit=2)
    assert [logged.sequence for logged in last] == [4, 5]
    assert last[1].entry == entry(5)
    assert last[1].as_dict()["recorded_at"].endswith("Z")


def test_an_unknown_entry_is_refused(engine: Engine) -> None:
    fill(engine, 1)
    with engine.connect() as connection, pytest.raises(LienthongError) as raised:
        entry_at(connection=connection, sequence=2)
    assert raised.value.code == "audit.entry.unknown"


def test_leaf_hashes_stream_across_pages_and_refuse_a_gap(engine: Engine) -> None:
    fill(engine, 12)
    with engine.connect() as connection:
        from lienthong.exchange.audit import log as audit_log_module

        read = list(leaf_hashes(connection, upto=12))
        assert read == [entry(n).leaf_hash() for n in range(1, 13)]
        paged = list(
            row.sequence
            for row in audit_log_module.scan(connection, [audit_log.c.sequence], page=5)
        )
        assert paged == list(range(1, 13))
    with engine.begin() as connection:
        connection.execute(audit_log.delete().where(audit_log.c.sequence == 4))
    with engine.connect() as connection, pytest.raises(LienthongError) as raised:
        list(leaf_hashes(connection, upto=12))
    assert (raised.value.code, raised.value.params["sequence"]) == ("audit.log.broken", 4)
