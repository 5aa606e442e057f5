"""How a gateway answers a refused or failed call: X-Road's error shape, our stable codes.

``X-Road-Error`` carries ``{fault}.{side}.{code}``: the fault is ``Client`` when the call
itself is wrong (4xx) and ``Server`` otherwise, the side is ``ClientProxy`` (the caller's
own gateway) or ``ServerProxy`` (the provider's), as in X-Road, and the code is the
error's stable lienthong code. The body is X-Road's ``type``/``message``/``detail`` with
the message in both languages.
"""

from __future__ import annotations

import json
from typing import Final, Literal

from lienthong.errors import LienthongError
from lienthong.i18n import N_

Side = Literal["ClientProxy", "ServerProxy"]

#: HTTP status by error code (exact code first, then its prefix).
STATUS: Final[dict[str, int]] = {
    "exchange.identifier": 400,
    "exchange.header": 400,
    "exchange.path": 400,
    "exchange.timestamp.malformed": 400,
    "exchange.body.incomplete": 400,
    "exchange.body.timeout": 408,
    "exchange.body.too_large": 413,
    "exchange.signature": 401,
    "exchange.timestamp": 401,
    "exchange.tls": 401,
    "exchange.sender": 401,
    "exchange.replay": 409,
    "exchange.client": 403,
    "exchange.grant": 403,
    "exchange.node.revoked": 403,
    "exchange.pki": 403,
    "exchange.node.unknown": 401,
    "exchange.service.unknown": 404,
    "exchange.service.not_here": 404,
    "exchange.service": 404,
    "exchange.method": 405,
    "exchange.directory": 503,
    "exchange.provider": 502,
    "exchange.response": 502,
    "exchange.upstream.timeout": 504,
    "exchange.upstream": 502,
}


def not_the_protocol() -> LienthongError:
    """Return the refusal of a path outside the gateway's protocol."""
    return LienthongError(
        "exchange.path.protocol",
        N_("Gateways are called at /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/…."),
        field="path",
    )


def status_of(code: str) -> int:
    """Return the HTTP status a refusal with this code answers with."""
    parts = code.split(".")
    for end in range(len(parts), 1, -1):
        found = STATUS.get(".".join(parts[:end]))
        if found is not None:
            return found
    return 500


def error_type(code: str, side: Side) -> str:
    """Return the ``X-Road-Error`` value of a refusal."""
    fault = "Client" if status_of(code) < 500 else "Server"
    return f"{fault}.{side}.{code}"


def error_body(error: LienthongError, side: Side, message_id: str) -> bytes:
    """Return the JSON body of a refusal, in X-Road's shape plus both languages."""
    return json.dumps(
        {
            "type": error_type(error.code, side),
            "message": error.message_en,
            "detail": message_id,
            "error": error.to_dict(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
