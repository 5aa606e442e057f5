"""Search values and queries are read the way the store's search documentation says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel

from lienthong.errors import LienthongError
from lienthong.store import models
from lienthong.store.search import (
    date_range,
    decode_cursor,
    encode_cursor,
    index_rows,
    parse_query,
    query_fingerprint,
)
from lienthong.systems import RecordType, SearchKind, SearchParam


class Thing(BaseModel):
    code: str
    name: str = ""
    born: str | None = None
    size: float | None = None
    tags: list[str] = []


THING = RecordType(
    name="Thing",
    model=Thing,
    identifier="code",
    search=(
        SearchParam("name", SearchKind.STRING, "name"),
        SearchParam("tag", SearchKind.TOKEN, "tags"),
        SearchParam("born", SearchKind.DATE, "born"),
        SearchParam("size", SearchKind.NUMBER, "size"),
        SearchParam("same", SearchKind.REFERENCE, "code", target="Thing"),
    ),
)
VN = timezone(timedelta(hours=7))


class TestDateRanges:
    def test_a_year_covers_the_whole_year_in_vietnam(self) -> None:
        low, high = date_range("2024")
        assert low == datetime(2024, 1, 1, tzinfo=VN)
        assert high == datetime(2025, 1, 1, tzinfo=VN) - timedelta(microseconds=1)

    def test_december_ends_at_the_new_year(self) -> None:
        assert date_range("2024-12")[1] == datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=VN)

    def test_a_day_covers_the_day(self) -> None:
        assert date_range("2024-02-29") == date_range(date(2024, 2, 29))
        low, high = date_range("2024-02-29")
        assert high - low == timedelta(days=1) - timedelta(microseconds=1)

    def test_an_instant_is_itself_in_utc(self) -> None:
        moment = datetime(2024, 5, 1, 9, 30, tzinfo=VN)
        assert date_range(moment) == (moment.astimezone(UTC),) * 2
        assert date_range("2024-05-01T02:30:00Z") == (moment.astimezone(UTC),) * 2

    @pytest.mark.parametrize("value", ["2024-13", "2024-02-30", "yesterday", 2024])
    def test_what_is_not_a_date_is_refused(self, value: object) -> None:
        with pytest.raises(ValueError):
            date_range(value)

    def test_an_instant_without_a_zone_is_refused(self) -> None:
        with pytest.raises(ValueError):
            date_range("2024-05-01T02:30:00")


class TestIndexRows:
    def test_content_becomes_typed_rows_without_repeats(self) -> None:
        rows = index_rows(
            THING,
            {"code": "T1", "name": "  Ấm   Đun ", "born": "2001", "size": 2, "tags": ["a", "a"]},
        )
        assert rows[models.search_string] == [
            {"record_type": "Thing", "param": "name", "value": "am dun"}
        ]
        assert rows[models.search_token] == [
            {"record_type": "Thing", "param": "tag", "system": "", "code": "a"}
        ]
        assert rows[models.search_number][0]["value"] == 2.0
        assert rows[models.search_date][0]["low"] == date_range("2001")[0]
        assert rows[models.search_reference] == [
            {"record_type": "Thing", "param": "same", "target_type": "Thing", "target_id": "T1"}
        ]

    def test_a_value_that_cannot_be_indexed_is_an_invalid_record(self) -> None:
        with pytest.raises(LienthongError) as caught:
            index_rows(THING, {"code": "T1", "born": "soon"})
        assert (caught.value.code, caught.value.field) == ("store.invalid_record", "born")


class TestQueries:
    def test_modifiers_and_comparators_are_read(self) -> None:
        conditions = parse_query(
            THING,
            {"name:exact": "Ấm", "tag": "sys|a", "born": ["ge2000", "lt2010"], "size": "ne3"},
        )
        assert [(c.param.name, c.comparator, c.value) for c in conditions] == [
            ("name", "exact", "am"),
            ("tag", "eq", ("sys", "a")),
            ("born", "ge", date_range("2000")),
            ("born", "lt", date_range("2010")),
            ("size", "ne", 3.0),
        ]

    def test_a_negative_number_is_not_mistaken_for_a_comparator(self) -> None:
        assert parse_query(THING, {"size": "-2.5"})[0].value == -2.5


class TestCursors:
    def test_a_cursor_round_trips_with_its_query(self) -> None:
        fingerprint = query_fingerprint("Thing", {"name": "am"})
        cursor = encode_cursor(after=42, fingerprint=fingerprint)
        assert decode_cursor(cursor, fingerprint=fingerprint) == 42

    def test_the_fingerprint_ignores_parameter_order_but_not_values(self) -> None:
        assert query_fingerprint("Thing", {"a": "1", "b": "2"}) == query_fingerprint(
            "Thing", {"b": "2", "a": "1"}
        )
        assert query_fingerprint("Thing", {"a": "1"}) != query_fingerprint("Thing", {"a": "2"})

    @pytest.mark.parametrize("cursor", ["", "!!!", "e30", encode_cursor(after=1, fingerprint="x")])
    def test_a_foreign_or_damaged_cursor_is_refused(self, cursor: str) -> None:
        with pytest.raises(LienthongError) as caught:
            decode_cursor(cursor, fingerprint=query_fingerprint("Thing", {}))
        assert caught.value.code == "store.bad_cursor"


@pytest.mark.parametrize("edge", ["0001-01-01", "9999-12-31", "9999"])
def test_a_date_at_the_edge_of_the_calendar_is_refused_as_a_value_error(edge: str) -> None:
    from lienthong.store.search import date_range

    with pytest.raises(ValueError, match="range"):
        date_range(edge)
