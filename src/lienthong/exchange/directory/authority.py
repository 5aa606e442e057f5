"""Central's side of the directory: the editable state, its checks, and every published version.

The state lives as files under ``<state_dir>/network/``: ``draft.json`` holds the members,
nodes, systems, services and grants being edited; each change is checked, written to the
draft, then published as a new signed version ``directory/v{N}.json`` (never rewritten),
and ``directory/latest`` names the newest. Changes hold a lock on the network directory,
so two operators' commands apply one after the other.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import (
    METHODS,
    PURPOSE,
    Directory,
    Grant,
    Level,
    Member,
    NodeEntry,
    ServiceEntry,
    SystemEntry,
)
from lienthong.exchange.directory.signing import read_signed_directory, sign_directory
from lienthong.exchange.identifiers import ClientId, MemberId, ServiceId
from lienthong.exchange.pki import (
    NODE_DAYS,
    Authority,
    NetworkPaths,
    check_node_id,
    issue_certificate,
    read_request_bundle,
    request_hosts,
)
from lienthong.i18n import N_
from lienthong.vn.units import REFORM_DATE, province

#: How long a published version stays valid by default: how long nodes keep working
#: on it while central is unreachable.
DEFAULT_VALIDITY: Final = timedelta(days=7)
_VERSION_FILE: Final = re.compile(r"v([1-9][0-9]*)\.json")


class DirectoryDraft(BaseModel):
    """The directory as central edits it: everything but the version's header."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: str
    members: tuple[Member, ...] = ()
    nodes: tuple[NodeEntry, ...] = ()
    systems: tuple[SystemEntry, ...] = ()
    services: tuple[ServiceEntry, ...] = ()
    grants: tuple[Grant, ...] = ()


# -- files ----------------------------------------------------------------------------------


def _paths(state_dir: Path) -> NetworkPaths:
    return NetworkPaths.of(state_dir)


def draft_path(state_dir: Path) -> Path:
    """The draft being edited."""
    return _paths(state_dir).root / "draft.json"


def published_dir(state_dir: Path) -> Path:
    """The directory holding every published version."""
    return _paths(state_dir).root / "directory"


def version_path(state_dir: Path, version: int) -> Path:
    """The signed document of one published version."""
    return published_dir(state_dir) / f"v{version}.json"


def _write_atomic(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a file whole or not at all; with ``exclusive``, never over an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    if exclusive:
        try:
            # A hard link fails if the target exists, which a rename would silently replace.
            os.link(partial, path)
        finally:
            partial.unlink()
    else:
        partial.replace(path)


@contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    root = _paths(state_dir).root
    if not _paths(state_dir).info.is_file():
        Authority.load(root)  # raises the error that says to run network init
    with (root / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def latest_version(state_dir: Path) -> int | None:
    """Return the newest published version, or ``None`` before the first."""
    try:
        return int((published_dir(state_dir) / "latest").read_text(encoding="ascii"))
    except FileNotFoundError:
        return None
    except ValueError:
        # A damaged pointer: the versions on disk still say which is newest.
        return _highest_on_disk(state_dir) or None


def _highest_on_disk(state_dir: Path) -> int:
    folder = published_dir(state_dir)
    if not folder.is_dir():
        return 0
    found = (_VERSION_FILE.fullmatch(entry.name) for entry in folder.iterdir())
    return max((int(match.group(1)) for match in found if match), default=0)


def _unpublished() -> LienthongError:
    return LienthongError(
        "exchange.directory.unavailable",
        N_(
            "No directory has been published yet. Run lienthong network init, or lienthong"
            " directory publish."
        ),
        field="directory",
    )


def latest_signed(state_dir: Path) -> bytes:
    """Return the newest signed directory, as central serves it."""
    version = latest_version(state_dir)
    if version is None:
        raise _unpublished()
    return version_path(state_dir, version).read_bytes()


def latest_directory(state_dir: Path) -> Directory:
    """Return the newest published directory, its signature checked (not its expiry)."""
    authority = Authority.load(_paths(state_dir).root)
    return read_signed_directory(
        latest_signed(state_dir), key=authority.directory_public_key, instance=authority.instance
    )


def load_draft(state_dir: Path) -> DirectoryDraft:
    """Return the directory being edited (rebuilt from the newest version if the draft is lost)."""
    path = draft_path(state_dir)
    try:
        return DirectoryDraft.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        pass
    except ValidationError as exc:
        raise LienthongError(
            "exchange.directory.draft",
            N_(
                "The directory draft {path} is damaged ({reason}). Move it away: the next"
                " command rebuilds it from the newest published version."
            ),
            field="draft",
            path=str(path),
            reason=str(exc.errors()[0]["msg"]),
        ) from None
    if latest_version(state_dir) is not None:
        last = latest_directory(state_dir)
        return DirectoryDraft(**last.model_dump(exclude={"version", "issued_at", "expires_at"}))
    return DirectoryDraft(instance=Authority.load(_paths(state_dir).root).instance)


def _save_draft(state_dir: Path, draft: DirectoryDraft) -> None:
    _write_atomic(draft_path(state_dir), draft.model_dump_json(indent=2).encode("utf-8"))


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _check_validity(validity: timedelta) -> None:
    if validity <= timedelta(0):
        raise LienthongError(
            "exchange.directory.validity",
            N_("A directory must stay valid for some time; {validity} is not."),
            field="validity",
            validity=str(validity),
        )


def _publish(
    state_dir: Path, draft: DirectoryDraft, *, now: datetime, validity: timedelta
) -> Directory:
    _check_validity(validity)
    authority = Authority.load(_paths(state_dir).root)
    version = max(latest_version(state_dir) or 0, _highest_on_disk(state_dir)) + 1
    directory = Directory(
        **draft.model_dump(),
        version=version,
        issued_at=now,
        expires_at=now + validity,
    )
    signed = sign_directory(directory, key=authority.directory_key)
    _write_atomic(version_path(state_dir, version), signed.to_json(), exclusive=True)
    _write_atomic(published_dir(state_dir) / "latest", f"{version}\n".encode("ascii"))
    return directory


def _apply(
    state_dir: Path, draft: DirectoryDraft, *, now: datetime, validity: timedelta
) -> Directory:
    _check_validity(validity)
    # The draft first: should publishing fail, the change is kept and the next one publishes it.
    _save_draft(state_dir, draft)
    return _publish(state_dir, draft, now=now, validity=validity)


def publish(
    *, state_dir: Path, now: datetime | None = None, validity: timedelta = DEFAULT_VALIDITY
) -> Directory:
    """Sign the current state as a new version (version + 1, issued now, expiring after ``validity``)."""
    with _locked(state_dir):
        draft = load_draft(state_dir)
        if not draft_path(state_dir).exists():
            _save_draft(state_dir, draft)
        return _publish(state_dir, draft, now=_now(now), validity=validity)


def publish_if_due(
    *,
    state_dir: Path,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
    renew_before: timedelta | None = None,
) -> Directory | None:
    """Publish again when the newest version expires within ``renew_before`` (default: half its life).

    Central runs this on a timer so that nodes never see the directory expire while
    central is up, even when nobody edits it.
    """
    moment = _now(now)
    if latest_version(state_dir) is not None:
        last = latest_directory(state_dir)
        margin = (
            renew_before if renew_before is not None else (last.expires_at - last.issued_at) / 2
        )
        if last.expires_at - moment > margin:
            return None
    return publish(state_dir=state_dir, now=moment, validity=validity)


# -- checks -----------------------------------------------------------------------------------


#: What to say when an identifier is already listed, by kind of entry.
_DUPLICATES: Final = {
    "member": N_("The directory already lists the member {value}. Choose another identifier."),
    "system": N_("The directory already lists the system {value}. Choose another identifier."),
    "service": N_(
        "The directory already lists the service {value}. To change it, add it again with"
        " --replace."
    ),
}
#: What to say when an entry named is not listed, by kind of entry.
_UNKNOWN: Final = {
    "member": N_(
        "The directory lists no member {value}. Add it first with lienthong directory member add."
    ),
    "node": N_(
        "The directory lists no node {value}. Add it first with lienthong directory node add."
    ),
    "system": N_(
        "The directory lists no system {value}. Add it first with lienthong directory system add."
    ),
    "service": N_(
        "The directory lists no service {value}. Add it first with lienthong directory service add."
    ),
    "grant": N_(
        "The directory lists no grant {value}. List the grants with lienthong directory grant"
        " list to see their identifiers."
    ),
}


def _duplicate(kind: str, value: str) -> LienthongError:
    return LienthongError(
        "exchange.directory.duplicate", _DUPLICATES[kind], field="id", value=value
    )


def _unknown(kind: str, value: str) -> LienthongError:
    return LienthongError(
        f"exchange.directory.unknown_{kind}", _UNKNOWN[kind], field=kind, value=value
    )


def _same_instance(draft: DirectoryDraft, instance: str, value: str) -> None:
    if instance != draft.instance:
        raise LienthongError(
            "exchange.directory.other_instance",
            N_("{value} belongs to the network {instance}; this network is {expected}."),
            field="id",
            value=value,
            instance=instance,
            expected=draft.instance,
        )


def _member(draft: DirectoryDraft, member: MemberId) -> Member:
    found = next((entry for entry in draft.members if entry.id == str(member)), None)
    if found is None:
        raise _unknown("member", str(member))
    return found


def _node(draft: DirectoryDraft, node_id: str) -> NodeEntry:
    found = next((node for node in draft.nodes if node.node_id == node_id), None)
    if found is None:
        raise _unknown("node", node_id)
    return found


def _system(draft: DirectoryDraft, system: ClientId) -> SystemEntry:
    found = next((entry for entry in draft.systems if entry.id == str(system)), None)
    if found is None:
        raise _unknown("system", str(system))
    return found


def _service(draft: DirectoryDraft, service: ServiceId) -> ServiceEntry:
    found = next((entry for entry in draft.services if entry.id == str(service)), None)
    if found is None:
        raise _unknown("service", str(service))
    return found


def _revoked(entry: NodeEntry | Grant, now: datetime) -> bool:
    return entry.revoked_at is not None and entry.revoked_at <= now


# -- members ----------------------------------------------------------------------------------


def add_member(
    *,
    state_dir: Path,
    member_id: str,
    name: str,
    level: Level | str,
    province_code: str | None = None,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> Member:
    """List an agency: its identifier, name, level and (below central) its province."""
    member = MemberId.parse(member_id, field="id")
    try:
        level = Level(level)
    except ValueError:
        raise LienthongError(
            "exchange.directory.level",
            N_("{value} is not a level; use central, province or commune."),
            field="level",
            value=str(level),
        ) from None
    if not name.strip():
        raise LienthongError(
            "exchange.directory.name",
            N_("Give the member's name, such as: Bộ Công an."),
            field="name",
        )
    if level is not Level.CENTRAL and province_code is None:
        raise LienthongError(
            "exchange.directory.province_required",
            N_(
                "A {level} member belongs to a province: give its code (post-2025, such as 01"
                " for Hà Nội) with --province."
            ),
            field="province",
            level=level.value,
        )
    if province_code is not None:
        province_code = province(province_code, on=REFORM_DATE).code
    with _locked(state_dir):
        draft = load_draft(state_dir)
        _same_instance(draft, member.instance, str(member))
        if any(entry.id == str(member) for entry in draft.members):
            raise _duplicate("member", str(member))
        entry = Member(id=str(member), name=name.strip(), level=level, province=province_code)
        draft = draft.model_copy(update={"members": (*draft.members, entry)})
        _apply(state_dir, draft, now=_now(now), validity=validity)
    return entry


def list_members(*, state_dir: Path) -> list[Member]:
    """Return every member, in identifier order."""
    return sorted(load_draft(state_dir).members, key=lambda member: member.id)


# -- nodes ------------------------------------------------------------------------------------


def _check_address(address: str, hosts: list[str]) -> str:
    parts = urlsplit(address)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme != "https"
        or not parts.hostname
        or port == -1
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise LienthongError(
            "exchange.directory.address",
            N_(
                "{address} is not a gateway address. Write it as https://host:port, with no"
                " path, such as https://gw.hanoi.gov.vn:5500."
            ),
            field="address",
            address=address[:200],
        )
    if parts.hostname.lower() not in {host.lower() for host in hosts}:
        raise LienthongError(
            "exchange.directory.address_host",
            N_(
                "The host of {address} is not in the node's certificate request, which names"
                " {hosts}. Use one of those, or have the node request again with --host."
            ),
            field="address",
            address=address[:200],
            hosts=", ".join(hosts),
        )
    return address.rstrip("/")


def add_node(
    *,
    state_dir: Path,
    request: bytes,
    address: str,
    member: str | None = None,
    days: int = NODE_DAYS,
    replace: bool = False,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> NodeEntry:
    """Issue a node's certificate from its request bundle and list the node.

    ``member``, when given, must be the member the request names. ``replace`` renews a
    listed node: a new certificate (and signing key, if the node made a new one).
    """
    node_request = read_request_bundle(request)
    if member is not None and str(MemberId.parse(member)) != node_request.member:
        raise LienthongError(
            "exchange.directory.member_mismatch",
            N_("The request is from a node of {found}, not of {expected}. Check who sent it."),
            field="member",
            found=node_request.member,
            expected=str(MemberId.parse(member)),
        )
    address = _check_address(address, request_hosts(node_request.csr))
    moment = _now(now)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        _member(draft, MemberId.parse(node_request.member))
        existing = next((n for n in draft.nodes if n.node_id == node_request.node_id), None)
        if existing is not None and not replace:
            raise LienthongError(
                "exchange.directory.duplicate_node",
                N_(
                    "The directory already lists the node {node_id}. To renew its certificate,"
                    " add it again with --replace."
                ),
                field="node_id",
                node_id=node_request.node_id,
            )
        if existing is not None and existing.member != node_request.member:
            raise LienthongError(
                "exchange.directory.member_mismatch",
                N_("The request is from a node of {found}, not of {expected}. Check who sent it."),
                field="member",
                found=node_request.member,
                expected=existing.member,
            )
        authority = Authority.load(_paths(state_dir).root)
        certificate = issue_certificate(
            authority=authority, request_pem=node_request.csr_pem, days=days, now=moment
        )
        entry = NodeEntry(
            node_id=node_request.node_id,
            member=node_request.member,
            address=address,
            tls_certificate=certificate.decode("ascii"),
            signing_key=node_request.signing_key,
        )
        others = tuple(node for node in draft.nodes if node.node_id != entry.node_id)
        draft = draft.model_copy(update={"nodes": (*others, entry)})
        _apply(state_dir, draft, now=moment, validity=validity)
    return entry


def revoke_node(
    *,
    state_dir: Path,
    node_id: str,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> NodeEntry:
    """Revoke a node: every gateway refuses its certificate and signatures from the next version.

    Revoking twice keeps the first time.
    """
    check_node_id(node_id)
    moment = _now(now)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        node = _node(draft, node_id)
        if node.revoked_at is not None:
            return node
        revoked = node.model_copy(update={"revoked_at": moment})
        nodes = tuple(revoked if n.node_id == node_id else n for n in draft.nodes)
        _apply(state_dir, draft.model_copy(update={"nodes": nodes}), now=moment, validity=validity)
    return revoked


# -- systems and services ---------------------------------------------------------------------


def add_system(
    *,
    state_dir: Path,
    system_id: str,
    node_id: str,
    title: str = "",
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> SystemEntry:
    """List a subsystem of a member and the node that hosts it."""
    system = ClientId.parse(system_id, field="id")
    check_node_id(node_id)
    moment = _now(now)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        _same_instance(draft, system.instance, str(system))
        _member(draft, system.member)
        node = _node(draft, node_id)
        if _revoked(node, moment):
            raise LienthongError(
                "exchange.directory.node_revoked",
                N_("The node {node_id} is revoked: it can host no system. Choose another node."),
                field="node_id",
                node_id=node_id,
            )
        if any(entry.id == str(system) for entry in draft.systems):
            raise _duplicate("system", str(system))
        entry = SystemEntry(id=str(system), node_id=node_id, title=title.strip())
        draft = draft.model_copy(update={"systems": (*draft.systems, entry)})
        _apply(state_dir, draft, now=moment, validity=validity)
    return entry


def _check_openapi(openapi: dict[str, Any] | None) -> None:
    if openapi is None:
        return
    version = openapi.get("openapi")
    if (
        not isinstance(version, str)
        or not version.startswith("3.")
        or not isinstance(openapi.get("paths", {}), dict)
    ):
        raise LienthongError(
            "exchange.directory.openapi",
            N_(
                "The service description is not an OpenAPI 3 document (its openapi field is"
                " {version}). Give the service's OpenAPI 3.0 or 3.1 description, as JSON."
            ),
            field="openapi",
            version=repr(version)[:40],
        )


def add_service(
    *,
    state_dir: Path,
    service_id: str,
    title: str = "",
    openapi: dict[str, Any] | None = None,
    replace: bool = False,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> ServiceEntry:
    """List a REST service of a subsystem, with its OpenAPI description; ``replace`` updates one."""
    service = ServiceId.parse(service_id, field="id")
    _check_openapi(openapi)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        _system(draft, service.provider)
        if not replace and any(entry.id == str(service) for entry in draft.services):
            raise _duplicate("service", str(service))
        entry = ServiceEntry(id=str(service), title=title.strip(), openapi=openapi)
        others = tuple(s for s in draft.services if s.id != entry.id)
        draft = draft.model_copy(update={"services": (*others, entry)})
        _apply(state_dir, draft, now=_now(now), validity=validity)
    return entry


# -- grants -----------------------------------------------------------------------------------


def _check_grant_terms(
    method: str | None,
    path: str | None,
    purposes: list[str] | tuple[str, ...],
    expires_at: datetime | None,
    now: datetime,
) -> None:
    if method is not None and method.upper() not in METHODS:
        raise LienthongError(
            "exchange.directory.method",
            N_("{method} is not a method a grant can name; use one of {allowed}."),
            field="method",
            method=method[:20],
            allowed=", ".join(METHODS),
        )
    if path is not None and (not path.startswith("/") or "*" in path[:-1] or "//" in path):
        raise LienthongError(
            "exchange.directory.path",
            N_(
                "{path} is not an endpoint pattern. Start it with /; {{name}} matches one"
                " segment and a final * the rest, as in /Person/{{id}} or /Person/*."
            ),
            field="path",
            path=path[:200],
        )
    if not purposes:
        raise LienthongError(
            "exchange.directory.purpose",
            N_(
                "A grant lists at least one purpose, such as social-insurance.verify;"
                " {purpose} is not one."
            ),
            field="purpose",
            purpose="-",
        )
    for purpose in purposes:
        if not PURPOSE.fullmatch(purpose):
            raise LienthongError(
                "exchange.directory.purpose",
                N_(
                    "A grant lists at least one purpose, such as social-insurance.verify;"
                    " {purpose} is not one."
                ),
                field="purpose",
                purpose=purpose[:80],
            )
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise LienthongError(
            "exchange.directory.grant_expiry",
            N_(
                "A grant's expiry must be a future moment with its time zone, such as"
                " 2026-12-31T17:00:00+07:00; {value} is not."
            ),
            field="expires_at",
            value=expires_at.isoformat(),
        )


def add_grant(
    *,
    state_dir: Path,
    client: str,
    service: str,
    method: str | None = None,
    path: str | None = None,
    purposes: list[str] | tuple[str, ...],
    expires_at: datetime | None = None,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> Grant:
    """Let a client subsystem call a service (or one endpoint of it) for the listed purposes."""
    client_id = ClientId.parse(client, field="client")
    service_id = ServiceId.parse(service, field="service")
    moment = _now(now)
    _check_grant_terms(method, path, purposes, expires_at, moment)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        _system(draft, client_id)
        _service(draft, service_id)
        taken = {grant.grant_id for grant in draft.grants}
        grant_id = secrets.token_hex(6)
        while grant_id in taken:
            grant_id = secrets.token_hex(6)
        grant = Grant(
            grant_id=grant_id,
            client=str(client_id),
            service=str(service_id),
            method=method,
            path=path,
            purposes=tuple(dict.fromkeys(purposes)),
            expires_at=expires_at.astimezone(UTC) if expires_at is not None else None,
        )
        same = next(
            (
                existing
                for existing in draft.grants
                if existing.active(moment)
                and (existing.client, existing.service, existing.method, existing.path)
                == (grant.client, grant.service, grant.method, grant.path)
                and set(existing.purposes) == set(grant.purposes)
                and existing.expires_at == grant.expires_at
            ),
            None,
        )
        if same is not None:
            raise LienthongError(
                "exchange.directory.duplicate_grant",
                N_("The grant {grant_id} already says this. Nothing was added."),
                field="grant",
                grant_id=same.grant_id,
            )
        draft = draft.model_copy(update={"grants": (*draft.grants, grant)})
        _apply(state_dir, draft, now=moment, validity=validity)
    return grant


def revoke_grant(
    *,
    state_dir: Path,
    grant_id: str,
    now: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> Grant:
    """Revoke a grant; revoking twice keeps the first time."""
    moment = _now(now)
    with _locked(state_dir):
        draft = load_draft(state_dir)
        grant = next((g for g in draft.grants if g.grant_id == grant_id), None)
        if grant is None:
            raise _unknown("grant", grant_id[:40])
        if grant.revoked_at is not None:
            return grant
        revoked = grant.model_copy(update={"revoked_at": moment})
        grants = tuple(revoked if g.grant_id == grant_id else g for g in draft.grants)
        _apply(
            state_dir, draft.model_copy(update={"grants": grants}), now=moment, validity=validity
        )
    return revoked


def list_grants(
    *, state_dir: Path, client: str | None = None, service: str | None = None
) -> list[Grant]:
    """Return the grants (revoked and expired too), optionally of one client or on one service."""
    client_id = str(ClientId.parse(client, field="client")) if client is not None else None
    service_id = str(ServiceId.parse(service, field="service")) if service is not None else None
    return [
        grant
        for grant in load_draft(state_dir).grants
        if (client_id is None or grant.client == client_id)
        and (service_id is None or grant.service == service_id)
    ]
