"""Digests: the Merkle tree is RFC 6962's, order does not matter, one change shows in one bucket."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import LienthongError
from lienthong.store.canonical import canonical_json
from lienthong.sync.digests import (
    BUCKETS,
    EMPTY,
    Digest,
    Leaf,
    bucket_of,
    compare,
    differences,
    from_json,
    merkle_root,
    to_json,
)

# The Certificate Transparency reference vectors: leaf inputs and MTH for sizes 1..8.
CT_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

#: Identifiers that all fall in bucket 0, to grow one bucket's tree to any size.
SAME_BUCKET = [name for name in (f"r{number}" for number in range(40_000)) if bucket_of(name) == 0]

hashes = st.binary(min_size=32, max_size=32).map(bytes.hex)
leaves = st.builds(
    Leaf,
    record_id=st.text(min_size=1, max_size=12),  # quotes, controls, any plane
    version=st.integers(1, 50),
    content_hash=hashes,
    deleted=st.booleans(),
    owner_node=st.sampled_from(["VN-central", "VN-01", "VN-79", "VN-91"]),
)
leaf_sets = st.lists(leaves, min_size=1, max_size=60, unique_by=lambda leaf: leaf.record_id)


def leaf(record_id: str, version: int = 1, owner: str = "VN-91") -> Leaf:
    return Leaf(record_id, version, hashlib.sha256(record_id.encode()).hexdigest(), False, owner)


def test_the_tree_hash_is_rfc_6962s_on_the_certificate_transparency_vectors() -> None:
    leaf_hashes = [hashlib.sha256(b"\x00" + bytes.fromhex(data)).digest() for data in CT_LEAVES]
    assert merkle_root([]) == EMPTY
    assert EMPTY.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size, root in enumerate(CT_ROOTS, start=1):
        assert merkle_root(leaf_hashes[:size]).hex() == root


@given(leaves)
def test_a_leaf_hashes_its_canonical_json(item: Leaf) -> None:
    assert item.canonical() == canonical_json(item.to_json())
    assert item.hash() == hashlib.sha256(b"\x00" + canonical_json(item.to_json())).digest()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100])
def test_a_bucket_streamed_one_leaf_at_a_time_hashes_as_the_whole_tree(size: int) -> None:
    bucket = [leaf(name) for name in sorted(SAME_BUCKET[:size])]
    assert len(bucket) == size  # enough identifiers fall in bucket 0

    digest = Digest.of("Person", "91", bucket)

    assert digest.buckets[0] == merkle_root([item.hash() for item in bucket]).hex()
    assert digest.counts[0] == digest.count == size
    assert digest.buckets[1:] == (EMPTY.hex(),) * (BUCKETS - 1)
    assert digest.root == merkle_root([bytes.fromhex(value) for value in digest.buckets]).hex()


@given(leaf_sets, st.randoms(use_true_random=False))
def test_equal_sets_of_records_have_equal_digests_whatever_their_order(
    records: list[Leaf], shuffler: Any
) -> None:
    shuffled = list(records)
    shuffler.shuffle(shuffled)

    assert Digest.of("Person", None, records) == Digest.of("Person", None, shuffled)


@given(leaf_sets, st.data())
def test_one_changed_record_changes_exactly_its_bucket_and_the_root(
    records: list[Leaf], data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(records) - 1))
    before = records[position]
    field = data.draw(st.sampled_from(["version", "content_hash", "deleted", "owner_node"]))
    changes: dict[str, Any] = {
        "version": before.version + 1,
        "content_hash": hashlib.sha256(before.content_hash.encode()).hexdigest(),
        "deleted": not before.deleted,
        "owner_node": before.owner_node + "x",
    }
    changed = [
        *records[:position],
        replace(before, **{field: changes[field]}),
        *records[position + 1 :],
    ]

    mine, theirs = Digest.of("Person", "91", records), Digest.of("Person", "91", changed)

    assert mine.root != theirs.root
    assert mine.differing_buckets(theirs) == (before.bucket,)
    assert mine.counts == theirs.counts
    [difference] = compare({mine.key: mine}, {theirs.key: theirs})
    assert difference.buckets == (before.bucket,)
    [record] = differences(
        [item for item in records if item.bucket == before.bucket],
        [item for item in changed if item.bucket == before.bucket],
    )
    assert record.record_id == before.record_id
    assert record.kind == ("version" if field == "version" else "content")


@given(leaf_sets)
def test_a_missing_record_changes_exactly_its_bucket_and_the_count(records: list[Leaf]) -> None:
    gone, kept = records[0], records[1:]

    mine, theirs = Digest.of("Vehicle", "79", records), Digest.of("Vehicle", "79", kept)

    assert mine.differing_buckets(theirs) == (gone.bucket,)
    assert (mine.count, theirs.count) == (len(records), len(kept))
    [record] = differences(records, kept)
    assert (record.record_id, record.kind, record.mine, record.theirs) == (
        gone.record_id,
        "missing_there",
        gone,
        None,
    )
    [back] = differences(kept, records)
    assert back.kind == "missing_here"


def test_repeated_identifiers_are_refused() -> None:
    with pytest.raises(ValueError, match="repeated"):
        Digest.of("Person", None, [leaf("a"), leaf("a", version=2)])


def test_compare_lists_only_what_differs_and_treats_an_absent_digest_as_empty() -> None:
    people = Digest.of("Person", "91", [leaf("a"), leaf("b")])
    units = Digest.of("BudgetUnit", None, [leaf("1000009", owner="VN-central")])
    mine = {people.key: people, units.key: units}
    theirs = {people.key: Digest.of("Person", "91", [leaf("b"), leaf("a")])}

    [difference] = compare(mine, theirs)

    assert (difference.record_type, difference.partition) == ("BudgetUnit", None)
    assert difference.buckets == (bucket_of("1000009"),)
    assert (difference.mine, difference.theirs) == (1, 0)
    assert compare(theirs, theirs) == []


@given(st.lists(leaf_sets, max_size=4))
def test_digests_survive_json_and_back(sets: list[list[Leaf]]) -> None:
    held = {
        digest.key: digest
        for digest in (
            Digest.of("Person", str(number) if number else None, records)
            for number, records in enumerate(sets)
        )
    }

    wire = json.loads(json.dumps(to_json(held)))

    assert from_json(wire) == held


def test_leaves_survive_json_and_back() -> None:
    item = Leaf("091090000001", 3, "a" * 64, True, "VN-91")
    assert Leaf.from_json(json.loads(json.dumps(item.to_json()))) == item


def _one() -> dict[str, Any]:
    digest = Digest.of("Person", "91", [leaf("a"), leaf("b"), leaf("c")])
    return to_json({digest.key: digest})


def _damaged(change: Any) -> dict[str, Any]:
    data = _one()
    change(data)
    return data


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        _damaged(lambda data: data.update(format=2)),
        _damaged(lambda data: data.update(algorithm="sha1")),
        _damaged(lambda data: data.update(digests={})),
        _damaged(lambda data: data["digests"].append(data["digests"][0])),
        _damaged(lambda data: data["digests"][0].update(root="0" * 64)),
        _damaged(lambda data: data["digests"][0].update(root="ABC")),
        _damaged(lambda data: data["digests"][0].update(count=4)),
        _damaged(lambda data: data["digests"][0].update(count=True)),
        _damaged(lambda data: data["digests"][0].update(type="")),
        _damaged(lambda data: data["digests"][0].update(partition=91)),
        _damaged(lambda data: data["digests"][0].update(extra=1)),
        _damaged(lambda data: data["digests"][0]["buckets"].reverse()),
        _damaged(lambda data: data["digests"][0]["buckets"][0].__setitem__(0, 256)),
        _damaged(lambda data: data["digests"][0]["buckets"][0].__setitem__(1, 0)),
        _damaged(lambda data: data["digests"][0]["buckets"][0].__setitem__(2, "f" * 64)),
        _damaged(lambda data: data["digests"][0]["buckets"][0].append(1)),
    ],
)
def test_malformed_or_inconsistent_digests_are_refused(data: Any) -> None:
    with pytest.raises(LienthongError) as refused:
        from_json(data)
    assert refused.value.code == "sync.bad_digest"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"id": "a", "version": 1, "hash": "a" * 64, "deleted": False},
        {"id": "", "version": 1, "hash": "a" * 64, "deleted": False, "owner": "VN-91"},
        {"id": "a", "version": -1, "hash": "a" * 64, "deleted": False, "owner": "VN-91"},
        {"id": "a", "version": 1, "hash": "xyz", "deleted": False, "owner": "VN-91"},
        {"id": "a", "version": 1, "hash": "a" * 64, "deleted": 0, "owner": "VN-91"},
    ],
)
def test_malformed_leaves_are_refused(data: Any) -> None:
    with pytest.raises(LienthongError) as refused:
        Leaf.from_json(data)
    assert refused.value.code == "sync.bad_digest"
