"""Who calls a hosted system through the exchange, as the provider's gateway established it.

The gateway calls a system hosted by its node in process and puts this caller in the
request's ASGI scope: a scope key no HTTP client can set, so the API trusts it as it
trusts a verified token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: The scope key under which an in-process call carries its exchange caller.
EXCHANGE_CALLER: Final = "lienthong.exchange_caller"


@dataclass(frozen=True)
class ExchangeCaller:
    """A client subsystem calling through the exchange under one of its grants."""

    client: str
    purpose: str
    user_id: str
    grant_id: str
    message_id: str
    writes: bool
