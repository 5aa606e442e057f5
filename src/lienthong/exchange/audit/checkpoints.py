"""Signed checkpoints of the audit log, and their co-signature by a central witness.

A checkpoint is the Merkle root of the log's first ``tree_size`` entries, signed by the
node with its Ed25519 key over the canonical form of ``(node_id, tree_size, root_hash,
issued_at)``. A witness (the central authority) co-signs a checkpoint once it has
checked the node's signature and that the log it describes extends, entry for entry,
the one it last co-signed for that node: a node can then no longer rewrite what it
showed the witness without the witness noticing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Row, select
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.exchange.audit.log import (
    GENESIS,
    chain_next,
    digest,
    format_time,
    log_size,
    scan,
)
from lienthong.exchange.audit.merkle import HASH_SIZE, Frontier, verify_consistency
from lienthong.exchange.audit.models import audit_checkpoints, audit_log
from lienthong.i18n import N_
from lienthong.store import dialects

CHECKPOINT_FORMAT: Final = "lienthong-audit-checkpoint/1"
COSIGNATURE_FORMAT: Final = "lienthong-audit-cosignature/1"


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _verify(key: Ed25519PublicKey, signature: str | None, message: bytes) -> bool:
    if signature is None:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the root of the first ``tree_size`` entries, at a time."""

    tree_size: int
    root_hash: str
    issued_at: datetime
    node_id: str
    signature: str
    witness: str | None = None
    witness_signature: str | None = None

    @classmethod
    def sign(
        cls,
        *,
        tree_size: int,
        root_hash: str,
        issued_at: datetime,
        node_id: str,
        key: Ed25519PrivateKey,
    ) -> Checkpoint:
        """Return the checkpoint of a tree, signed with the node's key."""
        unsigned = cls(tree_size, root_hash, issued_at, node_id, signature="")
        return replace(unsigned, signature=_sign(key, unsigned.signed_bytes()))

    def _fields(self) -> dict[str, Any]:
        return {
            "issued_at": format_time(self.issued_at),
            "node_id": self.node_id,
            "root_hash": self.root_hash,
            "tree_size": self.tree_size,
        }

    def signed_bytes(self) -> bytes:
        """Return what the node signs: the checkpoint's fields as compact sorted JSON."""
        return _canonical({"format": CHECKPOINT_FORMAT, **self._fields()})

    def cosigned_bytes(self, witness: str) -> bytes:
        """Return what a witness signs: the checkpoint's fields and the witness's name."""
        return _canonical({"format": COSIGNATURE_FORMAT, **self._fields(), "witness": witness})

    @property
    def root(self) -> bytes:
        """The root hash as bytes (an unreadable stored value gives 32 zero bytes)."""
        return digest(self.root_hash) or bytes(HASH_SIZE)

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        """Return whether the node's signature verifies with ``key``."""
        return _verify(key, self.signature, self.signed_bytes())

    def cosigned_by(self, key: Ed25519PublicKey) -> bool:
        """Return whether the witness's co-signature verifies with ``key``."""
        if self.witness is None:
            return False
        return _verify(key, self.witness_signature, self.cosigned_bytes(self.witness))

    def as_dict(self) -> dict[str, Any]:
        """Return the checkpoint as JSON-ready data."""
        return {
            **self._fields(),
            "signature": self.signature,
            "witness": self.witness,
            "witness_signature": self.witness_signature,
        }


def checkpoint_of(row: Row[Any]) -> Checkpoint:
    """Return the checkpoint stored in a row of ``audit_checkpoints``."""
    return Checkpoint(
        tree_size=int(row.tree_size),
        root_hash=row.root_hash,
        issued_at=row.issued_at,
        node_id=row.node_id,
        signature=row.signature,
        witness=row.witness,
        witness_signature=row.witness_signature,
    )


def frontier_text(frontier: Frontier) -> str:
    """Return a frontier as stored: its subtree hashes in hex, concatenated."""
    return "".join(value.hex() for value in frontier.hashes)


def frontier_of(tree_size: int, text: str) -> Frontier | None:
    """Return a stored frontier, or None when the text cannot be one for that size."""
    width = 2 * HASH_SIZE
    try:
        hashes = [bytes.fromhex(text[i : i + width]) for i in range(0, len(text), width)]
        frontier = Frontier(tree_size, hashes)
    except ValueError:
        return None
    if any(len(value) != HASH_SIZE for value in hashes):
        return None
    return frontier


def latest_checkpoint(*, connection: Connection) -> Checkpoint | None:
    """Return the checkpoint of the largest tree, or None when there is none yet."""
    row = connection.execute(
        select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size.desc()).limit(1)
    ).first()
    return None if row is None else checkpoint_of(row)


def find_checkpoint(*, connection: Connection, tree_size: int) -> Checkpoint | None:
    """Return the checkpoint of a tree size, or None when there is none."""
    row = connection.execute(
        select(audit_checkpoints).where(audit_checkpoints.c.tree_size == tree_size)
    ).first()
    return None if row is None else checkpoint_of(row)


def checkpoint_at(*, connection: Connection, tree_size: int) -> Checkpoint:
    """Return the checkpoint of a tree size, or refuse when there is none."""
    checkpoint = find_checkpoint(connection=connection, tree_size=tree_size)
    if checkpoint is None:
        raise LienthongError(
            "audit.checkpoint.unknown",
            N_("There is no checkpoint of the audit log at {tree_size} entries."),
            field="tree_size",
            tree_size=tree_size,
        )
    return checkpoint


def covering_checkpoint(*, connection: Connection, sequence: int) -> Checkpoint | None:
    """Return the latest checkpoint, if it covers entry ``sequence``."""
    latest = latest_checkpoint(connection=connection)
    return latest if latest is not None and latest.tree_size >= sequence else None


def stored_frontier(*, connection: Connection, tree_size: int) -> Frontier | None:
    """Return the frontier kept with a checkpoint, if it matches the checkpoint's root."""
    row = connection.execute(
        select(audit_checkpoints.c.root_hash, audit_checkpoints.c.frontier).where(
            audit_checkpoints.c.tree_size == tree_size
        )
    ).first()
    if row is None:
        return None
    frontier = frontier_of(tree_size, row.frontier)
    if frontier is None or frontier.root().hex() != row.root_hash:
        return None
    return frontier


def _broken(sequence: int) -> LienthongError:
    return LienthongError(
        "audit.chain.broken",
        N_(
            "The audit log's chain breaks at entry {sequence}, so no checkpoint is signed."
            " Run lienthong audit verify to see what changed."
        ),
        sequence=sequence,
    )


def make_checkpoint(
    *, connection: Connection, node_id: str, key: Ed25519PrivateKey, at: datetime
) -> Checkpoint:
    """Sign a checkpoint of the whole log now, in the caller's transaction, and return it.

    Only the entries after the latest checkpoint are read: its stored frontier, checked
    against its signed root, carries the tree forward. Their chain is checked first, so
    a node never signs a log it can already see is broken. When no entry was appended
    since the latest checkpoint, that checkpoint is returned.
    """
    if dialects.backend_of(connection.dialect) == "postgresql":
        # One checkpoint at a time; appends and reads go on meanwhile.
        connection.exec_driver_sql("LOCK TABLE audit_checkpoints IN SHARE ROW EXCLUSIVE MODE")
    size = log_size(connection=connection)
    latest = latest_checkpoint(connection=connection)
    frontier, chain = Frontier(), GENESIS
    if latest is not None:
        if latest.tree_size == size:
            return latest
        if latest.tree_size > size or not latest.signed_by(key.public_key()):
            raise _tampered_checkpoint(latest.tree_size)
        kept = stored_frontier(connection=connection, tree_size=latest.tree_size)
        if kept is None:
            raise _tampered_checkpoint(latest.tree_size)
        frontier = kept
        if latest.tree_size:
            value = connection.execute(
                select(audit_log.c.chain_hash).where(audit_log.c.sequence == latest.tree_size)
            ).scalar()
            chain = digest(value) or b""
    expected = frontier.size + 1
    for row in scan(
        connection,
        [audit_log.c.sequence, audit_log.c.entry_hash, audit_log.c.chain_hash],
        after=frontier.size,
        upto=size,
    ):
        entry_hash = digest(row.entry_hash)
        if row.sequence != expected or entry_hash is None:
            raise _broken(expected)
        chain = chain_next(chain, entry_hash)
        if digest(row.chain_hash) != chain:
            raise _broken(expected)
        frontier.append(entry_hash)
        expected += 1
    if frontier.size != size:
        raise _broken(expected)
    checkpoint = Checkpoint.sign(
        tree_size=size, root_hash=frontier.root().hex(), issued_at=at, node_id=node_id, key=key
    )
    connection.execute(
        audit_checkpoints.insert().values(
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.root_hash,
            issued_at=checkpoint.issued_at,
            node_id=checkpoint.node_id,
            signature=checkpoint.signature,
            frontier=frontier_text(frontier),
        )
    )
    return checkpoint


def _tampered_checkpoint(tree_size: int) -> LienthongError:
    return LienthongError(
        "audit.checkpoint.signature",
        N_(
            "The checkpoint at {tree_size} entries does not verify with this node's key, so"
            " no checkpoint is built on it. Run lienthong audit verify."
        ),
        tree_size=tree_size,
    )


def witness_checkpoint(
    *,
    checkpoint: Checkpoint,
    previous: Checkpoint | None,
    proof: Sequence[bytes],
    node_key: Ed25519PublicKey,
    witness_id: str,
    witness_key: Ed25519PrivateKey,
) -> str:
    """Co-sign a node's checkpoint and return the co-signature (base64), as the witness.

    ``previous`` is the node's checkpoint this witness co-signed last (None for the
    first) and ``proof`` the node's consistency proof from it to ``checkpoint``. The
    witness refuses a checkpoint the node did not sign, or one whose log does not
    extend the previous one.
    """
    if not checkpoint.signed_by(node_key):
        raise LienthongError(
            "audit.checkpoint.signature",
            N_(
                "The checkpoint of {node} at {tree_size} entries is not signed by that"
                " node's key, so it is not co-signed."
            ),
            node=checkpoint.node_id,
            tree_size=checkpoint.tree_size,
        )
    if previous is not None:
        if previous.node_id != checkpoint.node_id:
            raise LienthongError(
                "audit.witness.node",
                N_(
                    "The checkpoint is {node}'s but the previous one is {previous}'s:"
                    " compare a node's checkpoints with its own only."
                ),
                node=checkpoint.node_id,
                previous=previous.node_id,
            )
        if not verify_consistency(
            previous.tree_size, checkpoint.tree_size, previous.root, checkpoint.root, proof
        ):
            raise LienthongError(
                "audit.witness.inconsistent",
                N_(
                    "The audit log of {node} at {tree_size} entries does not extend the one"
                    " co-signed at {previous_size}: its earlier entries were changed, so the"
                    " checkpoint is not co-signed."
                ),
                node=checkpoint.node_id,
                tree_size=checkpoint.tree_size,
                previous_size=previous.tree_size,
            )
    return _sign(witness_key, checkpoint.cosigned_bytes(witness_id))


def record_cosignature(
    *,
    connection: Connection,
    tree_size: int,
    witness_id: str,
    signature: str,
    witness_key: Ed25519PublicKey,
) -> Checkpoint:
    """Keep a witness's co-signature of one of the node's checkpoints, once it verifies."""
    stored = checkpoint_at(connection=connection, tree_size=tree_size)
    cosigned = replace(stored, witness=witness_id, witness_signature=signature)
    if not cosigned.cosigned_by(witness_key):
        raise LienthongError(
            "audit.witness.signature",
            N_(
                "The co-signature of {witness} for the checkpoint at {tree_size} entries does"
                " not verify with the witness's key."
            ),
            witness=witness_id,
            tree_size=tree_size,
        )
    connection.execute(
        audit_checkpoints.update()
        .where(audit_checkpoints.c.tree_size == tree_size)
        .values(witness=witness_id, witness_signature=signature)
    )
    return cosigned
