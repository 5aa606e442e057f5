"""A push's answer reads back as it was written, and anything else is refused by code."""

from __future__ import annotations

from typing import Any

import pytest

from lienthong.errors import LienthongError
from lienthong.sync.batches import Range
from lienthong.sync.service import PushReply


@pytest.mark.parametrize(
    "reply",
    [PushReply(cursor=12, applied=3), PushReply(cursor=12, applied=0, wanted=Range(40, 57))],
)
def test_a_reply_reads_back_as_written(reply: PushReply) -> None:
    assert PushReply.from_json(reply.to_json()) == reply


def test_a_reply_that_asks_nothing_back_says_nothing_of_it() -> None:
    assert PushReply(cursor=1, applied=1).to_json() == {"cursor": 1, "applied": 1}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"cursor": 1},
        {"cursor": "1", "applied": 0},
        {"cursor": True, "applied": 0},
        {"cursor": -1, "applied": 0},
        {"cursor": 1, "applied": 0, "wanted": [5]},
        {"cursor": 1, "applied": 0, "wanted": [9, 5]},
        {"cursor": 1, "applied": 0, "wanted": {"after": 1, "through": 2}},
    ],
)
def test_a_reply_of_another_shape_is_refused(data: Any) -> None:
    with pytest.raises(LienthongError) as refused:
        PushReply.from_json(data)
    assert refused.value.code == "sync.bad_reply"
