"""Canonical JSON of record content and its hash: equal content, equal bytes, equal hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """Return content as canonical JSON: sorted keys, no white space, UTF-8, no NaN."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(content: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the canonical JSON of content, in lower-case hex."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
