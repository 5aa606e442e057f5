"""Matching keys for unit names as people write them: any case, accents, prefix or numbering."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lienthong.vn.text import fold
from lienthong.vn.units.model import Kind

# Folded prefix → the kind it names. The pattern below takes the first alternative that
# fits, so two-word prefixes come before one-word ones and words before abbreviations.
_PREFIXES: Final[tuple[tuple[str, Kind], ...]] = (
    ("thanh pho", "thành phố"),
    ("thi tran", "thị trấn"),
    ("thi xa", "thị xã"),
    ("dac khu", "đặc khu"),
    ("phuong", "phường"),
    ("huyen", "huyện"),
    ("tinh", "tỉnh"),
    ("quan", "quận"),
    ("xa", "xã"),
    ("t.p", "thành phố"),
    ("tp", "thành phố"),
    ("t.t", "thị trấn"),
    ("tt", "thị trấn"),
    ("t.x", "thị xã"),
    ("tx", "thị xã"),
    ("p", "phường"),
    ("q", "quận"),
    ("h", "huyện"),
)
_PREFIX_KINDS: Final = dict(_PREFIXES)

# A prefix ends at a dot, at white space, or right before a number ("Q1", "P.01", "TP.HCM").
_PREFIX_RE: Final = re.compile(
    r"^(?P<prefix>"
    + "|".join(re.escape(prefix) for prefix, _ in _PREFIXES)
    + r")(?:\s*\.\s*|\s+|(?=\d))(?P<rest>\S.*)$"
)
_SEPARATORS_RE: Final = re.compile(r"[\-\u2010-\u2015.,;:/()_]")
_APOSTROPHES_RE: Final = re.compile(r"['\u2018\u2019\u02bc`]")

# The five tone marks, by the Telex letter that types each. Circumflex, breve and horn
# change the vowel itself and stay where they are.
_TONES: Final = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}

# Names legacy records use for a province that the catalogue spells otherwise.
_ALIASES: Final[dict[str, str]] = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "thua thien hue": "hue",
}


def name_key(name: str) -> str:
    """Return the matching key of a unit name given without its type prefix.

    >>> name_key("Bà Rịa – Vũng Tàu"), name_key("01"), name_key("Ea H'leo")
    ('ba ria vung tau', '1', 'ea hleo')
    """
    text = _APOSTROPHES_RE.sub("", _SEPARATORS_RE.sub(" ", fold(name)))
    return " ".join(
        str(int(token)) if token.isascii() and token.isdigit() else token for token in text.split()
    )


@lru_cache(maxsize=65_536)
def accent_key(name: str) -> str:
    """Return the key of a name that keeps its accents but not their placement or case.

    Each syllable's tone is moved to its end as a Telex letter, so the old and new
    placements ("Hoà", "Hòa") agree while different tones ("Quan Hóa", "Quan Hoa") do not.

    >>> accent_key("Hoà Bình") == accent_key("HÒA  BÌNH"), accent_key("Phường 01")
    (True, 'phương_f 1')
    """
    text = _APOSTROPHES_RE.sub("", _SEPARATORS_RE.sub(" ", name.lower()))
    syllables: list[str] = []
    for token in text.split():
        if token.isascii():
            syllables.append(str(int(token)) if token.isdigit() else token)
            continue
        decomposed = unicodedata.normalize("NFD", token)
        tones = "".join(_TONES[mark] for mark in decomposed if mark in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        syllables.append(f"{base}_{tones}" if tones else base)
    return " ".join(syllables)


@dataclass(frozen=True, slots=True)
class Query:
    """A name as typed, read two ways: whole, and with a leading type prefix taken off."""

    whole: str
    """The key of the whole text, for names that begin with a prefix word ("Quan Hóa")."""
    bare: str | None
    """The key without the prefix, when the text starts with one."""
    kind: Kind | None
    """The kind the prefix names, used to choose between units sharing a bare name."""
    province_alias: str | None
    """The catalogue key of a province legacy records name otherwise ("TP.HCM")."""
    accents: str | None
    """The accent key of the whole text when it has accents, to prefer exact spellings."""

    def spelled_as(self, name: str) -> bool:
        """Return whether a unit name, accents included, is what the text ends with."""
        if self.accents is None:
            return False
        key = accent_key(name)
        return self.accents == key or self.accents.endswith(" " + key)


@lru_cache(maxsize=65_536)
def parse_query(text: str) -> Query:
    """Return the keys under which a typed unit name can match."""
    folded = fold(text)
    whole = name_key(folded)
    bare: str | None = None
    kind: Kind | None = None
    match = _PREFIX_RE.match(folded)
    if match is not None:
        bare = name_key(match["rest"]) or None
        kind = _PREFIX_KINDS[match["prefix"]] if bare is not None else None
    alias = _ALIASES.get(whole) or (_ALIASES.get(bare) if bare is not None else None)
    accents = None if text.isascii() else accent_key(unicodedata.normalize("NFC", text))
    return Query(whole=whole, bare=bare, kind=kind, province_alias=alias, accents=accents)
