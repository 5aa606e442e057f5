"""Following old units to their successors (Resolution 202/2025/QH15 and the data)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from lienthong.errors import VnError
from lienthong.vn import units
from lienthong.vn.text import fold

BEFORE = date(2025, 6, 30)

# Resolution 202/2025/QH15, article 1: the new province, then the provinces merged into it.
RESOLUTION = {
    "Hà Nội": [],
    "Huế": [],
    "Lai Châu": [],
    "Điện Biên": [],
    "Sơn La": [],
    "Lạng Sơn": [],
    "Quảng Ninh": [],
    "Thanh Hóa": [],
    "Nghệ An": [],
    "Hà Tĩnh": [],
    "Cao Bằng": [],
    "Tuyên Quang": ["Hà Giang"],
    "Lào Cai": ["Yên Bái"],
    "Thái Nguyên": ["Bắc Kạn"],
    "Phú Thọ": ["Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Giang"],
    "Hưng Yên": ["Thái Bình"],
    "Hải Phòng": ["Hải Dương"],
    "Ninh Bình": ["Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Bình"],
    "Đà Nẵng": ["Quảng Nam"],
    "Quảng Ngãi": ["Kon Tum"],
    "Gia Lai": ["Bình Định"],
    "Khánh Hòa": ["Ninh Thuận"],
    "Lâm Đồng": ["Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Phú Yên"],
    "Hồ Chí Minh": ["Bình Dương", "Bà Rịa - Vũng Tàu"],
    "Đồng Nai": ["Bình Phước"],
    "Tây Ninh": ["Long An"],
    "Cần Thơ": ["Sóc Trăng", "Hậu Giang"],
    "Vĩnh Long": ["Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Tiền Giang"],
    "Cà Mau": ["Bạc Liêu"],
    "An Giang": ["Kiên Giang"],
}


class TestProvinces:
    def test_every_old_province_has_the_successor_the_resolution_names(self) -> None:
        expected = {
            fold(old): fold(new) for new, merged in RESOLUTION.items() for old in (new, *merged)
        }
        olds = units.provinces(on=BEFORE)
        assert len(olds) == 63
        for old in olds:
            succession = units.successor(old.code)
            assert succession.basis == "resolution"
            assert succession.old == old
            assert succession.new == succession.province
            assert fold(succession.new.name) == expected[fold(old.name)]

    def test_every_new_province_keeps_the_code_of_one_of_its_predecessors(self) -> None:
        for new in units.provinces():
            olds = units.predecessors(new.code)
            assert new.code in {row.old.code for row in olds}
            assert len(olds) == 1 + len(RESOLUTION[new.name])

    @pytest.mark.parametrize(
        ("old", "new", "name"),
        [
            ("91", "91", "An Giang"),  # An Giang took Kiên Giang's seat, Rạch Giá
            ("89", "91", "An Giang"),
            ("02", "08", "Tuyên Quang"),
            ("15", "15", "Lào Cai"),  # Lào Cai took Yên Bái's seat
            ("10", "15", "Lào Cai"),
            ("77", "79", "Hồ Chí Minh"),
            ("46", "46", "Huế"),
        ],
    )
    def test_known_mergers(self, old: str, new: str, name: str) -> None:
        succession = units.successor(old, level="province")
        assert (succession.new.code, succession.new.name) == (new, name)
        assert succession.exact


class TestCommunes:
    def test_every_old_commune_has_exactly_one_succession_with_a_basis(self) -> None:
        olds = units.communes(on=BEFORE)
        bases = Counter(units.successor(old.code).basis for old in olds)
        assert sum(bases.values()) == 10051
        assert set(bases) == {"same_code", "same_name", "province_only"}

    def test_coverage_by_basis(self) -> None:
        bases = Counter(units.successor(old.code).basis for old in units.communes(on=BEFORE))
        assert bases == {"same_code": 3310, "same_name": 693, "province_only": 6048}

    def test_the_successor_always_lies_in_the_successor_province(self) -> None:
        for old in units.communes(on=BEFORE):
            succession = units.successor(old.code)
            assert old.province_code is not None
            assert succession.province == units.successor(old.province_code).new
            if succession.exact:
                assert succession.new.province_code == succession.province.code
            else:
                assert succession.new == succession.province

    def test_same_code_keeps_the_code(self) -> None:
        succession = units.successor("00004")
        assert succession.basis == "same_code"
        assert succession.old.full_name == "Phường Trúc Bạch"
        assert succession.new.full_name == "Phường Ba Đình"

    def test_same_name_follows_a_unique_name_within_the_successor_province(self) -> None:
        succession = units.successor("31447")
        assert succession.basis == "same_name"
        assert succession.old.full_name == "Xã Vị Thuỷ"
        assert succession.new.full_name == "Xã Vị Thủy"
        assert succession.new.code == "31441"

    def test_a_kept_code_outranks_a_kept_name(self) -> None:
        # The town of Mộc Châu gave its code to the new Mộc Sơn ward; the new Mộc Châu
        # ward got a new code.
        succession = units.successor("03979")
        assert succession.basis == "same_code"
        assert succession.old.full_name == "Thị trấn Mộc Châu"
        assert succession.new.full_name == "Phường Mộc Sơn"

    def test_an_underivable_commune_maps_to_its_province_only(self) -> None:
        succession = units.successor("00001")
        assert succession.basis == "province_only"
        assert not succession.exact
        assert succession.new.full_name == "Thành phố Hà Nội"

    def test_predecessors_of_a_new_commune_are_the_derived_ones(self) -> None:
        rows = units.predecessors("00004")
        assert [(row.old.code, row.basis) for row in rows] == [("00004", "same_code")]
        vi_thuy = units.predecessors("31441")
        assert ("Xã Vị Thuỷ", "same_name") in [(row.old.full_name, row.basis) for row in vi_thuy]

    def test_almost_every_new_commune_has_a_known_predecessor(self) -> None:
        without = [new for new in units.communes() if not units.predecessors(new.code)]
        assert sorted(new.full_name for new in without) == [
            "Phường Bình Thạnh",
            "Phường Bình Thới",
            "Phường Bình Tiên",
            "Phường Bình Tây",
            "Phường Mộc Châu",
        ]


class TestDistricts:
    def test_districts_map_to_their_successor_province(self) -> None:
        succession = units.successor("001")
        assert succession.basis == "district_abolished"
        assert succession.new == units.province("01")

    def test_island_districts_without_communes_became_special_zones(self) -> None:
        zones = [
            units.successor(district.code)
            for district in units.districts()
            if units.successor(district.code).basis == "same_name"
        ]
        assert sorted(row.new.full_name for row in zones) == [
            "Đặc khu Bạch Long Vĩ",
            "Đặc khu Côn Đảo",
            "Đặc khu Cồn Cỏ",
            "Đặc khu Hoàng Sa",
            "Đặc khu Lý Sơn",
        ]
        assert all(units.communes(district=row.old, on=BEFORE) == () for row in zones)

    def test_every_district_has_a_succession(self) -> None:
        assert len({units.successor(d.code).old for d in units.districts()}) == 696


class TestErrors:
    @pytest.mark.parametrize("code", ["9", "0000a", "", "123456"])
    def test_a_malformed_code(self, code: str) -> None:
        with pytest.raises(VnError) as excinfo:
            units.successor(code)
        assert excinfo.value.code == "vn.unit.malformed_code"

    def test_an_unknown_old_code(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.successor("99")
        assert excinfo.value.code == "vn.unit.unknown_code"
        assert excinfo.value.params["on"] == "30/06/2025"

    def test_a_code_created_by_the_reform_has_no_successor(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.successor("03980")
        assert excinfo.value.code == "vn.unit.unknown_code"

    def test_predecessors_of_an_old_only_code(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.predecessors("89")
        assert excinfo.value.code == "vn.unit.not_in_force"

    def test_predecessors_of_an_unknown_code(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.predecessors("99999")
        assert excinfo.value.code == "vn.unit.unknown_code"

    def test_predecessors_of_a_district(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.predecessors("001")
        assert excinfo.value.code == "vn.unit.districts_abolished"

    def test_a_level_that_does_not_fit_the_code(self) -> None:
        with pytest.raises(VnError) as excinfo:
            units.successor("01", level="commune")
        assert excinfo.value.code == "vn.unit.malformed_code"
