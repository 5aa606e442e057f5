"""Convergence: after sync, digests agree; damage done behind sync's back is found and repaired."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from tests.integration.store.backends import fresh_postgres_database
from tests.support.sync import (
    CENTRAL,
    PROVINCES,
    Network,
    current,
    national,
    person_in,
    rewrite,
    run_round,
    write,
)

from lienthong.node import open_node
from lienthong.store.models import change_log, current_records, records
from lienthong.sync import digests as convergence
from lienthong.sync.digests import Digest, Leaf, bucket_of, verify_nodes
from lienthong.sync.service import SyncNode
from lienthong.systems.core import core_registry
from lienthong.systems.core.samples import sample_budget_unit

AN_GIANG_COMMUNE = "30292"
HCM_COMMUNE = "25747"
AG_PIN = "091090000001"  # registered in An Giang, resident in An Giang
MOVER_PIN = "091090000002"  # registered in An Giang, resident in TP. Hồ Chí Minh
MINISTRY = "1000009"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def network(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Network]:
    if request.param == "sqlite":
        yield from national(tmp_path)
        return
    with ExitStack() as stack:
        urls = {
            node_id: stack.enter_context(fresh_postgres_database()).url.render_as_string(
                hide_password=False
            )
            for node_id in (CENTRAL, *PROVINCES)
        }
        network = stack.enter_context(contextmanager(national)(tmp_path))
        for node_id, url in urls.items():
            sync = network.nodes[node_id]
            sync.node.close()
            settings = sync.node.settings.model_copy(update={"database_url": url})
            sync.node = open_node(settings, systems=core_registry())
        yield network


def ministry(**overrides: Any) -> dict[str, Any]:
    unit = sample_budget_unit(
        **{
            "code": MINISTRY,
            "name": "Bộ Tài chính",
            "level": "central",
            "parent": None,
            **overrides,
        }
    )
    del unit["commune"]
    return unit


def synced(network: Network) -> Network:
    """An Giang registers two people (one resident in TP. HCM), central a ministry; all sync."""
    an_giang = network.nodes["VN-91"]
    write(an_giang, "Person", person_in(AN_GIANG_COMMUNE, AG_PIN))
    write(an_giang, "Person", person_in(HCM_COMMUNE, MOVER_PIN))
    write(network.nodes[CENTRAL], "BudgetUnit", ministry())
    for node_id in ("VN-91", "VN-79", "VN-01"):
        run_round(network, node_id)
    return network


def digests_of(sync: SyncNode, subscriber: SyncNode) -> dict[Any, Digest]:
    with sync.node.engine.connect() as connection:
        return convergence.digests(connection, subscription=subscriber.subscription)


def behind_syncs_back(sync: SyncNode, *statements: Any) -> None:
    with sync.node.engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def where(table: Any, record_type: str, record_id: str) -> Any:
    return (table.c.record_type == record_type) & (table.c.record_id == record_id)


def test_after_sync_central_and_a_province_hold_equal_digests(network: Network) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]

    mine, theirs = digests_of(central, hcm), digests_of(hcm, hcm)

    assert mine == theirs
    assert set(mine) == {("Person", "79"), ("BudgetUnit", None)}
    assert mine["Person", "79"].count == 1 and mine["BudgetUnit", None].count == 1
    assert convergence.from_json(convergence.to_json(mine)) == theirs
    report = verify_nodes(central, hcm, repair=False)
    assert (report.compared, report.differing, report.converged) == (2, 0, True)


def test_what_a_province_should_not_hold_stays_out_of_the_comparison(network: Network) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    # TP. HCM registers someone resident in An Giang and has not synced yet: it owns a
    # record in a partition it does not receive, which central does not hold yet.
    write(hcm, "Person", person_in(AN_GIANG_COMMUNE, "079090000001"))

    assert ("Person", "91") in digests_of(central, central)
    assert ("Person", "91") not in digests_of(central, hcm)
    assert ("Person", "91") not in digests_of(hcm, hcm)
    assert verify_nodes(central, hcm, repair=False).converged


def test_a_lost_current_record_is_located_to_its_bucket_and_record_and_repaired(
    network: Network,
) -> None:
    """The steps the CLI and the HTTP endpoint take, one function at a time."""
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    before = current(hcm, "Person", MOVER_PIN)
    behind_syncs_back(
        hcm, current_records.delete().where(where(current_records, "Person", MOVER_PIN))
    )

    mine, theirs = digests_of(central, hcm), digests_of(hcm, hcm)
    [difference] = convergence.compare(mine, theirs)
    assert (difference.record_type, difference.partition) == ("Person", "79")
    assert difference.buckets == (bucket_of(MOVER_PIN),)
    assert (difference.mine, difference.theirs) == (1, 0)
    with central.node.engine.connect() as here, hcm.node.engine.connect() as there:
        [record] = convergence.differences(
            convergence.bucket_leaves(
                here, record_type="Person", partition="79", buckets=difference.buckets
            ),
            convergence.bucket_leaves(
                there, record_type="Person", partition="79", buckets=difference.buckets
            ),
        )
        assert (record.record_id, record.kind, record.theirs) == (MOVER_PIN, "missing_there", None)
        versions = convergence.versions_for(here, [("Person", MOVER_PIN)])
    assert versions["Person", MOVER_PIN].origin_node == "VN-91"

    report = convergence.repair(hcm, keys=[("Person", MOVER_PIN)], versions=versions)

    assert (report.differing, report.repaired, report.left) == (1, 1, ())
    assert current(hcm, "Person", MOVER_PIN) == before
    assert digests_of(central, hcm) == digests_of(hcm, hcm)
    with hcm.node.unit_of_work(read_only=True) as uow:  # searchable again
        found = uow.records.search(record_type="Person", where={"name": "nguyen van an"})
        assert [item.record_id for item in found.records] == [MOVER_PIN]
    run_round(network, "VN-79")  # sync goes on as before: nothing repeats
    assert digests_of(central, hcm) == digests_of(hcm, hcm)


def test_an_altered_content_hash_is_found_and_repaired_from_the_owner(network: Network) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    true = current(hcm, "BudgetUnit", MINISTRY)
    behind_syncs_back(
        hcm,
        update(current_records)
        .where(where(current_records, "BudgetUnit", MINISTRY))
        .values(content_hash="0" * 64),
    )

    found = verify_nodes(central, hcm, repair=False)
    assert (found.differing, found.converged) == (1, False)
    [located] = found.located
    assert (located.record_type, located.partition) == ("BudgetUnit", None)
    assert (located.difference.record_id, located.difference.kind) == (MINISTRY, "content")
    assert located.difference.bucket == bucket_of(MINISTRY)

    repaired = verify_nodes(central, hcm, repair=True)

    assert (repaired.differing, repaired.repaired, repaired.left) == (1, 1, ())
    assert repaired.converged
    assert current(hcm, "BudgetUnit", MINISTRY) == true
    assert verify_nodes(central, hcm, repair=False).converged


def test_a_version_lost_with_its_change_log_entry_comes_back_through_the_write_path(
    network: Network,
) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    with hcm.node.engine.connect() as connection:
        entry = connection.execute(
            select(change_log.c.origin_node, change_log.c.sequence).where(
                where(change_log, "Person", MOVER_PIN)
            )
        ).one()
    behind_syncs_back(
        hcm,
        current_records.delete().where(where(current_records, "Person", MOVER_PIN)),
        records.delete().where(where(records, "Person", MOVER_PIN)),
        change_log.delete().where(where(change_log, "Person", MOVER_PIN)),
    )

    report = verify_nodes(central, hcm, repair=True)

    assert (report.repaired, report.converged) == (1, True)
    with hcm.node.engine.connect() as connection:
        assert connection.execute(
            select(change_log.c.origin_node, change_log.c.sequence).where(
                where(change_log, "Person", MOVER_PIN)
            )
        ).one() == tuple(entry)


def test_the_owner_that_lost_its_own_current_record_gets_it_back_from_central(
    network: Network,
) -> None:
    synced(network)
    central, an_giang = network.nodes[CENTRAL], network.nodes["VN-91"]
    true = current(an_giang, "Person", AG_PIN)
    behind_syncs_back(
        an_giang, current_records.delete().where(where(current_records, "Person", AG_PIN))
    )

    report = verify_nodes(an_giang, central, repair=True)

    assert (report.differing, report.repaired, report.converged) == (1, 1, True)
    assert current(an_giang, "Person", AG_PIN) == true


def test_a_newer_version_at_the_receiver_is_reported_not_overwritten(network: Network) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    first = current(central, "BudgetUnit", MINISTRY)
    assert first is not None
    rewrite(central, "BudgetUnit", MINISTRY, ministry(name="Bộ Tài chính (sửa)"), expected=1)
    run_round(network, "VN-79")
    second = current(hcm, "BudgetUnit", MINISTRY)
    # Central, the owner, loses its newer current version: it points at the first again.
    behind_syncs_back(
        central,
        update(current_records)
        .where(where(current_records, "BudgetUnit", MINISTRY))
        .values(version=1, content_hash=first[2]),
    )

    report = verify_nodes(central, hcm, repair=True)

    assert (report.differing, report.repaired, report.converged) == (1, 0, False)
    [left] = report.left
    assert (left.node, left.record_id, left.reason) == ("VN-79", MINISTRY, "newer_here")
    assert left.message("en").startswith("This node holds a newer version than the source.")
    assert current(hcm, "BudgetUnit", MINISTRY) == second


def test_a_version_held_under_another_change_log_entry_is_reported_not_overwritten(
    network: Network,
) -> None:
    synced(network)
    central, hcm = network.nodes[CENTRAL], network.nodes["VN-79"]
    behind_syncs_back(
        hcm,
        update(change_log)
        .where(where(change_log, "Person", MOVER_PIN))
        .values(sequence=change_log.c.sequence + 1000),
        current_records.delete().where(where(current_records, "Person", MOVER_PIN)),
    )

    report = verify_nodes(central, hcm, repair=True)

    assert [(item.node, item.record_id, item.reason) for item in report.left] == [
        ("VN-79", MOVER_PIN, "other_entry")
    ]
    assert current(hcm, "Person", MOVER_PIN) is None
    assert report.to_json()["left"][0]["reason"] == "other_entry"


def test_a_digest_streamed_from_either_backend_orders_identifiers_as_python_does(
    engine: Engine,
) -> None:
    # Case, accents and digits: a linguistic collation would order these otherwise.
    identifiers = ["b", "B", "a", "Đ", "đ", "e", "é", "Z", "10", "9", "a-1", "a_1", "ả"]
    rows: list[dict[str, Any]] = [
        {
            "id": number,
            "record_type": "Person",
            "record_id": record_id,
            "version": 1,
            "owner_node": "VN-91",
            "partition_key": "91",
            "content_hash": f"{number:064x}",
            "recorded_at": datetime(2025, 7, 1, tzinfo=UTC),
            "deleted": False,
        }
        for number, record_id in enumerate(identifiers, start=1)
    ]
    with engine.begin() as connection:
        connection.execute(current_records.insert(), rows)
    expected = Digest.of(
        "Person",
        "91",
        [Leaf(row["record_id"], 1, row["content_hash"], False, "VN-91") for row in rows],
    )

    with engine.connect() as connection:
        streamed = convergence.digest(connection, record_type="Person", partition="91")
        listed = convergence.bucket_leaves(
            connection, record_type="Person", partition="91", buckets=range(256)
        )
        other = convergence.digest(connection, record_type="Person", partition=None)

    assert streamed == expected
    assert sorted(leaf.record_id for leaf in listed) == sorted(identifiers)
    assert other == Digest.empty("Person", None)
