"""Explain any value a person types: an identifier, a unit, a date, a name or legacy text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn import ids, names, units
from lienthong.vn.text import Encoding, detect, parse_date

Row = tuple[str, str]

#: Words that stand as values in findings, as msgids so they are shown translated.
LABELS: dict[str, str] = {
    "province": N_("province"),
    "district": N_("district"),
    "commune": N_("commune"),
    "day": N_("day"),
    "month": N_("month"),
    "year": N_("year"),
    "male": N_("male"),
    "female": N_("female"),
    "resolution": N_("named in Resolution 202/2025/QH15"),
    "same_code": N_("same code: the unit kept its code"),
    "same_name": N_("same name within the successor province"),
    "province_only": N_("province only: the new commune cannot be derived"),
    "district_abolished": N_("districts were abolished on 1 July 2025"),
}

_LEGACY_CONFIDENCE = 0.6
_NAME_WORDS = range(2, 7)


@dataclass(frozen=True)
class Finding:
    """One reading of the value: a title and (label, value) rows; labels are msgids."""

    title: str
    rows: list[Row] = field(default_factory=list)


def _unit_rows(unit: units.Unit) -> list[Row]:
    rows: list[Row] = [
        (N_("Code"), unit.code),
        (N_("Name"), unit.full_name),
        (N_("Level"), LABELS[unit.level]),
    ]
    if unit.valid_from:
        rows.append((N_("In force from"), unit.valid_from.strftime("%d/%m/%Y")))
    if unit.valid_to:
        rows.append((N_("In force until"), unit.valid_to.strftime("%d/%m/%Y")))
        succession = units.successor(unit.code, level=unit.level)
        rows.append((N_("Now part of"), f"{succession.new.full_name} ({succession.new.code})"))
        rows.append((N_("Basis"), LABELS[succession.basis]))
    return rows


def _units(text: str) -> list[Finding]:
    if not text or (text.isdigit() and len(text) not in (2, 3, 5)):
        return []
    found: dict[tuple[str, str], units.Unit] = {}
    for on in (None, units.LAST_DAY_BEFORE_REFORM):
        try:
            matches = [units.unit(text, on=on)] if text.isdigit() else units.find(text, on=on)
        except VnError:
            continue
        for unit in matches[:5]:
            found.setdefault((unit.level, unit.code + str(unit.valid_to)), unit)
    return [Finding(N_("Administrative unit"), _unit_rows(u)) for u in found.values()]


def _legacy(text: str) -> list[Finding]:
    if text.isascii() and not re.search(r"[\^(+`'?~.*-]", text):
        return []
    detection = detect(text)
    if detection.encoding in (Encoding.UNICODE,) or detection.text in (None, text):
        return []
    if detection.confidence < _LEGACY_CONFIDENCE:
        return []
    return [
        Finding(
            N_("Text in a legacy encoding"),
            [
                (N_("Encoding"), detection.encoding.value.upper()),
                (N_("Confidence"), f"{detection.confidence:.0%}"),
                (N_("Unicode text"), detection.text),
            ],
        )
    ]


def _date(text: str) -> list[Finding]:
    if not re.search(r"\d", text):
        return []
    try:
        parsed = parse_date(text)
    except VnError:
        return []
    rows: list[Row] = [
        (N_("Date"), parsed.format()),
        (N_("Precision"), LABELS[parsed.precision.value]),
    ]
    return [Finding(N_("Date"), rows)]


def _name(text: str, *, alone: bool) -> list[Finding]:
    if len(text.split()) not in _NAME_WORDS:
        return []
    try:
        parts = names.split_name(text)
    except VnError:
        return []
    # "Kiên Giang" reads as a name given-first; say so only when nothing better matched.
    if parts.given_first and not alone:
        return []
    keys = names.name_keys(text)
    rows: list[Row] = [
        (N_("Family name"), parts.family),
        (N_("Middle name"), parts.middle or "—"),
        (N_("Given name"), parts.given),
        (N_("Search key"), keys.full),
        (N_("Phonetic key"), f"{keys.phonetic_family} / {keys.phonetic_given}"),
    ]
    if parts.given_first:
        rows.append((N_("Order"), N_("given name first")))
    if (hint := names.sex_hint(text)) is not None:
        rows.append((N_("Sex suggested by the middle name"), LABELS[hint]))
    return [Finding(N_("Personal name"), rows)]


def lookup(text: str) -> list[Finding]:
    """Return every plausible reading of a value, most specific first.

    >>> [f.title for f in lookup("kien giang")]
    ['Administrative unit']
    """
    value = " ".join(text.split())
    findings = [Finding(found.kind.label, found.value.describe()) for found in ids.identify(value)]
    legacy = _legacy(value)
    readable = legacy[0].rows[-1][1] if legacy else value
    for reading in (_units(readable), _date(value), legacy):
        findings.extend(reading)
    findings.extend(_name(readable, alone=len(findings) == len(legacy)))
    return findings
