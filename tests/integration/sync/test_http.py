"""Sync through the real gateways: mutual TLS, signed messages, a grant, audit on both sides."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.ports import free_port
from tests.support.sync import CENTRAL, Network, person_in
from tests.support.sync_wire import CENTRAL_SYNC, over_gateways

from lienthong.errors import LienthongError
from lienthong.exchange.audit.models import audit_log
from lienthong.node import Node
from lienthong.store.models import current_records
from lienthong.sync.runner import upstream_link
from lienthong.sync.service import sync_once

PIN = "091090000001"


class Linked:
    """Central and An Giang of a network served through its gateways (``over_gateways``)."""

    def __init__(self, network: Network) -> None:
        self.central = network.nodes[CENTRAL].node
        self.an_giang = network.nodes["VN-91"].node

    def sync_round(self, **transport: Any) -> Any:
        """Run An Giang's round over the link its settings configure, changed as given."""
        sync, link = upstream_link(self.an_giang)
        for name, value in transport.items():
            setattr(link, name, value)

        async def once() -> Any:
            try:
                return await sync_once(sync, link)
            finally:
                await link.close()

        return asyncio.run(once())


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linked]:
    for network in over_gateways(tmp_path_factory.mktemp("sync-http")):
        yield Linked(network)


def held(node: Node, record_id: str) -> int | None:
    with node.engine.connect() as connection:
        return connection.execute(
            select(current_records.c.version).where(current_records.c.record_id == record_id)
        ).scalar()


def test_a_province_pushes_through_both_gateways_and_both_audit_the_calls(linked: Linked) -> None:
    with linked.an_giang.unit_of_work() as uow:
        uow.records.create(record_type="Person", content=person_in("30292", PIN))
        uow.commit()

    done = linked.sync_round()

    assert done.pushed == 1
    assert held(linked.central, PIN) == 1
    for node, kind in ((linked.an_giang, "exchange.client"), (linked.central, "exchange.provider")):
        with node.engine.connect() as connection:
            services = connection.execute(
                select(audit_log.c.service, audit_log.c.outcome).where(audit_log.c.kind == kind)
            ).all()
        calls = {(service, outcome) for service, outcome in services}
        assert {(f"{CENTRAL_SYNC}/sync/push", "ok"), (f"{CENTRAL_SYNC}/sync/pull", "ok")} <= calls


def test_a_call_from_a_client_without_the_grant_is_refused_at_the_gateway(linked: Linked) -> None:
    with pytest.raises(LienthongError) as refused:
        linked.sync_round(client="VN/GOV/AGG/driving")

    assert refused.value.code.startswith("exchange.")


def test_an_unreachable_upstream_is_reported_as_such(linked: Linked) -> None:
    with pytest.raises(LienthongError) as refused:
        linked.sync_round(base=f"http://127.0.0.1:{free_port()}/r1/{CENTRAL_SYNC}/sync")

    assert refused.value.code == "sync.unreachable"
