"""The OpenAPI 3.1 description of a gateway's client side: what a node's own systems call.

It is served at ``GET /openapi.json`` by the client side, so that the teams connecting a
system can generate a client and test against it. It describes the X-Road REST protocol
as this gateway speaks it: services at ``/r1/{INSTANCE}/{CLASS}/{MEMBER}/{SUBSYSTEM}/
{SERVICE}/…`` with the X-Road headers, the metaservices, ``/health`` and ``/metrics``,
and the refusal every failure is answered with (``X-Road-Error`` plus a JSON body in
X-Road's shape, the message in Vietnamese and English). What a provider system answers
is its own: it is passed through and described only by the provider's ``getOpenAPI``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Final

from lienthong.exchange import messages as m
from lienthong.exchange import metaservices
from lienthong.exchange.identifiers import MEMBER_CLASSES, PART

#: Where the client side serves this description.
PATH: Final = "/openapi.json"
VERSION: Final = "1.0.0"

_PART: Final = PART.pattern
_DESCRIPTION: Final = (
    "How a node's own systems call the services of the network through its gateway, as"
    " they would call an X-Road security server. Every refusal carries X-Road-Error"
    " ({Client|Server}.{ClientProxy|ServerProxy}.{code}) and a JSON body with the message"
    " in Vietnamese and English; every call, refused or not, is audited."
)
_REF: Final = "#/components"

#: The statuses a call is refused with, by either gateway (``refusals.STATUS``).
_REFUSALS: Final = {
    "400": "The request is malformed: an identifier, a header, the path or the body.",
    "401": "The provider's gateway could not authenticate the call (signature, timestamp).",
    "403": "The client is not a subsystem of this node, or no grant allows the call.",
    "404": "The directory lists no such service, or its provider is not where it says.",
    "405": "The method is not allowed on this endpoint.",
    "408": "The request body stopped arriving.",
    "409": "The message id was already used (a replay).",
    "413": "The request body is larger than the gateways accept.",
    "502": "The provider's node could not be reached or answered something not signed by it.",
    "503": "This node has no directory in force (expired, or never fetched).",
    "504": "The provider system did not answer in time.",
}
#: What the metaservices and the node's own endpoints can be refused with.
_META_REFUSALS: Final = ("400", "401", "403", "404", "408", "409", "502", "503", "504")


def _identifier_part(name: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": f"^{_PART}$"},
        "example": example,
    }


def _provider_parameters() -> list[dict[str, Any]]:
    return [
        _identifier_part("xRoadInstance", "The X-Road instance of the network.", "VN"),
        {
            "name": "memberClass",
            "in": "path",
            "required": True,
            "description": "The member class of the provider.",
            "schema": {"type": "string", "enum": list(MEMBER_CLASSES)},
            "example": "GOV",
        },
        _identifier_part("memberCode", "The member code of the provider's agency.", "BCA"),
        _identifier_part("subsystemCode", "The provider subsystem.", "population"),
    ]


def _header(
    name: str, description: str, *, required: bool = False, **schema: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string", "maxLength": m.HEADER_LIMIT, **schema},
    }


def _x_road_headers() -> list[dict[str, Any]]:
    return [{"$ref": f"{_REF}/parameters/{name}"} for name in _HEADER_PARAMETERS]


_HEADER_PARAMETERS: Final = ("XRoadClient", "XRoadId", "XRoadUserId", "XRoadIssue", "Purpose")


def _refusals(statuses: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {
        status: {"$ref": f"{_REF}/responses/Refused{status}"}
        for status in (statuses or tuple(_REFUSALS))
    }


def _passed_through() -> dict[str, Any]:
    return {
        "description": (
            "The provider system's answer, passed through with its status, body and"
            " content headers. Described by the provider's getOpenAPI, not here."
        ),
        "headers": {
            "X-Road-Id": {"$ref": f"{_REF}/headers/XRoadId"},
            "X-Road-Request-Hash": {"$ref": f"{_REF}/headers/XRoadRequestHash"},
        },
        "content": {"*/*": {"schema": {}}},
    }


def _service_operation(method: str, *, with_path: bool) -> dict[str, Any]:
    below = "ServicePath" if with_path else ""
    operation: dict[str, Any] = {
        "operationId": f"call{below}{method.capitalize()}",
        "tags": ["services"],
        "summary": f"{method.upper()} a service of another (or this) agency's subsystem.",
        "description": (
            "Checks that the client is a subsystem of this node and that a grant of the"
            " directory lets it call this endpoint for the stated purpose, then signs the"
            " call, sends it over mutual TLS to the provider's node, verifies the signed"
            " answer and returns it. The query string is passed on unchanged. A refused"
            " call never reaches the provider system and is audited like any call."
        ),
        "responses": {**_refusals(), "default": _passed_through()},
    }
    if method in ("post", "put"):
        operation["requestBody"] = {
            "required": False,
            "description": "Passed on to the provider system unchanged (size-limited).",
            "content": {
                "application/json": {"schema": {}},
                "application/octet-stream": {"schema": {}},
            },
        }
    return operation


def _metaservice(name: str, summary: str, ok: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": name,
            "tags": ["metaservices"],
            "summary": summary,
            "parameters": _x_road_headers(),
            "responses": {
                "200": {
                    "description": "Answered by the provider's gateway from the directory.",
                    "headers": {"X-Road-Id": {"$ref": f"{_REF}/headers/XRoadId"}},
                    "content": {"application/json": {"schema": ok}},
                },
                **_refusals(_META_REFUSALS),
            },
        }
    }


def _paths() -> dict[str, Any]:
    service = "/r1/{xRoadInstance}/{memberClass}/{memberCode}/{subsystemCode}"
    service_code = _identifier_part("serviceCode", "The service's code.", "registry")
    service_path = {
        "name": "servicePath",
        "in": "path",
        "required": True,
        "description": (
            "The path beneath the service, handed to the provider system. It may have"
            " several segments (/Person/0123); a segment that is . or .., or hides a"
            " slash, backslash or NUL behind percent-encoding, is refused."
        ),
        "schema": {"type": "string", "minLength": 1},
        "example": "Person",
    }
    methods = ("get", "post", "put", "delete")
    paths: dict[str, Any] = {
        f"{service}/{{serviceCode}}": {
            "parameters": [*_provider_parameters(), service_code, *_x_road_headers()],
            **{method: _service_operation(method, with_path=False) for method in methods},
        },
        f"{service}/{{serviceCode}}/{{servicePath}}": {
            "parameters": [
                *_provider_parameters(),
                service_code,
                service_path,
                *_x_road_headers(),
            ],
            **{method: _service_operation(method, with_path=True) for method in methods},
        },
    }
    for name, summary, ok in (
        (
            metaservices.LIST_METHODS,
            "List the services the provider subsystem offers.",
            {"$ref": f"{_REF}/schemas/ServiceList"},
        ),
        (
            metaservices.ALLOWED_METHODS,
            "List the provider's services this client may call, with the granted endpoints.",
            {"$ref": f"{_REF}/schemas/ServiceList"},
        ),
    ):
        paths[f"{service}/{name}"] = {
            "parameters": _provider_parameters(),
            **_metaservice(name, summary, ok),
        }
    get_openapi = _metaservice(
        metaservices.GET_OPENAPI,
        "Return the OpenAPI description a provider published for one of its services.",
        {"type": "object"},
    )
    get_openapi["get"]["parameters"] = [
        *_x_road_headers(),
        {
            "name": "serviceCode",
            "in": "query",
            "required": True,
            "description": "The code of the service to describe.",
            "schema": {"type": "string", "pattern": f"^{_PART}$"},
            "example": "registry",
        },
    ]
    paths[f"{service}/{metaservices.GET_OPENAPI}"] = {
        "parameters": _provider_parameters(),
        **get_openapi,
    }
    paths["/listClients"] = {
        "get": {
            "operationId": "listClients",
            "tags": ["metaservices"],
            "summary": "List the members and subsystems of the network (X-Road's listClients).",
            "responses": {
                "200": {
                    "description": "The directory's members and subsystems.",
                    "content": {
                        "application/json": {"schema": {"$ref": f"{_REF}/schemas/ClientList"}}
                    },
                },
                "503": {"$ref": f"{_REF}/responses/Refused503"},
            },
        }
    }
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "tags": ["node"],
            "summary": "Tell whether the gateway can route calls (a directory is in force).",
            "responses": {
                "200": {
                    "description": "Ready: the directory in force and how long it lasts.",
                    "content": {"application/json": {"schema": {"$ref": f"{_REF}/schemas/Health"}}},
                },
                "503": {
                    "description": "Not ready: no directory is in force.",
                    "content": {"application/json": {"schema": {"$ref": f"{_REF}/schemas/Health"}}},
                },
            },
        }
    }
    paths["/metrics"] = {
        "get": {
            "operationId": "metrics",
            "tags": ["node"],
            "summary": "Return the gateway's metrics in Prometheus' text format.",
            "responses": {
                "200": {
                    "description": "Calls, durations, sizes and the directory's age.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    }
    paths[PATH] = {
        "get": {
            "operationId": "openapi",
            "tags": ["node"],
            "summary": "Return this description.",
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 description of the client side.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    return paths


def _schemas() -> dict[str, Any]:
    text = {"type": "string"}
    service_fields = (
        "member_class",
        "member_code",
        "object_type",
        "service_code",
        "service_type",
        "subsystem_code",
        "xroad_instance",
    )
    client_id = {
        "type": "object",
        "required": ["member_class", "member_code", "object_type", "xroad_instance"],
        "properties": {
            "member_class": text,
            "member_code": text,
            "subsystem_code": text,
            "object_type": {"type": "string", "enum": ["MEMBER", "SUBSYSTEM"]},
            "xroad_instance": text,
        },
    }
    return {
        "Error": {
            "type": "object",
            "description": "A refusal, in X-Road's shape plus the message in both languages.",
            "required": ["type", "message", "detail", "error"],
            "properties": {
                "type": {
                    "type": "string",
                    "description": "The same as X-Road-Error.",
                    "pattern": _ERROR_PATTERN,
                },
                "message": {"type": "string", "description": "The message in English."},
                "detail": {"type": "string", "description": "The X-Road-Id of the call."},
                "error": {"$ref": f"{_REF}/schemas/ErrorDetail"},
            },
        },
        "ErrorDetail": {
            "type": "object",
            "required": ["code", "field", "message_vi", "message_en"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "The stable code (exchange.grant.purpose …).",
                },
                "field": {
                    "type": ["string", "null"],
                    "description": "The header, path part or other input at fault.",
                },
                "message_vi": {"type": "string"},
                "message_en": {"type": "string"},
            },
        },
        "ServiceList": {
            "type": "object",
            "required": ["service"],
            "properties": {
                "service": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": list(service_fields),
                        "properties": {
                            **{name: text for name in service_fields},
                            "service_type": {"type": "string", "enum": ["OPENAPI", "REST"]},
                            "endpoint_list": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["method", "path"],
                                    "properties": {"method": text, "path": text},
                                },
                            },
                        },
                    },
                }
            },
        },
        "ClientList": {
            "type": "object",
            "required": ["member"],
            "properties": {
                "member": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name"],
                        "properties": {"id": client_id, "name": text},
                    },
                }
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "node"],
            "properties": {
                "status": {"type": "string", "enum": ["ok", "unavailable"]},
                "node": text,
                "directory": {
                    "type": "object",
                    "properties": {
                        "version": {"type": "integer"},
                        "expires_in_seconds": {"type": "integer"},
                    },
                },
                "error": {"$ref": f"{_REF}/schemas/ErrorDetail"},
            },
        },
    }


#: ``{Client|Server}.{ClientProxy|ServerProxy}.{code}``: who is at fault, which gateway, why.
_ERROR_PATTERN: Final = r"^(Client|Server)\.(ClientProxy|ServerProxy)\.exchange\.[a-z_.]+$"


def _components() -> dict[str, Any]:
    client_pattern = f"^{_PART}/({'|'.join(MEMBER_CLASSES)})/{_PART}/{_PART}$"
    return {
        "parameters": {
            "XRoadClient": _header(
                "X-Road-Client",
                "The calling subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM; it must be hosted"
                " by this node.",
                required=True,
                pattern=client_pattern,
                examples=["VN/GOV/AGG/driving"],
            ),
            "XRoadId": _header(
                "X-Road-Id",
                "The message id, unique per call (a repeated one is refused as a replay);"
                " the gateway makes one up when it is missing.",
            ),
            "XRoadUserId": _header(
                "X-Road-UserId", "Who in the client's agency asked for the call."
            ),
            "XRoadIssue": _header("X-Road-Issue", "The case or file the call is about."),
            "Purpose": _header(
                "X-Lienthong-Purpose",
                "Why personal data is processed: a purpose code the grant must list.",
                examples=["driver-licence"],
            ),
        },
        "headers": {
            "XRoadId": {
                "description": "The message id of the call.",
                "schema": {"type": "string"},
            },
            "XRoadRequestHash": {
                "description": "The base64 SHA-512 of the signed request, as the provider signed it.",
                "schema": {"type": "string"},
            },
            "XRoadError": {
                "description": "Who is at fault, which gateway refused, and the stable code.",
                "required": True,
                "schema": {"type": "string", "pattern": _ERROR_PATTERN},
            },
        },
        "responses": {
            f"Refused{status}": {
                "description": description,
                "headers": {
                    "X-Road-Error": {"$ref": f"{_REF}/headers/XRoadError"},
                    "X-Road-Id": {"$ref": f"{_REF}/headers/XRoadId"},
                },
                "content": {"application/json": {"schema": {"$ref": f"{_REF}/schemas/Error"}}},
            }
            for status, description in _REFUSALS.items()
        },
        "schemas": _schemas(),
    }


def document() -> dict[str, Any]:
    """Return the OpenAPI description of the client side."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lienthong gateway: client side",
            "version": VERSION,
            "description": _DESCRIPTION,
        },
        "tags": [
            {"name": "services", "description": "Calls to the services of the network."},
            {"name": "metaservices", "description": "X-Road's service metadata protocol."},
            {"name": "node", "description": "The gateway itself."},
        ],
        "paths": _paths(),
        "components": _components(),
    }


@cache
def document_bytes() -> bytes:
    """Return the description as the client side serves it (JSON, built once)."""
    return json.dumps(document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
