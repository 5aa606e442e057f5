"""Assertions shared by the registry tests: a content is accepted, or refused with a code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lienthong.errors import LienthongError
from lienthong.systems.core import core_registry

RECORD_TYPES = core_registry().record_types()


def accepted(record_type: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored form of a content the record type accepts."""
    return RECORD_TYPES[record_type].validate(content)


def refused(record_type: str, content: Mapping[str, Any], *, code: str, field: str) -> None:
    """Assert a content is refused as an invalid record, at a field, for a reason code."""
    with pytest.raises(LienthongError) as caught:
        RECORD_TYPES[record_type].validate(content)
    error = caught.value
    assert error.code == "store.invalid_record"
    assert (error.field, error.params["cause"]) == (field, code)
    if "." in code:  # a lienthong code (not a pydantic error type) is spelt out in the reason
        assert code in error.params["reason"]
