"""Proofs about the audit log: one entry is in a tree, one tree extends another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.exchange.audit.checkpoints import (
    Checkpoint,
    covering_checkpoint,
    find_checkpoint,
    stored_frontier,
)
from lienthong.exchange.audit.log import entry_at, leaf_hashes, log_size
from lienthong.exchange.audit.merkle import (
    Frontier,
    consistency_proof_after,
    inclusion_spans,
    root_from_inclusion,
    span_hashes,
    verify_consistency,
    verify_inclusion,
)
from lienthong.i18n import N_, _


@dataclass(frozen=True)
class InclusionProof:
    """Entry ``sequence`` (leaf ``sequence - 1``) is in the tree of ``tree_size`` entries."""

    sequence: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    path: tuple[bytes, ...]
    checkpoint: Checkpoint | None = None

    @property
    def index(self) -> int:
        """The entry's leaf index in the tree (sequence numbers start at 1)."""
        return self.sequence - 1

    def verifies(self) -> bool:
        """Return whether the path leads from the leaf to the root (RFC 9162 §2.1.3.2)."""
        return verify_inclusion(
            self.leaf_hash, self.index, self.tree_size, self.path, self.root_hash
        )

    def lines(self) -> list[str]:
        """Return the proof as lines for people."""
        lines = [
            _("Entry {sequence} is leaf {index} of the tree of {size} entries.").format(
                sequence=self.sequence, index=self.index, size=self.tree_size
            ),
            _("Leaf hash: {value}").format(value=self.leaf_hash.hex()),
            _("Root hash: {value}").format(value=self.root_hash.hex()),
        ]
        if self.checkpoint is not None:
            lines.append(
                _("Signed by {node} at {time} in the checkpoint of {size} entries.").format(
                    node=self.checkpoint.node_id,
                    time=self.checkpoint.issued_at.isoformat(timespec="seconds"),
                    size=self.checkpoint.tree_size,
                )
            )
            if self.checkpoint.witness is not None:
                lines.append(_("Co-signed by {witness}.").format(witness=self.checkpoint.witness))
        else:
            lines.append(_("No checkpoint covers this tree yet: the root is computed now."))
        lines.append(_("Audit path ({count} hashes, leaf to root):").format(count=len(self.path)))
        lines.extend(f"  {number:>2}. {value.hex()}" for number, value in enumerate(self.path, 1))
        verdict = _("The proof verifies.") if self.verifies() else _("The proof does NOT verify.")
        lines.append(verdict)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, Any]:
        """Return the proof as JSON-ready data (hashes in hex)."""
        return {
            "sequence": self.sequence,
            "leaf_index": self.index,
            "tree_size": self.tree_size,
            "leaf_hash": self.leaf_hash.hex(),
            "root_hash": self.root_hash.hex(),
            "path": [value.hex() for value in self.path],
            "checkpoint": None if self.checkpoint is None else self.checkpoint.as_dict(),
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of ``old_size`` entries is a prefix of the tree of ``new_size`` entries."""

    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    path: tuple[bytes, ...]

    def verifies(self) -> bool:
        """Return whether the proof shows the old tree inside the new (RFC 9162 §2.1.4.2)."""
        return verify_consistency(
            self.old_size, self.new_size, self.old_root, self.new_root, self.path
        )

    def lines(self) -> list[str]:
        """Return the proof as lines for people."""
        lines = [
            _("The tree of {old} entries is the start of the tree of {new} entries.").format(
                old=self.old_size, new=self.new_size
            ),
            _("Old root: {value}").format(value=self.old_root.hex()),
            _("New root: {value}").format(value=self.new_root.hex()),
            _("Consistency path ({count} hashes):").format(count=len(self.path)),
        ]
        lines.extend(f"  {number:>2}. {value.hex()}" for number, value in enumerate(self.path, 1))
        verdict = _("The proof verifies.") if self.verifies() else _("The proof does NOT verify.")
        lines.append(verdict)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, Any]:
        """Return the proof as JSON-ready data (hashes in hex)."""
        return {
            "old_size": self.old_size,
            "new_size": self.new_size,
            "old_root": self.old_root.hex(),
            "new_root": self.new_root.hex(),
            "path": [value.hex() for value in self.path],
        }


def _sizes(old_size: int, new_size: int, size: int) -> LienthongError:
    return LienthongError(
        "audit.proof.size",
        N_(
            "No proof between trees of {old} and {new} entries: the log has {size};"
            " give 0 ≤ old ≤ new ≤ {size}."
        ),
        old=old_size,
        new=new_size,
        size=size,
    )


def _mismatch(checkpoint: Checkpoint) -> LienthongError:
    return LienthongError(
        "audit.checkpoint.root",
        N_(
            "The audit log no longer matches its checkpoint at {tree_size} entries."
            " Run lienthong audit verify to see what changed."
        ),
        tree_size=checkpoint.tree_size,
    )


def inclusion_proof(
    *, connection: Connection, sequence: int, tree_size: int | None = None
) -> InclusionProof:
    """Prove that entry ``sequence`` is in the tree of ``tree_size`` entries.

    By default the tree is the latest checkpoint's, when it covers the entry, else the
    whole log. The leaf hashes are read once, as a stream.
    """
    entry_at(connection=connection, sequence=sequence)
    size = log_size(connection=connection)
    checkpoint: Checkpoint | None
    if tree_size is None:
        checkpoint = covering_checkpoint(connection=connection, sequence=sequence)
        tree_size = checkpoint.tree_size if checkpoint is not None else size
    else:
        if not sequence <= tree_size <= size:
            raise _sizes(sequence, tree_size, size)
        checkpoint = find_checkpoint(connection=connection, tree_size=tree_size)
    index = sequence - 1
    spans = inclusion_spans(index, tree_size)
    leaf_span = (index, index + 1)
    hashes = span_hashes([*spans, leaf_span], leaf_hashes(connection, upto=tree_size))
    path = tuple(hashes[span] for span in spans)
    root = root_from_inclusion(hashes[leaf_span], index, tree_size, path)
    assert root is not None, "a path computed for a valid index always leads to a root"
    if checkpoint is not None and checkpoint.root != root:
        raise _mismatch(checkpoint)
    return InclusionProof(
        sequence=sequence,
        tree_size=tree_size,
        leaf_hash=hashes[leaf_span],
        root_hash=root,
        path=path,
        checkpoint=checkpoint,
    )


def consistency_between(
    *, connection: Connection, old_size: int, new_size: int
) -> ConsistencyProof:
    """Prove that the log's first ``old_size`` entries are the start of its first ``new_size``.

    From a checkpoint at ``old_size`` only the later entries are read; otherwise the
    leaves are read once from the first.
    """
    size = log_size(connection=connection)
    if not 0 <= old_size <= new_size <= size:
        raise _sizes(old_size, new_size, size)
    old = stored_frontier(connection=connection, tree_size=old_size)
    stream = leaf_hashes(connection, after=0 if old is None else old_size, upto=new_size)
    if old is None:
        old = Frontier()
        for _leaf in range(old_size):
            old.append(next(stream))
    path, new = consistency_proof_after(old, stream, new_size)
    return ConsistencyProof(
        old_size=old_size,
        new_size=new_size,
        old_root=old.root(),
        new_root=new.root(),
        path=tuple(path),
    )
