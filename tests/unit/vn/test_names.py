"""Vietnamese names split into parts and give stable matching keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.names import (
    FAMILY_NAME_SHARES,
    NameParts,
    family_name_share,
    name_keys,
    phonetic_key,
    sex_hint,
    split_name,
)


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Thị Minh Khai", NameParts("Nguyễn", "Thị Minh", "Khai")),
        ("Trần Hưng Đạo", NameParts("Trần", "Hưng", "Đạo")),
        ("Lê Lợi", NameParts("Lê", "", "Lợi")),
        ("  phạm   văn   đồng ", NameParts("phạm", "văn", "đồng")),
        ("Tôn Thất Thuyết", NameParts("Tôn Thất", "", "Thuyết")),
        ("Minh Khai NGUYEN", NameParts("NGUYEN", "Minh", "Khai", given_first=True)),
        ("Van An Nguyen", NameParts("Nguyen", "Van", "An", given_first=True)),
        ("H'Hen Niê", NameParts("H'Hen", "", "Niê")),
        ("Sùng", NameParts("", "", "Sùng")),
    ],
)
def test_a_name_splits_into_family_middle_and_given(full: str, parts: NameParts) -> None:
    assert split_name(full) == parts


def test_old_and_new_tone_placement_give_the_same_parts() -> None:
    assert split_name("Lê Thị Hoà") == split_name("Lê Thị Hòa")


def test_the_full_name_is_rebuilt_in_vietnamese_order() -> None:
    assert split_name("Minh Khai NGUYEN").full == "NGUYEN Minh Khai"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("", "vn.name.empty"),
        ("   ", "vn.name.empty"),
        ("Nguyễn Văn 3", "vn.name.invalid_character"),
        ("Trần_Văn", "vn.name.invalid_character"),
        ("Lê <script>", "vn.name.invalid_character"),
        ("Nguyễn " * 40, "vn.name.too_long"),
    ],
)
def test_a_malformed_name_is_refused_with_its_code(bad: str, code: str) -> None:
    with pytest.raises(VnError) as raised:
        split_name(bad)
    assert raised.value.code == code
    assert raised.value.field == "name"
    assert raised.value.message_vi and raised.value.message_en


def test_keys_ignore_diacritics_case_and_order() -> None:
    assert name_keys("Nguyễn Văn Đức") == name_keys("NGUYEN VAN DUC")
    assert name_keys("Van Duc NGUYEN").full == "nguyen van duc"
    keys = name_keys("Nguyễn Thị Minh Khai")
    assert (keys.family, keys.middle, keys.given) == ("nguyen", "thi minh", "khai")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Trường", "Chường"),
        ("Dũng", "Rũng"),
        ("Giang", "Dang"),
        ("Sơn", "Xơn"),
        ("Lan", "Nan"),
        ("Thanh", "Than"),
        ("Vy", "Vi"),
        ("Phúc", "Phút"),
        ("Nghĩa", "Ngĩa"),
    ],
)
def test_phonetic_keys_merge_regional_and_typing_variants(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Minh", "Linh"), ("An", "Bình"), ("Lan", "Lam"), ("Hà", "Hạnh")]
)
def test_phonetic_keys_keep_distinct_names_apart(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize(
    ("full", "hint"),
    [
        ("Nguyễn Văn An", "male"),
        ("Trần Thị Bình", "female"),
        ("Le Thi Hoa", "female"),
        ("Nguyen Van An", None),
        ("Lê Minh Châu", None),
        ("An", None),
    ],
)
def test_sex_hint_comes_only_from_unambiguous_middle_names(full: str, hint: str | None) -> None:
    assert sex_hint(full) == hint


def test_family_name_shares_are_a_plausible_prior() -> None:
    assert family_name_share("nguyen") == pytest.approx(0.38)
    assert family_name_share("La") == pytest.approx(family_name_share("Lã"))
    assert family_name_share("Smith") is None
    assert 0.8 < sum(FAMILY_NAME_SHARES.values()) < 1.0


words = st.sampled_from(
    ["Nguyễn", "Trần", "Thị", "Văn", "Minh", "Hòa", "Thúy", "Đức", "Ánh", "Khai"]
)


@given(st.lists(words, min_size=2, max_size=5))
def test_splitting_is_stable_under_the_keys(parts: list[str]) -> None:
    full = " ".join(parts)
    split = split_name(full)
    again = split_name(split.full)
    assert (again.family, again.middle, again.given) == (split.family, split.middle, split.given)
    assert name_keys(full).full == name_keys(full.upper()).full
