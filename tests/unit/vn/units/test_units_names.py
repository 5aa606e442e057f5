"""Finding units by name the way legacy records write them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn import units
from lienthong.vn.units import name_key

BEFORE = date(2024, 1, 1)


def codes(found: list[units.Unit]) -> list[str]:
    return [unit.code for unit in found]


class TestProvinceNames:
    @pytest.mark.parametrize(
        "name",
        [
            "Hồ Chí Minh",
            "TP. Hồ Chí Minh",
            "TP.HCM",
            "Tp Ho Chi Minh",
            "T.P Hồ Chí Minh",
            "thành phố hồ chí minh",
            "  THANH   PHO  HO CHI MINH ",
            "HCM",
        ],
    )
    def test_ho_chi_minh_city_in_any_usual_spelling(self, name: str) -> None:
        assert codes(units.find(name, level="province")) == ["79"]

    @pytest.mark.parametrize(
        "name", ["Hà Nội", "ha noi", "HÀ NỘI", "Thành phố Hà Nội", "TP Hà Nội"]
    )
    def test_ha_noi(self, name: str) -> None:
        assert units.find_one(name, level="province").code == "01"

    def test_prefixes_and_decomposed_accents_do_not_matter(self) -> None:
        decomposed = "Ti\u0309nh Kie\u0302n Giang"
        assert units.find_one(decomposed, level="province", on=BEFORE).code == "91"

    def test_an_old_province_is_found_only_on_an_old_date(self) -> None:
        assert codes(units.find("Kiên Giang", level="province", on=BEFORE)) == ["91"]
        assert units.find("Kiên Giang", level="province") == []
        assert codes(units.find("An Giang", level="province", on=BEFORE)) == ["89"]
        assert codes(units.find("An Giang", level="province")) == ["91"]

    def test_hyphens_and_dashes_in_names_are_spaces(self) -> None:
        for name in ("Bà Rịa - Vũng Tàu", "Bà Rịa–Vũng Tàu", "ba ria vung tau", "Bà Rịa-Vũng Tàu"):
            assert codes(units.find(name, level="province", on=BEFORE)) == ["77"]

    def test_old_and_new_tone_mark_placement_both_match(self) -> None:
        assert units.find_one("Tỉnh Hòa Bình", on=BEFORE).code == "17"
        assert units.find_one("Tỉnh Hoà Bình", on=BEFORE).code == "17"

    def test_sai_gon_is_the_city_as_a_province_and_also_a_ward(self) -> None:
        assert units.find_one("Sài Gòn", level="province").code == "79"
        assert [unit.level for unit in units.find("sai gon")] == ["province", "commune"]
        assert units.find_one("Sài Gòn").full_name == "Phường Sài Gòn"

    def test_the_former_name_of_hue_is_understood(self) -> None:
        assert units.find_one("Thừa Thiên Huế", level="province").code == "46"


class TestCommuneNames:
    @pytest.mark.parametrize("name", ["Phường 1", "P.01", "phuong 01", "P1", "P. 1", "phường  001"])
    def test_numbered_wards_match_however_the_number_is_written(self, name: str) -> None:
        district_3 = units.find_one("Quận 3", level="district", within="79", on=BEFORE)
        found = units.find_one(name, level="commune", within=district_3, on=BEFORE)
        assert found.full_name == "Phường 1"
        assert found.district_code == district_3.code

    @pytest.mark.parametrize("name", ["Quận 1", "Q.1", "Q1", "quan 01"])
    def test_the_prefix_picks_the_kind_when_the_bare_name_is_shared(self, name: str) -> None:
        assert units.find_one(name, within="79", on=BEFORE).full_name == "Quận 1"

    def test_a_name_that_begins_with_a_prefix_word_is_not_cut(self) -> None:
        found = units.find("Quan Hóa", on=BEFORE)
        assert [unit.full_name for unit in found] == ["Huyện Quan Hóa"]
        assert units.find_one("Huyện Quan Hóa", on=BEFORE).code == found[0].code

    def test_exact_accents_break_a_tie_but_missing_accents_do_not(self) -> None:
        assert [u.full_name for u in units.find("Quan Hoa", on=BEFORE)] == [
            "Huyện Quan Hóa",
            "Phường Quan Hoa",
        ]
        assert units.find_one("Phường Quan Hoa", on=BEFORE).full_name == "Phường Quan Hoa"

    def test_a_township_that_became_a_ward_is_found_by_its_old_type(self) -> None:
        assert units.find_one("Thị trấn Mộc Châu", level="commune").full_name == "Phường Mộc Châu"
        assert units.find_one("Thị trấn Mộc Châu", level="commune", on=BEFORE).code == "03979"

    @pytest.mark.parametrize(
        ("name", "full_name"),
        [("Phường Ba Đình", "Phường Ba Đình"), ("Đặc khu Phú Quốc", "Đặc khu Phú Quốc")],
    )
    def test_new_communes(self, name: str, full_name: str) -> None:
        assert units.find_one(name).full_name == full_name

    def test_within_narrows_to_a_province(self) -> None:
        everywhere = units.find("Tân Phú", level="commune")
        assert len(everywhere) > 1
        in_dong_nai = units.find("Tân Phú", level="commune", within="75")
        assert in_dong_nai and all(unit.province_code == "75" for unit in in_dong_nai)

    def test_without_a_level_every_level_of_the_period_is_searched(self) -> None:
        levels = {unit.level for unit in units.find("Mộc Châu", on=BEFORE)}
        assert levels == {"district", "commune"}


class TestEveryUnitIsFoundByItsOwnName:
    @pytest.mark.parametrize("on", [BEFORE, None])
    def test_by_full_name_and_by_bare_name(self, on: date | None) -> None:
        for unit in (*units.provinces(on=on), *units.communes(on=on)):
            assert unit in units.find(unit.full_name, level=unit.level, on=on)
            assert unit in units.find(unit.name, level=unit.level, on=on)

    def test_old_districts(self) -> None:
        for unit in units.districts():
            assert unit in units.find(unit.full_name, level="district")

    def test_every_province_is_found_unambiguously(self) -> None:
        for on in (BEFORE, None):
            for unit in units.provinces(on=on):
                assert units.find_one(unit.full_name, level="province", on=on) == unit


class TestNameErrors:
    def test_no_match_says_so_and_find_returns_empty(self) -> None:
        assert units.find("Atlantis") == []
        with pytest.raises(VnError) as excinfo:
            units.find_one("Atlantis", level="province")
        assert excinfo.value.code == "vn.unit.no_match"
        assert excinfo.value.field == "name"
        assert "Atlantis" in excinfo.value.message_en

    def test_no_match_without_a_level_names_no_level(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find_one("Atlantis")
        assert "No unit is named" in excinfo.value.message_en

    def test_an_ambiguous_name_lists_the_candidates(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find_one("Phường 1", on=BEFORE)
        error = excinfo.value
        assert error.code == "vn.unit.ambiguous_name"
        assert error.params["count"] > 5
        assert error.params["candidates"].endswith("…")
        assert "Phường 1 (" in error.params["candidates"]

    @pytest.mark.parametrize("name", ["", "   ", "-", "''", "."])
    def test_a_blank_name_is_refused(self, name: str) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find(name)
        assert excinfo.value.code == "vn.unit.blank_name"

    @pytest.mark.parametrize("name", [None, 1, b"Ha Noi"])
    def test_a_name_that_is_not_text_is_refused(self, name: object) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find(name)  # type: ignore[arg-type]
        assert excinfo.value.code == "vn.unit.blank_name"

    def test_a_district_level_search_after_the_reform_is_refused(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find("Ba Đình", level="district", on=date(2025, 7, 1))
        assert excinfo.value.code == "vn.unit.districts_abolished"

    def test_searching_within_a_commune_is_refused(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find("Ba Đình", within="00004")
        assert excinfo.value.code == "vn.unit.bad_within"

    def test_an_unknown_level_is_refused(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.find("Ba Đình", level="ward")  # type: ignore[arg-type]
        assert excinfo.value.code == "vn.unit.unknown_level"


class TestNameKey:
    def test_it_folds_case_accents_separators_and_leading_zeros(self) -> None:
        assert name_key("Bà Rịa – Vũng Tàu") == "ba ria vung tau"
        assert name_key("ĐẮK R'LẤP") == name_key("Đắk Rlấp") == "dak rlap"
        assert name_key("01") == name_key("1") == "1"

    @given(st.text())
    def test_it_is_idempotent(self, text: str) -> None:
        assert name_key(name_key(text)) == name_key(text)


@settings(max_examples=300)
@given(name=st.text(), level=st.sampled_from([None, "province", "commune"]))
def test_any_text_gives_units_or_a_vn_error_never_another_exception(
    name: str, level: units.Level | None
) -> None:
    try:
        found = units.find(name, level=level)
    except VnError as error:
        assert error.code.startswith("vn.unit.")
    else:
        assert all(unit.in_force(date(2025, 7, 1)) for unit in found)


@settings(max_examples=300)
@given(st.text(alphabet="0123456789 x", max_size=7))
def test_any_code_gives_a_unit_or_a_vn_error(code: str) -> None:
    try:
        found = units.unit(code, on=BEFORE)
    except VnError as error:
        assert error.code.startswith("vn.unit.")
    else:
        assert found.code == code.strip()


def test_name_lookups_are_fast_enough_for_row_by_row_imports() -> None:
    import time

    names = [unit.full_name for unit in units.communes(on=BEFORE)]
    units.find(names[0], on=BEFORE)
    started = time.perf_counter()
    for name in names:
        units.find(name, level="commune", on=BEFORE)
    per_call = (time.perf_counter() - started) / len(names)
    assert per_call < 200e-6
