"""Looking units up by code and listing them, as of a date."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lienthong.errors import VnError
from lienthong.vn import units
from lienthong.vn.units import Unit

BEFORE = date(2025, 6, 30)
AFTER = date(2025, 7, 1)


def error_code(excinfo: pytest.ExceptionInfo[VnError]) -> str:
    return excinfo.value.code


class TestByCodeAfterTheReform:
    @pytest.mark.parametrize(
        ("code", "full_name"),
        [
            ("01", "Thành phố Hà Nội"),
            ("79", "Thành phố Hồ Chí Minh"),
            ("46", "Thành phố Huế"),
            ("91", "Tỉnh An Giang"),
            ("08", "Tỉnh Tuyên Quang"),
            ("15", "Tỉnh Lào Cai"),
        ],
    )
    def test_a_province_code_gives_the_province_in_force_now(
        self, code: str, full_name: str
    ) -> None:
        found = units.province(code)
        assert found.full_name == full_name
        assert found.level == "province"
        assert found == units.province(code, on=AFTER)

    def test_a_commune_has_its_type_name_and_province(self) -> None:
        ba_dinh = units.commune("00004")
        assert (ba_dinh.kind, ba_dinh.name, ba_dinh.full_name) == (
            "phường",
            "Ba Đình",
            "Phường Ba Đình",
        )
        assert (ba_dinh.province_code, ba_dinh.district_code) == ("01", None)
        assert str(ba_dinh) == "Phường Ba Đình"

    def test_special_zones_are_communes(self) -> None:
        zones = [unit for unit in units.communes() if unit.kind == "đặc khu"]
        assert len(zones) == 13
        assert "Đặc khu Phú Quốc" in {zone.full_name for zone in zones}

    def test_surrounding_white_space_is_ignored(self) -> None:
        assert units.province(" 01\t").code == "01"


class TestByCodeAsOfADate:
    def test_a_code_names_whatever_unit_held_it_on_the_date(self) -> None:
        assert units.province("91", on=BEFORE).full_name == "Tỉnh Kiên Giang"
        assert units.province("91", on=AFTER).full_name == "Tỉnh An Giang"
        assert units.commune("00004", on=BEFORE).full_name == "Phường Trúc Bạch"
        assert units.commune("00004", on=AFTER).full_name == "Phường Ba Đình"

    def test_an_old_code_after_the_reform_is_not_silently_followed(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.province("89")
        assert error_code(excinfo) == "vn.unit.not_in_force"
        assert excinfo.value.params["name"] == "Tỉnh An Giang"
        assert excinfo.value.params["until"] == "30/06/2025"
        assert units.province("89", on=BEFORE).name == "An Giang"

    def test_a_commune_abolished_by_the_reform_is_not_in_force_after_it(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.commune("00001", on=AFTER)
        assert error_code(excinfo) == "vn.unit.not_in_force"
        assert excinfo.value.field == "code"

    def test_a_unit_created_by_the_reform_is_not_in_force_before_it(self) -> None:
        assert units.commune("03980").full_name == "Phường Mộc Châu"
        with pytest.raises(VnError) as excinfo:
            units.commune("03980", on=BEFORE)
        assert error_code(excinfo) == "vn.unit.not_yet_in_force"
        assert excinfo.value.params["since"] == "01/07/2025"

    def test_old_records_resolve_on_their_own_date(self) -> None:
        assert units.commune("00001", on=date(2010, 1, 1)).full_name == "Phường Phúc Xá"

    def test_districts_exist_only_before_the_reform(self) -> None:
        assert units.district("001").full_name == "Quận Ba Đình"
        assert units.district("001", on=BEFORE) == units.district("001")
        with pytest.raises(VnError) as excinfo:
            units.district("001", on=AFTER)
        assert error_code(excinfo) == "vn.unit.districts_abolished"

    def test_unit_objects_know_when_they_are_in_force(self) -> None:
        assert units.province("91", on=BEFORE).in_force(BEFORE)
        assert not units.province("91", on=BEFORE).in_force(AFTER)
        assert units.province("91").in_force(AFTER)
        assert not units.province("91").in_force(BEFORE)


class TestGenericUnit:
    @pytest.mark.parametrize(
        ("code", "level"), [("01", "province"), ("001", "district"), ("00001", "commune")]
    )
    def test_the_level_is_read_from_the_code_length(self, code: str, level: str) -> None:
        assert units.unit(code, on=BEFORE).level == level

    def test_an_explicit_level_must_fit_the_code(self) -> None:
        assert units.unit("79", level="province") == units.province("79")
        with pytest.raises(VnError) as excinfo:
            units.unit("79", level="commune")
        assert error_code(excinfo) == "vn.unit.malformed_code"
        assert excinfo.value.params["length"] == 5


class TestCodeErrors:
    @pytest.mark.parametrize("code", ["1", "001", "0a", "", "  ", "٠١", "1.", "+1"])
    def test_a_province_code_must_be_two_ascii_digits(self, code: str) -> None:
        with pytest.raises(VnError) as excinfo:
            units.province(code)
        assert error_code(excinfo) == "vn.unit.malformed_code"
        assert excinfo.value.field == "code"

    @pytest.mark.parametrize("code", [1, None, 1.0, b"01", ["01"]])
    def test_a_code_that_is_not_text_is_malformed_not_a_crash(self, code: object) -> None:
        with pytest.raises(VnError) as excinfo:
            units.province(code)  # type: ignore[arg-type]
        assert error_code(excinfo) == "vn.unit.malformed_code"

    @pytest.mark.parametrize("code", ["1234", "123456", "x"])
    def test_a_code_of_no_levels_length_is_malformed(self, code: str) -> None:
        with pytest.raises(VnError) as excinfo:
            units.unit(code)
        assert error_code(excinfo) == "vn.unit.malformed_code"

    @pytest.mark.parametrize(("code", "on"), [("99", None), ("03", BEFORE), ("99999", None)])
    def test_a_well_formed_code_no_unit_ever_had_is_unknown(
        self, code: str, on: date | None
    ) -> None:
        with pytest.raises(VnError) as excinfo:
            units.unit(code, on=on)
        assert error_code(excinfo) == "vn.unit.unknown_code"
        assert excinfo.value.params["code"] == code

    def test_an_unknown_district_is_reported_as_of_the_last_day_districts_existed(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.district("999")
        assert excinfo.value.params["on"] == "30/06/2025"

    @pytest.mark.parametrize("level", ["Province", "ward", "", None, 2])
    def test_an_unknown_level_is_refused(self, level: object) -> None:
        if level is None:
            assert units.unit("01", level=None).code == "01"
            return
        with pytest.raises(VnError) as excinfo:
            units.unit("01", level=level)  # type: ignore[arg-type]
        assert error_code(excinfo) == "vn.unit.unknown_level"

    @pytest.mark.parametrize("on", ["2025-07-01", datetime(2025, 7, 1, 12), 20250701, "today"])
    def test_on_must_be_a_calendar_date(self, on: object) -> None:
        with pytest.raises(VnError) as excinfo:
            units.province("01", on=on)  # type: ignore[arg-type]
        assert error_code(excinfo) == "vn.unit.bad_date"
        assert excinfo.value.field == "on"


class TestListings:
    def test_communes_of_a_province(self) -> None:
        hanoi = units.communes(province="01")
        assert len(hanoi) == 126
        assert all(unit.province_code == "01" for unit in hanoi)
        assert units.communes(province=units.province("01")) == hanoi

    def test_old_communes_of_a_province_and_of_a_district(self) -> None:
        ba_dinh = units.communes(district="001", on=BEFORE)
        assert [unit.name for unit in ba_dinh][:2] == ["Phúc Xá", "Trúc Bạch"]
        assert all(unit.district_code == "001" for unit in ba_dinh)
        assert units.communes(province="01", district="001", on=BEFORE) == ba_dinh
        assert units.communes(province="79", district="001", on=BEFORE) == ()
        assert set(ba_dinh) <= set(units.communes(province="01", on=BEFORE))

    def test_districts_of_a_province(self) -> None:
        hanoi = units.districts(province="01")
        assert len(hanoi) == 30
        assert hanoi[0].full_name == "Quận Ba Đình"

    def test_a_province_named_in_a_district_listing_is_the_one_of_that_period(self) -> None:
        # Code 91 was Kiên Giang before the reform and is An Giang after it; districts
        # only existed before.
        kien_giang = units.districts(province="91")
        assert "Thành phố Rạch Giá" in {unit.full_name for unit in kien_giang}
        assert all(unit.province_code == "91" for unit in kien_giang)

    def test_communes_of_a_district_after_the_reform_is_an_error(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.communes(district="001")
        assert error_code(excinfo) == "vn.unit.districts_abolished"

    def test_a_parent_from_the_other_period_is_refused_not_ignored(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.communes(province=units.province("89", on=BEFORE))
        assert error_code(excinfo) == "vn.unit.not_in_force"
        with pytest.raises(VnError) as excinfo:
            units.communes(province=units.province("91"), on=BEFORE)
        assert error_code(excinfo) == "vn.unit.not_yet_in_force"
        with pytest.raises(VnError) as excinfo:
            units.communes(district=units.district("001"))
        assert error_code(excinfo) == "vn.unit.districts_abolished"

    def test_a_commune_cannot_contain_communes(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.communes(province="00004")
        assert error_code(excinfo) == "vn.unit.bad_within"

    def test_a_bad_parent_code_is_reported_as_such(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.communes(province="1")
        assert error_code(excinfo) == "vn.unit.malformed_code"
        with pytest.raises(VnError) as excinfo:
            units.communes(province="99")
        assert error_code(excinfo) == "vn.unit.unknown_code"

    def test_listings_are_immutable_and_units_are_frozen(self) -> None:
        listing = units.provinces()
        assert isinstance(listing, tuple)
        with pytest.raises(AttributeError):
            listing[0].name = "X"  # type: ignore[misc]


def test_lookups_by_code_are_fast_enough_for_row_by_row_imports() -> None:
    import time

    codes = [unit.code for unit in units.communes(on=BEFORE)]
    units.commune(codes[0], on=BEFORE)
    started = time.perf_counter()
    for code in codes:
        units.commune(code, on=BEFORE)
    per_call = (time.perf_counter() - started) / len(codes)
    assert per_call < 50e-6


def test_units_are_hashable_values() -> None:
    first: Unit = units.province("01")
    assert {first: 1}[units.province("01")] == 1
    assert units.province("01") != units.province("01", on=BEFORE)
