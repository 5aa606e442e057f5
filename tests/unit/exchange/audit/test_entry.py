"""An audit entry's canonical form: deterministic, documented, and what its hash covers."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import LienthongError
from lienthong.exchange.audit import AuditEntry, Checkpoint, witness_checkpoint
from lienthong.exchange.audit.log import GENESIS, chain_next, format_time
from lienthong.exchange.audit.merkle import consistency_proof, leaf_hash, root_hash

AT = datetime(2025, 7, 1, 8, 0, 0, 5, tzinfo=UTC)


def test_the_canonical_form_is_sorted_compact_utf8_json() -> None:
    entry = AuditEntry(
        recorded_at=AT,
        kind="record.read",
        client="VN/GOV/01/portal",
        outcome="ok",
        purpose="xác minh",
        duration_ms=12.5,
        status=200,
    )
    expected = (
        '{"body":null,"client":"VN/GOV/01/portal","details":null,"duration_ms":"12.500",'
        '"kind":"record.read","message_id":null,"node_id":null,"outcome":"ok",'
        '"purpose":"xác minh","recorded_at":"2025-07-01T08:00:00.000005Z",'
        '"request_hash":null,"request_size":null,"response_hash":null,"response_size":null,'
        '"service":null,"status":200,"user_id":null}'
    ).encode()
    assert entry.canonical() == expected
    assert entry.leaf_hash() == hashlib.sha256(b"\x00" + expected).digest()


def test_the_time_is_written_in_utc_whatever_zone_it_was_given_in() -> None:
    hanoi = AT.astimezone(timezone(timedelta(hours=7)))
    given_ = AuditEntry(recorded_at=hanoi, kind="k", client="c", outcome="ok")
    assert (
        given_.canonical()
        == AuditEntry(recorded_at=AT, kind="k", client="c", outcome="ok").canonical()
    )
    assert format_time(hanoi) == "2025-07-01T08:00:00.000005Z"
    assert format_time(datetime(987, 6, 5, 4, 3, 2, tzinfo=UTC)) == "0987-06-05T04:03:02.000000Z"


def test_durations_are_committed_to_the_microsecond() -> None:
    def canonical(duration: float) -> bytes:
        return AuditEntry(
            recorded_at=AT, kind="k", client="c", outcome="ok", duration_ms=duration
        ).canonical()

    assert canonical(-0.0) == canonical(0.0)
    assert canonical(1.0000001) == canonical(1.0)
    assert canonical(1.001) != canonical(1.0)


@pytest.mark.parametrize("duration", [math.nan, math.inf, -math.inf])
def test_a_duration_must_be_a_number(duration: float) -> None:
    with pytest.raises(LienthongError) as raised:
        AuditEntry(recorded_at=AT, kind="k", client="c", outcome="ok", duration_ms=duration)
    assert raised.value.code == "audit.entry.duration"


optional_text = st.none() | st.text()
entries = st.builds(
    AuditEntry,
    recorded_at=st.datetimes(timezones=st.just(UTC)),
    kind=st.sampled_from(["exchange.client", "record.read"]),
    client=st.text(),
    outcome=st.text(),
    node_id=optional_text,
    message_id=optional_text,
    user_id=optional_text,
    purpose=optional_text,
    details=optional_text,
    body=optional_text,
    status=st.none() | st.integers(100, 599),
    request_size=st.none() | st.integers(0, 2**62),
    duration_ms=st.none() | st.floats(-1e9, 1e9, allow_nan=False),
)


@given(entries)
def test_every_entry_has_one_canonical_form_that_reads_back(entry: AuditEntry) -> None:
    canonical = entry.canonical()
    document = json.loads(canonical)
    assert list(document) == sorted(document)
    again = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert again.encode("utf-8") == canonical
    assert document["client"] == entry.client and document["body"] == entry.body
    assert document["recorded_at"] == format_time(entry.recorded_at)


@given(entries, st.text(min_size=1))
def test_changing_a_field_changes_the_hash(entry: AuditEntry, suffix: str) -> None:
    changed = AuditEntry(**{**entry.as_row(), "client": entry.client + suffix})
    assert changed.leaf_hash() != entry.leaf_hash()


def test_the_chain_starts_from_zeros_and_hashes_the_raw_digests() -> None:
    first = leaf_hash(b"one")
    assert chain_next(GENESIS, first) == hashlib.sha256(bytes(32) + first).digest()


# -- checkpoints and the witness, without a database --------------------------------------


def _signed(
    key: Ed25519PrivateKey, leaves: list[bytes], *, node: str = "VN/GOV/BTC/node"
) -> Checkpoint:
    return Checkpoint.sign(
        tree_size=len(leaves),
        root_hash=root_hash(leaves).hex(),
        issued_at=AT,
        node_id=node,
        key=key,
    )


def test_a_checkpoint_signs_its_node_size_root_and_time() -> None:
    key = Ed25519PrivateKey.generate()
    made = _signed(key, [leaf_hash(b"a"), leaf_hash(b"b")])
    assert json.loads(made.signed_bytes()) == {
        "format": "lienthong-audit-checkpoint/1",
        "issued_at": "2025-07-01T08:00:00.000005Z",
        "node_id": "VN/GOV/BTC/node",
        "root_hash": made.root_hash,
        "tree_size": 2,
    }
    assert made.signed_by(key.public_key())
    for changed in (
        {"tree_size": 3},
        {"root_hash": "00" * 32},
        {"issued_at": AT + timedelta(microseconds=1)},
        {"node_id": "VN/GOV/BCA/node"},
    ):
        assert not replace(made, **changed).signed_by(key.public_key())


def test_the_witness_cosigns_a_consistent_checkpoint_and_names_itself() -> None:
    node, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    leaves = [leaf_hash(bytes([n])) for n in range(9)]
    previous, current = _signed(node, leaves[:5]), _signed(node, leaves)
    signature = witness_checkpoint(
        checkpoint=current,
        previous=previous,
        proof=consistency_proof(leaves, 5, 9),
        node_key=node.public_key(),
        witness_id="VN/GOV/central/witness",
        witness_key=witness,
    )
    cosigned = replace(current, witness="VN/GOV/central/witness", witness_signature=signature)
    assert cosigned.cosigned_by(witness.public_key())
    assert not cosigned.cosigned_by(node.public_key())
    # The co-signature names its witness: another name does not verify.
    assert not replace(cosigned, witness="VN/GOV/central/other").cosigned_by(witness.public_key())


def test_the_witness_refuses_a_checkpoint_of_another_node_or_a_forked_log() -> None:
    node, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    leaves = [leaf_hash(bytes([n])) for n in range(9)]
    forked = [*leaves[:2], leaf_hash(b"rewritten"), *leaves[3:]]

    def cosign(current: Checkpoint, previous: Checkpoint, proof: list[bytes]) -> str:
        return witness_checkpoint(
            checkpoint=current,
            previous=previous,
            proof=proof,
            node_key=node.public_key(),
            witness_id="w",
            witness_key=witness,
        )

    with pytest.raises(LienthongError) as raised:
        cosign(_signed(node, forked), _signed(node, leaves[:5]), consistency_proof(forked, 5, 9))
    assert raised.value.code == "audit.witness.inconsistent"
    with pytest.raises(LienthongError) as raised:
        cosign(
            _signed(node, leaves),
            _signed(node, leaves[:5], node="VN/GOV/BCA/node"),
            consistency_proof(leaves, 5, 9),
        )
    assert raised.value.code == "audit.witness.node"
    with pytest.raises(LienthongError) as raised:
        cosign(_signed(node, leaves[:5]), _signed(node, leaves), [])
    assert raised.value.code == "audit.witness.inconsistent"
