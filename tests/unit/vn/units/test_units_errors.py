"""Every failure is a VnError with a stable code, a field and a message that renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from lienthong.errors import VnError
from lienthong.vn import units

BEFORE = date(2025, 6, 30)

FAILURES: dict[str, Callable[[], object]] = {
    "vn.unit.malformed_code": lambda: units.province("1"),
    "vn.unit.unknown_code": lambda: units.commune("99999"),
    "vn.unit.not_in_force": lambda: units.province("89"),
    "vn.unit.not_yet_in_force": lambda: units.commune("03980", on=BEFORE),
    "vn.unit.districts_abolished": lambda: units.district("001", on=date(2026, 1, 1)),
    "vn.unit.bad_date": lambda: units.province("01", on="2025-07-01"),  # type: ignore[arg-type]
    "vn.unit.unknown_level": lambda: units.unit("01", level="tinh"),  # type: ignore[arg-type]
    "vn.unit.blank_name": lambda: units.find(" "),
    "vn.unit.bad_within": lambda: units.find("Ba Đình", within="00004"),
    "vn.unit.no_match": lambda: units.find_one("Atlantis"),
    "vn.unit.ambiguous_name": lambda: units.find_one("Tân Phú"),
}


@pytest.mark.parametrize("code", sorted(FAILURES))
def test_each_failure_has_its_stable_code_and_a_message_in_both_languages(code: str) -> None:
    with pytest.raises(VnError) as excinfo:
        FAILURES[code]()
    error = excinfo.value
    assert error.code == code
    assert error.field in {"code", "on", "level", "name", "within"}
    for message in (error.message_en, error.message_vi):
        assert message and "{" not in message
    assert str(error).startswith(f"{code}: ")
    assert set(error.to_dict()) == {"code", "field", "message_en", "message_vi"}


def test_messages_say_what_to_do() -> None:
    with pytest.raises(VnError) as excinfo:
        units.province("89")
    message = excinfo.value.message_en
    assert "'89'" in message and "Tỉnh An Giang" in message and "30/06/2025" in message
    assert "successor" in message


@pytest.mark.parametrize(
    ("code", "level"), [("99", "province"), ("999", "district"), ("99999", "commune")]
)
def test_messages_name_the_level_asked_for(code: str, level: str) -> None:
    with pytest.raises(VnError) as excinfo:
        units.unit(code, on=BEFORE)
    assert excinfo.value.message_en.startswith(f"No {level} has the code '{code}'")
    assert excinfo.value.params["level"] == level


def test_dates_in_messages_are_written_day_month_year() -> None:
    with pytest.raises(VnError) as excinfo:
        units.commune("99999", on=date(2024, 2, 29))
    assert excinfo.value.params["on"] == "29/02/2024"


def test_vn_errors_are_value_errors_so_generic_callers_can_catch_them() -> None:
    with pytest.raises(ValueError):
        units.province("xx")
