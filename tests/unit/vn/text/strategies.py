"""Hypothesis strategies for Vietnamese text."""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from lienthong.vn.text._letters import VIETNAMESE_LETTERS

# Words whose tone mark sits differently in the two styles, old style → official style.
OLD_TO_NEW_STYLE = {
    "hoà": "hòa",
    "Hoà": "Hòa",
    "hoá": "hóa",
    "thuý": "thúy",
    "Thuỷ": "Thủy",
    "khoẻ": "khỏe",
    "loà": "lòa",
    "Tuý": "Túy",
    "hoạ": "họa",
    "xoè": "xòe",
    "HOÀ": "HÒA",
    "Nguyễn": "Nguyễn",
    "Văn": "Văn",
}

SYLLABLES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thu", "Thủy",
    "Hòa", "Khánh", "Quỳnh", "Quý", "Giang", "Thuyền", "Hương", "Trường", "Nghĩa", "Xuân",
    "Tuấn", "Thắng", "Khuê", "Ánh", "Yến", "Oanh", "Uyên", "Ước", "Gấm", "Phượng", "Lộc",
]  # fmt: skip

ALPHABET = (
    "".join(sorted(VIETNAMESE_LETTERS)) + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _case(word: str, style: int) -> str:
    return [word, word.lower(), word.upper()][style]


@st.composite
def vietnamese_words(draw: st.DrawFn) -> str:
    """Draw a real syllable in some case, or a run of Vietnamese letters."""
    if draw(st.booleans()):
        return _case(draw(st.sampled_from(SYLLABLES)), draw(st.integers(0, 2)))
    return draw(st.text(alphabet=ALPHABET, min_size=1, max_size=8))


@st.composite
def vietnamese_text(draw: st.DrawFn) -> str:
    """Draw a line of Vietnamese words with some punctuation and digits."""
    words = draw(st.lists(vietnamese_words(), min_size=1, max_size=6))
    separators = draw(
        st.lists(st.sampled_from([" ", ", ", " - ", ". ", " 12 ", "/"]), min_size=len(words))
    )
    text = "".join(word + separator for word, separator in zip(words, separators, strict=False))
    return unicodedata.normalize("NFC", text.strip())
