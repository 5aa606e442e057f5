"""Entries, keys and tampering for the audit-log tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from lienthong.exchange.audit import (
    EXCHANGE_PROVIDER,
    AuditEntry,
    Checkpoint,
    VerifyReport,
    append_entries,
    make_checkpoint,
    verify_log,
)
from lienthong.exchange.audit.log import chain_next
from lienthong.exchange.audit.models import audit_log
from lienthong.store import dialects

NODE = "VN/GOV/BTC/node"
WITNESS = "VN/GOV/central/witness"
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def entry(number: int, **changes: Any) -> AuditEntry:
    """Return a provider-side call entry, different for each number."""
    fields: dict[str, Any] = {
        "recorded_at": T0 + timedelta(seconds=number, microseconds=number),
        "kind": EXCHANGE_PROVIDER,
        "node_id": NODE,
        "message_id": f"msg-{number:06d}",
        "client": "VN/GOV/BCA/population",
        "service": "VN/GOV/BTC/tax/income",
        "user_id": "VN0123456789",
        "purpose": "tax.check",
        "outcome": "ok",
        "status": 200,
        "request_size": 100 + number,
        "response_size": 2000 + number,
        "duration_ms": 12.5 + number / 7,
        "request_hash": hashlib.sha256(f"request {number}".encode()).hexdigest(),
        "response_hash": hashlib.sha256(f"response {number}".encode()).hexdigest(),
    }
    return AuditEntry(**{**fields, **changes})


def fill(engine: Engine, count: int, *, first: int = 1) -> list[int]:
    """Append ``count`` entries in one transaction."""
    with engine.begin() as connection:
        return append_entries(
            connection=connection, entries=[entry(n) for n in range(first, first + count)]
        )


def checkpoint(engine: Engine, key: Ed25519PrivateKey, *, minutes: int = 0) -> Checkpoint:
    """Sign a checkpoint of the whole log."""
    with engine.begin() as connection:
        return make_checkpoint(
            connection=connection, node_id=NODE, key=key, at=T0 + timedelta(minutes=minutes)
        )


def verify(
    engine: Engine, key: Ed25519PrivateKey, witness: Ed25519PrivateKey | None = None
) -> VerifyReport:
    """Verify the log with the node's (and the witness's) public key."""
    with engine.connect() as connection:
        return verify_log(
            connection=dialects.read_only(connection),
            node_key=key.public_key(),
            witness_key=None if witness is None else witness.public_key(),
        )


def found(report: VerifyReport) -> set[tuple[str, int]]:
    """Return the problems as (code, sequence) pairs."""
    return {(problem.code, problem.sequence) for problem in report.problems}


def chain_of(connection: Connection, sequence: int) -> bytes:
    """Return the stored chain value of an entry."""
    value = connection.execute(
        select(audit_log.c.chain_hash).where(audit_log.c.sequence == sequence)
    ).scalar_one()
    return bytes.fromhex(value)


def row_of(forged: AuditEntry, *, sequence: int, previous_chain: bytes) -> dict[str, Any]:
    """Return a forged row whose hashes are computed as an honest writer would."""
    entry_hash = forged.leaf_hash()
    return {
        "sequence": sequence,
        **forged.as_row(),
        "entry_hash": entry_hash.hex(),
        "chain_hash": chain_next(previous_chain, entry_hash).hex(),
    }


#: Where renumbered entries wait, so that no two share a number on the way.
_ASIDE = 1_000_000


def renumber(connection: Connection, *, start: int, by: int, stop: int | None = None) -> None:
    """Move entries ``start`` to ``stop`` (default: the last) by ``by`` places."""
    sequence = audit_log.c.sequence
    chosen = sequence >= start if stop is None else sequence.between(start, stop)
    connection.execute(update(audit_log).where(chosen).values(sequence=-sequence - _ASIDE))
    connection.execute(
        update(audit_log).where(sequence < -_ASIDE).values(sequence=-sequence - _ASIDE + by)
    )


def swap(connection: Connection, first: int, second: int) -> None:
    """Exchange the places of two entries."""
    sequence = audit_log.c.sequence
    connection.execute(update(audit_log).where(sequence == first).values(sequence=-1))
    connection.execute(update(audit_log).where(sequence == second).values(sequence=first))
    connection.execute(update(audit_log).where(sequence == -1).values(sequence=second))
