"""Routes of the custom operations systems declare: ``POST /api/{system}/$operations/{name}``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from fastapi import APIRouter, Body, Depends

from lienthong.access import OK, Access, Action, Permission, Role
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store import call_service
from lienthong.systems.definition import Operation, Service, System
from lienthong.web.api.auth import PURPOSE_HEADER, Authorize, Caller
from lienthong.web.api.context import ApiContext
from lienthong.web.api.errors import documented, invalid_input
from lienthong.web.api.records import typed_signature
from lienthong.web.api.render import json_response

#: Keyword names ``call_service`` takes itself; a parameter cannot be called so.
_RESERVED: Final = frozenset({"system", "service", "uow"})


def install_operations(router: APIRouter, context: ApiContext, system: System) -> None:
    """Add a route for each custom operation of a system.

    Readers run an operation in a read-only unit of work, so one that writes fails for
    them; writers run it in a unit that can write. A system that holds personal data
    needs a stated purpose for each call, and every call is logged.
    """
    personal = any(record_type.personal_data for record_type in system.record_types)
    for service in system.operations:
        if service.operation is Operation.CUSTOM:
            _install(router, context, system, service, personal=personal)


def _install(
    router: APIRouter, context: ApiContext, system: System, service: Service, *, personal: bool
) -> None:
    # The log names the operation where a record access names the record.
    called: list[tuple[str, int | None]] = [(f"{system.code}.{service.name}", None)]

    def operate(parameters: dict[str, Any] | None, caller: Caller) -> Any:
        access = Access(
            client=caller.client,
            action=Action.OPERATION,
            outcome=OK,
            record_type=None,
            purpose=caller.purpose,
            user_id=caller.user_id,
        )
        if personal and caller.purpose is None:
            refusal = LienthongError(
                "access.purpose_required",
                N_(
                    "The system {system} holds personal data: state the purpose of this call"
                    " in the header {header}."
                ),
                field=PURPOSE_HEADER,
                system=system.code,
                header=PURPOSE_HEADER,
            )
            context.log(replace(access, outcome=refusal.code), called)
            raise refusal
        reserved = sorted(_RESERVED & set(parameters or {}))
        if reserved:
            raise invalid_input(reserved[0], "this name is reserved, not an operation parameter")
        unit = context.unit(read_only=caller.role is Role.READER)
        try:
            result = call_service(
                system=system, service=service.name, uow=unit, **(parameters or {})
            )
        except LienthongError as error:
            context.log(replace(access, outcome=error.code), called)
            raise
        context.log(access, called)
        return json_response({"result": result})

    typed_signature(
        operate,
        parameters=(
            dict[str, Any] | None,
            Body(None, description="The operation's keyword parameters, as a JSON object."),
        ),
        caller=(Caller, Depends(Authorize(Permission.READ))),
    )
    router.add_api_route(
        f"/api/{system.code}/$operations/{service.name}",
        operate,
        methods=["POST"],
        operation_id=f"{system.code}.{service.name}",
        summary=service.description or f"Run the operation {service.name} of {system.code}",
        tags=[system.code],
        response_model=None,
        responses=documented(400, 401, 403, 404, 422),
    )
