"""Each kind of damage on its own: what it changes, and that it changes nothing else."""

from __future__ import annotations

from random import Random

import pytest

from lienthong.data.legacy.damage import (
    Damage,
    area_text,
    cmnd_for,
    damaged_date,
    drop_middle,
    given_name_first,
    legacy_bytes,
    legacy_date,
    legacy_identifier,
    middle_dropped,
    old_units,
    parse_iso,
    partial,
    strip_diacritics,
    swap_day_month,
    typo,
)
from lienthong.vn.ids import is_valid_cmnd
from lienthong.vn.names import split_name
from lienthong.vn.text import PartialDate, decode, fold, parse_date
from lienthong.vn.units import successor

NAMES = ["Nguyễn Văn An", "Đặng Thị Ước", "Trần Hoàng Quỳnh Hương", "Lê Ý", "Huỳnh Đức Thọ"]


def _distance(a: str, b: str) -> int:
    """Return the optimal-string-alignment distance (one transposition counts once)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_lost_diacritics_keep_the_letters_and_their_case() -> None:
    assert strip_diacritics("Đặng Thị ƯỚC") == "Dang Thi UOC"
    assert strip_diacritics("Số 15 phố Phan Bội Châu") == "So 15 pho Phan Boi Chau"
    for name in NAMES:
        assert fold(strip_diacritics(name)) == fold(name)
        assert strip_diacritics(name).isascii()


def test_given_name_first_puts_the_family_name_last_and_split_name_sees_it() -> None:
    text = given_name_first("Nguyễn", "Văn", "An")
    assert text == "Văn An Nguyễn"
    parts = split_name(text)
    assert (parts.family, parts.given, parts.given_first) == ("Nguyễn", "An", True)


def test_dropping_the_middle_name_keeps_family_and_given() -> None:
    assert drop_middle("Trần", "Hương") == "Trần Hương"


def test_van_and_thi_are_dropped_far_more_often_than_other_middle_names() -> None:
    rng = Random(1)
    damage = Damage()
    common = sum(middle_dropped(rng, "Thị Kim", damage) for _ in range(4000)) / 4000
    other = sum(middle_dropped(rng, "Hoàng", damage) for _ in range(4000)) / 4000
    assert abs(common - damage.common_middle_dropped) < 0.03
    assert abs(other - damage.other_middle_dropped) < 0.015
    assert not middle_dropped(rng, "", damage)


@pytest.mark.parametrize("seed", range(60))
def test_a_typing_error_is_exactly_one_edit_and_stays_a_name(seed: int) -> None:
    rng = Random(seed)
    name = NAMES[seed % len(NAMES)]
    damaged = typo(rng, name)
    assert damaged != name
    assert _distance(name, damaged) == 1
    assert all(char.isalpha() or char == " " for char in damaged)


def test_typing_errors_use_all_four_kinds() -> None:
    rng = Random(3)
    lengths = {len(typo(rng, "Nguyễn Văn Bình")) - len("Nguyễn Văn Bình") for _ in range(200)}
    assert lengths == {-1, 0, 1}


def test_a_swapped_date_is_a_real_swap() -> None:
    value = PartialDate(1985, 3, 5)
    swapped = swap_day_month(value)
    assert swapped == PartialDate(1985, 5, 3)
    assert parse_date(legacy_date(swapped, Random(0))) == swapped


@pytest.mark.parametrize(
    "value", [PartialDate(1985, 3, 13), PartialDate(1985, 4, 4), PartialDate(1985, 3, None)]
)
def test_a_date_that_cannot_be_swapped_is_left_alone(value: PartialDate) -> None:
    assert swap_day_month(value) is None
    damage = Damage(year_only=0, month_year=0, day_month_swapped=1)
    assert damaged_date(value, Random(0), damage) == value


def test_partial_dates_keep_the_year_or_the_month_and_year() -> None:
    value = PartialDate(1962, 11, 30)
    assert partial(value, "year") == PartialDate(1962)
    assert partial(value, "month") == PartialDate(1962, 11)
    assert legacy_date(PartialDate(1962), Random(0)) == "1962"
    assert legacy_date(PartialDate(1962, 11), Random(0)) == "11/1962"


def test_damaged_dates_follow_their_rates() -> None:
    rng = Random(8)
    damage = Damage(year_only=0.1, month_year=0.1, day_month_swapped=0.5)
    value = PartialDate(1990, 2, 7)
    found = [damaged_date(value, rng, damage) for _ in range(5000)]
    assert abs(sum(item == PartialDate(1990) for item in found) / 5000 - 0.1) < 0.02
    assert abs(sum(item == PartialDate(1990, 2) for item in found) / 5000 - 0.1) < 0.02
    assert abs(sum(item == PartialDate(1990, 7, 2) for item in found) / 5000 - 0.4) < 0.03


@pytest.mark.parametrize("seed", range(30))
def test_legacy_dates_parse_back_as_day_month_year(seed: int) -> None:
    value = PartialDate(1977, 1 + seed % 12, 1 + seed)
    assert parse_date(legacy_date(value, Random(seed))) == value


def test_registry_dates_are_read_at_their_precision() -> None:
    assert parse_iso("1985-03-05") == PartialDate(1985, 3, 5)
    assert parse_iso("1985-03") == PartialDate(1985, 3)
    assert parse_iso("1985") == PartialDate(1985)
    assert parse_iso("") is None
    assert parse_iso("1985-02-30") is None
    assert parse_iso("1985-1-2-3") is None


@pytest.mark.parametrize("name", NAMES)
def test_a_tcvn3_value_decodes_back_to_the_lower_cased_original(name: str) -> None:
    data = legacy_bytes(name, "tcvn3")
    assert not data.isascii()
    decoded = decode(data, "tcvn3")
    # TCVN3 keeps only some capitals: what it lost comes back in lower case.
    assert decoded.lower() == name.lower()
    assert fold(decoded) == fold(name)


def test_tcvn3_writes_capitals_it_lacks_in_lower_case() -> None:
    assert legacy_bytes("Ánh", "tcvn3") == legacy_bytes("ánh", "tcvn3")
    assert decode(legacy_bytes("Ánh", "tcvn3"), "tcvn3") == "ánh"


@pytest.mark.parametrize("name", NAMES)
def test_a_vni_value_decodes_back_to_the_original(name: str) -> None:
    data = legacy_bytes(name, "vni")
    assert data != name.encode("utf-8")
    assert decode(data, "vni") == name


def test_utf8_is_written_as_it_is() -> None:
    assert legacy_bytes("Nguyễn", "utf-8") == "Nguyễn".encode()


def test_a_person_keeps_one_cmnd_whatever_the_record() -> None:
    assert cmnd_for("001095001746") == cmnd_for("001095001746")
    assert cmnd_for("001095001746") != cmnd_for("001095001747")
    assert is_valid_cmnd(cmnd_for("079176011642"))


def test_identifiers_are_the_pin_the_cmnd_or_none_at_their_rates() -> None:
    rng = Random(4)
    pin = "079176011642"
    found = [legacy_identifier(rng, pin, pin_rate=0.5, cmnd_rate=0.3) for _ in range(5000)]
    shares = {kind: sum(item[0] == kind for item in found) / 5000 for kind in ("pin", "cmnd", "")}
    assert abs(shares["pin"] - 0.5) < 0.03
    assert abs(shares["cmnd"] - 0.3) < 0.03
    assert all(value == {"pin": pin, "cmnd": cmnd_for(pin), "": ""}[kind] for kind, value in found)


def test_areas_are_rounded_or_written_with_a_decimal_comma() -> None:
    damage = Damage(area_rounded=0.3, area_decimal_comma=0.3)
    rng = Random(2)
    found = [area_text(rng, 116.4, damage) for _ in range(3000)]
    assert set(found) == {"116", "116,4", "116.4"}
    assert abs(found.count("116") / 3000 - 0.3) < 0.03
    assert abs(found.count("116,4") / 3000 - 0.3) < 0.03
    assert area_text(Random(0), 80.0, Damage(area_rounded=0, area_decimal_comma=0)) == "80.0"


def test_old_units_lead_back_to_the_new_commune() -> None:
    rng = Random(0)
    for code in ("00319", "26686", "27007", "30292"):
        found = old_units(rng, code)
        assert found is not None and found.commune is not None
        assert successor(found.commune.code, level="commune").new.code == code
        assert found.district is not None and found.district.code == found.commune.district_code
        assert found.province.code == found.commune.province_code


def test_a_new_commune_without_known_predecessors_has_no_old_units() -> None:
    assert old_units(Random(0), "03980") is None
