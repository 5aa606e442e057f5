"""The live demo's scenario traffic: provinces at work, a few actions a second.

Run by the supervisor as ``python -m lienthong.demo.traffic --state-dir DIR``, beside
the nodes' gateways and sync. Each action goes through the normal paths: records are
written through the node's unit of work, reads of central's registries go through the
client node's gateway with a purpose, change requests and transfers are written as the
sync expects them. The choices come from a seeded random generator, so two runs with the
same seed make the same kinds of moves.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from lienthong.demo import exchange as ex
from lienthong.demo import network as net
from lienthong.demo.live import config_path
from lienthong.errors import LienthongError
from lienthong.i18n import _, current_language
from lienthong.node import Node, open_node
from lienthong.settings import load_settings
from lienthong.store.models import current_records
from lienthong.sync.requests import request_change
from lienthong.systems.core import core_registry
from lienthong.vn import units

#: Where the demo's people are: times are shown in their zone.
ZONE: Final = ZoneInfo("Asia/Ho_Chi_Minh")
#: Actions a second, at most.
DEFAULT_PACE: Final = 2.0
PROVINCES: Final = {node_id: code for code, node_id in net.PROVINCE_NODES.items()}
NAMES: Final = (
    ("Nguyễn", "Văn", "An"),
    ("Trần", "Thị", "Mai"),
    ("Lê", "Minh", "Khoa"),
    ("Phạm", "Thị", "Lan"),
    ("Huỳnh", "Văn", "Phúc"),
    ("Võ", "Ngọc", "Hân"),
    ("Đặng", "Quốc", "Bảo"),
    ("Bùi", "Thị", "Thảo"),
)
STREETS: Final = ("Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt")
#: The reads a province's system makes of central's registries, as the directory grants them.
READS: Final = (
    ("VN-91", ex.DRIVING, ex.POPULATION, "Person", ex.DRIVER_LICENCE),
    ("VN-01", ex.PROCUREMENT, ex.TAX, "Taxpayer", ex.PROCUREMENT_ELIGIBILITY),
    ("VN-79", ex.LICENSING, ex.ENTERPRISES, "Enterprise", ex.BUSINESS_LICENCE),
)


@dataclass(frozen=True)
class Line:
    """What one action did, as one line of output: the node and a translated sentence."""

    node_id: str
    text: str


class Traffic:
    """The scenario: each call to :meth:`step` makes one action on one node."""

    def __init__(self, nodes: dict[str, Node], rng: random.Random) -> None:
        self.nodes = nodes
        self.rng = rng
        self._ids: dict[str, list[str]] = {}
        self.actions: tuple[tuple[Callable[[], Line], int], ...] = (
            (self.birth, 3),
            (self.update, 3),
            (self.read, 3),
            (self.change_request, 1),
            (self.move, 1),
        )

    def step(self) -> Line:
        """Make one action chosen at random, and say what it did."""
        actions = [action for action, _weight in self.actions]
        weights = [weight for _action, weight in self.actions]
        action: Callable[[], Line] = self.rng.choices(actions, weights=weights)[0]
        return action()

    def _province(self) -> str:
        return self.rng.choice(sorted(PROVINCES))

    def _commune(self, node_id: str) -> str:
        code = PROVINCES[node_id]
        return self.rng.choice([u.code for u in units.communes() if u.province_code == code])

    def _pick(self, node: Node, record_type: str, *, owner: str) -> str | None:
        """Return the id of a record of a type the node holds and ``owner`` owns (ids only)."""
        where = (
            current_records.c.record_type == record_type,
            current_records.c.owner_node == owner,
            current_records.c.deleted.is_(False),
        )
        with node.engine.connect() as connection:
            count = connection.execute(
                select(func.count()).select_from(current_records).where(*where)
            ).scalar_one()
            if not count:
                return None
            row = connection.execute(
                select(current_records.c.record_id)
                .where(*where)
                .order_by(current_records.c.id)
                .offset(self.rng.randrange(count))
                .limit(1)
            ).first()
        return None if row is None else str(row.record_id)

    def birth(self) -> Line:
        """A province registers a child born today."""
        node_id = self._province()
        node = self.nodes[node_id]
        family, middle, given = self.rng.choice(NAMES)
        female = middle == "Thị" or self.rng.random() < 0.5
        today = datetime.now(UTC).date()
        with node.unit_of_work() as uow:
            while True:
                # The province, the century and sex (2 a boy, 3 a girl this century), the
                # year, then a serial number.
                pin = (
                    f"0{PROVINCES[node_id]}{3 if female else 2}{today.year % 100:02d}"
                    f"{self.rng.randrange(1, 1_000_000):06d}"
                )
                try:
                    uow.records.get(record_type="Person", record_id=pin)
                except LienthongError:
                    break
            name = f"{family} {middle} {given}"
            uow.records.create(
                record_type="Person",
                content={
                    "pin": pin,
                    "full_name": name,
                    "sex": "female" if female else "male",
                    "birth_date": today.isoformat(),
                    "permanent_residence": {
                        "commune": self._commune(node_id),
                        "line": f"Số {self.rng.randrange(1, 300)} {self.rng.choice(STREETS)}",
                    },
                    "nationality": "VN",
                    "ethnic_group": "01",
                },
            )
            uow.commit()
        return Line(node_id, _("registers a birth: {pin} {name}").format(pin=pin, name=name))

    def update(self) -> Line:
        """A province records a person's new address in the same commune."""
        node_id = self._province()
        node = self.nodes[node_id]
        pin = self._pick(node, "Person", owner=node_id)
        if pin is None:
            return Line(node_id, _("holds no person of its own yet"))
        with node.unit_of_work() as uow:
            record = uow.records.get(record_type="Person", record_id=pin)
            residence = dict(record.content.get("permanent_residence") or {})
            residence.setdefault("commune", self._commune(node_id))
            residence["line"] = f"Số {self.rng.randrange(1, 300)} {self.rng.choice(STREETS)}"
            written = uow.records.update(
                record_type="Person",
                record_id=pin,
                content={**record.content, "permanent_residence": residence},
                expected_version=record.version,
            )
            uow.commit()
        return Line(
            node_id,
            _("records a new address of {pin} (version {version})").format(
                pin=pin, version=written.version
            ),
        )

    def read(self) -> Line:
        """A province's system reads a record from central's registry, for a granted purpose."""
        node_id, client, system, record_type, purpose = self.rng.choice(READS)
        record_id = self._central_id(record_type)
        if record_id is None:
            return Line(
                node_id, _("finds no {record_type} on central").format(record_type=record_type)
            )
        path = f"/r1/{system}/registry/{record_type}/{record_id}"
        settings = self.nodes[node_id].settings
        request = urllib.request.Request(
            f"http://{settings.gateway_host}:{settings.gateway_port}{path}",
            headers={
                "X-Road-Client": client,
                "X-Road-Id": str(uuid.uuid4()),
                "X-Lienthong-Purpose": purpose,
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=ex.TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            error.close()
            status = error.code
        except (urllib.error.URLError, OSError) as error:
            return Line(
                node_id,
                _("cannot reach its gateway: {reason}").format(
                    reason=getattr(error, "reason", error)
                ),
            )
        return Line(
            node_id,
            _(
                "{client} reads {record_type} {record_id} on central for {purpose}: HTTP {status}"
            ).format(
                client=client,
                record_type=record_type,
                record_id=record_id,
                purpose=purpose,
                status=status,
            ),
        )

    def _central_id(self, record_type: str) -> str | None:
        central = self.nodes[net.CENTRAL]
        if record_type not in self._ids:
            # Ids only: choosing a record to ask for reads no personal data.
            query = (
                select(current_records.c.record_id)
                .where(current_records.c.record_type == record_type)
                .where(current_records.c.owner_node == net.CENTRAL)
                .order_by(current_records.c.id)
                .limit(500)
            )
            with central.engine.connect() as connection:
                ids = [str(row.record_id) for row in connection.execute(query)]
            if record_type == "Taxpayer":
                ids = [i for i in ids if len(i) == 10]  # enterprises, not persons
            self._ids[record_type] = ids
        ids = self._ids[record_type]
        return self.rng.choice(ids) if ids else None

    def change_request(self) -> Line:
        """A province asks central to correct a budget unit central owns and it holds."""
        node_id = self._province()
        node = self.nodes[node_id]
        code = self._pick(node, "BudgetUnit", owner=net.CENTRAL)
        if code is None:
            return Line(node_id, _("holds no record of central's yet"))
        with node.unit_of_work() as uow:
            record = uow.records.get(record_type="BudgetUnit", record_id=code)
            name = str(record.content.get("name", "")).split(" — ")[0]
            asked = request_change(
                uow,
                record_type="BudgetUnit",
                record_id=code,
                operation="update",
                content={**record.content, "name": f"{name} — {self.rng.choice(STREETS)}"},
                base_version=record.version,
                reason="Đơn vị đã chuyển trụ sở.",
                now=datetime.now(UTC),
            )
            uow.commit()
        return Line(
            node_id,
            _("asks central to change BudgetUnit {code} (request {request})").format(
                code=code, request=asked.request_id[:8]
            ),
        )

    def move(self) -> Line:
        """A person moves to another province: their record goes to that province's node."""
        node_id = self._province()
        to = self.rng.choice([n for n in sorted(PROVINCES) if n != node_id])
        node = self.nodes[node_id]
        pin = self._pick(node, "Person", owner=node_id)
        if pin is None:
            return Line(node_id, _("holds no person of its own yet"))
        with node.unit_of_work() as uow:
            record = uow.records.get(record_type="Person", record_id=pin)
            residence = {
                "commune": self._commune(to),
                "line": f"Số {self.rng.randrange(1, 300)} {self.rng.choice(STREETS)}",
            }
            uow.records.transfer(
                record_type="Person",
                record_id=pin,
                expected_version=record.version,
                to_node=to,
                content={**record.content, "permanent_residence": residence},
            )
            uow.commit()
        return Line(
            node_id,
            _("{pin} moves to {to}: the record now belongs to {to}").format(pin=pin, to=to),
        )


def open_nodes(state_dir: Path) -> dict[str, Node]:
    """Open the four nodes of the live network with their live settings."""
    nodes: dict[str, Node] = {}
    try:
        for node_id in ex.NODES:
            settings = load_settings(
                config_file=config_path(state_dir, node_id),
                state_dir=state_dir / node_id,
                node_id=node_id,
                database_url=None,
            )
            nodes[node_id] = open_node(settings, systems=core_registry())
    except BaseException:
        for node in nodes.values():
            node.close()
        raise
    return nodes


def run(
    state_dir: Path,
    *,
    seed: int,
    pace: float,
    stop: threading.Event,
    say: Callable[[str], None],
) -> int:
    """Make actions until ``stop`` is set; return how many were made."""
    nodes = open_nodes(state_dir)
    traffic = Traffic(nodes, random.Random(seed))
    made = 0
    try:
        while not stop.is_set():
            at = datetime.now(UTC).astimezone(ZONE).strftime("%H:%M:%S")
            try:
                line = traffic.step()
                text = f"{at} {line.node_id:<10} {line.text}"
            except LienthongError as error:
                text = f"{at} [{error.code}] {error.message()}"
            except SQLAlchemyError as error:
                # A database busy for longer than its timeout: the next action tries again.
                text = f"{at} [{type(error).__name__}] {str(error).splitlines()[0]}"
            say(text)
            made += 1
            stop.wait(1 / pace)
    finally:
        for node in nodes.values():
            node.close()
    return made


def main(argv: list[str] | None = None) -> int:
    """Run the scenario traffic until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m lienthong.demo.traffic")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pace", type=float, default=DEFAULT_PACE)
    parser.add_argument("--language", default="vi")
    args = parser.parse_args(argv)
    current_language.set(args.language)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    run(
        args.state_dir,
        seed=args.seed,
        pace=min(max(args.pace, 0.1), 10.0),
        stop=stop,
        say=lambda text: print(text, flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["Line", "Traffic", "main", "open_nodes", "run"]
