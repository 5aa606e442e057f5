"""Sync through the real gateways: mutual TLS, signed messages, a grant, audit on both sides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.pair import Loop, _settings
from tests.support.ports import free_port

from lienthong.errors import LienthongError
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.local import LocalGrant, central_and_an_giang, provision
from lienthong.node import Node, open_node
from lienthong.store.models import current_records
from lienthong.sync.runner import upstream_link
from lienthong.sync.service import sync_once
from lienthong.systems.core.samples import sample_person

CENTRAL_SYNC = "VN/GOV/BCA/sync"
AN_GIANG_SYNC = "VN/GOV/AGG/sync"
PIN = "091090000001"


class Linked:
    def __init__(self, central: Node, an_giang: Node, loop: Loop) -> None:
        self.central, self.an_giang, self.loop = central, an_giang, loop

    def sync_round(self, **transport: Any) -> Any:
        sync, link = upstream_link(self.an_giang)
        for name, value in transport.items():
            setattr(link, name, value)

        async def once() -> Any:
            try:
                return await sync_once(sync, link)
            finally:
                await link.close()

        return self.loop.run(once())


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Linked]:
    root: Path = tmp_path_factory.mktemp("sync-http")
    central_tls, an_giang_tls = free_port(), free_port()
    provision(
        central_and_an_giang(
            root,
            central_tls=central_tls,
            an_giang_tls=an_giang_tls,
            central_systems=(CENTRAL_SYNC,),
            an_giang_systems=(AN_GIANG_SYNC,),
            services=[(f"{CENTRAL_SYNC}/sync", None)],
            grants=[LocalGrant(AN_GIANG_SYNC, f"{CENTRAL_SYNC}/sync", ("sync",))],
        )
    )
    central = open_node(_settings(root / "central", "VN-central", central_tls))
    an_giang = open_node(
        _settings(
            root / "an-giang",
            "VN-91",
            an_giang_tls,
            directory_url=f"https://127.0.0.1:{central_tls}/directory",
            sync_upstream=f"{CENTRAL_SYNC}/sync",
            sync_client=AN_GIANG_SYNC,
            sync_partitions=["91"],
        )
    )
    loop = Loop()
    try:
        loop.serve(central)
        loop.serve(an_giang)
        yield Linked(central, an_giang, loop)
    finally:
        loop.close()
        central.close()
        an_giang.close()


def held(node: Node, record_id: str) -> int | None:
    with node.engine.connect() as connection:
        return connection.execute(
            select(current_records.c.version).where(current_records.c.record_id == record_id)
        ).scalar()


def test_a_province_pushes_through_both_gateways_and_both_audit_the_calls(linked: Linked) -> None:
    with linked.an_giang.unit_of_work() as uow:
        uow.records.create(
            record_type="Person",
            content=sample_person(
                pin=PIN,
                birth_date="1990-03-15",
                spouse_pin=None,
                permanent_residence={"commune": "30292", "line": "Số 1"},
            ),
        )
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
