"""The enterprise registry: enterprises, their representatives (registered persons) and units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems import RecordType, Reference, SearchKind, SearchParam, Service, System
from lienthong.systems.core.enterprises.models import Enterprise
from lienthong.systems.core.fields import current_content
from lienthong.vn.ids import parse_tax_code


def _names(content: Mapping[str, Any]) -> list[Any]:
    return [content.get(key) for key in ("name", "foreign_name", "short_name")]


def _main_line(content: Mapping[str, Any]) -> list[str]:
    return [line["code"] for line in content.get("business_lines") or [] if line.get("main")]


ENTERPRISE = RecordType(
    name="Enterprise",
    title=N_("Enterprise"),
    model=Enterprise,
    identifier="code",
    search=(
        SearchParam("code", SearchKind.TOKEN, "code"),
        SearchParam("name", SearchKind.STRING, _names),
        SearchParam("legal-form", SearchKind.TOKEN, "legal_form"),
        SearchParam("unit-kind", SearchKind.TOKEN, "unit_kind"),
        SearchParam("status", SearchKind.TOKEN, "status"),
        SearchParam("vsic", SearchKind.TOKEN, "business_lines.code"),
        SearchParam("main-vsic", SearchKind.TOKEN, _main_line),
        SearchParam("province", SearchKind.TOKEN, "registration_province"),
        SearchParam("head-office-commune", SearchKind.TOKEN, "head_office.commune"),
        SearchParam("registered", SearchKind.DATE, "registered_on"),
        SearchParam("capital", SearchKind.NUMBER, "charter_capital"),
        SearchParam(
            "representative", SearchKind.REFERENCE, "legal_representatives", target="Person"
        ),
        SearchParam("parent", SearchKind.REFERENCE, "parent", target="Enterprise"),
    ),
    references=(
        Reference("legal_representatives", "Person"),
        Reference("parent", "Enterprise"),
    ),
    partition="registration_province",
    # The register is public: the record holds representatives only as references to the
    # population registry, where every read of a person is purpose-bound and audited.
    personal_data=False,
)


def enterprise_summary(*, uow: UnitOfWork, code: str) -> dict[str, Any]:
    """Return the public facts of an enterprise: name, form, status, main line, dates.

    Representatives are left out: they are people, and reading them is a separate,
    audited population read.
    """
    key = parse_tax_code(code).code
    content = current_content(uow, "Enterprise", key)
    if content is None:
        raise LienthongError(
            "enterprises.unknown",
            N_("No enterprise with code {code} is registered. Check the code."),
            field="code",
            code=key,
        )
    fields = (
        "code",
        "unit_kind",
        "parent",
        "name",
        "legal_form",
        "status",
        "registration_province",
        "registered_on",
    )
    summary = {name: content.get(name) for name in fields}
    summary["main_line"] = next(iter(_main_line(content)), None)
    return summary


SYSTEM = System(
    code="enterprises",
    title=N_("National business registration system"),
    record_types=(ENTERPRISE,),
    operations=(
        Service.custom(
            "enterpriseSummary",
            handler=enterprise_summary,
            description=N_("Return the public facts of an enterprise: name, form, status."),
        ),
    ),
)
