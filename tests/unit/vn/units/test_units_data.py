"""The shipped data: complete sets, well-formed codes, small files."""

from __future__ import annotations

import unicodedata
from datetime import date
from importlib.resources import files

import pytest

from lienthong.vn import units
from lienthong.vn.units import LAST_DAY_BEFORE_REFORM, REFORM_DATE

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)


def test_since_the_reform_there_are_34_provinces_and_3321_communes() -> None:
    assert len(units.provinces()) == 34
    assert len(units.communes()) == 3321


def test_before_the_reform_there_were_63_provinces_696_districts_and_10051_communes() -> None:
    assert len(units.provinces(on=BEFORE)) == 63
    assert len(units.districts()) == 696
    assert len(units.communes(on=BEFORE)) == 10051


@pytest.mark.parametrize(("level", "length"), [("province", 2), ("district", 3), ("commune", 5)])
def test_codes_are_zero_padded_digits_of_the_levels_length(level: str, length: int) -> None:
    old = {"province": units.provinces(on=BEFORE), "district": units.districts()}
    old["commune"] = units.communes(on=BEFORE)
    new = {"province": units.provinces(), "commune": units.communes(), "district": ()}
    for unit in (*old[level], *new[level]):
        assert unit.level == level
        assert len(unit.code) == length
        assert unit.code.isascii() and unit.code.isdigit()


def test_listings_are_in_code_order_without_duplicates() -> None:
    for listing in (units.provinces(), units.communes(), units.communes(on=BEFORE)):
        codes = [unit.code for unit in listing]
        assert codes == sorted(set(codes))


def test_the_old_set_is_valid_until_30_june_2025_and_the_new_one_from_1_july() -> None:
    assert LAST_DAY_BEFORE_REFORM == BEFORE
    assert REFORM_DATE == AFTER
    for unit in (*units.provinces(on=BEFORE), *units.districts()):
        assert (unit.valid_from, unit.valid_to) == (None, BEFORE)
    for unit in (*units.provinces(), *units.communes()):
        assert (unit.valid_from, unit.valid_to) == (AFTER, None)


def test_every_commune_belongs_to_a_province_of_its_own_set() -> None:
    new_provinces = {unit.code for unit in units.provinces()}
    assert {unit.province_code for unit in units.communes()} == new_provinces
    assert all(unit.district_code is None for unit in units.communes())
    old_districts = {unit.code: unit for unit in units.districts()}
    for unit in units.communes(on=BEFORE):
        assert unit.district_code is not None
        assert old_districts[unit.district_code].province_code == unit.province_code


def test_provinces_have_no_parent() -> None:
    for unit in (*units.provinces(), *units.provinces(on=BEFORE)):
        assert (unit.province_code, unit.district_code) == (None, None)


def test_kinds_fit_their_level() -> None:
    assert {unit.kind for unit in units.provinces()} == {"tỉnh", "thành phố"}
    assert {unit.kind for unit in units.communes()} == {"phường", "xã", "đặc khu"}
    assert {unit.kind for unit in units.districts()} == {"quận", "huyện", "thị xã", "thành phố"}
    assert {unit.kind for unit in units.communes(on=BEFORE)} == {"phường", "xã", "thị trấn"}


def test_since_the_reform_six_provinces_are_centrally_run_cities() -> None:
    cities = {unit.name for unit in units.provinces() if unit.kind == "thành phố"}
    assert cities == {"Hà Nội", "Hải Phòng", "Huế", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ"}


def test_names_are_nfc_without_stray_spaces() -> None:
    for unit in (*units.provinces(), *units.communes(), *units.communes(on=BEFORE)):
        assert unicodedata.is_normalized("NFC", unit.name)
        assert unit.name == " ".join(unit.name.split())
        assert unit.full_name == f"{unit.kind.capitalize()} {unit.name}"


def test_the_type_prefix_is_taken_off_once_only() -> None:
    # Huế has a ward whose own name is "Phường Đúc".
    ward = units.commune("19780", on=BEFORE)
    assert (ward.kind, ward.name, ward.full_name) == ("phường", "Phường Đúc", "Phường Phường Đúc")
    assert ward in units.find("Phường Đúc", on=BEFORE)


def test_the_shipped_data_is_small_and_names_its_source_and_licence() -> None:
    folder = files("lienthong.vn.units") / "data"
    csv_sizes = [len(item.read_bytes()) for item in folder.iterdir() if item.name.endswith(".csv")]
    assert len(csv_sizes) == 3
    assert sum(csv_sizes) < 2_000_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for fact in ("vietnam-provinces", "2025.10.1", "0.6.0", "GPL-3.0-or-later", "202/2025/QH15"):
        assert fact in readme
