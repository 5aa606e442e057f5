"""The demo's exchange: the province nodes call central through their real gateways.

Central's state directory holds the network authority; every node gets keys and a
certificate from it, and the signed directory lists the agencies, their systems, the
registries central provides and three grants. The gateways of all four nodes are then
served in this process (an event loop in a background thread) while the demo, like any
client system, calls them over HTTP; every call lands in the audit logs of both nodes.

Setting the network up again is quick but needs care: the nodes' signing keys are kept
across runs, because the audit checkpoints of earlier runs are signed with them and
``verify_log`` checks every one. Only the authority, the certificates and the directory
are made anew, when the network is missing, its layout changed or its ports are taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Coroutine, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import and_, or_, select

from lienthong.demo import network as net
from lienthong.demo.sync import SyncDemo, run_sync
from lienthong.errors import LienthongError
from lienthong.exchange.audit.checkpoints import Checkpoint
from lienthong.exchange.audit.log import EXCHANGE_CLIENT, EXCHANGE_PROVIDER, RECORD_READ, log_size
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.audit.verify import verify_log
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.exchange.directory.models import Level
from lienthong.exchange.gateway.server import build_gateway, serve_gateway
from lienthong.exchange.gateway.witness import checkpoint_and_witness, witness_node
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.exchange.local import LocalGrant, LocalMember, LocalNetwork, LocalNode, provision
from lienthong.exchange.pki import (
    NetworkPaths,
    check_validity,
    client_ssl_context,
    read_certificate,
)
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import dialects
from lienthong.sync.transports.http import PURPOSE as SYNC_PURPOSE

T = TypeVar("T")

INSTANCE: Final = "VN"
NETWORK_NAME: Final = "Mạng liên thông thử nghiệm"
HOST: Final = "127.0.0.1"
#: Where the demo remembers the network it set up: its layout and the nodes' TLS ports.
RECORD: Final = "exchange.json"
#: How long a step may take before the demo gives up on it, in seconds.
TIMEOUT: Final = 30.0
#: How long a call's audit entries may take to be committed after its answer, in seconds.
SETTLE: Final = 5.0

POPULATION: Final = "VN/GOV/BCA/population"
TAX: Final = "VN/GOV/BTC/tax"
ENTERPRISES: Final = "VN/GOV/BTC/enterprises"
DRIVING: Final = "VN/GOV/AGG/driving"
PROCUREMENT: Final = "VN/GOV/HNI/procurement"
LICENSING: Final = "VN/GOV/HCM/licensing"

DRIVER_LICENCE: Final = "driver-licence"
PROCUREMENT_ELIGIBILITY: Final = "procurement-eligibility"
BUSINESS_LICENCE: Final = "business-licence"
#: The purpose of the refused call: no grant lists it.
NOT_GRANTED: Final = "marketing"

MEMBERS: Final = (
    LocalMember("VN/GOV/BCA", "Bộ Công an", Level.CENTRAL),
    LocalMember("VN/GOV/BTC", "Bộ Tài chính", Level.CENTRAL),
    LocalMember("VN/GOV/HNI", "UBND Thành phố Hà Nội", Level.PROVINCE, "01"),
    LocalMember("VN/GOV/HCM", "UBND Thành phố Hồ Chí Minh", Level.PROVINCE, "79"),
    LocalMember("VN/GOV/AGG", "UBND tỉnh An Giang", Level.PROVINCE, "91"),
)
#: Each node's sync subsystem: central's provides the sync service the provinces call.
CENTRAL_SYNC: Final = "VN/GOV/BCA/sync"
SYNC_SERVICE: Final = f"{CENTRAL_SYNC}/sync"
PROVINCE_SYNC: Final = {
    "VN-01": "VN/GOV/HNI/sync",
    "VN-79": "VN/GOV/HCM/sync",
    "VN-91": "VN/GOV/AGG/sync",
}
#: Each demo node: the member that runs it and the subsystems it hosts.
NODES: Final = {
    net.CENTRAL: ("VN/GOV/BCA", (POPULATION, TAX, ENTERPRISES, CENTRAL_SYNC)),
    "VN-01": ("VN/GOV/HNI", (PROCUREMENT, PROVINCE_SYNC["VN-01"])),
    "VN-79": ("VN/GOV/HCM", (LICENSING, PROVINCE_SYNC["VN-79"])),
    "VN-91": ("VN/GOV/AGG", (DRIVING, PROVINCE_SYNC["VN-91"])),
}
#: The systems whose registry central provides as a service (``…/registry``).
REGISTRIES: Final = (POPULATION, TAX, ENTERPRISES)
GRANTS: Final = (
    LocalGrant(DRIVING, f"{POPULATION}/registry", (DRIVER_LICENCE,), "GET", "/Person/{id}"),
    LocalGrant(PROCUREMENT, f"{TAX}/registry", (PROCUREMENT_ELIGIBILITY,), "GET", "/Taxpayer/{id}"),
    LocalGrant(
        LICENSING, f"{ENTERPRISES}/registry", (BUSINESS_LICENCE,), "GET", "/Enterprise/{id}"
    ),
    *(LocalGrant(client, SYNC_SERVICE, (SYNC_PURPOSE,)) for client in PROVINCE_SYNC.values()),
)


# -- the result the CLI renders -------------------------------------------------------------


@dataclass(frozen=True)
class AuditLine:
    """One entry of a node's audit log that a call left."""

    node_id: str
    sequence: int
    kind: str
    outcome: str
    status: int | None
    client: str
    purpose: str | None
    request_hash: str | None


@dataclass(frozen=True)
class Call:
    """One call through the gateways: who asked what, why, the answer and its traces."""

    #: What the call shows (msgid).
    caption: str
    client: str
    client_node: str
    provider_node: str
    method: str
    path: str
    purpose: str
    message_id: str
    status: int
    #: What was read: (label msgid, value) pairs; empty for a refusal.
    answer: tuple[tuple[str, str], ...]
    #: The ``X-Road-Error`` of a refusal, its code and message in both languages.
    error_type: str | None
    error_code: str | None
    error_vi: str | None
    error_en: str | None
    client_entries: tuple[AuditLine, ...]
    provider_entries: tuple[AuditLine, ...]

    @property
    def refused(self) -> bool:
        """Whether a gateway refused the call."""
        return self.error_type is not None


@dataclass(frozen=True)
class Witnessed:
    """Central's co-signature of a province's audit checkpoint, and the log's verification."""

    node_id: str
    witness: str | None
    tree_size: int
    root_hash: str
    verified: bool
    entries: int
    checkpoints: int
    cosignatures: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class GrantLine:
    """A grant of the directory as the demo shows it."""

    client: str
    service: str
    method: str | None
    path: str | None
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class ExchangeDemo:
    """What the exchange step did: the network, the calls and the witnessed checkpoint."""

    directory_version: int
    #: Whether the authority, certificates and directory were set up in this run.
    provisioned: bool
    tls_ports: dict[str, int]
    grants: tuple[GrantLine, ...]
    calls: tuple[Call, ...]
    witnessed: Witnessed
    sync: SyncDemo


# -- setting the network up -----------------------------------------------------------------


def _layout() -> str:
    """Return a digest of what the network lists, so a changed layout is set up again."""
    document = {
        "instance": INSTANCE,
        "members": [dataclasses.asdict(member) for member in MEMBERS],
        "nodes": NODES,
        "registries": list(REGISTRIES),
        "grants": [dataclasses.asdict(grant) for grant in GRANTS],
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _free(port: int) -> bool:
    with socket.socket() as probe:
        # As uvicorn binds: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_ports(count: int, *, besides: Sequence[int] = ()) -> list[int]:
    """Return distinct ports free now, none of ``besides`` (probes held open until all are chosen)."""
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        while len(ports) < count:
            probe = stack.enter_context(socket.socket())
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
            if port not in besides:
                ports.append(port)
    return ports


def _read_record(state_dir: Path) -> dict[str, Any]:
    try:
        recorded: object = json.loads((state_dir / RECORD).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _reusable(state_dir: Path, recorded: dict[str, Any], now: datetime) -> dict[str, int] | None:
    """Return the recorded TLS ports when the network set up last time can serve again."""
    ports = recorded.get("tls_ports")
    if recorded.get("layout") != _layout() or not isinstance(ports, dict):
        return None
    if set(ports) != set(NODES) or not all(isinstance(port, int) for port in ports.values()):
        return None
    if not NetworkPaths.of(state_dir / net.CENTRAL).info.is_file():
        return None
    for node_id in NODES:
        paths = NodePaths(state_dir / node_id)
        try:
            certificate = read_certificate(paths.tls_certificate.read_bytes())
            # A day of margin: the certificate must outlive the demo.
            check_validity(certificate, now=now + timedelta(days=1))
        except (OSError, LienthongError):
            return None
    if not all(_free(port) for port in ports.values()):
        return None
    return {str(node_id): int(port) for node_id, port in ports.items()}


def _provision(state_dir: Path, ports: dict[str, int], now: datetime) -> None:
    """Set the authority, certificates and directory up anew, keeping the nodes' own keys."""
    central = state_dir / net.CENTRAL
    shutil.rmtree(NetworkPaths.of(central).root, ignore_errors=True)
    for node_id in NODES:
        # Signed with the old directory key, the cached copy would be refused and logged.
        cache_path(state_dir / node_id).unlink(missing_ok=True)
    provision(
        LocalNetwork(
            authority_dir=central,
            instance=INSTANCE,
            name=NETWORK_NAME,
            members=MEMBERS,
            nodes=[
                LocalNode(node_id, member, state_dir / node_id, ports[node_id], systems)
                for node_id, (member, systems) in NODES.items()
            ],
            services=[
                *(
                    (
                        f"{system}/registry",
                        {
                            "openapi": "3.1.0",
                            "info": {"title": system.rsplit("/", 1)[1], "version": "1"},
                            "paths": {},
                        },
                    )
                    for system in REGISTRIES
                ),
                (SYNC_SERVICE, None),
            ],
            grants=GRANTS,
            hosts=(HOST,),
        ),
        now=now,
    )


def prepare_network(state_dir: Path) -> tuple[dict[str, int], bool]:
    """Make the demo's exchange network ready to serve; return its TLS ports and whether it is new."""
    now = datetime.now(UTC)
    ports = _reusable(state_dir, _read_record(state_dir), now)
    provisioned = ports is None
    if ports is None:
        # Forgotten first: a setup that fails half-way must not look reusable next time.
        (state_dir / RECORD).unlink(missing_ok=True)
        ports = dict(zip(NODES, free_ports(len(NODES)), strict=True))
        _provision(state_dir, ports, now)
        record = {"layout": _layout(), "tls_ports": ports}
        (state_dir / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")
    else:
        # A network set up days ago has a directory close to expiry: sign it again first.
        authority.publish_if_due(state_dir=state_dir / net.CENTRAL, now=now)
    return ports, provisioned


def gateway_settings(
    node_id: str, *, client_port: int, tls_port: int, directory_url: str | None
) -> dict[str, Any]:
    """Return the settings a node's gateway and sync have in the demo network."""
    return {
        "network_instance": INSTANCE,
        "gateway_host": HOST,
        "gateway_port": client_port,
        "gateway_tls_host": HOST,
        "gateway_tls_port": tls_port,
        "directory_url": directory_url,
        "exchange_upstreams": {},
        # Provinces sync with central; central serves them (and opens no link itself).
        "sync_upstream": SYNC_SERVICE if node_id in PROVINCE_SYNC else None,
        "sync_client": PROVINCE_SYNC.get(node_id),
        "sync_partitions": [code for code, held in net.PROVINCE_NODES.items() if held == node_id],
    }


def _gateway_node(
    node: Node, *, client_port: int, tls_port: int, directory_url: str | None
) -> Node:
    """Return the node with the settings of its gateway in the demo network (same database)."""
    update = gateway_settings(
        node.node_id, client_port=client_port, tls_port=tls_port, directory_url=directory_url
    )
    return dataclasses.replace(node, settings=node.settings.model_copy(update=update))


# -- the gateways, served in a background thread --------------------------------------------


class Gateways:
    """The nodes' gateways, served on an event loop in a thread while the demo calls them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._forever, name="demo-gateways", daemon=True)
        self.thread.start()
        self._stops: list[asyncio.Event] = []
        self._served: list[Future[None]] = []
        #: Whether a gateway's server failed to start (it raised SystemExit).
        self.failed = False

    def _forever(self) -> None:
        while True:
            try:
                self.loop.run_forever()
                return
            except SystemExit:
                # uvicorn exits the process when it cannot bind its port, which unwinds
                # the loop: run it on, so that the other gateways still stop cleanly.
                self.failed = True

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the gateways' loop and return its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        until = time.monotonic() + TIMEOUT
        while True:
            try:
                return future.result(timeout=0.05)
            except FutureTimeout:
                if not self.thread.is_alive() or time.monotonic() > until:
                    future.cancel()
                    raise _stopped() from None

    def serve(self, node: Node) -> None:
        """Start a node's gateway and return once both its sides listen."""
        for port in (node.settings.gateway_port, node.settings.gateway_tls_port):
            if not _free(port):
                raise _stopped(node=node.node_id, port=port)

        async def start() -> None:
            ready, stop = asyncio.Event(), asyncio.Event()
            self._stops.append(stop)
            self._served.append(
                asyncio.run_coroutine_threadsafe(
                    serve_gateway(node, ready=ready, stop=stop), self.loop
                )
            )
            await asyncio.wait_for(ready.wait(), TIMEOUT)

        try:
            self.run(start())
        except LienthongError:
            raise _stopped(node=node.node_id, port=node.settings.gateway_tls_port) from None
        if self.failed:
            # Its gateway says it is ready when a server failed to start, too.
            raise _stopped(node=node.node_id, port=node.settings.gateway_tls_port)

    def close(self) -> None:
        """Stop every gateway, wait for them to flush their audit logs, and end the thread."""

        async def stop() -> None:
            for event in self._stops:
                event.set()

        try:
            if self.thread.is_alive():
                self.run(stop())
                for served in self._served:
                    # Waited for, not raised: a gateway's failure is reported already.
                    with contextlib.suppress(FutureTimeout, CancelledError):
                        served.exception(timeout=TIMEOUT)
        finally:
            if self.thread.is_alive():
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(timeout=TIMEOUT)
            if not self.thread.is_alive():
                self.loop.close()


def _stopped(*, node: str = "-", port: int = 0) -> LienthongError:
    return LienthongError(
        "demo.exchange.gateway",
        N_(
            "The demo's gateways stopped or did not start (node {node}, port {port}): another"
            " program may hold the port. Run the demo again."
        ),
        field="port",
        node=node,
        port=port,
    )


# -- calls ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    caption: str
    client: str
    client_node: str
    service: str
    path: str
    purpose: str
    record_type: str


def _send(node: Node, request: _Request, message_id: str) -> tuple[int, dict[str, str], Any]:
    """Call the client side of a node's gateway as one of its systems would."""
    url = f"http://{HOST}:{node.settings.gateway_port}/r1/{request.service}{request.path}"
    headers = {
        "X-Road-Client": request.client,
        "X-Road-Id": message_id,
        "X-Lienthong-Purpose": request.purpose,
        "Accept": "application/json",
    }
    http = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(http, timeout=TIMEOUT) as response:
            return response.status, _lower(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            body = error.read()
        return error.code, _lower(error.headers), json.loads(body) if body else {}
    except (urllib.error.URLError, OSError):
        # Refusals are answers; no answer at all means the node's gateway is gone.
        raise _stopped(node=node.node_id, port=node.settings.gateway_port) from None


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def _log_size(node: Node) -> int:
    with node.engine.connect() as connection:
        return log_size(connection=dialects.read_only(connection))


def _entries(node: Node, *, after: int, message_id: str, request: _Request) -> list[AuditLine]:
    """Return what a call left in a node's log: its exchange entry and the registry's reads."""
    query = (
        select(audit_log)
        .where(audit_log.c.sequence > after)
        .where(
            or_(
                audit_log.c.message_id == message_id,
                # The registry logs a personal read under the caller and purpose the
                # provider's gateway established, with a request id of its own.
                and_(
                    audit_log.c.kind == RECORD_READ,
                    audit_log.c.client == request.client,
                    audit_log.c.purpose == request.purpose,
                ),
            )
        )
        .order_by(audit_log.c.sequence)
    )
    with node.engine.connect() as connection:
        rows = dialects.read_only(connection).execute(query).all()
    return [
        AuditLine(
            node_id=node.node_id,
            sequence=int(row.sequence),
            kind=row.kind,
            outcome=row.outcome,
            status=row.status,
            client=row.client,
            purpose=row.purpose,
            request_hash=row.request_hash,
        )
        for row in rows
    ]


def _settled(
    client: Node,
    provider: Node,
    *,
    before: dict[str, int],
    message_id: str,
    request: _Request,
    refused: bool,
) -> tuple[list[AuditLine], list[AuditLine]]:
    """Return both nodes' entries of a call once written: a gateway answers, then commits them."""
    until = time.monotonic() + SETTLE
    while True:
        ours = _entries(
            client, after=before[client.node_id], message_id=message_id, request=request
        )
        theirs = _entries(
            provider, after=before[provider.node_id], message_id=message_id, request=request
        )
        logged = any(line.kind == EXCHANGE_CLIENT for line in ours) and (
            refused or any(line.kind == EXCHANGE_PROVIDER for line in theirs)
        )
        if logged or time.monotonic() > until:
            return ours, theirs
        time.sleep(0.02)


def _birth(value: Any) -> str:
    return "/".join(reversed(str(value or "").split("-")))


def _answer(record_type: str, body: Any) -> tuple[tuple[str, str], ...]:
    """Return what the demo shows of a record read through the exchange."""
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return ()
    if record_type == "Person":
        return (
            (N_("PIN"), str(content.get("pin", ""))),
            (N_("Full name"), str(content.get("full_name", ""))),
            (N_("Born"), _birth(content.get("birth_date"))),
        )
    if record_type == "Taxpayer":
        debt = content.get("debt") or {}
        return (
            (N_("Tax code"), str(content.get("tax_code", ""))),
            (N_("Status"), str(content.get("status", ""))),
            (N_("Debt (VND)"), f"{int(debt.get('amount_owed') or 0):,}"),
            (N_("Overdue (VND)"), f"{int(debt.get('overdue_amount') or 0):,}"),
        )
    return (
        (N_("Tax code"), str(content.get("code", ""))),
        (N_("Name"), str(content.get("name", ""))),
        (N_("Status"), str(content.get("status", ""))),
    )


def _call(
    request: _Request, *, nodes: dict[str, Node], provider_node: str, refused: bool = False
) -> Call:
    client, provider = nodes[request.client_node], nodes[provider_node]
    before = {node.node_id: _log_size(node) for node in (client, provider)}
    message_id = str(uuid.uuid4())
    status, headers, body = _send(client, request, message_id)
    error_type = headers.get("x-road-error")
    ours, theirs = _settled(
        client,
        provider,
        before=before,
        message_id=message_id,
        request=request,
        refused=error_type is not None,
    )
    error = body.get("error") if isinstance(body, dict) and error_type is not None else None
    error = error if isinstance(error, dict) else {}
    return Call(
        caption=request.caption,
        client=request.client,
        client_node=request.client_node,
        provider_node=provider_node,
        method="GET",
        path=f"/r1/{request.service}{request.path}",
        purpose=request.purpose,
        message_id=headers.get("x-road-id", message_id),
        status=status,
        answer=() if error_type is not None else _answer(request.record_type, body),
        error_type=error_type,
        error_code=error.get("code"),
        error_vi=error.get("message_vi"),
        error_en=error.get("message_en"),
        client_entries=tuple(ours),
        provider_entries=tuple(theirs),
    )


def _requests(network: net.Network) -> list[_Request]:
    """Return the demo's calls, on records central holds (read, and audited, to choose them)."""
    found: list[_Request] = []
    person = net.first(network, node_id=net.CENTRAL, record_type="Person")
    pin = person.record_id if person is not None else None
    if pin is not None:
        found.append(
            _Request(
                N_("An Giang's driver-licence office reads a person held on central"),
                DRIVING,
                "VN-91",
                f"{POPULATION}/registry",
                f"/Person/{pin}",
                DRIVER_LICENCE,
                "Person",
            )
        )
    taxpayer = net.first(
        network, node_id=net.CENTRAL, record_type="Taxpayer", where={"kind": "enterprise"}
    )
    if taxpayer is not None:
        found.append(
            _Request(
                N_("Hà Nội's e-procurement system checks a bidder's tax status on central"),
                PROCUREMENT,
                "VN-01",
                f"{TAX}/registry",
                f"/Taxpayer/{taxpayer.record_id}",
                PROCUREMENT_ELIGIBILITY,
                "Taxpayer",
            )
        )
    where = {"code": taxpayer.record_id} if taxpayer is not None else None
    enterprise = net.first(
        network, node_id=net.CENTRAL, record_type="Enterprise", where=where
    ) or net.first(network, node_id=net.CENTRAL, record_type="Enterprise")
    if enterprise is not None:
        found.append(
            _Request(
                N_("TP. Hồ Chí Minh's licensing office reads an enterprise held on central"),
                LICENSING,
                "VN-79",
                f"{ENTERPRISES}/registry",
                f"/Enterprise/{enterprise.record_id}",
                BUSINESS_LICENCE,
                "Enterprise",
            )
        )
    return found


def _refused(pin: str) -> _Request:
    """Return the call no grant allows: the right office, the right record, the wrong purpose."""
    return _Request(
        N_("The same office asks for the same person for a purpose no grant lists"),
        DRIVING,
        "VN-91",
        f"{POPULATION}/registry",
        f"/Person/{pin}",
        NOT_GRANTED,
        "Person",
    )


# -- the witness ----------------------------------------------------------------------------


async def _witness(node: Node) -> tuple[Checkpoint, Ed25519PublicKey | None]:
    """Sign a checkpoint of the node's audit log and have central co-sign it, as the gateway does."""
    node_gateway = build_gateway(node)
    try:
        central = witness_node(node_gateway.gateway, node.settings.directory_url)
        context = client_ssl_context(NodePaths(node.settings.state_dir))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
            checkpoint = await checkpoint_and_witness(
                node=node, gateway=node_gateway.gateway, session=session, central=central
            )
        return checkpoint, None if central is None else central.public_key
    finally:
        await node_gateway.close()


def _verified(
    node: Node, checkpoint: Checkpoint, witness_key: Ed25519PublicKey | None
) -> Witnessed:
    node_key = load_signing_key(NodePaths(node.settings.state_dir).signing_key).public_key()
    with node.engine.connect() as connection:
        report = verify_log(
            connection=dialects.read_only(connection), node_key=node_key, witness_key=witness_key
        )
    return Witnessed(
        node_id=node.node_id,
        witness=checkpoint.witness,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        verified=report.ok,
        entries=report.entries,
        checkpoints=report.checkpoints,
        cosignatures=report.cosignatures,
        problems=tuple(f"{p.code} #{p.sequence}" for p in report.problems),
    )


# -- the step -------------------------------------------------------------------------------


def run_exchange(network: net.Network, *, state_dir: Path) -> ExchangeDemo:
    """Set the exchange up, serve the four gateways, make the demo's calls, witness, stop."""
    tls_ports, provisioned = prepare_network(state_dir)
    central_state = state_dir / net.CENTRAL
    client_ports = dict(
        zip(NODES, free_ports(len(NODES), besides=list(tls_ports.values())), strict=True)
    )
    directory_url = f"https://{HOST}:{tls_ports[net.CENTRAL]}/directory"
    nodes = {
        node_id: _gateway_node(
            network.nodes[node_id],
            client_port=client_ports[node_id],
            tls_port=tls_ports[node_id],
            directory_url=None if node_id == net.CENTRAL else directory_url,
        )
        for node_id in NODES
    }
    requests = _requests(network)
    person = next((r for r in requests if r.record_type == "Person"), None)
    pin = person.path.rsplit("/", 1)[1] if person is not None else "001090000001"
    gateways = Gateways()
    try:
        # Central first: the others fetch the directory from it as they start.
        for node in nodes.values():
            gateways.serve(node)
        calls = [_call(request, nodes=nodes, provider_node=net.CENTRAL) for request in requests]
        calls.append(_call(_refused(pin), nodes=nodes, provider_node=net.CENTRAL))
        checkpoint, witness_key = gateways.run(_witness(nodes["VN-91"]))
        synced = run_sync(nodes, central=net.CENTRAL, run=gateways.run)
    finally:
        gateways.close()
    grants = tuple(
        GrantLine(grant.client, grant.service, grant.method, grant.path, grant.purposes)
        for grant in authority.list_grants(state_dir=central_state)
        if grant.revoked_at is None
    )
    return ExchangeDemo(
        directory_version=authority.latest_version(central_state) or 0,
        provisioned=provisioned,
        tls_ports=tls_ports,
        grants=grants,
        calls=tuple(calls),
        witnessed=_verified(nodes["VN-91"], checkpoint, witness_key),
        sync=synced,
    )


__all__ = [
    "AuditLine",
    "Call",
    "ExchangeDemo",
    "GrantLine",
    "SyncDemo",
    "Witnessed",
    "free_ports",
    "gateway_settings",
    "prepare_network",
    "run_exchange",
]
