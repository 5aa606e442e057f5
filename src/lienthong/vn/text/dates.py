"""Dates as Vietnamese records write them: dd/mm/yyyy, its legacy variants, and partial dates.

Old registers hold a birth date as a full date, a month and year, or a year only; a
:class:`PartialDate` keeps exactly what is known and formats back the way it was written.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.text.fold import fold


def _vietnam_zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Ho_Chi_Minh")
    except (ImportError, KeyError, OSError):
        # Without a time-zone database: Vietnam has kept UTC+7, without daylight saving, since 1975.
        return timezone(timedelta(hours=7), "ICT")


VIETNAM: Final = _vietnam_zone()
MIN_YEAR: Final = 1000


class Precision(StrEnum):
    """How much of a date is known."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True, order=True)
class PartialDate:
    """A date known to the day, to the month, or to the year only."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        _check(self.year, self.month, self.day, field=None)

    @property
    def precision(self) -> Precision:
        """Return how much of the date is known."""
        if self.day is not None:
            return Precision.DAY
        return Precision.MONTH if self.month is not None else Precision.YEAR

    def format(self) -> str:
        """Return the date as dd/mm/yyyy, mm/yyyy or yyyy."""
        if self.day is not None and self.month is not None:
            return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"
        if self.month is not None:
            return f"{self.month:02d}/{self.year:04d}"
        return f"{self.year:04d}"

    def __str__(self) -> str:
        return self.format()

    def to_date(self, *, field: str | None = None) -> date:
        """Return the full date; raise ``vn.date.partial`` when the day is not known."""
        if self.day is None or self.month is None:
            raise VnError(
                "vn.date.partial",
                N_("The date {value} has no day: a full date (dd/mm/yyyy) is needed here."),
                field=field,
                value=self.format(),
                precision=self.precision.value,
            )
        return date(self.year, self.month, self.day)

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        """Return the partial date of a full date."""
        return cls(value.year, value.month, value.day)


def _check(year: object, month: object, day: object, *, field: str | None) -> None:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= 9999:
        raise VnError(
            "vn.date.year",
            N_("The year {year} is out of range: write a four-digit year from 1000 to 9999."),
            field=field,
            year=year,
        )
    if month is None:
        if day is not None:
            raise VnError(
                "vn.date.day_without_month",
                N_("A day was given without a month: give the month too, or drop the day."),
                field=field,
            )
        return
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise VnError(
            "vn.date.month",
            N_("The month {month} does not exist: write a month from 1 to 12."),
            field=field,
            month=month,
        )
    if day is None:
        return
    last = calendar.monthrange(year, month)[1]
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= last:
        raise VnError(
            "vn.date.day",
            N_("Day {day} does not exist in {month:02d}/{year}: that month has {last} days."),
            field=field,
            day=day,
            month=month,
            year=year,
            last=last,
        )


_SEP: Final = r"\s*([/.\-])\s*"
_DMY: Final = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})\s*\2\s*(\d{{4}}|\d{{2}})")
_YMD: Final = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})\s*\2\s*(\d{{1,2}})")
_MY: Final = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{4}})")
_DIGITS8: Final = re.compile(r"\d{8}")
_YEAR: Final = re.compile(r"\d{4}")
# After folding: "ngày 5 tháng 3 năm 1985" → "ngay 5 thang 3 nam 1985"; each part optional.
_WORDS: Final = re.compile(
    r"(?:ngay\s*(\d{1,2})\s*,?\s*)?(?:thang\s*(\d{1,2})\s*,?\s*)?(?:nam\s*(\d{4}|\d{2}))"
)


def _full_year(text: str, pivot_year: int) -> int:
    """Return the year a two-digit year means: the latest one not after ``pivot_year``."""
    year = int(text)
    if len(text) != 2:
        return year
    candidate = pivot_year - pivot_year % 100 + year
    return candidate if candidate <= pivot_year else candidate - 100


def _build(year: int, month: int | None, day: int | None, field: str | None) -> PartialDate:
    _check(year, month, day, field=field)
    return PartialDate(year, month, day)


def parse_date(
    text: str, *, pivot_year: int | None = None, field: str | None = None
) -> PartialDate:
    """Parse a date as legacy Vietnamese records write it.

    Accepted: dd/mm/yyyy and d/m/yy with ``/``, ``-`` or ``.``; ddmmyyyy (or yyyymmdd when
    that is the only valid reading); yyyy-mm-dd; "ngày 5 tháng 3 năm 1985" (with or without
    diacritics, any part of it); mm/yyyy; yyyy. A two-digit year means the latest year ending
    in those digits that is not after ``pivot_year`` (default: this year).

    >>> parse_date("ngày 5 tháng 3 năm 1985").format()
    '05/03/1985'
    """
    if not isinstance(text, str):
        raise VnError(
            "vn.date.type",
            N_("Expected a date as text but got {kind}."),
            field=field,
            kind=type(text).__name__,
        )
    value = fold(text).strip(" ,;")
    if not value:
        raise VnError(
            "vn.date.empty", N_("The date is empty: write it as dd/mm/yyyy."), field=field
        )
    pivot = date.today().year if pivot_year is None else pivot_year
    if match := _DMY.fullmatch(value):
        day, _, month, year = match.groups()
        return _build(_full_year(year, pivot), int(month), int(day), field)
    if match := _YMD.fullmatch(value):
        year, _, month, day = match.groups()
        return _build(int(year), int(month), int(day), field)
    if match := _MY.fullmatch(value):
        month, _, year = match.groups()
        return _build(int(year), int(month), None, field)
    if _DIGITS8.fullmatch(value):
        try:
            return _build(int(value[4:]), int(value[2:4]), int(value[:2]), field)
        except VnError:
            try:
                return _build(int(value[:4]), int(value[4:6]), int(value[6:]), field)
            except VnError:
                pass
        raise VnError(
            "vn.date.invalid",
            N_("{value} is not a valid date as ddmmyyyy or yyyymmdd: check the digits."),
            field=field,
            value=text,
        )
    if _YEAR.fullmatch(value):
        return _build(int(value), None, None, field)
    if match := _WORDS.fullmatch(value):
        day, month, year = match.groups()
        if day is not None and month is None:
            raise VnError(
                "vn.date.day_without_month",
                N_("A day was given without a month: give the month too, or drop the day."),
                field=field,
            )
        return _build(
            _full_year(year, pivot),
            None if month is None else int(month),
            None if day is None else int(day),
            field,
        )
    raise VnError(
        "vn.date.format",
        N_("Cannot read {value} as a date: write it as dd/mm/yyyy, mm/yyyy or yyyy."),
        field=field,
        value=text,
    )


def swapped(value: PartialDate) -> PartialDate | None:
    """Return the date with day and month exchanged, if that is a different valid date.

    Record linkage uses it: 03/05/1985 and 05/03/1985 may be the same birth typed two ways.
    """
    if value.day is None or value.month is None or value.day == value.month or value.day > 12:
        return None
    if value.month > calendar.monthrange(value.year, value.day)[1]:
        return None
    return PartialDate(value.year, value.day, value.month)


def format_datetime(value: datetime, *, field: str | None = None) -> str:
    """Return an aware datetime as Vietnam shows it: dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh."""
    if not isinstance(value, datetime):
        raise VnError(
            "vn.date.type",
            N_("Expected a date and time but got {kind}."),
            field=field,
            kind=type(value).__name__,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise VnError(
            "vn.date.naive",
            N_("The time {value} has no time zone: attach one (times are stored in UTC)."),
            field=field,
            value=value.isoformat(),
        )
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
