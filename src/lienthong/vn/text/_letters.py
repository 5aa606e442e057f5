"""The Vietnamese alphabet as data: tone marks, letters, and the shape of a valid syllable."""

from __future__ import annotations

import unicodedata
from typing import Final, NamedTuple

# The five tone marks as combining characters: huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS: Final = "\u0300\u0301\u0303\u0309\u0323"
# The three marks that make a different vowel rather than a tone: circumflex, breve, horn.
QUALITY_MARKS: Final = "\u0302\u0306\u031b"

BASE_VOWELS: Final = "aăâeêioôơuưy"
MARKED_VOWELS: Final = "ăâêôơư"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _compose(base: str, mark: str) -> str:
    return unicodedata.normalize("NFC", base + mark)


def _build_letters() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, str], str]]:
    split: dict[str, tuple[str, str]] = {}
    join: dict[tuple[str, str], str] = {}
    for vowel in BASE_VOWELS + BASE_VOWELS.upper():
        split[vowel] = (vowel, "")
        join[(vowel, "")] = vowel
        for mark in TONE_MARKS:
            letter = _compose(vowel, mark)
            split[letter] = (vowel, mark)
            join[(vowel, mark)] = letter
    return split, join


_LETTERS: Final = _build_letters()
# Every vowel letter (toned or not, both cases) → (toneless letter, tone mark or "").
SPLIT_TONE: Final = _LETTERS[0]
# (toneless letter, tone mark or "") → the precomposed letter.
JOIN_TONE: Final = _LETTERS[1]

# The 134 letters Vietnamese adds to ASCII (67 lower case, 67 upper case).
VIETNAMESE_LETTERS: Final = frozenset(
    [letter for letter in SPLIT_TONE if not letter.isascii()] + ["đ", "Đ"]
)

INITIALS: Final = _words("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x")
FINALS: Final = frozenset(["", "c", "ch", "m", "n", "ng", "nh", "p", "t"])
# Vowel clusters (medial + nucleus + glide) of standard Vietnamese spelling, toneless.
CLUSTERS: Final = _words(
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iu iê oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy "
    "ưa ưi ưu ươ yê "
    "iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu"
)
# Clusters that end in a glide (or in ia/ua/ưa) take no final consonant: "ai" but not "ain".
OPEN_ONLY: Final = _words(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu "
    "oai oao oay oeo uây uôi uya uyu ươi ươu iêu yêu"
)
# Clusters that never end a syllable: "ăn", "tiên", "muốn" but not "tă", "tiê", "muô".
NEEDS_FINAL: Final = _words("ă â oă uâ iê yê uô ươ uyê")
STOP_FINALS: Final = frozenset(["c", "ch", "p", "t"])
# A syllable closed by a stop consonant carries sắc or nặng, never another tone.
STOP_TONES: Final = frozenset(["\u0301", "\u0323"])
_LONGEST_INITIAL: Final = 3


class Syllable(NamedTuple):
    """One parsed syllable, lower case and toneless, with its tone mark."""

    initial: str
    cluster: str
    final: str
    tone: str


def parse_syllable(word: str) -> Syllable | None:
    """Parse a lower-case NFC word as one Vietnamese syllable; return None if it is not one."""
    letters: list[str] = []
    tone = ""
    for char in word:
        parts = SPLIT_TONE.get(char)
        if parts is None:
            if char in "bcdđghklmnpqrstvx":
                letters.append(char)
                continue
            return None
        letters.append(parts[0])
        if parts[1]:
            if tone:
                return None  # two tone marks: not a syllable
            tone = parts[1]
    bare = "".join(letters)
    initial = ""
    for size in range(min(_LONGEST_INITIAL, len(bare)), 0, -1):
        if bare[:size] in INITIALS:
            initial = bare[:size]
            break
    # "gi" and "qu" are consonants only when a vowel follows: "gìn" is g + ìn, "giá" is gi + á.
    if initial in ("gi", "qu") and (len(bare) == 2 or bare[2] not in BASE_VOWELS):
        if initial == "qu":
            return None
        initial = "g"
    rest = bare[len(initial) :]
    end = 0
    while end < len(rest) and rest[end] in BASE_VOWELS:
        end += 1
    cluster, final = rest[:end], rest[end:]
    if not cluster or cluster not in CLUSTERS or final not in FINALS:
        return None
    if final:
        if cluster in OPEN_ONLY:
            return None
        if final in STOP_FINALS and tone not in STOP_TONES:
            return None
        if final in ("ch", "nh") and cluster[-1] not in "aêiy":
            return None
    elif cluster in NEEDS_FINAL:
        return None
    return Syllable(initial, cluster, final, tone)


def tone_index(cluster: str, *, closed: bool) -> int:
    """Return where the tone mark goes in a vowel cluster, in the style of official names."""
    for index in range(len(cluster) - 1, -1, -1):
        if cluster[index] in MARKED_VOWELS:
            return index  # ươ, uyê, iê…: on the (last) marked vowel
    if closed:
        return len(cluster) - 1  # hoàn, toán, huỳnh
    if len(cluster) == 3:
        return 1  # ngoài, khuỷu
    return 0  # hòa, thúy, khỏe, mùa, tài
