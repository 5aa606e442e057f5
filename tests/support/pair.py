"""Two nodes of a local network on one machine, their gateways served over mutual TLS."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.ports import free_port

from lienthong.exchange.gateway.server import serve_gateway
from lienthong.exchange.local import LocalGrant, central_and_an_giang, provision
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.systems.core import samples

#: What runs on the loop until its ``stop`` event is set, setting ``ready`` once it serves.
Serving = Callable[[asyncio.Event, asyncio.Event], Coroutine[Any, Any, None]]

POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/AGG/driving"


class Loop:
    """An event loop in a thread, where the gateways run while the test calls them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.stops: list[asyncio.Event] = []
        self.served: list[Future[None]] = []

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def serve(self, node: Node) -> Callable[[], None]:
        """Serve a node's gateway on the loop; return what stops that gateway alone."""
        return self.start(
            lambda stop, ready: serve_gateway(node, ready=ready, stop=stop),
            name=f"the gateway of {node.node_id}",
        )

    def start(self, serving: Serving, *, name: str) -> Callable[[], None]:
        """Run ``serving(stop, ready)`` on the loop until it is ready; return what stops it."""
        stop = asyncio.Event()

        async def start() -> Future[None]:
            ready = asyncio.Event()
            served = asyncio.run_coroutine_threadsafe(serving(stop, ready), self.loop)
            waiting = asyncio.ensure_future(ready.wait())
            await asyncio.wait(
                {waiting, asyncio.wrap_future(served)},
                timeout=30,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not ready.is_set():
                waiting.cancel()
                served.result(timeout=0)  # its own error (a port taken, …)
                raise TimeoutError(f"{name} did not start in 30 s")
            return served

        served: Future[None] = self.run(start())
        self.stops.append(stop)
        self.served.append(served)

        def stopped() -> None:
            if stop not in self.stops:
                return
            self.loop.call_soon_threadsafe(stop.set)
            served.result(timeout=30)
            self.stops.remove(stop)
            self.served.remove(served)

        return stopped

    def close(self) -> None:
        async def stop() -> None:
            for event in self.stops:
                event.set()

        self.run(stop())
        for served in self.served:
            served.result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@dataclass
class Pair:
    """Central (population registry, one person in it) and An Giang (driving), both served."""

    central: Node
    an_giang: Node
    loop: Loop
    pin: str

    @property
    def client_url(self) -> str:
        """Where An Giang's own systems call its gateway (the client side)."""
        return f"http://127.0.0.1:{self.an_giang.settings.gateway_port}"

    def call(self, path: str, **headers: str) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(f"{self.client_url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _lower(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _lower(error.headers), json.loads(error.read())


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _settings(state: Path, node_id: str, tls: int, **extra: Any) -> Any:
    return load_settings(
        state_dir=state,
        node_id=node_id,
        database_url=None,
        gateway_port=free_port(),
        gateway_tls_port=tls,
        **extra,
    )


@contextmanager
def running_pair(root: Path) -> Iterator[Pair]:
    """Provision central and An Giang under ``root`` and serve both gateways until exit."""
    central_tls, an_giang_tls = free_port(), free_port()
    provision(
        central_and_an_giang(
            root,
            central_tls=central_tls,
            an_giang_tls=an_giang_tls,
            central_systems=(POPULATION,),
            an_giang_systems=(DRIVING,),
            services=[
                (
                    REGISTRY,
                    {
                        "openapi": "3.1.0",
                        "info": {"title": "population", "version": "1"},
                        "paths": {},
                    },
                )
            ],
            grants=[
                LocalGrant(
                    DRIVING, REGISTRY, ("driver-licence",), method="GET", path="/Person/{id}"
                )
            ],
        )
    )
    central = open_node(_settings(root / "central", "VN-central", central_tls))
    an_giang = open_node(
        _settings(
            root / "an-giang",
            "VN-91",
            an_giang_tls,
            directory_url=f"https://127.0.0.1:{central_tls}/directory",
        )
    )
    person = samples.sample_person()
    with central.unit_of_work() as unit:
        unit.records.create(record_type="Person", content=person)
        unit.commit()
    loop = Loop()
    try:
        loop.serve(central)
        loop.serve(an_giang)
        yield Pair(central, an_giang, loop, person["pin"])
    finally:
        loop.close()
        central.close()
        an_giang.close()
