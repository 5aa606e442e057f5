"""The columns the linkage model compares, derived from a record type's linkage fields.

Names are folded (no diacritics, Đ→d, tone placement normalised), split into family,
middle and given names with the order detected, keyed phonetically and sorted into a
bag of words, so "Khải Minh NGUYỄN", "Nguyen Minh Khai" and "Nguyễn Minh Khải" compare
equal where they should. Dates are split into year, month and day so that partial and
day/month-swapped dates can be compared. Each distinct value is worked out once: a
million records hold far fewer distinct names, dates and communes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import pyarrow as pa

from lienthong.errors import LienthongError
from lienthong.vn import units
from lienthong.vn.names import (
    COMPOUND_FAMILY_NAMES,
    FAMILY_NAME_SHARES,
    phonetic_key,
    split_name,
)
from lienthong.vn.text import PartialDate, fold, normalize, parse_date

_CACHE: Final = 1 << 20
_WORD: Final = re.compile(r"[^\W\d_]+")
_NON_ALNUM: Final = re.compile(r"[^0-9a-z]+")
_ISO_DATE: Final = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

#: The columns of a Person's feature table, in order.
PERSON_COLUMNS: Final = (
    "unique_id",
    "family",
    "middle",
    "given",
    "given_ph",
    "name_tokens",
    "name_words",
    "birth_date",
    "birth_ym",
    "birth_year",
    "birth_month",
    "birth_day",
    "pin",
    "cmnd",
    "sex",
    "commune",
    "province",
)

#: The columns of a Parcel's feature table, in order.
PARCEL_COLUMNS: Final = (
    "unique_id",
    "commune",
    "province",
    "map_sheet",
    "parcel_number",
    "area",
    "address",
    "holder_name",
    "holder_given",
    "holder_tokens",
    "holder_pin",
    "holder_cmnd",
    "certificate",
)

_INTEGER_COLUMNS: Final = frozenset({"birth_year", "birth_month", "birth_day"})
_FLOAT_COLUMNS: Final = frozenset({"area"})
_LIST_COLUMNS: Final = frozenset({"name_words"})


@dataclass(frozen=True, slots=True)
class NameFeatures:
    """A name folded and split, with the keys the comparisons use."""

    family: str | None
    middle: str | None
    given: str | None
    given_ph: str | None
    tokens: str | None


@dataclass(frozen=True, slots=True)
class DateFeatures:
    """A date of birth split for comparison; ``full`` only when the day is known."""

    full: str | None
    year_month: str | None
    year: int
    month: int | None
    day: int | None


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    return text or None


def _words(text: str) -> list[str]:
    # Folded text keeps letters only: dots, hyphens and stray digits do not separate people.
    return _WORD.findall(fold(text))


@lru_cache(maxsize=_CACHE)
def name_features(
    full_name: str | None,
    family_name: str | None = None,
    middle_name: str | None = None,
    given_name: str | None = None,
) -> NameFeatures:
    """Return the folded parts and keys of a name, from its parts when given, else split.

    >>> name_features("Khải Minh NGUYỄN").tokens == name_features("Nguyễn Minh Khải").tokens
    True
    """
    family, middle, given = _blank(family_name), _blank(middle_name), _blank(given_name)
    full = _blank(full_name)
    if family is None and given is None and full is not None:
        try:
            parts = split_name(full)
            family, middle, given = parts.family or None, parts.middle or None, parts.given
            if parts.given_first and _misread_order(full):
                family, middle, given = _in_order(full)
            elif not parts.given_first and _typed_given_first(full):
                family, middle, given = _given_first(full)
        except LienthongError:
            words = _words(full)
            if words:
                family = words[0] if len(words) > 1 else None
                middle = " ".join(words[1:-1]) or None
                given = words[-1]
    if full is None:
        full = " ".join(part for part in (family, middle, given) if part) or None
    folded_family = " ".join(_words(family)) or None if family else None
    folded_middle = " ".join(_words(middle)) or None if middle else None
    folded_given = " ".join(_words(given)) or None if given else None
    tokens = " ".join(sorted(_words(full))) or None if full else None
    return NameFeatures(
        family=folded_family,
        middle=folded_middle,
        given=folded_given,
        given_ph=phonetic_key(folded_given) or None if folded_given else None,
        tokens=tokens,
    )


_FOLDED_FAMILIES: Final = frozenset(fold(name) for name in FAMILY_NAME_SHARES)
#: Family names carried by at least one person in a hundred: those whose typing errors are
#: common enough to read a name by. Rarer ones are as often a given name a letter away
#: (Nhung and Phùng).
_COMMON_FAMILIES: Final = frozenset(
    fold(name) for name, share in FAMILY_NAME_SHARES.items() if share >= 0.01
)
#: Middle names that stand second in Vietnamese order and almost never elsewhere.
_SECOND_WORDS: Final = frozenset({"van", "thi"})


def _one_edit(word: str, other: str) -> bool:
    """Return whether two words differ by one insertion, deletion, change or transposition."""
    if abs(len(word) - len(other)) > 1 or word == other:
        return False
    if len(word) == len(other):
        diffs = [i for i, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
        return len(diffs) == 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and word[diffs[0]] == other[diffs[1]]
            and word[diffs[1]] == other[diffs[0]]
        )
    short, long = sorted((word, other), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@lru_cache(maxsize=1 << 16)
def _mistyped_family(word: str) -> bool:
    """Return whether a word is one typing error away from a common family name, and is none.

    Short words are left alone: most given names of up to four letters are one letter away
    from some family name (Hà and Hồ, Minh and Ninh).
    """
    folded = fold(word)
    if len(folded) < 5 or folded in _FOLDED_FAMILIES:
        return False
    return any(_one_edit(folded, family) for family in _COMMON_FAMILIES)


def _misread_order(full: str) -> bool:
    """Return whether a name was taken for given-name-first when it is in Vietnamese order.

    "Vàng Nguyên" ends in a word that folds like Nguyễn, "Quàng Thị Trinh" in one that folds
    like Trịnh; written with diacritics they are no family names. "Nguykễn Phương Hà" ends
    in a family name (Hà is a given name too) and starts with a mistyped one. "Giang Thị Vi"
    has Thị second. Without such a sign the order stays ambiguous, and the comparisons weigh
    both readings.
    """
    words = full.split()
    last = words[-1]
    if last.isupper():
        return False
    if not full.isascii() and normalize(last).title() not in FAMILY_NAME_SHARES:
        return True
    if len(words) > 2 and fold(words[1]) in _SECOND_WORDS:
        return True
    return _mistyped_family(words[0])


def _typed_given_first(full: str) -> bool:
    """Return whether a name ends in a mistyped family name and does not start with one."""
    words = full.split()
    if len(words) < 2 or fold(words[0]) in _FOLDED_FAMILIES or _mistyped_family(words[0]):
        return False
    if len(words) > 2 and fold(words[1]) in _SECOND_WORDS:
        return False
    return _mistyped_family(words[-1])


def _given_first(full: str) -> tuple[str, str | None, str]:
    words = full.split()
    return words[-1], " ".join(words[:-2]) or None, words[-2]


def _in_order(full: str) -> tuple[str | None, str | None, str]:
    words = full.split()
    size = 2 if len(words) > 2 and fold(" ".join(words[:2])) in COMPOUND_FAMILY_NAMES else 1
    return " ".join(words[:size]), " ".join(words[size:-1]) or None, words[-1]


@lru_cache(maxsize=_CACHE)
def date_features(text: str | None) -> DateFeatures | None:
    """Return a date's parts, or None when it is missing or cannot be read."""
    value = _blank(text)
    if value is None:
        return None
    try:
        # The mappings write ISO partial dates ("1985", "1985-03", "1985-03-05"); anything
        # else is read as legacy records write dates.
        if match := _ISO_DATE.fullmatch(value):
            year, month, day = match.groups()
            date = PartialDate(
                int(year), None if month is None else int(month), None if day is None else int(day)
            )
        else:
            date = parse_date(value)
    except LienthongError:
        return None
    year_month = None if date.month is None else f"{date.year:04d}-{date.month:02d}"
    full = None if date.day is None else f"{year_month}-{date.day:02d}"
    return DateFeatures(full, year_month, date.year, date.month, date.day)


@lru_cache(maxsize=1 << 16)
def province_of(commune: str | None) -> str | None:
    """Return the post-2025 province of a post-2025 commune code, or None when unknown."""
    code = _blank(commune)
    if code is None:
        return None
    try:
        return units.commune(code).province_code
    except LienthongError:
        return None


def _digits(value: str | None) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits or None


def _number(value: str | None) -> str | None:
    digits = _digits(value)
    # Map sheets and parcels are numbers: "07" and "7" are the same sheet.
    return None if digits is None else digits.lstrip("0") or "0"


def _area(value: str | None) -> float | None:
    text = _blank(value)
    if text is None:
        return None
    try:
        area = float(text.replace(",", "."))
    except ValueError:
        return None
    return area if area > 0 else None


@lru_cache(maxsize=1 << 16)
def _code(value: str | None) -> str | None:
    text = _blank(value)
    return _NON_ALNUM.sub("", fold(text)) or None if text else None


def _column(table: pa.Table, name: str) -> list[Any]:
    if name not in table.column_names:
        return [None] * table.num_rows
    return table.column(name).cast(pa.string()).to_pylist()


def _table(columns: Sequence[str], values: dict[str, list[Any]]) -> pa.Table:
    arrays = []
    for name in columns:
        kind = (
            pa.list_(pa.string())
            if name in _LIST_COLUMNS
            else pa.int32()
            if name in _INTEGER_COLUMNS
            else pa.float64()
            if name in _FLOAT_COLUMNS
            else pa.string()
        )
        arrays.append(pa.array(values[name], type=kind))
    return pa.Table.from_arrays(arrays, names=list(columns))


def _ids(table: pa.Table) -> list[Any]:
    return table.column("unique_id").cast(pa.string()).to_pylist()


def person_features(table: pa.Table) -> pa.Table:
    """Return the comparison columns of Person linkage fields (one row per input row)."""
    rows = table.num_rows
    out: dict[str, list[Any]] = {name: [None] * rows for name in PERSON_COLUMNS}
    out["unique_id"] = _ids(table)
    full = _column(table, "full_name")
    family = _column(table, "family_name")
    middle = _column(table, "middle_name")
    given = _column(table, "given_name")
    for index, key in enumerate(zip(full, family, middle, given, strict=True)):
        name = name_features(*key)
        out["family"][index] = name.family
        out["middle"][index] = name.middle
        out["given"][index] = name.given
        out["given_ph"][index] = name.given_ph
        out["name_tokens"][index] = name.tokens
        out["name_words"][index] = name.tokens.split(" ") if name.tokens else None
    for index, text in enumerate(_column(table, "birth_date")):
        date = date_features(text)
        if date is not None:
            out["birth_date"][index] = date.full
            out["birth_ym"][index] = date.year_month
            out["birth_year"][index] = date.year
            out["birth_month"][index] = date.month
            out["birth_day"][index] = date.day
    out["pin"] = [_digits(value) for value in _column(table, "pin")]
    out["cmnd"] = [_digits(value) for value in _column(table, "cmnd")]
    out["sex"] = [_sex(value) for value in _column(table, "sex")]
    communes = [_blank(value) for value in _column(table, "commune")]
    provinces = _column(table, "province")
    out["commune"] = communes
    out["province"] = [
        _blank(province) or province_of(commune)
        for commune, province in zip(communes, provinces, strict=True)
    ]
    return _table(PERSON_COLUMNS, out)


def _sex(value: str | None) -> str | None:
    text = _blank(value)
    if text is None:
        return None
    folded = fold(text)
    if folded in {"male", "m", "nam"}:
        return "male"
    if folded in {"female", "f", "nu"}:
        return "female"
    return None


def parcel_features(table: pa.Table) -> pa.Table:
    """Return the comparison columns of Parcel linkage fields (one row per input row)."""
    out: dict[str, list[Any]] = {"unique_id": _ids(table)}
    communes = [_blank(value) for value in _column(table, "commune")]
    out["commune"] = communes
    out["province"] = [
        _blank(province) or province_of(commune)
        for commune, province in zip(communes, _column(table, "province"), strict=True)
    ]
    out["map_sheet"] = [_number(value) for value in _column(table, "map_sheet")]
    out["parcel_number"] = [_number(value) for value in _column(table, "parcel_number")]
    out["area"] = [_area(value) for value in _column(table, "area_m2")]
    out["address"] = [
        " ".join(fold(text).split()) or None if text else None
        for text in (_blank(value) for value in _column(table, "address"))
    ]
    names = [name_features(value) for value in _column(table, "holder_name")]
    out["holder_name"] = [
        " ".join(part for part in (n.family, n.middle, n.given) if part) or None for n in names
    ]
    out["holder_given"] = [name.given for name in names]
    out["holder_tokens"] = [name.tokens for name in names]
    out["holder_pin"] = [_digits(value) for value in _column(table, "holder_pin")]
    out["holder_cmnd"] = [_digits(value) for value in _column(table, "holder_cmnd")]
    out["certificate"] = [_code(value) for value in _column(table, "certificate")]
    return _table(PARCEL_COLUMNS, out)


#: The feature builder of each record type the engine links.
BUILDERS: Final[dict[str, Callable[[pa.Table], pa.Table]]] = {
    "Person": person_features,
    "Parcel": parcel_features,
}
