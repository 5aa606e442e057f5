"""VIQR (RFC 1456, Vietnamese Quoted-Readable): Vietnamese in 7-bit ASCII.

A letter is followed by its marks: a vowel mark — ``(`` breve, ``^`` circumflex, ``+`` horn —
then a tone — ``'`` sắc, ````` huyền, ``?`` hỏi, ``~`` ngã, ``.`` nặng; ``dd``/``DD``/``Dd``
stand for đ/Đ. A mark character is read as a mark only when it combines with the letter before
it into a legal Vietnamese letter; a backslash before it keeps it literal (``gi`\\?`` is "gì?").
The mode-switch sequences of the full Viet-Std report are not interpreted.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from lienthong.vn.text._letters import JOIN_TONE, SPLIT_TONE

_QUALITY: Final = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}
_TONE: Final = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_TONE_MNEMONIC: Final = {mark: mnemonic for mnemonic, mark in _TONE.items()}
ESCAPABLE: Final = frozenset("(^+'`?~.\\dD")
MNEMONICS: Final = frozenset("(^+'`?~.")


def _quality_table() -> dict[tuple[str, str], str]:
    table: dict[tuple[str, str], str] = {}
    for base, mnemonic in [("a", "("), ("a", "^"), ("e", "^"), ("o", "^"), ("o", "+"), ("u", "+")]:
        for letter in (base, base.upper()):
            table[(letter, mnemonic)] = unicodedata.normalize("NFC", letter + _QUALITY[mnemonic])
    return table


_WITH_QUALITY: Final = _quality_table()
# A marked vowel → (plain letter, its vowel-mark mnemonic): "ơ" → ("o", "+").
_SPLIT_QUALITY: Final = {letter: pair for pair, letter in _WITH_QUALITY.items()}
_DD: Final = {("d", "d"): "đ", ("D", "D"): "Đ", ("D", "d"): "Đ"}
_OPENERS: Final = frozenset("aeiouyAEIOUYdD")


def _combine(last: str, char: str) -> tuple[str, bool] | None:
    """Return (new letter, still open) if ``char`` is a mark for ``last``, else None."""
    if char in _QUALITY:
        letter = _WITH_QUALITY.get((last, char))
        return None if letter is None else (letter, True)
    if char in _TONE:
        parts = SPLIT_TONE.get(last)
        if parts is None or parts[1]:
            return None
        return JOIN_TONE[(last, _TONE[char])], False
    letter = _DD.get((last, char))
    return None if letter is None else (letter, False)


def decode_viqr(text: str) -> str:
    """Return the Unicode (NFC) text a VIQR string spells."""
    out: list[str] = []
    is_open = False  # whether the last output letter may still take a mark
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char == "\\" and position + 1 < length and text[position + 1] in ESCAPABLE:
            out.append(text[position + 1])
            position += 2
            is_open = False
            continue
        position += 1
        if is_open:
            combined = _combine(out[-1], char)
            if combined is not None:
                out[-1], is_open = combined
                continue
        out.append(char)
        is_open = char in _OPENERS
    return "".join(out)


def _spell(char: str) -> tuple[str, str, bool]:
    """Return (VIQR spelling, the letter the decoder holds after it, whether it stays open)."""
    if char == "đ":
        return "dd", "đ", False
    if char == "Đ":
        return "DD", "Đ", False
    parts = SPLIT_TONE.get(char)
    if parts is None:
        return char, char, char in _OPENERS
    toneless, tone = parts
    plain, quality = _SPLIT_QUALITY.get(toneless, (toneless, ""))
    if tone:
        return plain + quality + _TONE_MNEMONIC[tone], char, False
    return plain + quality, char, True


def encode_viqr(text: str) -> str:
    """Return the VIQR spelling of a text, escaping what the decoder would misread."""
    out: list[str] = []
    last, is_open = "", False
    for char in unicodedata.normalize("NFC", text):
        if char == "\\":
            out.append("\\\\")
            last, is_open = char, False
            continue
        spelling, held, still_open = _spell(char)
        if is_open and _combine(last, spelling[0]) is not None:
            if len(spelling) == 1:
                # The character would be read as a mark on the previous letter: escape it.
                out.append("\\" + spelling)
                last, is_open = held, False
                continue
            # Only "dd"/"DD" starts with a letter that combines (after a plain d): escape that
            # plain d instead, so the pair still spells đ.
            out[-1] = "\\" + out[-1]
            out.append(spelling)
        else:
            out.append(spelling)
        last, is_open = held, still_open
    return "".join(out)
