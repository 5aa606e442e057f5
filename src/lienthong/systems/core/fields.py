"""Field types the core registries share, each validated through ``lienthong.vn``.

Checks fail with a stable code: ``lienthong.vn`` raises a ``LienthongError`` (a
``VnError``), which the ``vn`` wrapper turns into a pydantic error of that code, and the
registries' own checks raise one directly with ``fail``. Either way the record store
reports ``store.invalid_record`` with the field's path, ``"<code>: <message>"`` as the
reason and the code alone in ``params["cause"]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Annotated, Any, Final, NoReturn, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems.core.countries import COUNTRIES
from lienthong.systems.definition import Reference, SearchKind, SearchParam, extract
from lienthong.vn import units
from lienthong.vn.ids import TaxCodeKind, parse_pin, parse_tax_code
from lienthong.vn.text import PartialDate, normalize, parse_date
from lienthong.vn.text.dates import VIETNAM

In = TypeVar("In")
Out = TypeVar("Out")

_ISO_DATE: Final = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_SPACES: Final = re.compile(r"\s+")


def as_pydantic(exc: LienthongError) -> PydanticCustomError:
    """Return a lienthong error as a pydantic error of the same code, message in English."""
    detail = f"{exc.code}: {exc.message_en.rstrip('.')}"
    return PydanticCustomError(exc.code, "{detail}", {"detail": detail})


def vn(check: Callable[[In], Out]) -> Callable[[In], Out]:
    """Wrap a check that raises ``LienthongError`` so pydantic reports it at the field."""

    def run(value: In) -> Out:
        try:
            return check(value)
        except LienthongError as exc:
            raise as_pydantic(exc) from exc

    return run


def fail(code: str, template: str, /, *, field: str | None = None, **params: Any) -> NoReturn:
    """Raise a registry validation error with a stable code, as pydantic expects it."""
    raise as_pydantic(LienthongError(code, template, field=field, **params))


# --- text -------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Return text in NFC with tone marks normalised and white space collapsed; refuse blanks."""
    text = _SPACES.sub(" ", normalize(value)).strip()
    if not text:
        fail("registries.blank_text", N_("This field is empty. Fill it in."))
    return text


def clean_code(value: str) -> str:
    """Return a code typed by a person: NFC, upper case, inner white space collapsed."""
    return clean_text(value).upper()


#: Free text: NFC, tone marks as in official names, single spaces, not blank.
Text = Annotated[str, Field(max_length=500), AfterValidator(vn(clean_text))]
#: A code written by people (a certificate serial, an engine number): upper case, not blank.
Code = Annotated[str, Field(max_length=64), AfterValidator(vn(clean_code))]

# --- dates ------------------------------------------------------------------------------


def partial_date(value: str) -> str:
    """Return a full or partial date as ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    ISO input is read as such; anything else goes through ``lienthong.vn.text.parse_date``
    (``15/03/1988``, ``03/1988``, *ngày 15 tháng 3 năm 1988*).
    """
    text = value.strip()
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(part) if part else None for part in match.groups())
        assert year is not None
        parsed = PartialDate(year, month, day)
    else:
        parsed = parse_date(text)
    if parsed.day is not None and parsed.month is not None:
        return f"{parsed.year:04d}-{parsed.month:02d}-{parsed.day:02d}"
    if parsed.month is not None:
        return f"{parsed.year:04d}-{parsed.month:02d}"
    return f"{parsed.year:04d}"


def full_date(value: str) -> str:
    """Return a date known to the day as ISO ``YYYY-MM-DD``."""
    iso = partial_date(value)
    if len(iso) != len("YYYY-MM-DD"):
        fail(
            "registries.partial_date",
            N_("The date {value} has no day: a full date (dd/mm/yyyy) is needed here."),
            value=value,
        )
    return iso


def date_start(iso: str) -> str:
    """Return the first day of an ISO partial date's period, for ordering periods."""
    return iso + "-01-01"[len(iso) - 4 :]


def date_end(iso: str) -> str:
    """Return a key that sorts at or after every day of an ISO partial date's period."""
    return iso + "-12-31"[len(iso) - 4 :]


def not_after(earlier: str, later: str) -> bool:
    """Return whether one partial date can lie on or before another (their periods allow it)."""
    return date_start(earlier) <= date_end(later)


def aware_utc(value: datetime) -> datetime:
    """Return an aware datetime in UTC; refuse a naive one."""
    if value.tzinfo is None or value.utcoffset() is None:
        fail(
            "registries.naive_datetime",
            N_("The time {value} has no time zone. Write it with one (+07:00 or Z)."),
            value=value.isoformat(),
        )
    return value.astimezone(UTC)


#: A date known to the day, the month or the year, stored as ISO text.
PartialDateText = Annotated[str, AfterValidator(vn(partial_date))]
#: A date known to the day, stored as ISO text.
DateText = Annotated[str, AfterValidator(vn(full_date))]
#: A moment with a time zone, stored in UTC.
UtcDatetime = Annotated[datetime, AfterValidator(vn(aware_utc))]


def today_in_vietnam(now: datetime) -> date:
    """Return the calendar day in Vietnam at an aware moment."""
    return now.astimezone(VIETNAM).date()


# --- identifiers ------------------------------------------------------------------------


def pin(value: str) -> str:
    """Return a personal identification number in its 12-digit form."""
    return parse_pin(value).number


def enterprise_code(value: str) -> str:
    """Return an enterprise code (10 digits, or 13 for a dependent unit) without separators."""
    parsed = parse_tax_code(value)
    if parsed.kind is TaxCodeKind.PERSONAL:
        fail(
            "registries.not_enterprise_code",
            N_(
                "{value} is a personal identification number, not an enterprise code."
                " Give the 10-digit enterprise code (13 for a branch)."
            ),
            value=value,
        )
    return parsed.code


def tax_code(value: str) -> str:
    """Return a tax code (enterprise, branch, or personal number) without separators."""
    return parse_tax_code(value).code


def commune_code(value: str) -> str:
    """Return the code of a commune in force since 1 July 2025."""
    return units.commune(value).code


def province_code(value: str) -> str:
    """Return the code of a province in force since 1 July 2025."""
    return units.province(value).code


def country_code(value: str) -> str:
    """Return an ISO 3166-1 alpha-2 country code in upper case."""
    code = value.strip().upper()
    if code not in COUNTRIES:
        fail(
            "registries.country",
            N_("{value} is not an ISO 3166-1 alpha-2 country code. Write two letters, e.g. VN."),
            value=value,
        )
    return code


Pin = Annotated[str, AfterValidator(vn(pin))]
EnterpriseCode = Annotated[str, AfterValidator(vn(enterprise_code))]
TaxCodeText = Annotated[str, AfterValidator(vn(tax_code))]
CommuneCode = Annotated[str, AfterValidator(vn(commune_code))]
ProvinceCode = Annotated[str, AfterValidator(vn(province_code))]
CountryCode = Annotated[str, AfterValidator(vn(country_code))]

#: An amount of Vietnamese đồng: a whole number, never a float or a string.
Vnd = Annotated[int, Field(strict=True, ge=0)]
#: An amount of Vietnamese đồng greater than zero.
PositiveVnd = Annotated[int, Field(strict=True, gt=0)]

# --- shares -----------------------------------------------------------------------------


def share(value: str | int | float) -> str:
    """Return a share of a right as an exact fraction ``n/d`` (``1`` for the whole).

    Accepts ``"1/3"``, ``"50%"``, ``"33.5%"``, ``0.5`` or ``1``; floats are read from their
    decimal writing, so write a third as ``"1/3"``, not ``0.333``.
    """
    try:
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            amount = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        elif isinstance(value, bool):
            raise ValueError(value)
        else:
            amount = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        fail(
            "registries.share",
            N_("{value} is not a share. Write a fraction (1/2), a percentage (50%) or a decimal."),
            value=str(value),
        )
    if not 0 < amount <= 1:
        fail(
            "registries.share_range",
            N_("The share {value} is not more than 0 and at most the whole (1 or 100%)."),
            value=str(value),
        )
    return str(amount)


Share = Annotated[str | int | float, AfterValidator(vn(share))]


def share_total(shares: list[str]) -> Fraction:
    """Return the exact sum of shares written as fractions."""
    return sum((Fraction(item) for item in shares), Fraction(0))


# --- shared structures ------------------------------------------------------------------


class Content(BaseModel):
    """Base of every registry model: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Address(Content):
    """An address: a commune in force since 1 July 2025 and the line within it."""

    commune: CommuneCode
    line: Text = Field(description="House number, street, hamlet or residential group")
    province: str | None = Field(default=None, description="Derived from the commune")

    @model_validator(mode="after")
    def _province(self) -> Address:
        derived = units.commune(self.commune).province_code
        if self.province is not None and self.province != derived:
            fail(
                "registries.province_mismatch",
                N_("The commune {commune} is in province {derived}, not {given}. Fix either."),
                commune=self.commune,
                derived=str(derived),
                given=self.province,
            )
        self.province = derived
        return self


class Party(Content):
    """A person (by personal identification number) or an enterprise (by enterprise code)."""

    person: Pin | None = None
    enterprise: EnterpriseCode | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Party:
        if (self.person is None) == (self.enterprise is None):
            fail(
                "registries.party",
                N_("Name exactly one party: a person (personal number) or an enterprise (code)."),
            )
        return self

    @property
    def token(self) -> tuple[str, str]:
        """Return the party as a search token: ``("person", pin)`` or ``("enterprise", code)``."""
        if self.person is not None:
            return ("person", self.person)
        assert self.enterprise is not None
        return ("enterprise", self.enterprise)


def party_token(party: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """Return the search token of a party in stored content."""
    if not party:
        return None
    if party.get("person"):
        return ("person", str(party["person"]))
    if party.get("enterprise"):
        return ("enterprise", str(party["enterprise"]))
    return None


def party_tokens(path: str) -> Callable[[Mapping[str, Any]], list[tuple[str, str] | None]]:
    """Index the party or parties at a dotted path as tokens: ``person|<pin>``, ``enterprise|<code>``."""

    def tokens(content: Mapping[str, Any]) -> list[tuple[str, str] | None]:
        return [party_token(party) for party in extract(path, content)]

    return tokens


def party_search(prefix: str, path: str) -> tuple[SearchParam, SearchParam]:
    """Return the reference search parameters ``<prefix>-person`` and ``<prefix>-enterprise``."""
    person, enterprise = (
        (f"{prefix}-person", f"{prefix}-enterprise") if prefix else ("person", "enterprise")
    )
    return (
        SearchParam(person, SearchKind.REFERENCE, f"{path}.person", target="Person"),
        SearchParam(enterprise, SearchKind.REFERENCE, f"{path}.enterprise", target="Enterprise"),
    )


def party_references(path: str) -> tuple[Reference, Reference]:
    """Return the enforced references of a party: the person or the enterprise must exist."""
    return (Reference(f"{path}.person", "Person"), Reference(f"{path}.enterprise", "Enterprise"))


def get_path(content: Mapping[str, Any], path: str) -> Any:
    """Return the value at a dotted path of stored content, or None."""
    value: Any = content
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def current_content(uow: UnitOfWork, record_type: str, record_id: str) -> dict[str, Any] | None:
    """Return the content of a live record, or None when it does not exist or was deleted."""
    try:
        return uow.records.get(record_type=record_type, record_id=record_id).content
    except LienthongError as exc:
        if exc.code in ("store.not_found", "store.deleted"):
            return None
        raise
