"""Merkle trees in the style of RFC 6962 / RFC 9162 §2.1: tree hashes and their proofs.

A leaf hash is ``SHA-256(0x00 ‖ data)``, an inner node ``SHA-256(0x01 ‖ left ‖ right)``;
the tree of ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``. The
hash of the empty tree is ``SHA-256()``. Proofs and their verification follow RFC 9162
§2.1.3 (inclusion) and §2.1.4 (consistency), so any RFC 9162 verifier checks them.

Everything here works on leaf *hashes* and reads them as a stream, once, in order: a
proof is computed in one pass over the leaves without holding them, and a ``Frontier``
(the roots of the perfect subtrees a tree of ``n`` leaves decomposes into) carries a
tree forward so that later leaves extend it without reading the earlier ones again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

HASH_SIZE: Final = 32
LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
#: The root of the tree without leaves.
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()

#: A half-open range ``[start, end)`` of leaf indexes: one subtree of the tree.
Span = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """Return the hash of a leaf holding ``data``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an inner node from its children's hashes."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """Return the largest power of two strictly below ``size`` (``size`` > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


class Frontier:
    """A tree of ``size`` leaves, kept as the roots of its perfect subtrees (left to right).

    Appending a leaf costs one hash plus one per subtree it completes (amortized two);
    the root folds the subtrees right to left. A frontier holds at most one hash per bit
    of ``size``, so it can be stored beside a checkpoint and extended later.
    """

    __slots__ = ("_hashes", "_sizes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        sizes = [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
        if size < 0 or len(sizes) != len(hashes):
            raise ValueError(
                f"a tree of {size} leaves has {len(sizes)} subtrees, not {len(hashes)}"
            )
        self.size = size
        self._sizes = sizes
        self._hashes = list(hashes)

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The roots of the perfect subtrees, largest (leftmost) first."""
        return tuple(self._hashes)

    def spans(self) -> list[Span]:
        """Return the leaf ranges of the perfect subtrees, left to right."""
        spans, start = [], 0
        for size in self._sizes:
            spans.append((start, start + size))
            start += size
        return spans

    def append(self, leaf: bytes) -> None:
        """Add the next leaf's hash."""
        sizes, hashes = self._sizes, self._hashes
        sizes.append(1)
        hashes.append(leaf)
        while len(sizes) > 1 and sizes[-1] == sizes[-2]:
            right = hashes.pop()
            sizes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            sizes[-1] *= 2
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """Return the Merkle Tree Hash of the leaves so far."""
        if not self._hashes:
            return EMPTY_ROOT
        root = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            root = node_hash(left, root)
        return root

    def copy(self) -> Frontier:
        """Return an independent copy."""
        return Frontier(self.size, self._hashes)


def root_hash(leaves: Iterable[bytes]) -> bytes:
    """Return the Merkle Tree Hash of a sequence of leaf hashes."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def _check_hashes(hashes: Sequence[bytes]) -> bool:
    return all(len(value) == HASH_SIZE for value in hashes)


# -- which subtrees a proof holds ---------------------------------------------------------


def inclusion_spans(index: int, size: int) -> list[Span]:
    """Return the subtrees of the inclusion proof of leaf ``index``, in proof order.

    This is RFC 9162's ``PATH(m, D[n])`` unrolled: siblings from the leaf up to the root.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    spans: list[Span] = []
    low, high = 0, size
    while high - low > 1:
        k = _split(high - low)
        if index - low < k:
            spans.append((low + k, high))
            high = low + k
        else:
            spans.append((low, low + k))
            low += k
    spans.reverse()
    return spans


def consistency_spans(old_size: int, new_size: int) -> list[Span]:
    """Return the subtrees of the consistency proof from ``old_size`` to ``new_size``.

    This is RFC 9162's ``SUBPROOF(m, D[n], true)`` unrolled, in proof order. Every
    subtree either lies in ``[old_size, new_size)`` or is one of the old tree's
    frontier subtrees.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size} leaves")
    if old_size in (0, new_size):
        return []
    spans: list[Span] = []
    low, high, old, complete = 0, new_size, old_size, True
    while True:
        if old == high - low:
            if not complete:
                spans.append((low, high))
            break
        k = _split(high - low)
        if old <= k:
            spans.append((low + k, high))
            high = low + k
        else:
            spans.append((low, low + k))
            low += k
            old -= k
            complete = False
    spans.reverse()
    return spans


def span_hashes(
    spans: Iterable[Span], leaves: Iterable[bytes], *, start: int = 0, end: int | None = None
) -> dict[Span, bytes]:
    """Return the hash of each span, reading leaf hashes ``start, start + 1, …`` once.

    Spans must not overlap and must lie in ``[start, end)``; leaves in no span are
    skipped. Reading stops after the last span, so a stream longer than needed is fine.
    """
    ordered = sorted(spans)
    hashes: dict[Span, bytes] = {}
    if not ordered:
        return hashes
    last = ordered[-1][1]
    if ordered[0][0] < start or (end is not None and last > end):
        raise ValueError("a span lies outside the leaves given")
    pending = iter(ordered)
    current = next(pending)
    frontier = Frontier()
    position = start
    for leaf in leaves:
        if current[0] <= position < current[1]:
            frontier.append(leaf)
            if position + 1 == current[1]:
                hashes[current] = frontier.root()
                frontier = Frontier()
                following = next(pending, None)
                if following is None:
                    return hashes
                current = following
        position += 1
    raise ValueError(f"the tree has {position} leaves, fewer than the proof needs ({last})")


# -- inclusion ----------------------------------------------------------------------------


def inclusion_proof(leaves: Iterable[bytes], index: int, size: int) -> list[bytes]:
    """Return the proof that leaf ``index`` is in the tree of the first ``size`` leaf hashes."""
    spans = inclusion_spans(index, size)
    hashes = span_hashes(spans, leaves, end=size)
    return [hashes[span] for span in spans]


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """Return the root an inclusion proof leads to, or None when it cannot be a proof.

    RFC 9162 §2.1.3.2, steps 1 to 4.
    """
    if not 0 <= index < size or len(leaf) != HASH_SIZE or not _check_hashes(proof):
        return None
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree ``root``."""
    return root_from_inclusion(leaf, index, size, proof) == root


# -- consistency --------------------------------------------------------------------------


def consistency_proof(leaves: Iterable[bytes], old_size: int, new_size: int) -> list[bytes]:
    """Return the proof that the tree of ``old_size`` leaves is a prefix of ``new_size``'s."""
    spans = consistency_spans(old_size, new_size)
    hashes = span_hashes(spans, leaves, end=new_size)
    return [hashes[span] for span in spans]


def consistency_proof_after(
    old: Frontier, later: Iterable[bytes], new_size: int
) -> tuple[list[bytes], Frontier]:
    """Return the consistency proof from ``old`` to ``new_size`` leaves, and the new frontier.

    ``later`` holds the leaf hashes from ``old.size`` on: the subtrees of the proof that
    lie in the old tree are all among its frontier, so those leaves are not read again.
    """
    spans = consistency_spans(old.size, new_size)
    known = dict(zip(old.spans(), old.hashes, strict=True))
    wanted = [span for span in spans if span not in known]
    frontier = old.copy()

    def extending() -> Iterator[bytes]:
        for leaf in later:
            if frontier.size == new_size:
                return
            frontier.append(leaf)
            yield leaf

    feed = extending()
    hashes = span_hashes(wanted, feed, start=old.size, end=new_size)
    # The last span may end before new_size: the remaining leaves still extend the frontier.
    for _ in feed:
        pass
    if frontier.size != new_size:
        raise ValueError(f"the tree has {frontier.size} leaves, fewer than {new_size}")
    hashes.update(known)
    return [hashes[span] for span in spans], frontier


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether ``proof`` shows the tree ``old_root`` is a prefix of ``new_root``.

    RFC 9162 §2.1.4.2; the sizes 0 and ``old_size == new_size`` take empty proofs.
    """
    if not 0 <= old_size <= new_size or not _check_hashes(proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
