"""X-Road's REST metaservices, answered from the directory.

``listClients`` (``GET /listClients`` on the caller's own gateway) lists the members and
subsystems of the instance; ``listMethods``, ``allowedMethods`` and ``getOpenAPI`` are
services of every provider subsystem (``/r1/{provider}/listMethods`` …), answered by its
gateway. The JSON shapes are those of X-Road's Service Metadata Protocol for REST.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory
from lienthong.exchange.identifiers import ClientId, ServiceId, check_part
from lienthong.i18n import N_

LIST_METHODS: Final = "listMethods"
ALLOWED_METHODS: Final = "allowedMethods"
GET_OPENAPI: Final = "getOpenAPI"
#: The metaservices every provider answers, without a grant.
PROVIDER_METASERVICES: Final = frozenset({LIST_METHODS, ALLOWED_METHODS, GET_OPENAPI})


def _service_json(service_id: ServiceId, *, described: bool) -> dict[str, Any]:
    return {
        "member_class": service_id.member_class,
        "member_code": service_id.member_code,
        "object_type": "SERVICE",
        "service_code": service_id.service_code,
        "service_type": "OPENAPI" if described else "REST",
        "subsystem_code": service_id.subsystem,
        "xroad_instance": service_id.instance,
    }


def list_clients(directory: Directory) -> dict[str, Any]:
    """Return the members and subsystems of the instance (``listClients``)."""
    found: list[dict[str, Any]] = []
    names: dict[str, str] = {member.id: member.name for member in directory.members}
    for member in sorted(directory.members, key=lambda item: item.id):
        instance, member_class, member_code = member.id.split("/")
        found.append(
            {
                "id": {
                    "member_class": member_class,
                    "member_code": member_code,
                    "object_type": "MEMBER",
                    "xroad_instance": instance,
                },
                "name": member.name,
            }
        )
    for system in directory.clients():
        client = ClientId.parse(system.id)
        found.append(
            {
                "id": {
                    "member_class": client.member_class,
                    "member_code": client.member_code,
                    "subsystem_code": client.subsystem,
                    "object_type": "SUBSYSTEM",
                    "xroad_instance": client.instance,
                },
                "name": names.get(str(client.member), ""),
            }
        )
    return {"member": found}


def list_methods(directory: Directory, provider: ClientId) -> dict[str, Any]:
    """Return the services a provider subsystem offers (``listMethods``)."""
    return {
        "service": [
            _service_json(ServiceId.parse(service.id), described=service.openapi is not None)
            for service in directory.services_of(provider)
        ]
    }


def allowed_methods(
    directory: Directory, *, client: ClientId, provider: ClientId, at: datetime
) -> dict[str, Any]:
    """Return the services of a provider a client may call, with the endpoints granted."""
    services: list[dict[str, Any]] = []
    for service in directory.services_of(provider):
        service_id = ServiceId.parse(service.id)
        grants = [grant for grant in directory.grants_for(client, service_id) if grant.active(at)]
        if not grants:
            continue
        entry = _service_json(service_id, described=service.openapi is not None)
        entry["endpoint_list"] = [
            {"method": grant.method or "*", "path": grant.path or "**"} for grant in grants
        ]
        services.append(entry)
    return {"service": services}


def get_openapi(directory: Directory, *, provider: ClientId, service_code: str) -> dict[str, Any]:
    """Return the OpenAPI description of one service of a provider (``getOpenAPI``)."""
    check_part(service_code or "", value="serviceCode", field="serviceCode")
    service_id = ServiceId.of(provider, service_code)
    service = directory.service(service_id)
    if service is None:
        raise unknown_service(service_id)
    if service.openapi is None:
        raise LienthongError(
            "exchange.service.undescribed",
            N_("The service {service} has published no OpenAPI description."),
            field="serviceCode",
            service=str(service_id),
        )
    return service.openapi


def unknown_service(service: ServiceId) -> LienthongError:
    """Return the refusal of a call to a service the directory does not list."""
    return LienthongError(
        "exchange.service.unknown",
        N_("The directory lists no service {service}. Check the path (listMethods shows them)."),
        field="path",
        service=str(service),
    )
