"""Equal content has equal canonical bytes and an equal hash, whatever the key order."""

from __future__ import annotations

import hashlib

import pytest

from lienthong.store import canonical_json, content_hash


def test_keys_are_sorted_and_white_space_removed() -> None:
    assert canonical_json({"b": [1, {"d": 2, "c": 3}], "a": "Đà Nẵng"}) == (
        '{"a":"Đà Nẵng","b":[1,{"c":3,"d":2}]}'.encode()
    )


def test_the_hash_ignores_key_order_and_is_sha256_hex() -> None:
    first = content_hash({"pin": "001090000001", "name": "An"})
    assert first == content_hash({"name": "An", "pin": "001090000001"})
    assert first == hashlib.sha256(b'{"name":"An","pin":"001090000001"}').hexdigest()


def test_not_a_number_has_no_canonical_form() -> None:
    with pytest.raises(ValueError):
        canonical_json({"height": float("nan")})
