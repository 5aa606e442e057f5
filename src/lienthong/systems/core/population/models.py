"""The content of a Person record in the population registry."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from lienthong.i18n import N_
from lienthong.systems.core.fields import (
    Address,
    Content,
    CountryCode,
    PartialDateText,
    Pin,
    Text,
    clean_text,
    fail,
    not_after,
    vn,
)
from lienthong.systems.core.population.ethnic_groups import ETHNIC_GROUPS
from lienthong.vn.ids import parse_pin
from lienthong.vn.names import split_name


class Sex(StrEnum):
    """Sex as the personal identification number encodes it."""

    MALE = "male"
    FEMALE = "female"


class Status(StrEnum):
    """Whether the person is alive."""

    ALIVE = "alive"
    DECEASED = "deceased"


def ethnic_group(value: str) -> str:
    """Return the code of one of the 54 ethnic groups."""
    code = value.strip()
    if code not in ETHNIC_GROUPS:
        fail(
            "population.ethnic_group",
            N_("{value} is not the code of an ethnic group. Use a code from 01 (Kinh) to 54."),
            value=value,
        )
    return code


EthnicGroup = Annotated[str, AfterValidator(vn(ethnic_group))]


def person_name(value: str) -> str:
    """Return a full name as typed, once ``lienthong.vn.names`` accepts its characters."""
    split_name(value)
    return value


PersonName = Annotated[Text, AfterValidator(vn(person_name))]


class Person(Content):
    """A person in the national population database."""

    pin: Pin = Field(description="Personal identification number (số định danh cá nhân)")
    full_name: PersonName
    family_name: Text | None = None
    middle_name: str | None = None
    given_name: Text | None = None
    sex: Sex
    birth_date: PartialDateText = Field(description="YYYY, YYYY-MM or YYYY-MM-DD")
    birth_registration_province: str | None = Field(
        default=None,
        description="Province (post-2025 code) that registered the birth; from the PIN",
    )
    permanent_residence: Address | None = None
    temporary_residence: Address | None = Field(default=None, validate_default=True)
    nationality: CountryCode = "VN"
    ethnic_group: EthnicGroup | None = None
    father_pin: Pin | None = None
    mother_pin: Pin | None = None
    spouse_pin: Pin | None = None
    status: Status = Status.ALIVE
    death_date: PartialDateText | None = Field(default=None, validate_default=True)

    @field_validator("sex")
    @classmethod
    def _sex_matches_pin(cls, value: Sex, info: ValidationInfo) -> Sex:
        number = info.data.get("pin")
        if number is not None and parse_pin(number).sex.value != value.value:
            fail(
                "population.sex_mismatch",
                N_("The personal number {pin} encodes a {encoded} person; the record says {sex}."),
                pin=number,
                encoded=parse_pin(number).sex.value,
                sex=value.value,
            )
        return value

    @field_validator("birth_date")
    @classmethod
    def _birth_year_matches_pin(cls, value: str, info: ValidationInfo) -> str:
        number = info.data.get("pin")
        if number is not None and parse_pin(number).birth_year != int(value[:4]):
            fail(
                "population.birth_year_mismatch",
                N_(
                    "The personal number {pin} encodes birth year {encoded}; the date of birth"
                    " says {year}. Check both against the card."
                ),
                pin=number,
                encoded=parse_pin(number).birth_year,
                year=value[:4],
            )
        if not not_after(value, date.today().isoformat()):
            fail(
                "population.birth_date_future",
                N_("The date of birth {value} is in the future."),
                value=value,
            )
        return value

    @field_validator("temporary_residence")
    @classmethod
    def _has_residence(cls, value: Address | None, info: ValidationInfo) -> Address | None:
        if value is None and info.data.get("permanent_residence") is None and "pin" in info.data:
            fail(
                "population.no_residence",
                N_("A person needs a permanent or a temporary residence. Give at least one."),
            )
        return value

    @field_validator("death_date")
    @classmethod
    def _death_after_birth(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("status") is not Status.DECEASED:
            fail(
                "population.death_date_alive",
                N_("A date of death is given but the status is not deceased. Fix either."),
            )
        birth = info.data.get("birth_date")
        if birth is not None and not not_after(birth, value):
            fail(
                "population.death_before_birth",
                N_("The date of death {death} is before the date of birth {birth}."),
                death=value,
                birth=birth,
            )
        return value

    @model_validator(mode="after")
    def _derive(self) -> Person:
        if self.family_name is None and self.middle_name is None and self.given_name is None:
            parts = vn(split_name)(self.full_name)
            self.family_name = parts.family or None
            self.middle_name = parts.middle or None
            self.given_name = parts.given or None
        elif self.middle_name is not None:
            self.middle_name = vn(_optional_text)(self.middle_name)
        province = parse_pin(self.pin).province_now.code
        if self.birth_registration_province not in (None, province):
            fail(
                "population.birth_province_mismatch",
                N_(
                    "The personal number {pin} was registered in province {encoded}, not"
                    " {given}. Leave the field empty to derive it."
                ),
                pin=self.pin,
                encoded=province,
                given=str(self.birth_registration_province),
            )
        self.birth_registration_province = province
        for relative in (self.father_pin, self.mother_pin, self.spouse_pin):
            if relative == self.pin:
                fail(
                    "population.self_relation",
                    N_("A person cannot be their own parent or spouse. Check the numbers."),
                )
        return self

    @property
    def residence_province(self) -> str | None:
        """Return the province of permanent residence, else of temporary residence."""
        for address in (self.permanent_residence, self.temporary_residence):
            if address is not None:
                return address.province
        return None


def _optional_text(value: str) -> str | None:
    """Return text normalised like ``Text``, or None when blank (a name with no middle part)."""
    return clean_text(value) if value.strip() else None
