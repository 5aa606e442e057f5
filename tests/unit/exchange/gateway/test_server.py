"""The gateway's process serves on uvloop: compiled TLS and sockets, where asyncio's are Python."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lienthong.exchange.gateway import server


def test_the_gateway_is_served_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    loops: list[str] = []

    async def serve(node: Any) -> None:
        loops.append(type(asyncio.get_running_loop()).__module__)

    monkeypatch.setattr(server, "serve_gateway", serve)
    server.run_gateway(object())  # type: ignore[arg-type]
    assert len(loops) == 1 and loops[0].startswith("uvloop")
