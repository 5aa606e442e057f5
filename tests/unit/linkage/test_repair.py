"""Repairs of legacy values: each turns what old systems wrote into what the registries hold."""

from __future__ import annotations

from datetime import date

import pytest

from lienthong.errors import LienthongError
from lienthong.linkage import repair

BEFORE_REFORM = date(2025, 6, 30)


class TestName:
    def test_tidies_white_space_and_tone_placement(self) -> None:
        assert repair.name("  Nguyễn   Thị  Hoà ") == "Nguyễn Thị Hòa"

    def test_gives_capitals_back_to_a_name_in_one_case(self) -> None:
        # TCVN3 files lose most capitals; old systems typed names in capitals.
        assert repair.name("nguyễn văn thắng") == "Nguyễn Văn Thắng"
        assert repair.name("ĐỖ THỊ LAN") == "Đỗ Thị Lan"

    def test_keeps_a_name_written_in_mixed_case(self) -> None:
        assert repair.name("Lê thị Mai") == "Lê thị Mai"

    def test_blank_is_nothing(self) -> None:
        assert repair.name("   ") is None


class TestDate:
    @pytest.mark.parametrize(
        ("legacy", "iso"),
        [
            ("05/03/1985", "1985-03-05"),
            ("5-3-1985", "1985-03-05"),
            ("03/1985", "1985-03"),
            ("1985", "1985"),
            ("ngay 5 thang 3 nam 1985", "1985-03-05"),
        ],
    )
    def test_reads_legacy_dates_as_iso(self, legacy: str, iso: str) -> None:
        assert repair.iso_date(legacy) == iso

    def test_reads_month_first_when_told(self) -> None:
        assert repair.iso_date("03/05/1985", order="mdy") == "1985-03-05"

    def test_refuses_what_is_not_a_date(self) -> None:
        with pytest.raises(LienthongError) as caught:
            repair.iso_date("không rõ", field="birth_date")
        assert caught.value.code.startswith("vn.date")


class TestUnit:
    def test_an_old_commune_code_becomes_its_successor(self) -> None:
        # Phường Bến Nghé (Quận 1) became Phường Sài Gòn, which kept its code.
        found = repair.unit("26740", level="commune", as_of=BEFORE_REFORM)
        assert found == repair.UnitRepair(code="26740", province="79")

    def test_an_old_commune_without_a_derivable_successor_keeps_its_province(self) -> None:
        found = repair.unit("26734", level="commune", as_of=BEFORE_REFORM)
        assert found == repair.UnitRepair(code=None, province="79")

    def test_an_old_commune_named_in_words(self) -> None:
        found = repair.unit("P. Bến Nghé", level="commune", as_of=BEFORE_REFORM)
        assert found is not None and found.code == "26740"

    def test_an_old_province_code_becomes_the_merged_province(self) -> None:
        # Kiên Giang (91 before the reform) is part of An Giang (91 after it).
        found = repair.unit("89", level="province", as_of=BEFORE_REFORM)
        assert found == repair.UnitRepair(code="91", province="91")

    def test_a_district_gives_only_its_province(self) -> None:
        found = repair.unit("760", level="district", as_of=BEFORE_REFORM)
        assert found == repair.UnitRepair(code=None, province="79")

    def test_a_code_without_its_leading_zeros(self) -> None:
        found = repair.unit("4", level="commune", as_of=BEFORE_REFORM)
        assert found is not None and found.code == "00004"

    def test_refuses_a_code_that_was_never_a_unit(self) -> None:
        with pytest.raises(LienthongError) as caught:
            repair.unit("99999", level="commune", as_of=BEFORE_REFORM, field="commune")
        assert caught.value.code == "linkage.repair.unit"
        assert "99999" in caught.value.message_en


class TestIdentifier:
    def test_tells_a_personal_number_from_an_old_card_number(self) -> None:
        assert repair.identifier("079 190 001 234") == ("pin", "079190001234")
        assert repair.identifier("023456789") == ("cmnd", "023456789")

    def test_drops_what_is_neither(self) -> None:
        assert repair.identifier("12345") is None
        assert repair.identifier("") is None


class TestNumber:
    @pytest.mark.parametrize(
        ("legacy", "clean"), [("116,1", "116.1"), ("116.10", "116.1"), (" 72 ", "72")]
    )
    def test_reads_a_decimal_comma_or_point(self, legacy: str, clean: str) -> None:
        assert repair.number(legacy) == clean

    def test_refuses_what_is_not_a_number(self) -> None:
        with pytest.raises(LienthongError) as caught:
            repair.number("1.234,5")
        assert caught.value.code == "linkage.repair.number"


class TestSex:
    @pytest.mark.parametrize(
        ("legacy", "sex"), [("Nam", "male"), ("Nữ", "female"), ("NU", "female"), ("1", "male")]
    )
    def test_reads_how_legacy_files_write_sex(self, legacy: str, sex: str) -> None:
        assert repair.sex(legacy) == sex

    def test_refuses_anything_else(self) -> None:
        with pytest.raises(LienthongError) as caught:
            repair.sex("x")
        assert caught.value.code == "linkage.repair.sex"


def test_code_is_upper_case_without_spaces() -> None:
    assert repair.code(" cd 779 451 ") == "CD779451"
