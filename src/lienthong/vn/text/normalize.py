"""NFC and tone-mark placement: make old and new spellings of the same word compare equal."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.text._letters import (
    JOIN_TONE,
    QUALITY_MARKS,
    SPLIT_TONE,
    parse_syllable,
    tone_index,
)

# A word: a run of letters (no digits, no underscore).
_WORD: Final = re.compile(r"[^\W\d_]+")
_COMBINING: Final = re.compile(r"[\u0300-\u036f]")
_MARK_RUN: Final = re.compile(r"[\u0300-\u036f]{2,}")

# Characters legacy data types for a Vietnamese letter. Each is repaired only inside a word
# that also holds a real Latin letter and that becomes a valid syllable once repaired.
_LOOKALIKES: Final = {
    "Ð": "Đ",  # U+00D0 ETH, typed for Đ on Latin-1 keyboards and fonts
    "ð": "đ",
    "Ɖ": "Đ",  # U+0189 African D
    "ɖ": "đ",
    # Cyrillic letters that look identical to Latin ones
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}
_LOOKALIKE_TABLE: Final = str.maketrans(_LOOKALIKES)
_LOOKALIKE_CHARS: Final = frozenset(_LOOKALIKES)

_CACHE_LIMIT: Final = 200_000
_token_cache: dict[str, str] = {}


def _require_str(text: object, field: str | None) -> str:
    if not isinstance(text, str):
        raise VnError(
            "vn.text.type",
            N_("Expected text but got {kind}: pass a string (decode bytes with decode() first)."),
            field=field,
            kind=type(text).__name__,
        )
    return text


def nfc(text: str, *, field: str | None = None) -> str:
    """Return the text in Unicode NFC, the form every boundary of the platform uses."""
    _require_str(text, field)
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text)


def _reorder_marks(run: re.Match[str]) -> str:
    marks = run.group()
    quality = [mark for mark in marks if mark in QUALITY_MARKS]
    others = [mark for mark in marks if mark not in QUALITY_MARKS]
    return "".join(quality + others)


def _compose(text: str) -> str:
    """Return NFC, first putting vowel marks before tone marks where a tool typed them after."""
    text = unicodedata.normalize("NFC", text)
    if _COMBINING.search(text) is None:
        return text
    # Canonical ordering keeps the circumflex and a tone (both class 230) in typing order, so
    # "o + acute + circumflex" would stay "ó + circumflex" instead of composing to "ố".
    decomposed = _MARK_RUN.sub(_reorder_marks, unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", decomposed)


def _place_tone(word: str) -> str:
    if _LOOKALIKE_CHARS.intersection(word):
        repaired = word.translate(_LOOKALIKE_TABLE)
        if (
            repaired != word
            and any(char.isascii() for char in word)
            and parse_syllable(repaired.lower()) is not None
        ):
            word = repaired
    syllable = parse_syllable(word.lower())
    if syllable is None or not syllable.tone:
        return word
    target = len(syllable.initial) + tone_index(syllable.cluster, closed=bool(syllable.final))
    letters = list(word)
    for position, char in enumerate(letters):
        parts = SPLIT_TONE.get(char)
        if parts is not None and parts[1]:
            letters[position] = parts[0]
    base = letters[target]
    letters[target] = JOIN_TONE[(base, syllable.tone)]
    return "".join(letters)


def _normalize_token(token: str) -> str:
    return _WORD.sub(lambda match: _place_tone(match.group()), token)


def normalize(text: str, *, field: str | None = None) -> str:
    """Return NFC text with tone marks placed as in official unit names ("hoà" → "hòa").

    Look-alike letters legacy data carries (U+00D0 Ð for Đ, Cyrillic homoglyphs) are repaired
    inside words that then read as Vietnamese; words that are not Vietnamese syllables are left
    as they are. Idempotent.

    >>> normalize("Khánh Hoà") == normalize("Khánh Hòa") == "Khánh Hòa"
    True
    """
    _require_str(text, field)
    if text.isascii():
        return text
    text = _compose(text)
    cache = _token_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    out: list[str] = []
    for token in text.split(" "):
        done = cache.get(token)
        if done is None:
            done = cache[token] = _normalize_token(token) if not token.isascii() else token
        out.append(done)
    return " ".join(out)
