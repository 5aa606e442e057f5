"""Folding for search: diacritics removed, Đ→D, lower case, white space collapsed."""

from __future__ import annotations

import unicodedata
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # Every precomposed Latin letter Vietnamese can produce, plus Latin-1 and Extended-A/B
    # neighbours that legacy data carries, folds to its base letter in lower case.
    ranges = [(0x00C0, 0x024F), (0x1E00, 0x1EFF)]
    for start, end in ranges:
        for code in range(start, end + 1):
            base = unicodedata.normalize("NFD", chr(code))[0]
            if base.isascii() and base.isalpha():
                table[code] = base.lower()
    table[ord("Đ")] = table[ord("đ")] = "d"
    table[ord("Ð")] = "d"  # U+00D0 ETH: legacy files type it for Đ
    for code in range(0x0300, 0x0370):  # combining marks: decomposed input folds the same way
        table[code] = None
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code).lower()
    return table


_TABLE: Final = _build_table()
_CACHE_LIMIT: Final = 200_000
# Names repeat the same few thousand words, so each word is folded once.
_word_cache: dict[str, str] = {}


def fold(text: str) -> str:
    """Return the search key of a text: no diacritics, Đ→d, lower case, single spaces.

    >>> fold("  Nguyễn   Thị ĐOAN  ")
    'nguyen thi doan'
    """
    if not isinstance(text, str):
        raise VnError(
            "vn.text.type",
            N_("Expected text but got {kind}: pass a string (decode bytes with decode() first)."),
            kind=type(text).__name__,
        )
    if text.isascii():
        return " ".join(text.lower().split())
    cache = _word_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    get = cache.get
    out = [get(word) or _fold_word(word) for word in text.split()]
    # A word made only of combining marks folds to nothing: drop it like white space.
    return " ".join(out) if "" not in out else " ".join(" ".join(out).split())


def _fold_word(word: str) -> str:
    folded = _word_cache[word] = word.translate(_TABLE)
    return folded
