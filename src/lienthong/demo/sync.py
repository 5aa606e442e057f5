"""The demo's sync: provinces push their records up, central pushes reference data down, and
An Giang loses its link for a while, keeps serving citizens, and catches up.

It runs while the demo's gateways are served: every round goes from the province's
sync subsystem through its gateway to central's, over mutual TLS, like any exchange
call. The link is cut by pointing An Giang's transport at an address nobody answers,
which is what a province sees when its line to central is down.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import Record
from lienthong.sync.runner import upstream_link
from lienthong.sync.service import Round, sync_once
from lienthong.sync.status import sync_status
from lienthong.sync.transports.http import GatewayTransport
from lienthong.vn import units

T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, Any]], Any]

AN_GIANG: Final = "VN-91"
#: The national budget unit central keeps and every province receives.
MINISTRY: Final = "1000009"
#: An address on which nothing listens: An Giang's line to central is down.
CUT: Final = "http://127.0.0.1:9"


@dataclass(frozen=True)
class RoundLine:
    """One sync round of one province, as the demo shows it."""

    caption: str
    node_id: str
    done: Round | None
    error: str | None = None


@dataclass(frozen=True)
class SyncDemo:
    """What the sync step did and what each node ends up holding."""

    rounds: tuple[RoundLine, ...]
    newborn: str
    ministry_version: int
    #: Entries An Giang had not yet sent when its link came back.
    behind_before: int
    behind_after: int
    central_has_newborn: bool
    an_giang_has_ministry: bool


def _round(caption: str, node: Node, run: Run, *, base: str | None = None) -> RoundLine:
    sync, transport = upstream_link(node)
    if base is not None:
        transport = GatewayTransport(
            gateway=base, client=transport.client, service="-", peer=transport.peer
        )

    async def once() -> Round:
        try:
            return await sync_once(sync, transport, limit=node.settings.sync_batch_size)
        finally:
            await transport.close()

    try:
        return RoundLine(caption, node.node_id, run(once()))
    except LienthongError as error:
        return RoundLine(caption, node.node_id, None, f"[{error.code}] {error.message()}")


def _newborn(node: Node) -> str:
    """Register a child born in An Giang today (a new PIN each run) and return the PIN."""
    commune = next(unit for unit in units.communes() if unit.province_code == "91")
    with node.unit_of_work() as uow:
        for serial in range(1, 1_000_000):
            # 091 (An Giang), 3 (a girl born this century), the year, then a serial number.
            pin = f"0913{datetime.now(UTC).year % 100:02d}{serial:06d}"
            try:
                uow.records.get(record_type="Person", record_id=pin)
            except LienthongError:
                break
        uow.records.create(
            record_type="Person",
            content={
                "pin": pin,
                "full_name": "Trần Thị Mai",
                "sex": "female",
                "birth_date": datetime.now(UTC).date().isoformat(),
                "permanent_residence": {"commune": commune.code, "line": "Ấp Bình Đức"},
                "nationality": "VN",
                "ethnic_group": "01",
            },
        )
        uow.commit()
    return pin


def _publish_ministry(node: Node) -> int:
    """Create or amend the national budget unit central pushes down; return its version."""
    with node.unit_of_work() as uow:
        try:
            current: Record | None = uow.records.get(record_type="BudgetUnit", record_id=MINISTRY)
        except LienthongError:
            current = None
        content = {
            "code": MINISTRY,
            "name": "Bộ Tài chính",
            "level": "central",
            "parent": None,
        }
        if current is None:
            written = uow.records.create(record_type="BudgetUnit", content=content)
        else:
            written = uow.records.update(
                record_type="BudgetUnit",
                record_id=MINISTRY,
                content={**content, "name": f"Bộ Tài chính ({current.version + 1})"},
                expected_version=current.version,
            )
        uow.commit()
    return written.version


def _behind(node: Node) -> int:
    status = sync_status(node, now=datetime.now(UTC))
    return sum(lag.entries for lag in status.sending if lag.origin == node.node_id)


def _holds(node: Node, record_type: str, record_id: str, version: int | None = None) -> bool:
    with node.unit_of_work(read_only=True) as uow:
        try:
            found = uow.records.get(record_type=record_type, record_id=record_id)
        except LienthongError:
            return False
    return version is None or found.version == version


def run_sync(nodes: dict[str, Node], *, central: str, run: Run) -> SyncDemo:
    """Sync every province, cut An Giang off, write on both sides, heal, and check."""
    provinces = [node_id for node_id in nodes if node_id != central]
    rounds = [
        _round(N_("Each province pushes its records to central"), nodes[node_id], run)
        for node_id in provinces
    ]
    an_giang = nodes[AN_GIANG]
    newborn = _newborn(an_giang)
    rounds.append(
        _round(N_("An Giang's link to central is down"), an_giang, run, base=CUT),
    )
    version = _publish_ministry(nodes[central])
    rounds.extend(
        _round(N_("Central's reference data reaches the provinces that are online"), nodes[n], run)
        for n in provinces
        if n != AN_GIANG
    )
    behind_before = _behind(an_giang)
    rounds.append(_round(N_("An Giang's link is back: it catches up"), an_giang, run))
    return SyncDemo(
        rounds=tuple(rounds),
        newborn=newborn,
        ministry_version=version,
        behind_before=behind_before,
        behind_after=_behind(an_giang),
        central_has_newborn=_holds(nodes[central], "Person", newborn),
        an_giang_has_ministry=_holds(an_giang, "BudgetUnit", MINISTRY, version),
    )
