"""The rules scripts/regenerate_units.py derives the crosswalk by, on small made-up sets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "regenerate_units.py"


@pytest.fixture(scope="module")
def regen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate_units", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_a_type_prefix_is_split_off_once(regen: ModuleType) -> None:
    assert regen.split_kind("Phường  Phường Đúc", {"phường"}) == ("phường", "Phường Đúc")
    assert regen.split_kind("Thành Phố Thủ Đức", {"thành phố"}) == ("thành phố", "Thủ Đức")
    with pytest.raises(regen.CheckFailed):
        regen.split_kind("Phường Đúc", {"xã"})


def rows(regen: ModuleType) -> tuple[list[object], list[object]]:
    row = regen.Row
    old = [
        row("province", "01", "tỉnh", "Alpha"),
        row("province", "02", "tỉnh", "Beta"),
        row("district", "001", "huyện", "North", province="01"),
        row("district", "002", "huyện", "South", province="02"),
        row("district", "003", "huyện", "Island", province="02"),
        row("commune", "00001", "xã", "Kept Code", province="01", district="001"),
        row("commune", "00002", "xã", "Unique", province="01", district="001"),
        row("commune", "00003", "xã", "Twice", province="01", district="001"),
        row("commune", "00004", "xã", "Twice", province="02", district="002"),
        row("commune", "00005", "thị trấn", "Gone", province="02", district="002"),
    ]
    new = [
        row("province", "02", "tỉnh", "Beta"),
        row("commune", "00001", "xã", "Renamed", province="02"),
        row("commune", "00099", "phường", "Unique", province="02"),
        row("commune", "00098", "xã", "Twice", province="02"),
        row("commune", "00097", "đặc khu", "Island", province="02"),
    ]
    return old, new


def test_the_new_province_must_keep_one_of_its_predecessors_codes(
    regen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = rows(regen)
    monkeypatch.setattr(regen, "RESOLUTION_202", (("Beta", "Alpha"),))
    assert regen.province_crosswalk(old, new) == {"01": "02", "02": "02"}
    new[0] = regen.Row("province", "03", "tỉnh", "Beta")
    with pytest.raises(regen.CheckFailed, match="none of"):
        regen.province_crosswalk(old, new)


def test_a_resolution_that_misses_a_province_fails(
    regen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = rows(regen)
    monkeypatch.setattr(regen, "RESOLUTION_202", (("Beta",),))
    with pytest.raises(regen.CheckFailed, match="not in the resolution"):
        regen.province_crosswalk(old, new)


def test_communes_by_code_then_unique_name_else_province(regen: ModuleType) -> None:
    old, new = rows(regen)
    crosswalk = regen.commune_crosswalk(old, new, {"01": "02", "02": "02"})
    assert crosswalk == {
        "00001": ("00001", "same_code"),
        "00002": ("00099", "same_name"),
        # Two old communes named "Twice" end up in the same province: neither is matched.
        "00003": ("02", "province_only"),
        "00004": ("02", "province_only"),
        "00005": ("02", "province_only"),
    }


def test_a_kept_code_in_another_province_than_the_resolution_says_fails(
    regen: ModuleType,
) -> None:
    old, new = rows(regen)
    with pytest.raises(regen.CheckFailed, match="moved"):
        regen.commune_crosswalk(old, new, {"01": "01", "02": "02"})


def test_only_districts_without_communes_become_the_special_zone_of_their_name(
    regen: ModuleType,
) -> None:
    old, new = rows(regen)
    crosswalk = regen.district_crosswalk(old, new, {"01": "02", "02": "02"})
    assert crosswalk == {
        "001": ("02", "district_abolished"),
        "002": ("02", "district_abolished"),
        "003": ("00097", "same_name"),
    }


def test_counts_must_match_exactly(regen: ModuleType) -> None:
    old, _ = rows(regen)
    with pytest.raises(regen.CheckFailed, match="counts"):
        regen.check_counts(old, {"province": 63, "district": 696, "commune": 10051}, "old")
