"""The national network on one machine: central and three provinces, each with its records.

Each node is a real node (its own SQLite file, schema, change log, access log) seeded
with its share of one synthetic country: Hà Nội, TP. Hồ Chí Minh and An Giang hold the
records located in their province; central holds the provinces that run no node of
their own. Seeding goes through the bulk import, so re-running the demo finds every
row already present and adds nothing twice.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, select

from lienthong.access.log import Access, AccessEntry, Action, access_log_for, log_access
from lienthong.data import ImportProgress, import_file
from lienthong.data.synthetic import generate
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.store import Record, call_service
from lienthong.store.models import current_records
from lienthong.systems.core import core_registry
from lienthong.vn import units

#: Who the demo's reads are recorded as, and why: personal data is never read without both.
CLIENT: Final = "VN/GOV/demo/console"
PURPOSE: Final = N_("demo: a newcomer looks records up")
PROVINCE_NODES: Final = {"01": "VN-01", "79": "VN-79", "91": "VN-91"}
CENTRAL: Final = "VN-central"
SEEDED: Final = "seeded.json"


@dataclass(frozen=True)
class DemoNode:
    """One node of the demo network and the provinces whose records it holds."""

    node_id: str
    title: str
    provinces: tuple[str, ...]


def demo_nodes() -> tuple[DemoNode, ...]:
    """Return central and the three provinces of the seed, in that order."""
    others = tuple(unit.code for unit in units.provinces() if unit.code not in PROVINCE_NODES)
    return (
        DemoNode(CENTRAL, N_("Central"), others),
        DemoNode("VN-01", N_("Hà Nội"), ("01",)),
        DemoNode("VN-79", N_("TP. Hồ Chí Minh"), ("79",)),
        DemoNode("VN-91", N_("An Giang"), ("91",)),
    )


@dataclass
class Network:
    """The opened nodes of the demo, by node id."""

    nodes: dict[str, Node] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        """Release every node's database."""
        for node in self.nodes.values():
            node.close()


@dataclass(frozen=True)
class SeedProgress:
    """Where seeding is: which node, which step, how far."""

    node_id: str
    step: str
    done: int
    total: int | None


def _seeded(state: Path, *, people: int, seed: int) -> bool:
    marker = state / SEEDED
    if not marker.is_file():
        return False
    recorded: object = json.loads(marker.read_text(encoding="utf-8"))
    return recorded == {"people": people, "seed": seed}


def open_network(
    *,
    state_dir: Path,
    people: int,
    seed: int,
    fresh: bool = False,
    progress: Callable[[SeedProgress], None] | None = None,
) -> Network:
    """Open (creating and seeding where needed) the four nodes of the demo network."""
    if people < 100:
        raise LienthongError(
            "demo.people",
            N_(
                "The demo needs at least 100 people to spread over the country; {people} is too few."
            ),
            field="people",
            people=people,
        )
    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    network = Network()
    try:
        for member in demo_nodes():
            state = state_dir / member.node_id
            settings = load_settings(state_dir=state, node_id=member.node_id, database_url=None)
            node = open_node(settings, systems=core_registry())
            network.nodes[member.node_id] = node
            network.titles[member.node_id] = member.title
            if not _seeded(state, people=people, seed=seed):
                _seed(node, member, state, people=people, seed=seed, progress=progress)
    except BaseException:
        network.close()
        raise
    return network


def _seed(
    node: Node,
    member: DemoNode,
    state: Path,
    *,
    people: int,
    seed: int,
    progress: Callable[[SeedProgress], None] | None,
) -> None:
    data = state / "data"
    if progress:
        progress(SeedProgress(member.node_id, N_("generating"), 0, None))
    summary = generate(people=people, seed=seed, out=data, provinces=member.provinces)
    for written in summary.files:
        if written.rows == 0:
            continue

        def report(step: ImportProgress, file: Any = written) -> None:
            if progress:
                progress(SeedProgress(member.node_id, file.record_type, step.rows_read, file.rows))

        import_file(
            node=node,
            system=written.system,
            path=written.path,
            record_type=written.record_type,
            progress=report,
        )
    (state / SEEDED).write_text(json.dumps({"people": people, "seed": seed}), encoding="utf-8")


def record_counts(node: Node) -> dict[str, int]:
    """Return how many current records of each type the node holds."""
    query = select(current_records.c.record_type, func.count()).group_by(
        current_records.c.record_type
    )
    with node.engine.connect() as connection:
        return {row[0]: int(row[1]) for row in connection.execute(query)}


def _audited(
    node: Node, action: Action, record_type: str, read: Callable[[Any], list[Record]]
) -> list[Record]:
    """Run a read and record it in the node's access log, in one transaction."""
    personal = node.systems.record_types()[record_type].personal_data
    with node.unit_of_work() as uow:
        records = read(uow)
        if personal:
            log_access(
                connection=uow.connection,
                access=Access(
                    client=CLIENT,
                    action=action,
                    outcome="ok",
                    record_type=record_type,
                    purpose=PURPOSE,
                ),
                at=datetime.now(UTC),
                records=[(r.record_id, r.version) for r in records],
            )
        uow.commit()
    return records


def search(
    network: Network, *, record_type: str, where: dict[str, str], limit: int = 5
) -> Iterator[tuple[str, Record]]:
    """Search every node for records of a type, audited, and yield them with their node."""
    for node_id, node in network.nodes.items():
        found = _audited(
            node,
            Action.SEARCH,
            record_type,
            lambda uow: list(
                uow.records.search(record_type=record_type, where=where, limit=limit).records
            ),
        )
        for record in found:
            yield node_id, record


def get(network: Network, *, record_type: str, record_id: str) -> tuple[str, Record] | None:
    """Return a record and the node that holds it, audited, or None when no node has it."""
    for node_id, node in network.nodes.items():
        try:
            found = _audited(
                node,
                Action.READ,
                record_type,
                lambda uow: [uow.records.get(record_type=record_type, record_id=record_id)],
            )
        except LienthongError as error:
            if error.code == "store.not_found":
                continue
            raise
        return node_id, found[0]
    return None


def accesses(
    network: Network, *, node_id: str, record_type: str, record_id: str
) -> list[AccessEntry]:
    """Return who read a record on its node, when and why."""
    with network.nodes[node_id].engine.connect() as connection:
        return access_log_for(connection=connection, record_type=record_type, record_id=record_id)


def operation(network: Network, *, node_id: str, system: str, name: str, **params: Any) -> Any:
    """Call a system's custom operation on one node."""
    node = network.nodes[node_id]
    return call_service(
        system=node.systems.get(system), service=name, uow=node.unit_of_work(), **params
    )


def first(
    network: Network, *, node_id: str, record_type: str, where: dict[str, str] | None = None
) -> Record | None:
    """Return the first record of a type on a node (matching ``where``), audited like any read."""
    found = _audited(
        network.nodes[node_id],
        Action.SEARCH,
        record_type,
        lambda uow: list(uow.records.search(record_type=record_type, where=where, limit=1).records),
    )
    return found[0] if found else None


__all__ = [
    "CENTRAL",
    "CLIENT",
    "PURPOSE",
    "DemoNode",
    "Network",
    "SeedProgress",
    "accesses",
    "demo_nodes",
    "first",
    "get",
    "open_network",
    "operation",
    "record_counts",
    "search",
]
