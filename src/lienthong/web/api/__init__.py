"""The node's HTTP API: records of every installed system, OData queries, tokens, access log."""

from __future__ import annotations

from fastapi import FastAPI

from lienthong.node import open_node
from lienthong.settings import load_settings
from lienthong.web.api.app import create_app

__all__ = ["app_from_environment", "create_app"]


def app_from_environment() -> FastAPI:
    """Return the API of the node the environment configures (the factory uvicorn workers call)."""
    node = open_node(load_settings())
    return create_app(node)
