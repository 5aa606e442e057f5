"""Dates from old records parse to what is known, and format back as dd/mm/yyyy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.text import PartialDate, Precision, format_datetime, parse_date, swapped


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("05/03/1985", "05/03/1985"),
        ("5/3/1985", "05/03/1985"),
        ("5/3/85", "05/03/1985"),
        ("05-03-1985", "05/03/1985"),
        ("05.03.1985", "05/03/1985"),
        (" 05 / 03 / 1985 ", "05/03/1985"),
        ("05031985", "05/03/1985"),
        ("19850305", "05/03/1985"),
        ("1985-03-05", "05/03/1985"),
        ("ngày 5 tháng 3 năm 1985", "05/03/1985"),
        ("Ngày 05 Tháng 03 Năm 1985", "05/03/1985"),
        ("ngay 5 thang 3 nam 1985", "05/03/1985"),
        ("tháng 3 năm 1985", "03/1985"),
        ("năm 1985", "1985"),
        ("03/1985", "03/1985"),
        ("3-1985", "03/1985"),
        ("1985", "1985"),
        ("29/02/2000", "29/02/2000"),
    ],
)
def test_legacy_date_forms_parse(text: str, formatted: str) -> None:
    assert parse_date(text, pivot_year=2025).format() == formatted


def test_two_digit_years_take_the_latest_year_not_after_the_pivot() -> None:
    assert parse_date("1/1/25", pivot_year=2025).year == 2025
    assert parse_date("1/1/26", pivot_year=2025).year == 1926
    assert parse_date("1/1/05", pivot_year=2025).year == 2005


def test_precision_says_what_is_known() -> None:
    assert parse_date("05/03/1985").precision is Precision.DAY
    assert parse_date("03/1985").precision is Precision.MONTH
    assert parse_date("1985").precision is Precision.YEAR


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31/02/1985", "vn.date.day"),
        ("29/02/1900", "vn.date.day"),
        ("05/13/1985", "vn.date.month"),
        ("13/1985", "vn.date.month"),
        ("0999", "vn.date.year"),
        ("", "vn.date.empty"),
        ("   ", "vn.date.empty"),
        ("yesterday", "vn.date.format"),
        ("05/03-1985", "vn.date.format"),
        ("99999999", "vn.date.invalid"),
        ("ngày 5 năm 1985", "vn.date.day_without_month"),
    ],
)
def test_impossible_dates_are_refused_with_a_clear_code(text: str, code: str) -> None:
    with pytest.raises(VnError) as error:
        parse_date(text, field="ngay_sinh")
    assert error.value.code == code
    assert error.value.field == "ngay_sinh"
    assert error.value.message_en


def test_the_day_error_says_how_many_days_the_month_has() -> None:
    with pytest.raises(VnError) as error:
        parse_date("31/02/1985")
    assert "28 days" in error.value.message_en


def test_partial_dates_validate_on_construction() -> None:
    with pytest.raises(VnError):
        PartialDate(1985, None, 5)
    with pytest.raises(VnError):
        PartialDate(1985, 2, 30)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_full_dates_round_trip_through_dd_mm_yyyy(value: date) -> None:
    partial = PartialDate.from_date(value)
    assert parse_date(partial.format()) == partial
    assert partial.to_date() == value


def test_to_date_refuses_a_partial_date() -> None:
    with pytest.raises(VnError) as error:
        PartialDate(1985, 3).to_date()
    assert error.value.code == "vn.date.partial"


def test_day_and_month_swap_when_both_readings_are_valid() -> None:
    assert swapped(PartialDate(1985, 3, 5)) == PartialDate(1985, 5, 3)
    assert swapped(PartialDate(1985, 3, 13)) is None  # no month 13
    assert swapped(PartialDate(1985, 4, 4)) is None  # the same date
    assert swapped(PartialDate(1985, 3)) is None  # no day to swap
    assert swapped(PartialDate(1985, 12, 2)) == PartialDate(1985, 2, 12)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_swapping_twice_gives_the_date_back(value: date) -> None:
    partial = PartialDate.from_date(value)
    once = swapped(partial)
    if once is not None:
        assert swapped(once) == partial


def test_aware_datetimes_show_in_vietnam_time() -> None:
    assert format_datetime(datetime(2025, 7, 1, 17, 30, tzinfo=UTC)) == "02/07/2025 00:30"
    paris = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2025, 7, 1, 12, 0, tzinfo=paris)) == "01/07/2025 17:00"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(VnError) as error:
        format_datetime(datetime(2025, 7, 1, 12, 0))
    assert error.value.code == "vn.date.naive"
    with pytest.raises(VnError) as error:
        format_datetime(date(2025, 7, 1))  # type: ignore[arg-type]
    assert error.value.code == "vn.date.type"
