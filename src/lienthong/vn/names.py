"""Vietnamese personal names: split into parts, and keys for matching them.

A Vietnamese name is written family name first, then middle name(s), then the given
name ("Nguyễn Thị Minh Khai"). Passports and foreign records often put the given name
first. Sources for the family-name shares: DOMAIN.md (Nguyễn ≈ 38 %, Trần 11 %, Lê 9.5 %,
Phạm 7 %, Hoàng/Huỳnh 5 %) and, for the tail, published surname surveys; they are used
as priors (synthetic data, term-frequency weights), never as facts about a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.text import fold, normalize

Sex = Literal["male", "female"]

#: Share of the population carrying each family name (a prior, summing to < 1).
FAMILY_NAME_SHARES: Final[dict[str, float]] = {
    "Nguyễn": 0.38,
    "Trần": 0.11,
    "Lê": 0.095,
    "Phạm": 0.07,
    "Hoàng": 0.03,
    "Huỳnh": 0.02,
    "Phan": 0.045,
    "Vũ": 0.02,
    "Võ": 0.019,
    "Đặng": 0.021,
    "Bùi": 0.02,
    "Đỗ": 0.014,
    "Hồ": 0.013,
    "Ngô": 0.013,
    "Dương": 0.01,
    "Lý": 0.005,
    "Đào": 0.004,
    "Đoàn": 0.004,
    "Trịnh": 0.004,
    "Trương": 0.004,
    "Đinh": 0.004,
    "Lương": 0.003,
    "Lâm": 0.003,
    "Mai": 0.003,
    "Cao": 0.003,
    "Hà": 0.003,
    "Tạ": 0.002,
    "Phùng": 0.002,
    "Tô": 0.002,
    "Lưu": 0.002,
    "Châu": 0.002,
    "Thái": 0.002,
    "Vương": 0.002,
    "Quách": 0.001,
    "Kiều": 0.001,
    "Triệu": 0.001,
    "Chu": 0.001,
    "La": 0.001,
    "Tăng": 0.001,
    "Từ": 0.001,
    "Mạc": 0.001,
    "Lò": 0.001,
    "Nông": 0.001,
    "Hứa": 0.001,
    "Thân": 0.001,
    "Tôn": 0.001,
    "Giang": 0.001,
    "Đàm": 0.001,
    "Doãn": 0.001,
    "Khúc": 0.0005,
    "Kim": 0.0005,
    "Lại": 0.0005,
    "Lã": 0.0005,
    "Nghiêm": 0.0005,
    "Ninh": 0.0005,
    "Phí": 0.0005,
    "Quan": 0.0005,
    "Thạch": 0.0005,
    "Vi": 0.0005,
    "Âu": 0.0003,
    "Bạch": 0.0003,
    "Bế": 0.0003,
    "Cù": 0.0003,
    "Diệp": 0.0003,
    "Giáp": 0.0003,
    "Hàn": 0.0003,
    "Khổng": 0.0003,
    "Khương": 0.0003,
    "Lục": 0.0003,
    "Mã": 0.0003,
    "Ông": 0.0003,
    "Sầm": 0.0002,
    "Thiều": 0.0002,
    "Tiêu": 0.0002,
    "Ung": 0.0002,
}

#: Two-word family names, which must not be split into family + middle.
COMPOUND_FAMILY_NAMES: Final = frozenset({"ton that", "nguyen phuc", "au duong", "tu ma"})


def _folded_shares() -> dict[str, float]:
    # Folding merges some names (Lã and La): their shares add up.
    shares: dict[str, float] = {}
    for name, share in FAMILY_NAME_SHARES.items():
        shares[fold(name)] = shares.get(fold(name), 0.0) + share
    return shares


_FOLDED_SHARES: Final = _folded_shares()
_ALLOWED: Final = re.compile(r"^[^\W\d_]+(?:[\s'’.-]+[^\W\d_]+)*[.]?$")
MAX_LENGTH: Final = 150


@dataclass(frozen=True, slots=True)
class NameParts:
    """A full name split into family, middle and given names (each NFC, tone-normalised)."""

    family: str
    middle: str
    given: str
    given_first: bool = False

    @property
    def full(self) -> str:
        """Return the name in Vietnamese order: family, middle, given."""
        return " ".join(part for part in (self.family, self.middle, self.given) if part)


@dataclass(frozen=True, slots=True)
class NameKeys:
    """Keys for blocking and comparing names whatever their diacritics, order or spelling."""

    full: str
    family: str
    middle: str
    given: str
    phonetic_family: str
    phonetic_given: str


def _check(text: str) -> str:
    cleaned = " ".join(normalize(text).split())
    if not cleaned:
        raise VnError(
            "vn.name.empty",
            N_("The name is empty. Enter the full name as written on the identity card."),
            field="name",
        )
    if len(cleaned) > MAX_LENGTH:
        raise VnError(
            "vn.name.too_long",
            N_(
                "The name has {length} characters; at most {limit} are allowed. Check that two fields were not joined."
            ),
            field="name",
            length=len(cleaned),
            limit=MAX_LENGTH,
        )
    if not _ALLOWED.match(cleaned):
        raise VnError(
            "vn.name.invalid_character",
            N_(
                "The name {name!r} contains digits or symbols. A name has only letters, spaces, hyphens and apostrophes."
            ),
            field="name",
            name=cleaned,
        )
    return cleaned


def _is_family(word: str) -> bool:
    return fold(word) in _FOLDED_SHARES


def split_name(full_name: str) -> NameParts:
    """Split a full name into family, middle and given names, detecting given-name-first order.

    >>> split_name("Nguyễn Thị Minh Khai")
    NameParts(family='Nguyễn', middle='Thị Minh', given='Khai', given_first=False)
    >>> split_name("Minh Khai NGUYEN")
    NameParts(family='NGUYEN', middle='Minh', given='Khai', given_first=True)
    """
    words = _check(full_name).split(" ")
    if len(words) == 1:
        return NameParts(family="", middle="", given=words[0])
    given_first = False
    # Passports write the family name in capitals after the given names ("Minh Khai NGUYEN");
    # otherwise a known family name at the end, but not at the start, betrays the same order.
    last_upper = words[-1].isupper() and not any(w.isupper() for w in words[:-1])
    if last_upper or (_is_family(words[-1]) and not _is_family(words[0])):
        given_first = True
        words = [words[-1], *words[:-1]]
    family_len = 2 if len(words) > 2 and fold(" ".join(words[:2])) in COMPOUND_FAMILY_NAMES else 1
    family = " ".join(words[:family_len])
    rest = words[family_len:]
    if not rest:
        return NameParts(family=family, middle="", given="", given_first=given_first)
    return NameParts(
        family=family, middle=" ".join(rest[:-1]), given=rest[-1], given_first=given_first
    )


# Sounds that regional pronunciations and careless typing merge. Initials are tried
# longest first; the South merges d/gi/r/v, the North tr/ch, s/x and (in places) l/n.
_INITIALS: Final = (
    ("ngh", "ng"),
    ("gh", "g"),
    ("gi", "z"),
    ("ch", "c"),
    ("tr", "c"),
    ("ph", "f"),
    ("kh", "k"),
    ("th", "t"),
    ("qu", "kw"),
    ("d", "z"),
    ("r", "z"),
    ("v", "z"),
    ("x", "s"),
    ("l", "n"),
    ("k", "c"),
)
_FINALS: Final = (("nh", "n"), ("ng", "n"), ("ch", "t"), ("c", "t"), ("y", "i"))


def phonetic_key(text: str) -> str:
    """Return a key that equals for names spelt or pronounced alike across regions.

    >>> phonetic_key("Trường") == phonetic_key("Chương")
    True
    """
    keys = []
    for word in fold(text).split():
        for initial, replacement in _INITIALS:
            if word.startswith(initial):
                word = replacement + word[len(initial) :]
                break
        for final, replacement in _FINALS:
            if word.endswith(final):
                word = word[: -len(final)] + replacement
                break
        keys.append(word)
    return " ".join(keys)


def name_keys(full_name: str) -> NameKeys:
    """Return folded and phonetic keys of a name, in Vietnamese order.

    >>> name_keys("Nguyen Van An").given
    'an'
    """
    parts = split_name(full_name)
    return NameKeys(
        full=fold(parts.full),
        family=fold(parts.family),
        middle=fold(parts.middle),
        given=fold(parts.given),
        phonetic_family=phonetic_key(parts.family),
        phonetic_given=phonetic_key(parts.given),
    )


def sex_hint(full_name: str) -> Sex | None:
    """Return the sex a middle name suggests ("Văn" male, "Thị" female), or None.

    Without diacritics "Van" could be Văn (male) or Vân (often female), so it is no hint.
    """
    middle = split_name(full_name).middle.split()
    lowered = [word.lower() for word in middle]
    if "thị" in lowered or "thi" in lowered:
        return "female"
    if "văn" in lowered:
        return "male"
    return None


def family_name_share(family: str) -> float | None:
    """Return the prior share of the population whose family name folds like this one, if known."""
    return _FOLDED_SHARES.get(fold(family))
