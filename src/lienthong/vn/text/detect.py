"""Detect the encoding of legacy Vietnamese values, per value or once per column.

Each candidate encoding decodes the value; the result is judged word by word: a word with
Vietnamese letters that spells a valid syllable is evidence for the candidate, any other word
with non-ASCII characters (mojibake, stray symbols, control bytes) is evidence against it.
Plain ASCII words say nothing, so ASCII stays ASCII unless it reads as VIQR.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.text._letters import parse_syllable
from lienthong.vn.text.legacy import Encoding, _as_encoding, _decode_raw, _to_raw, decode
from lienthong.vn.text.viqr import MNEMONICS

# Pieces of text between white space, ASCII punctuation and digits.
_PIECE: Final = re.compile(r"[^\s!-@\[-`{-~]+")
# A bad word weighs twice a good one: garbage is stronger evidence than a plausible word.
_BAD_WEIGHT: Final = 2
# Candidates in order of preference when they explain the input equally well.
_STR_CANDIDATES: Final = (
    Encoding.UNICODE,
    Encoding.UTF8,
    Encoding.TCVN3,
    Encoding.VNI,
    Encoding.VISCII,
    Encoding.VPS,
    Encoding.CP1258,
)
_BYTES_CANDIDATES: Final = (
    Encoding.UNICODE,
    Encoding.TCVN3,
    Encoding.VNI,
    Encoding.VISCII,
    Encoding.VPS,
    Encoding.CP1258,
)
_ASCII_CANDIDATES: Final = (Encoding.UNICODE, Encoding.VIQR)
_PREFERENCE: Final = list(Encoding)
_VIQR_SIGNS: Final = MNEMONICS | {"d", "D"}


@dataclass(frozen=True, slots=True)
class Detection:
    """The encoding chosen for a value or a column, and how sure the choice is.

    ``confidence`` is in [0, 1]: the margin of the chosen encoding over the best one that would
    give a different text, per word judged, discounted when few words were judged and by the
    share of values that on their own read better in another encoding.
    ``ambiguous`` is true when another encoding, listed in ``alternatives``, explains the input
    exactly as well but gives a different text. ``text`` is the converted value (``None`` for a
    column). ``evidence`` counts the words judged; ``conflicts`` counts sampled values of a
    column that on their own clearly read as another encoding.
    """

    encoding: Encoding
    confidence: float
    text: str | None = None
    ambiguous: bool = False
    alternatives: tuple[Encoding, ...] = ()
    evidence: int = 0
    conflicts: int = 0


def _judge(text: str) -> tuple[int, int]:
    """Return (good, bad): words that read as Vietnamese and words that cannot."""
    good = bad = 0
    for piece in _PIECE.findall(text):
        if piece.isascii():
            continue
        lower = piece.lower()
        # Vietnamese words are written lower, Title or UPPER case, never "TrƠn".
        cased = piece == lower or piece == piece.upper() or piece[1:] == lower[1:]
        if cased and parse_syllable(lower) is not None:
            good += 1
        else:
            bad += 1
    return good, bad


def _candidates(value: bytes | str) -> tuple[Encoding, ...]:
    if value.isascii():
        return _ASCII_CANDIDATES
    return _STR_CANDIDATES if isinstance(value, str) else _BYTES_CANDIDATES


def _readings(value: bytes | str, field: str | None) -> dict[Encoding, str]:
    """Return each candidate's decoding of a value (candidates that fail are left out)."""
    raw = _to_raw(value, field=field)
    readings: dict[Encoding, str] = {}
    for encoding in _candidates(value):
        if encoding is Encoding.UNICODE and isinstance(value, str):
            readings[encoding] = unicodedata.normalize("NFC", value)
        elif encoding is Encoding.VIQR and not any(char in _VIQR_SIGNS for char in raw):
            readings[encoding] = raw  # nothing VIQR would change
        else:
            try:
                readings[encoding] = _decode_raw(raw, encoding, field=field)
            except VnError:
                continue
    return readings


def _score(good_bad: tuple[int, int]) -> int:
    return good_bad[0] - _BAD_WEIGHT * good_bad[1]


@dataclass(frozen=True, slots=True)
class _Tally:
    best: Encoding
    confidence: float
    tied: tuple[Encoding, ...]
    evidence: int
    conflicts: int


def _tally(per_value: list[dict[Encoding, str]]) -> _Tally:
    """Judge every candidate on every value and choose one encoding for all of them."""
    candidates = sorted(
        {encoding for readings in per_value for encoding in readings}, key=_PREFERENCE.index
    )
    totals = dict.fromkeys(candidates, (0, 0))
    value_scores: list[dict[Encoding, int]] = []
    for readings in per_value:
        judged = {encoding: _judge(text) for encoding, text in readings.items()}
        # A candidate that cannot decode a value has every word of it against it.
        words = max((good + bad for good, bad in judged.values()), default=0)
        value_scores.append({encoding: _score(counts) for encoding, counts in judged.items()})
        for encoding in candidates:
            good, bad = judged.get(encoding, (0, max(1, words)))
            total_good, total_bad = totals[encoding]
            totals[encoding] = (total_good + good, total_bad + bad)
    best = max(candidates, key=lambda enc: (_score(totals[enc]), -_PREFERENCE.index(enc)))
    rivals = [
        encoding
        for encoding in candidates
        if encoding is not best
        and any(readings.get(encoding) != readings.get(best) for readings in per_value)
    ]
    tied = tuple(
        encoding for encoding in rivals if _score(totals[encoding]) == _score(totals[best])
    )
    evidence = max(good + bad for good, bad in totals.values())
    conflicts = sum(
        1 for scores in value_scores if best not in scores or scores[best] < max(scores.values())
    )
    if evidence == 0:
        confidence = 0.0 if tied else 1.0
    else:
        second = max((_score(totals[encoding]) for encoding in rivals), default=-evidence)
        margin = max(0, _score(totals[best]) - second) / evidence
        # Discount thin evidence, and the share of values the choice does not explain.
        explained = 1 - conflicts / len(per_value)
        confidence = round(min(1.0, margin) * (1 - 0.5**evidence) * explained, 4)
    return _Tally(best, confidence, tied, evidence, conflicts)


def _looks_decomposed(value: bytes | str) -> bool:
    text = value if isinstance(value, str) else value.decode("utf-8", "replace")
    return not unicodedata.is_normalized("NFC", text)


def detect(value: bytes | str, *, field: str | None = None) -> Detection:
    """Detect the encoding of one value and return it with the converted text.

    >>> detect("NguyÔn V¨n Th¾ng").text
    'Nguyễn Văn Thắng'
    """
    readings = _readings(value, field)
    if not readings:
        raise VnError(
            "vn.text.undecodable",
            N_("No known encoding reads this value: check the file's encoding."),
            field=field,
        )
    tally = _tally([readings])
    label = tally.best
    if label is Encoding.UNICODE and _looks_decomposed(value):
        label = Encoding.NFD
    return Detection(
        encoding=label,
        confidence=tally.confidence,
        text=readings[tally.best],
        ambiguous=bool(tally.tied),
        alternatives=tally.tied,
        evidence=tally.evidence,
    )


def detect_column(
    values: Iterable[bytes | str | None], *, sample: int = 2000, field: str | None = None
) -> Detection:
    """Decide one encoding for a whole column from up to ``sample`` distinct values.

    Values with non-ASCII content are the evidence (ASCII ones only when there are no others,
    to tell VIQR from plain ASCII); empty values and ``None`` are skipped.
    """
    if not isinstance(sample, int) or sample < 1:
        raise VnError(
            "vn.text.sample",
            N_("The sample size must be a whole number of at least 1, not {sample}."),
            field=field,
            sample=sample,
        )
    chosen: list[bytes | str] = []
    ascii_values: list[bytes | str] = []
    seen: set[bytes | str] = set()
    for value in values:
        if value is None or not value or value in seen:
            continue
        if not isinstance(value, bytes | str):
            raise VnError(
                "vn.text.type",
                N_("Expected text or bytes but got {kind}: pass the value as read from the file."),
                field=field,
                kind=type(value).__name__,
            )
        seen.add(value)
        if not value.isascii():
            chosen.append(value)
            if len(chosen) >= sample:
                break
        elif len(ascii_values) < sample:
            ascii_values.append(value)
    chosen = chosen or ascii_values
    if not chosen:
        return Detection(encoding=Encoding.UNICODE, confidence=1.0)
    tally = _tally([_readings(value, field) for value in chosen])
    label = tally.best
    if label is Encoding.UNICODE and sum(map(_looks_decomposed, chosen)) * 2 > len(chosen):
        label = Encoding.NFD
    return Detection(
        encoding=label,
        confidence=tally.confidence,
        ambiguous=bool(tally.tied),
        alternatives=tally.tied,
        evidence=tally.evidence,
        conflicts=tally.conflicts,
    )


_CONVERT_CACHE_LIMIT: Final = 100_000
# Columns repeat values (the same commune, the same family name): convert each one once.
_converted: dict[tuple[Encoding, bytes | str], str] = {}


def convert(value: bytes | str, encoding: Encoding | str, *, field: str | None = None) -> str:
    """Return the NFC text of a value in a known encoding (use after detect_column)."""
    if type(encoding) is not Encoding:
        encoding = _as_encoding(encoding, field)
    if type(value) is not str and type(value) is not bytes:
        return decode(value, encoding, field=field)
    key = (encoding, value)
    text = _converted.get(key)
    if text is None:
        text = decode(value, encoding, field=field)
        if len(_converted) > _CONVERT_CACHE_LIMIT:
            _converted.clear()
        _converted[key] = text
    return text
