"""Any one change to a checkpointed log is found, and named for what was done (a property)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Connection, Engine
from tests.integration.exchange.audit.helpers import (
    chain_of,
    checkpoint,
    entry,
    fill,
    found,
    renumber,
    row_of,
    swap,
    verify,
)

from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.exchange.audit.verify import WINDOW

KEY = Ed25519PrivateKey.generate()


@dataclass(frozen=True)
class Tampering:
    """One change to the log and what the report must then say."""

    name: str
    change: Callable[[Connection], None]
    expected: frozenset[tuple[str, int]]


@st.composite
def tamperings(draw: st.DrawFn, size: int) -> Tampering:
    sequence = draw(st.integers(1, size))
    kind = draw(st.sampled_from(["edit", "chain", "delete", "insert", "forge", "swap"]))
    if kind == "edit":
        column, value = draw(
            st.sampled_from(
                [("client", "VN/GOV/X/forger"), ("outcome", "denied"), ("request_size", 0)]
            )
        )

        def edit(connection: Connection) -> None:
            connection.execute(
                update(audit_log).where(audit_log.c.sequence == sequence).values({column: value})
            )

        return Tampering(
            f"edit {column} of {sequence}", edit, frozenset({("audit.entry.edited", sequence)})
        )
    if kind == "chain":

        def rechain(connection: Connection) -> None:
            connection.execute(
                update(audit_log)
                .where(audit_log.c.sequence == sequence)
                .values(chain_hash="5a" * 32)
            )

        return Tampering(
            f"chain of {sequence}", rechain, frozenset({("audit.entry.edited", sequence)})
        )
    if kind == "delete":

        def remove(connection: Connection) -> None:
            connection.execute(delete(audit_log).where(audit_log.c.sequence == sequence))

        return Tampering(
            f"delete {sequence}", remove, frozenset({("audit.entry.missing", sequence)})
        )
    if kind in ("insert", "forge"):
        honest = kind == "insert"

        def slip_in(connection: Connection) -> None:
            before = chain_of(connection, sequence - 1) if sequence > 1 else bytes(32)
            renumber(connection, start=sequence, by=1)
            row = row_of(entry(10_000), sequence=sequence, previous_chain=before)
            if not honest:
                row["chain_hash"] = "c3" * 32
            connection.execute(insert(audit_log), [row])

        return Tampering(
            f"{kind} at {sequence}", slip_in, frozenset({("audit.entry.inserted", sequence)})
        )
    # The verifier looks for where an entry came from among WINDOW neighbours either side.
    other = draw(
        st.integers(max(1, sequence - WINDOW), min(size, sequence + WINDOW)).filter(
            lambda n: n != sequence
        )
    )
    low, high = sorted((sequence, other))

    def exchange(connection: Connection) -> None:
        swap(connection, low, high)

    return Tampering(
        f"swap {low} and {high}",
        exchange,
        frozenset({("audit.entry.reordered", low), ("audit.entry.reordered", high)}),
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), size=st.integers(2, 2 * WINDOW + 10))
def test_one_change_to_a_checkpointed_log_is_found_and_named(
    engine: Engine, data: st.DataObject, size: int
) -> None:
    with engine.begin() as connection:
        connection.execute(delete(audit_checkpoints))
        connection.execute(delete(audit_log))
    fill(engine, size)
    checkpoint(engine, KEY)
    tampering = data.draw(tamperings(size), label="tampering")
    with engine.begin() as connection:
        tampering.change(connection)
    report = verify(engine, KEY)
    assert not report.ok
    assert tampering.expected <= found(report), (tampering.name, report.problems)
