"""The console's sections as routers; the console app includes every one of ``ROUTERS``."""

from __future__ import annotations

from fastapi import APIRouter

from lienthong.web.console.pages import audit, consolidation, directory, network, registries, sync

ROUTERS: list[APIRouter] = [
    registries.router,
    audit.router,
    directory.router,
    network.router,
    sync.router,
    consolidation.router,
]
