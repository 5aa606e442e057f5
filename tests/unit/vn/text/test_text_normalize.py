"""Text is NFC at every boundary, and tone marks sit where official unit names put them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.text import fold, nfc, normalize

from .strategies import OLD_TO_NEW_STYLE, vietnamese_text


@pytest.mark.parametrize(
    ("old_style", "official"),
    [
        ("Khánh Hoà", "Khánh Hòa"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Hoà Bình", "Hòa Bình"),
        ("thuý", "thúy"),
        ("Thuỷ", "Thủy"),
        ("khoẻ", "khỏe"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("Nguyễn Thị Thuý Hoà", "Nguyễn Thị Thúy Hòa"),
        ("Thừa Thiên Huế", "Thừa Thiên Huế"),
    ],
)
def test_old_style_tone_marks_move_to_the_style_of_official_names(
    old_style: str, official: str
) -> None:
    assert normalize(old_style) == official
    assert normalize(official) == official


@pytest.mark.parametrize(
    "word",
    [
        "hoàn", "toán", "thuyền", "Quỳnh", "quý", "quốc", "giữa", "gìn", "già", "giường",
        "người", "muốn", "tiến", "khuỷu", "ngoài", "xoáy", "khuấy", "rượu", "thuở", "Huỳnh",
    ],
)  # fmt: skip
def test_words_already_in_place_are_unchanged(word: str) -> None:
    assert normalize(word) == word


@pytest.mark.parametrize(
    ("misplaced", "placed"),
    [("hòan", "hoàn"), ("tóan", "toán"), ("thúyên", "thuyến"), ("ngòai", "ngoài"), ("qúy", "quý")],
)
def test_tone_moves_off_the_wrong_vowel_in_closed_and_qu_syllables(
    misplaced: str, placed: str
) -> None:
    assert normalize(misplaced) == placed


@pytest.mark.parametrize("foreign", ["Café", "José", "naïve", "Zürich", "Ñandú", "Hello, world"])
def test_words_that_are_not_vietnamese_are_left_alone(foreign: str) -> None:
    assert normalize(foreign) == unicodedata.normalize("NFC", foreign)


def test_eth_typed_for_d_with_stroke_is_repaired_in_vietnamese_words() -> None:
    assert normalize("Ðặng Ðức") == "Đặng Đức"
    assert normalize("ðường") == "đường"


def test_eth_in_a_word_that_is_not_vietnamese_is_kept() -> None:
    assert normalize("Ðórr") == "Ðórr"


def test_cyrillic_look_alikes_are_repaired_only_inside_latin_words() -> None:
    assert normalize("Hаnh") == "Hanh"  # Cyrillic а
    assert normalize("НАС") == "НАС"  # an all-Cyrillic word stays Cyrillic


def test_decomposed_input_with_marks_in_typing_order_composes() -> None:
    typed = "Nguye\u0303\u0302n"  # tilde typed before the circumflex
    assert normalize(typed) == "Nguyễn"


def test_nfc_composes_decomposed_text() -> None:
    assert nfc(unicodedata.normalize("NFD", "Đặng Văn Lâm")) == "Đặng Văn Lâm"


@given(vietnamese_text())
def test_nfc_and_normalize_are_idempotent(text: str) -> None:
    assert nfc(nfc(text)) == nfc(text)
    assert normalize(normalize(text)) == normalize(text)


@given(st.lists(st.sampled_from(sorted(OLD_TO_NEW_STYLE)), min_size=1, max_size=6))
def test_old_and_new_styles_normalise_to_the_same_text(words: list[str]) -> None:
    old = " ".join(words)
    new = " ".join(OLD_TO_NEW_STYLE[word] for word in words)
    assert normalize(old) == normalize(new)


@given(vietnamese_text())
def test_normalising_never_changes_the_search_key(text: str) -> None:
    assert fold(normalize(text)) == fold(text)


@given(st.text())
def test_normalize_accepts_any_text(text: str) -> None:
    assert unicodedata.is_normalized("NFC", normalize(text))


@pytest.mark.parametrize("function", [nfc, normalize, fold])
def test_non_text_input_is_refused_with_a_stable_code(function: object) -> None:
    with pytest.raises(VnError) as error:
        function(b"bytes")  # type: ignore[operator]
    assert error.value.code == "vn.text.type"
