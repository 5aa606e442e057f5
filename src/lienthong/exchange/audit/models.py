"""The tables of the audit log: the hash-chained entries and the signed checkpoints.

They are declared on the store's metadata, so that the store's migrations and its
schema comparison know them (``lienthong.store.migrate.TABLE_MODULES`` lists this module).
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from lienthong.store.dialects import UTCDateTime
from lienthong.store.models import HASH_LENGTH, metadata

#: X-Road identifiers, message ids and user ids: the gateway caps its headers at 255.
NAME_LENGTH: Final = 255
KIND_LENGTH: Final = 32
PURPOSE_LENGTH: Final = 500
OUTCOME_LENGTH: Final = 255
#: An Ed25519 signature (64 bytes) in base64.
SIGNATURE_LENGTH: Final = 88

#: One row per audited event, only ever inserted, numbered 1, 2, 3… without gaps.
#: ``entry_hash`` is the Merkle leaf hash of the entry's canonical form and
#: ``chain_hash`` chains it to every entry before it (see ``lienthong.exchange.audit.log``).
audit_log = Table(
    "audit_log",
    metadata,
    Column("sequence", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("node_id", String(NAME_LENGTH), nullable=True),
    Column("kind", String(KIND_LENGTH), nullable=False),
    Column("message_id", String(NAME_LENGTH), nullable=True),
    Column("client", String(NAME_LENGTH), nullable=False),
    Column("service", String(NAME_LENGTH), nullable=True),
    Column("user_id", String(NAME_LENGTH), nullable=True),
    Column("purpose", String(PURPOSE_LENGTH), nullable=True),
    Column("outcome", String(OUTCOME_LENGTH), nullable=False),
    Column("status", Integer, nullable=True),
    Column("request_size", BigInteger, nullable=True),
    Column("response_size", BigInteger, nullable=True),
    Column("duration_ms", Double, nullable=True),
    Column("request_hash", String(HASH_LENGTH), nullable=True),
    Column("response_hash", String(HASH_LENGTH), nullable=True),
    Column("details", Text, nullable=True),
    Column("body", Text, nullable=True),
    Column("entry_hash", String(HASH_LENGTH), nullable=False),
    Column("chain_hash", String(HASH_LENGTH), nullable=False),
)

#: The node's signed tree heads: the Merkle root of the first ``tree_size`` entries.
#: ``frontier`` keeps the roots of the tree's perfect subtrees (hex, concatenated), so
#: the next checkpoint and consistency proofs from this one read only later entries.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", String(HASH_LENGTH), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("node_id", String(NAME_LENGTH), nullable=False),
    Column("signature", String(SIGNATURE_LENGTH), nullable=False),
    Column("frontier", Text, nullable=False),
    Column("witness", String(NAME_LENGTH), nullable=True),
    Column("witness_signature", String(SIGNATURE_LENGTH), nullable=True),
)

#: Who or what each entry names (its user, the identifiers in its details, the record its
#: service path ends with), so that "every entry about this person" is an index lookup,
#: not a scan of the log. Not part of the chain: derived from the entries, it is written
#: with them, and rows past the log's head (left by a log cut short) are dropped first.
audit_subjects = Table(
    "audit_subjects",
    metadata,
    Column("sequence", BigInteger, nullable=False),
    Column("subject", String(NAME_LENGTH), nullable=False),
    PrimaryKeyConstraint("sequence", "subject"),
    Index(None, "subject", "sequence"),
)
