"""The Merkle tree of RFC 6962 / 9162: hashes, inclusion and consistency proofs, frontiers."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.exchange.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    consistency_proof_after,
    inclusion_proof,
    inclusion_spans,
    leaf_hash,
    root_from_inclusion,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# -- a naive reference: RFC 9162 §2.1.1 to §2.1.4 written as the RFC states them ----------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(data: list[bytes]) -> bytes:
    """MTH(D[n]) over raw leaf data, recursively."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = _k(len(data))
    return hashlib.sha256(b"\x01" + mth(data[:k]) + mth(data[k:])).digest()


def path(m: int, data: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    if len(data) == 1:
        return []
    k = _k(len(data))
    if m < k:
        return [*path(m, data[:k]), mth(data[k:])]
    return [*path(m - k, data[k:]), mth(data[:k])]


def subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(data)
    if m == n:
        return [] if complete else [mth(data)]
    k = _k(n)
    if m <= k:
        return [*subproof(m, data[:k], complete), mth(data[k:])]
    return [*subproof(m - k, data[k:], False), mth(data[:k])]


def proof(m: int, data: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]); empty for m = 0 as for m = n."""
    return subproof(m, data, True) if 0 < m < len(data) else []


# -- strategies ---------------------------------------------------------------------------

leaf_data = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


def _hashes(data: list[bytes]) -> list[bytes]:
    return [leaf_hash(item) for item in data]


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


# -- tree hashes --------------------------------------------------------------------------


def test_the_empty_tree_hashes_to_the_hash_of_nothing() -> None:
    assert root_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_a_known_two_leaf_tree() -> None:
    left = hashlib.sha256(b"\x00a").digest()
    right = hashlib.sha256(b"\x00b").digest()
    assert root_hash(_hashes([b"a", b"b"])) == hashlib.sha256(b"\x01" + left + right).digest()


@given(leaf_data)
def test_the_root_is_the_rfc_tree_hash_at_every_size(data: list[bytes]) -> None:
    frontier = Frontier()
    for size, leaf in enumerate(_hashes(data), start=1):
        frontier.append(leaf)
        assert frontier.root() == mth(data[:size])


@given(leaf_data, st.data())
def test_a_frontier_rebuilt_from_its_hashes_continues_the_same_tree(
    data: list[bytes], draw: st.DataObject
) -> None:
    cut = draw.draw(st.integers(0, len(data)))
    first = Frontier()
    first.extend(_hashes(data[:cut]))
    again = Frontier(first.size, first.hashes)
    again.extend(_hashes(data[cut:]))
    assert again.root() == mth(data)
    assert len(first.hashes) == bin(cut).count("1")


# -- inclusion ----------------------------------------------------------------------------


@settings(max_examples=60)
@given(leaf_data)
def test_every_leaf_is_proven_included_at_every_size(data: list[bytes]) -> None:
    hashes = _hashes(data)
    for size in range(1, len(data) + 1):
        root = mth(data[:size])
        for index in range(size):
            found = inclusion_proof(hashes, index, size)
            assert found == path(index, data[:size])
            assert verify_inclusion(hashes[index], index, size, found, root)


@given(leaf_data, st.data())
def test_an_inclusion_proof_fails_for_another_leaf_index_size_or_proof(
    data: list[bytes], draw: st.DataObject
) -> None:
    hashes = _hashes(data)
    size = draw.draw(st.integers(1, len(data)))
    index = draw.draw(st.integers(0, size - 1))
    root = mth(data[:size])
    found = inclusion_proof(hashes, index, size)
    assert not verify_inclusion(_flip(hashes[index]), index, size, found, root)
    other_index = draw.draw(st.integers(0, size).filter(lambda i: i != index))
    assert not verify_inclusion(hashes[index], other_index, size, found, root) or (
        # Only a leaf equal to the one at the other index can be proven there.
        other_index < size and hashes[other_index] == hashes[index]
    )
    # A size is bound by the checkpoint that signs it with its root; on its own a proof
    # rules out any size whose tree puts the leaf at another depth.
    other_size = draw.draw(st.integers(1, 2 * len(data)).filter(lambda s: s != size))
    if other_size <= index or len(inclusion_spans(index, other_size)) != len(found):
        assert not verify_inclusion(hashes[index], index, other_size, found, root)
    assert not verify_inclusion(hashes[index], index, size, found, _flip(root))
    if found:
        position = draw.draw(st.integers(0, len(found) - 1))
        changed = [*found[:position], _flip(found[position]), *found[position + 1 :]]
        assert not verify_inclusion(hashes[index], index, size, changed, root)
        assert not verify_inclusion(hashes[index], index, size, found[:-1], root)
    assert not verify_inclusion(hashes[index], index, size, [*found, root], root)


def test_the_root_follows_from_a_leaf_and_its_proof() -> None:
    hashes = _hashes([bytes([i]) for i in range(13)])
    found = inclusion_proof(hashes, 6, 13)
    assert root_from_inclusion(hashes[6], 6, 13, found) == root_hash(hashes)
    assert root_from_inclusion(hashes[6], 13, 13, found) is None


def test_an_inclusion_proof_reads_the_leaves_once_as_a_stream() -> None:
    read: list[int] = []

    def stream() -> object:
        for index in range(1000):
            read.append(index)
            yield leaf_hash(index.to_bytes(4, "big"))

    found = inclusion_proof(stream(), 500, 1000)  # type: ignore[arg-type]
    assert read == list(range(1000))
    assert len(found) == 10


# -- consistency --------------------------------------------------------------------------


@settings(max_examples=60)
@given(leaf_data)
def test_every_pair_of_sizes_is_proven_consistent(data: list[bytes]) -> None:
    hashes = _hashes(data)
    for new in range(len(data) + 1):
        for old in range(new + 1):
            found = consistency_proof(hashes, old, new)
            assert found == proof(old, data[:new])
            assert verify_consistency(old, new, mth(data[:old]), mth(data[:new]), found)


@given(leaf_data, st.data())
def test_a_consistency_proof_fails_for_other_roots_sizes_or_proofs(
    data: list[bytes], draw: st.DataObject
) -> None:
    hashes = _hashes(data)
    new = draw.draw(st.integers(1, len(data)))
    old = draw.draw(st.integers(1, new))
    old_root, new_root = mth(data[:old]), mth(data[:new])
    found = consistency_proof(hashes, old, new)
    assert not verify_consistency(old, new, _flip(old_root), new_root, found)
    assert not verify_consistency(old, new, old_root, _flip(new_root), found)
    if old < new:
        other = draw.draw(st.integers(1, new + 2).filter(lambda s: s != old))
        assert not verify_consistency(other, new, old_root, new_root, found)
        position = draw.draw(st.integers(0, len(found) - 1))
        changed = [*found[:position], _flip(found[position]), *found[position + 1 :]]
        assert not verify_consistency(old, new, old_root, new_root, changed)
        assert not verify_consistency(old, new, old_root, new_root, found[:-1])
        assert not verify_consistency(old, new, old_root, new_root, [])
        assert not verify_consistency(new, old, new_root, old_root, found)
    assert not verify_consistency(old, new, old_root, new_root, [*found, new_root])


def test_a_changed_earlier_leaf_breaks_consistency() -> None:
    data = [bytes([i]) for i in range(10)]
    forged = [*data[:3], b"forged", *data[4:]]
    found = consistency_proof(_hashes(forged), 6, 10)
    assert not verify_consistency(6, 10, mth(data[:6]), mth(forged), found)


@given(leaf_data, st.data())
def test_a_proof_from_a_stored_frontier_equals_one_from_every_leaf(
    data: list[bytes], draw: st.DataObject
) -> None:
    hashes = _hashes(data)
    new = draw.draw(st.integers(0, len(data)))
    old = draw.draw(st.integers(0, new))
    kept = Frontier()
    kept.extend(hashes[:old])
    found, extended = consistency_proof_after(Frontier(kept.size, kept.hashes), hashes[old:], new)
    assert found == consistency_proof(hashes, old, new)
    assert (extended.size, extended.root()) == (new, mth(data[:new]))


def test_a_million_leaves_take_one_pass() -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(1 << 20)]
    root = root_hash(leaves)
    found = inclusion_proof(leaves, 765_432, len(leaves))
    assert verify_inclusion(leaves[765_432], 765_432, len(leaves), found, root)
    grown = consistency_proof(leaves, 1000, len(leaves))
    assert verify_consistency(1000, len(leaves), root_hash(leaves[:1000]), root, grown)
