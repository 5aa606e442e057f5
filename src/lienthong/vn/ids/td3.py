"""Machine-readable zone of a passport (ICAO Doc 9303 Part 4, size TD3: two lines of 44).

Line 1: document type (2), issuing state (3), name (39: ``SURNAME<<GIVEN<NAMES``).
Line 2: document number (9) + check digit, nationality (3), birth date YYMMDD + check
digit, sex, expiry date YYMMDD + check digit, optional data (14) + check digit, and a
composite check digit over the number, dates and optional data with their check digits.
Check digits are Σ value × 7, 3, 1 (repeating) mod 10, where 0–9 count as themselves,
A–Z as 10–35 and the filler ``<`` as 0 (Doc 9303 Part 3, section 4.9).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.ids._common import Description, Sex, clean
from lienthong.vn.text import fold

LINE_LENGTH: Final = 44
NAME_LENGTH: Final = 39
NUMBER_LENGTH: Final = 9
OPTIONAL_LENGTH: Final = 14
VIETNAM: Final = "VNM"
FILLER: Final = "<"

_WEIGHTS: Final = (7, 3, 1)
_MRZ_CHARACTERS: Final = re.compile(r"[0-9A-Z<]*")
_STATE: Final = re.compile(r"[A-Z][A-Z<]{2}")
# How many years ahead an expiry date may lie before YYMMDD is read as the past century.
_EXPIRY_HORIZON: Final = 50
_SEX_CODES: Final = {"M": Sex.MALE, "F": Sex.FEMALE, "X": None, FILLER: None}
_CHECK_MESSAGES: Final = {
    "vn.mrz.number_check": N_(
        "The check digit after the document number (line 2, character 10) does not match;"
        " a character of the number is misread. Copy line 2 again."
    ),
    "vn.mrz.birth_date_check": N_(
        "The check digit after the date of birth (line 2, character 20) does not match;"
        " a digit of the date is misread. Copy line 2 again."
    ),
    "vn.mrz.expiry_date_check": N_(
        "The check digit after the date of expiry (line 2, character 28) does not match;"
        " a digit of the date is misread. Copy line 2 again."
    ),
    "vn.mrz.optional_data_check": N_(
        "The check digit after the optional data (line 2, character 43) does not match;"
        " a character of it is misread. Copy line 2 again."
    ),
}


def _value(ch: str) -> int:
    """Return the value ICAO gives a character in check-digit sums."""
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    if ch == FILLER:
        return 0
    raise VnError(
        "vn.mrz.characters",
        N_(
            "The machine-readable zone uses only A–Z, 0–9 and “<”; it contains “{character}”."
            " Copy it again from the passport."
        ),
        field="mrz",
        character=ch,
    )


def mrz_check_digit(field: str) -> str:
    """Return the ICAO 9303 check digit (weights 7, 3, 1) of a field."""
    return str(sum(_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(field)) % 10)


@dataclass(frozen=True, slots=True)
class Td3:
    """The fields of a verified TD3 machine-readable zone."""

    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    number: str
    nationality: str
    birth_date: date
    sex: Sex | None
    expiry_date: date
    optional_data: str
    lines: tuple[str, str]

    def describe(self) -> Description:
        """Return (label, value) pairs that explain the zone."""
        return [
            (N_("Document type"), self.document_type),
            (N_("Issuing state"), self.issuing_state),
            (N_("Surname"), self.surname),
            (N_("Given names"), self.given_names),
            (N_("Document number"), self.number),
            (N_("Nationality"), self.nationality),
            (N_("Date of birth"), self.birth_date.strftime("%d/%m/%Y")),
            (N_("Sex"), self.sex.label if self.sex else N_("unspecified")),
            (N_("Date of expiry"), self.expiry_date.strftime("%d/%m/%Y")),
            (N_("Optional data"), self.optional_data),
        ]


def mrz_name(text: str) -> str:
    """Return a name in MRZ characters: folded to A–Z, words joined by ``<``."""
    words = fold(text.replace("-", " ")).upper().replace("'", "").replace(".", "").split()
    name = FILLER.join(words)
    if not re.fullmatch(r"[A-Z<]*", name):
        raise VnError(
            "vn.mrz.name_characters",
            N_(
                "The name “{name}” has characters that cannot be written in a passport's"
                " machine-readable zone. Use letters only."
            ),
            field="name",
            name=text,
        )
    return name


def compose_td3(
    *,
    surname: str,
    given_names: str,
    number: str,
    birth_date: date,
    sex: Sex | None,
    expiry_date: date,
    nationality: str = VIETNAM,
    issuing_state: str = VIETNAM,
    optional_data: str = "",
    document_type: str = "P",
) -> tuple[str, str]:
    """Return the two 44-character lines of a passport's machine-readable zone."""
    name = mrz_name(surname)
    given = mrz_name(given_names)
    if given:
        name = f"{name}{FILLER * 2}{given}"
    if len(name) > NAME_LENGTH:
        raise VnError(
            "vn.mrz.name_length",
            N_(
                "The name takes {length} characters; the machine-readable zone holds 39."
                " Shorten it as ICAO 9303 Part 4 says before composing the zone."
            ),
            field="name",
            length=len(name),
        )
    doc_number = _field(number, NUMBER_LENGTH, "vn.mrz.number", "number")
    optional = _field(optional_data, OPTIONAL_LENGTH, "vn.mrz.optional_data", "optional_data")
    kind = document_type.strip().upper()
    if not re.fullmatch(r"P[A-Z<]?", kind):
        raise VnError(
            "vn.mrz.document_type",
            N_("A passport's document code starts with P, not “{code}”."),
            field="document_type",
            code=document_type,
        )
    states = [_state(issuing_state, "issuing_state"), _state(nationality, "nationality")]
    line1 = f"{kind:<<2}{states[0]}{name:<<{NAME_LENGTH}}"
    birth, expiry = birth_date.strftime("%y%m%d"), expiry_date.strftime("%y%m%d")
    sex_code = {Sex.MALE: "M", Sex.FEMALE: "F", None: FILLER}[sex]
    number_part = doc_number + mrz_check_digit(doc_number)
    birth_part = birth + mrz_check_digit(birth)
    expiry_part = expiry + mrz_check_digit(expiry)
    optional_part = optional + mrz_check_digit(optional)
    composite = mrz_check_digit(number_part + birth_part + expiry_part + optional_part)
    line2 = f"{number_part}{states[1]}{birth_part}{sex_code}{expiry_part}{optional_part}{composite}"
    return line1, line2


def parse_td3(lines: str | Sequence[str], *, today: date | None = None) -> Td3:
    """Parse a TD3 machine-readable zone, verifying every check digit."""
    line1, line2 = _two_lines(lines)
    for index, line in enumerate((line1, line2), start=1):
        if len(line) != LINE_LENGTH:
            raise VnError(
                "vn.mrz.length",
                N_(
                    "Line {line} of the machine-readable zone has {length} characters; a"
                    " passport's has 44. Copy the line again, counting the “<” fillers."
                ),
                field="mrz",
                line=index,
                length=len(line),
            )
        for ch in line:
            _value(ch)
    if line1[0] != "P":
        raise VnError(
            "vn.mrz.document_type",
            N_("A passport's document code starts with P, not “{code}”."),
            field="mrz",
            code=line1[:2],
        )
    number, birth, expiry, optional = line2[0:10], line2[13:20], line2[21:28], line2[28:43]
    _verify(number, "vn.mrz.number_check")
    _verify(birth, "vn.mrz.birth_date_check")
    _verify(expiry, "vn.mrz.expiry_date_check")
    # An unused optional-data field may carry "<" instead of 0 as its check digit.
    if not (optional[-1] == FILLER and optional[:-1] == FILLER * OPTIONAL_LENGTH):
        _verify(optional, "vn.mrz.optional_data_check")
    composite = number + birth + expiry + optional
    if mrz_check_digit(composite) != line2[43]:
        raise VnError(
            "vn.mrz.composite_check",
            N_(
                "The composite check digit at the end of line 2 does not match; a character"
                " of the number, the dates or the optional data is misread. Copy line 2 again."
            ),
            field="mrz",
        )
    sex_code = line2[20]
    if sex_code not in _SEX_CODES:
        raise VnError(
            "vn.mrz.sex",
            N_("The sex in the machine-readable zone is M, F, X or “<”, not “{code}”."),
            field="mrz",
            code=sex_code,
        )
    reference = today or date.today()
    surname, _, given = line1[5:].rstrip(FILLER).partition(FILLER * 2)
    return Td3(
        document_type=line1[:2].rstrip(FILLER),
        issuing_state=line1[2:5].rstrip(FILLER),
        surname=surname.replace(FILLER, " "),
        given_names=given.replace(FILLER, " ").strip(),
        number=number[:-1].rstrip(FILLER),
        nationality=line2[10:13].rstrip(FILLER),
        birth_date=_date(birth[:-1], reference, past=True),
        sex=_SEX_CODES[sex_code],
        expiry_date=_date(expiry[:-1], reference, past=False),
        optional_data=optional[:-1].rstrip(FILLER),
        lines=(line1, line2),
    )


def is_valid_td3(lines: str | Sequence[str]) -> bool:
    """Return whether the lines are a TD3 machine-readable zone whose check digits all hold."""
    try:
        parse_td3(lines)
    except VnError:
        return False
    return True


def _two_lines(lines: str | Sequence[str]) -> tuple[str, str]:
    """Return the two lines of a zone given as one text or as a sequence of lines."""
    if isinstance(lines, str):
        text = clean(
            lines,
            prefix="vn.mrz",
            field="mrz",
            empty=N_("The machine-readable zone is empty. Type both lines from the passport."),
        )
        parts = text.splitlines()
        if len(parts) == 1 and len(text.replace(" ", "")) == 2 * LINE_LENGTH:
            joined = text.replace(" ", "")
            parts = [joined[:LINE_LENGTH], joined[LINE_LENGTH:]]
    elif isinstance(lines, Sequence) and all(isinstance(part, str) for part in lines):
        parts = [unicodedata.normalize("NFC", part) for part in lines]
    else:
        raise VnError(
            "vn.mrz.type",
            N_("Expected text, got a value of type {type}. Pass the identifier as a string."),
            field="mrz",
            type=type(lines).__name__,
        )
    # Scanners and people add spaces inside lines; the zone never contains one.
    cleaned = ["".join(part.split()).upper() for part in parts]
    cleaned = [part for part in cleaned if part]
    if len(cleaned) != 2:
        raise VnError(
            "vn.mrz.lines",
            N_(
                "A passport's machine-readable zone has two lines; {count} were given. Copy"
                " both lines at the bottom of the data page."
            ),
            field="mrz",
            count=len(cleaned),
        )
    return cleaned[0], cleaned[1]


def _verify(field: str, code: str) -> None:
    """Raise ``code`` unless the last character of the field is the check digit of the rest."""
    if mrz_check_digit(field[:-1]) != field[-1]:
        raise VnError(code, _CHECK_MESSAGES[code], field="mrz")


def _field(text: str, length: int, code: str, field: str) -> str:
    """Return a text as an MRZ field of fixed length, padded with fillers."""
    value = "".join(unicodedata.normalize("NFC", text).split()).upper()
    if len(value) > length or not _MRZ_CHARACTERS.fullmatch(value):
        raise VnError(
            code,
            N_(
                "“{value}” does not fit the machine-readable zone: at most {length} characters"
                " from A–Z and 0–9."
            ),
            field=field,
            value=text,
            length=length,
        )
    return f"{value:<<{length}}"


def _state(text: str, field: str) -> str:
    """Return a 3-letter state code (ICAO 9303 Part 3), padded with fillers."""
    value = text.strip().upper()
    if not _STATE.fullmatch(f"{value:<<3}"):
        raise VnError(
            "vn.mrz.state",
            N_("“{value}” is not a three-letter state code such as VNM."),
            field=field,
            value=text,
        )
    return f"{value:<<3}"


def _date(text: str, reference: date, *, past: bool) -> date:
    """Return a YYMMDD date, choosing the century the way the field demands."""
    code = "vn.mrz.birth_date" if past else "vn.mrz.expiry_date"
    try:
        yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
        value = date(2000 + yy, month, day)
        # A birth date cannot lie ahead; an expiry date lies at most a few decades ahead.
        too_late = value > reference if past else value.year > reference.year + _EXPIRY_HORIZON
        if too_late:
            value = date(1900 + yy, month, day)
    except ValueError:
        raise VnError(
            code,
            N_(
                "“{value}” in the machine-readable zone is not a date in the form YYMMDD."
                " Copy line 2 again."
            ),
            field="mrz",
            value=text,
        ) from None
    return value
