"""Search finds live records through the typed index, one stable page at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from tests.integration.store.backends import UowFactory
from tests.integration.store.example import PERSON, person, vehicle

from lienthong.errors import LienthongError
from lienthong.store import records, search

PEOPLE = [
    person("001090000001", full_name="Nguyễn Văn An", birth_date="1990-05-03", height_cm=172),
    person("001090000002", full_name="Nguyễn Thị Đào", birth_date="1990", height_cm=158),
    person("001085000003", full_name="Đặng Văn Bình", birth_date="1985-12", height_cm=180),
    person(
        "001200000004",
        full_name="Trần Minh Khoa",
        birth_date="2000-01-01",
        identifiers=[
            {"system": "urn:vn:passport", "value": "C1234567"},
            {"system": "urn:vn:cmnd", "value": "012345678"},
        ],
    ),
]


@pytest.fixture
def people(uow: UowFactory) -> None:
    with uow() as work:
        for content in PEOPLE:
            work.records.create(record_type="Person", content=content)
        work.commit()


def pins(
    uow: UowFactory, where: Mapping[str, str | Sequence[str]], record_type: str = "Person"
) -> list[str]:
    with uow() as work:
        page = work.records.search(record_type=record_type, where=where, limit=100)
    return [record.record_id for record in page.records]


def search_error(uow: UowFactory, where: Mapping[str, str | Sequence[str]]) -> LienthongError:
    with uow() as work, pytest.raises(LienthongError) as caught:
        work.records.search(record_type="Person", where=where)
    return caught.value


@pytest.mark.usefixtures("people")
class TestStrings:
    def test_a_name_matches_by_prefix_without_diacritics_or_case(self, uow: UowFactory) -> None:
        assert pins(uow, {"name": "nguyen"}) == ["001090000001", "001090000002"]
        assert pins(uow, {"name": "NGUYỄN VĂN"}) == ["001090000001"]
        assert pins(uow, {"name": "dang"}) == ["001085000003"]
        assert pins(uow, {"name": "Đặng"}) == ["001085000003"]

    def test_exact_matches_the_whole_folded_name(self, uow: UowFactory) -> None:
        assert pins(uow, {"name:exact": "nguyen van an"}) == ["001090000001"]
        assert pins(uow, {"name:exact": "Nguyễn Văn"}) == []

    def test_no_search_parameters_lists_every_live_record(self, uow: UowFactory) -> None:
        assert len(pins(uow, {})) == 4


@pytest.mark.usefixtures("people")
class TestTokens:
    def test_a_code_matches_exactly(self, uow: UowFactory) -> None:
        assert pins(uow, {"pin": "001090000002"}) == ["001090000002"]
        assert pins(uow, {"pin": "00109000000"}) == []

    def test_a_system_qualifies_a_code(self, uow: UowFactory) -> None:
        assert pins(uow, {"identifier": "urn:vn:passport|C1234567"}) == ["001200000004"]
        assert pins(uow, {"identifier": "urn:vn:cmnd|C1234567"}) == []
        assert pins(uow, {"identifier": "C1234567"}) == ["001200000004"]
        assert pins(uow, {"identifier": "|C1234567"}) == []


@pytest.mark.usefixtures("people")
class TestDates:
    def test_a_year_finds_every_date_within_it_and_the_year_itself(self, uow: UowFactory) -> None:
        assert pins(uow, {"birth-date": "1990"}) == ["001090000001", "001090000002"]

    def test_a_month_or_day_finds_the_dates_within_it(self, uow: UowFactory) -> None:
        assert pins(uow, {"birth-date": "1990-05"}) == ["001090000001"]
        assert pins(uow, {"birth-date": "1985-12-24"}) == []
        assert pins(uow, {"birth-date": "1985-12"}) == ["001085000003"]

    def test_ranges_compare_periods(self, uow: UowFactory) -> None:
        assert pins(uow, {"birth-date": "lt1990"}) == ["001085000003"]
        assert pins(uow, {"birth-date": "ge1990-06"}) == ["001090000002", "001200000004"]
        assert pins(uow, {"birth-date": ["ge1986", "le1999"]}) == ["001090000001", "001090000002"]
        assert pins(uow, {"birth-date": "sa1999-12-31"}) == ["001200000004"]
        assert pins(uow, {"birth-date": "eb1986"}) == ["001085000003"]

    def test_an_instant_is_compared_in_vietnam_calendar_days(self, uow: UowFactory) -> None:
        # 2000-01-01 in Vietnam starts at 1999-12-31T17:00Z.
        assert pins(uow, {"birth-date": "gt1999-12-31T17:30:00+00:00"}) == ["001200000004"]


@pytest.mark.usefixtures("people")
class TestNumbers:
    def test_numbers_compare(self, uow: UowFactory) -> None:
        assert pins(uow, {"height": "172"}) == ["001090000001"]
        assert pins(uow, {"height": "gt170"}) == ["001090000001", "001085000003"]
        assert pins(uow, {"height": "le158"}) == ["001090000002"]
        assert pins(uow, {"height": "ne172"}) == ["001090000002", "001085000003"]


@pytest.mark.usefixtures("people")
def test_references_are_searched_by_identifier_with_or_without_the_type(
    uow: UowFactory,
) -> None:
    with uow() as work:
        work.records.create(record_type="Vehicle", content=vehicle("29A-111.11", "001090000001"))
        work.records.create(record_type="Vehicle", content=vehicle("29A-222.22", "001090000002"))
        work.commit()

    assert pins(uow, {"owner": "Person/001090000001"}, "Vehicle") == ["29A-111.11"]
    assert pins(uow, {"owner": "001090000002"}, "Vehicle") == ["29A-222.22"]


@pytest.mark.usefixtures("people")
def test_conditions_on_several_parameters_must_all_match(uow: UowFactory) -> None:
    assert pins(uow, {"name": "nguyen", "birth-date": "1990-05"}) == ["001090000001"]
    assert pins(uow, {"name": ["nguyen", "nguyen thi"]}) == ["001090000002"]


@pytest.mark.usefixtures("people")
def test_the_index_follows_updates_and_deletions(uow: UowFactory) -> None:
    with uow() as work:
        work.records.update(
            record_type="Person",
            record_id="001090000001",
            content=person("001090000001", full_name="Lê Văn An"),
            expected_version=1,
        )
        work.records.delete(record_type="Person", record_id="001090000002", expected_version=1)
        work.commit()

    assert pins(uow, {"name": "nguyen"}) == []
    assert pins(uow, {"name": "le van"}) == ["001090000001"]
    assert "001090000002" not in pins(uow, {})


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("where", "code", "field"),
    [
        ({"nickname": "an"}, "store.unknown_search_param", "nickname"),
        ({"birth-date": "yesterday"}, "store.bad_search", "birth-date"),
        ({"birth-date": "ne1990"}, "store.bad_search", "birth-date"),
        ({"height": "tall"}, "store.bad_search", "height"),
        ({"name:contains": "van"}, "store.bad_search", "name:contains"),
        ({"name": "  "}, "store.bad_search", "name"),
        ({"parent": "Vehicle/29A-111.11"}, "store.bad_search", "parent"),
    ],
)
def test_a_search_that_cannot_be_read_says_which_parameter(
    uow: UowFactory, where: dict[str, str], code: str, field: str
) -> None:
    error = search_error(uow, where)
    assert (error.code, error.field) == (code, field)


class TestPagination:
    def create(self, uow: UowFactory, serials: range) -> None:
        with uow() as work:
            for serial in serials:
                work.records.create(record_type="Person", content=person(f"001090{serial:06d}"))
            work.commit()

    def test_pages_cover_every_record_once_and_end_without_a_cursor(self, uow: UowFactory) -> None:
        self.create(uow, range(1, 8))
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            with uow() as work:
                page = work.records.search(
                    record_type="Person", where={"name": "nguyen"}, limit=3, cursor=cursor
                )
            seen += [record.record_id for record in page.records]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break

        assert pages == 3
        assert seen == [f"001090{serial:06d}" for serial in range(1, 8)]

    def test_records_created_while_paging_appear_later_with_no_repeat_or_gap(
        self, uow: UowFactory
    ) -> None:
        self.create(uow, range(1, 5))
        with uow() as work:
            first = work.records.search(record_type="Person", limit=2)
        self.create(uow, range(5, 7))
        with uow() as work:
            # A record updated meanwhile keeps its place: it is neither repeated nor lost.
            work.records.update(
                record_type="Person",
                record_id="001090000001",
                content=person("001090000001", full_name="Nguyễn An"),
                expected_version=1,
            )
            work.commit()
        seen = [record.record_id for record in first.records]
        cursor = first.next_cursor
        while cursor:
            with uow() as work:
                page = work.records.search(record_type="Person", limit=2, cursor=cursor)
            seen += [record.record_id for record in page.records]
            cursor = page.next_cursor

        assert seen == [f"001090{serial:06d}" for serial in range(1, 7)]

    def test_a_cursor_only_continues_its_own_search(self, uow: UowFactory) -> None:
        self.create(uow, range(1, 4))
        with uow() as work:
            page = work.records.search(record_type="Person", where={"name": "ng"}, limit=1)
            assert page.next_cursor is not None
            with pytest.raises(LienthongError) as other_query:
                work.records.search(
                    record_type="Person", where={"name": "tr"}, cursor=page.next_cursor
                )
            with pytest.raises(LienthongError) as damaged:
                work.records.search(record_type="Person", cursor="not-a-cursor")

        assert other_query.value.code == damaged.value.code == "store.bad_cursor"

    @pytest.mark.parametrize("limit", [0, 1001])
    def test_a_page_size_out_of_bounds_is_refused(self, uow: UowFactory, limit: int) -> None:
        with uow() as work, pytest.raises(LienthongError) as caught:
            work.records.search(record_type="Person", limit=limit)
        assert caught.value.code == "store.bad_limit"


@pytest.mark.usefixtures("people")
def test_searches_of_one_shape_share_a_statement_and_bind_only_their_values(
    uow: UowFactory,
) -> None:
    shape, values = search.bind_conditions(PERSON, search.parse_query(PERSON, {"name": "dang"}))
    assert "dang" in values.values()
    assert pins(uow, {"name": "nguyen"}) == ["001090000001", "001090000002"]
    statement = records._SEARCHES[shape]
    assert pins(uow, {"name": "dang"}) == ["001085000003"]
    assert pins(uow, {"name": "tran"}) == ["001200000004"]
    assert records._SEARCHES[shape] is statement
    # Same parameters, other shapes: another comparator, a token with and without system.
    assert pins(uow, {"name:exact": "nguyen"}) == []
    assert pins(uow, {"identifier": "C1234567"}) == ["001200000004"]
    assert pins(uow, {"identifier": "urn:vn:cmnd|C1234567"}) == []
    assert pins(uow, {"identifier": "|C1234567"}) == []
    assert pins(uow, {"birth-date": "lt1990"}) == ["001085000003"]
    assert pins(uow, {"birth-date": "ge2000"}) == ["001200000004"]
