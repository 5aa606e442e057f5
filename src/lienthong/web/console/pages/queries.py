"""What the console's Registries, Audit and Directory pages read and do, free of HTTP.

Each function calls the service that owns the data (the record store's search, the access
log, the audit log's verification and proofs, the directory authority) and returns plain
dataclasses for the templates. Reads of personal data are logged with their purpose, as
the API logs them, before anything is returned.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from sqlalchemy import select

from lienthong.access import OK, Access, AccessEntry, Action, access_log_for, log_access
from lienthong.errors import LienthongError
from lienthong.exchange.audit import inclusion_proof, verify_log
from lienthong.exchange.audit.log import AuditEntry, LoggedEntry, entry_at
from lienthong.exchange.audit.models import audit_log, audit_subjects
from lienthong.exchange.audit.proofs import InclusionProof
from lienthong.exchange.audit.verify import VerifyReport
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.exchange.directory.models import Directory, Grant
from lienthong.exchange.directory.signing import read_signed_directory
from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.exchange.pki import NetworkPaths, load_directory_key
from lienthong.i18n import N_
from lienthong.linkage.provenance import LegacyLinkContent, links_for
from lienthong.node import Node
from lienthong.store import Record, dialects
from lienthong.systems.core.fields import get_path
from lienthong.vn import units
from lienthong.vn.ids import ParcelId, PersonalNumber, Plate, TaxCode, identify
from lienthong.vn.ids.parcel import Parcel

#: The registers the console searches, in the order their results are shown.
REGISTERS: Final = ("Person", "Enterprise", "Vehicle", "Parcel")
#: Rows per page of search results and of the audit log.
PAGE_SIZE: Final = 25
#: The search parameter that narrows each register to a province.
_PROVINCE_PARAM: Final = {
    "Person": "residence-province",
    "Enterprise": "province",
    "Vehicle": "province",
    "Parcel": "province",
}
#: The longest text the search field takes: a name or an identifier, not a document.
MAX_QUERY: Final = 200


def console_client(login: str) -> str:
    """Return the client name the access and audit logs record an operator's reads under."""
    return f"console:{login}"


def console_purpose(section: str) -> str:
    """Return the purpose an operator's read in a section of the console is logged with."""
    return f"operator console: {section}"


@dataclass(frozen=True)
class Reader:
    """Who reads through the console, and the province they are limited to (None: all)."""

    login: str
    province: str | None = None

    @property
    def client(self) -> str:
        """The client name of the reads."""
        return console_client(self.login)

    def may_see(self, record: Record) -> bool:
        """Return whether the reader's scope covers a record (its partition is its province)."""
        return self.province is None or record.partition == self.province


# -- registries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One search of one register: what the typed text was taken for."""

    record_type: str
    where: dict[str, str]


def criteria(text: str) -> list[Criterion]:
    """Return the searches a typed text stands for: its identifiers, else a name.

    A personal number finds the person and the vehicles and parcels they hold; a tax
    code an enterprise; a plate a vehicle; a parcel its parcel. Anything else is a name,
    matched without diacritics by the registers' own ``name`` parameter.
    """
    value = unicodedata.normalize("NFC", text).strip()
    if not value:
        return []
    found: list[Criterion] = []
    for identified in identify(value):
        parsed = identified.value
        if isinstance(parsed, PersonalNumber):
            person = f"Person/{parsed.number}"
            found += [
                Criterion("Person", {"pin": parsed.number}),
                Criterion("Vehicle", {"owner-person": person}),
                Criterion("Parcel", {"holder-person": person}),
            ]
        elif isinstance(parsed, TaxCode) and parsed.pin is None:
            found.append(Criterion("Enterprise", {"code": parsed.code}))
        elif isinstance(parsed, Plate):
            found.append(Criterion("Vehicle", {"plate": parsed.text}))
        elif isinstance(parsed, ParcelId):
            found.append(Criterion("Parcel", {"parcel-id": parsed.code}))
        elif isinstance(parsed, Parcel):
            found.append(Criterion("Parcel", {"parcel": parsed.text}))
    if found:
        # One search per register: the first reading of the text wins.
        unique: dict[str, Criterion] = {}
        for criterion in found:
            unique.setdefault(criterion.record_type, criterion)
        return [unique[name] for name in REGISTERS if name in unique]
    return [Criterion("Person", {"name": value}), Criterion("Enterprise", {"name": value})]


@dataclass(frozen=True)
class Summary:
    """One record as a row of search results."""

    record_type: str
    record_id: str
    title: str
    date: str
    place: str
    owner_node: str
    partition: str | None


def day_text(value: Any) -> str:
    """Return a stored date (YYYY, YYYY-MM or YYYY-MM-DD) as Vietnam writes it: dd/mm/yyyy."""
    parts = str(value or "").split("-")
    return "/".join(reversed(parts)) if parts != [""] else ""


def place_name(commune: Any, province: Any = None) -> str:
    """Return a commune's and province's names, or the codes when they are not known."""
    names = []
    for code, find in ((commune, units.commune), (province, units.province)):
        if not code:
            continue
        try:
            names.append(find(str(code)).full_name)
        except LienthongError:
            names.append(str(code))
    return ", ".join(names)


def summarize(record: Record) -> Summary:
    """Return the row of one record of a register."""
    content = record.content
    title: Any = ""
    day: Any = None
    commune: Any = None
    province: Any = None
    if record.record_type == "Person":
        residence = content.get("permanent_residence") or content.get("temporary_residence") or {}
        title, day = content.get("full_name", ""), content.get("birth_date")
        commune, province = residence.get("commune"), residence.get("province")
    elif record.record_type == "Enterprise":
        title, day = content.get("name", ""), content.get("registered_on")
        commune = get_path(content, "head_office.commune")
        province = content.get("registration_province")
    elif record.record_type == "Vehicle":
        title = " ".join(str(content[key]) for key in ("make", "model") if content.get(key))
        day, province = content.get("registered_on"), content.get("province")
    elif record.record_type == "Parcel":
        title, commune = content.get("address", ""), content.get("commune")
        province = content.get("province")
    if commune and province:
        # The commune's full name already says where; the province adds only length.
        province = None
    return Summary(
        record_type=record.record_type,
        record_id=record.record_id,
        title=str(title),
        date=day_text(day),
        place=place_name(commune, province),
        owner_node=record.owner_node,
        partition=record.partition,
    )


@dataclass(frozen=True)
class Found:
    """One page of one register's matches and the cursor of its next page."""

    record_type: str
    title: str
    rows: list[Summary]
    next_cursor: str | None


def _log_read(
    node: Node,
    reader: Reader,
    *,
    action: Action,
    record_type: str,
    records: Sequence[tuple[str, int | None]],
    section: str,
    outcome: str = OK,
) -> None:
    with node.engine.begin() as connection:
        log_access(
            connection=connection,
            access=Access(
                client=reader.client,
                action=action,
                outcome=outcome,
                record_type=record_type,
                purpose=console_purpose(section),
                user_id=reader.login,
            ),
            at=node.clock(),
            records=records,
            node_id=node.node_id,
        )


def search_registers(
    *,
    node: Node,
    reader: Reader,
    text: str,
    record_type: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> list[Found]:
    """Search the registers for a typed name or identifier; log the reads of personal data.

    With ``record_type``, only that register is searched, from ``cursor`` on (the next
    page). A province reader sees only the records of their province.
    """
    if len(text) > MAX_QUERY:
        raise LienthongError(
            "console.search.too_long",
            N_("Type a name or an identifier of at most {maximum} characters."),
            field="q",
            maximum=MAX_QUERY,
        )
    types = node.record_types()
    searches = [
        criterion
        for criterion in criteria(text)
        if criterion.record_type in types
        and (record_type is None or criterion.record_type == record_type)
    ]
    results: list[Found] = []
    with node.unit_of_work(read_only=True) as uow:
        for criterion in searches:
            where = dict(criterion.where)
            if reader.province is not None:
                where[_PROVINCE_PARAM[criterion.record_type]] = reader.province
            page = uow.records.search(
                record_type=criterion.record_type,
                where=where,
                limit=limit,
                cursor=cursor if record_type is not None else None,
            )
            # The search parameter narrows; the partition decides (a person living in two
            # provinces belongs to the one of permanent residence).
            rows = [summarize(record) for record in page.records if reader.may_see(record)]
            found_type = types[criterion.record_type]
            results.append(
                Found(criterion.record_type, str(found_type.title), rows, page.next_cursor)
            )
    for found in results:
        if types[found.record_type].personal_data:
            _log_read(
                node,
                reader,
                action=Action.SEARCH,
                record_type=found.record_type,
                records=[(row.record_id, None) for row in found.rows],
                section="registries",
            )
    return results


@dataclass(frozen=True)
class RecordView:
    """What the record page shows: the record, its versions, its readers and its origins."""

    record: Record
    title: str
    versions: list[Record]
    held_as: Literal["owner", "replica"]
    accesses: list[AccessEntry]
    links: list[LegacyLinkContent]
    fields: list[tuple[str, str]] = field(default_factory=list)


def _not_found(record_type: str, record_id: str) -> LienthongError:
    return LienthongError(
        "console.record.not_found",
        N_("There is no {record_type} record {record_id} that you may see."),
        field="record_id",
        record_type=record_type,
        record_id=record_id,
    )


def flatten(content: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Return content as (dotted path, text) pairs, leaves only, empty values left out."""
    if isinstance(content, dict):
        pairs: list[tuple[str, str]] = []
        for key, value in content.items():
            pairs += flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if isinstance(content, list):
        pairs = []
        for index, value in enumerate(content, 1):
            pairs += flatten(value, f"{prefix}[{index}]")
        return pairs
    if content is None or content == "":
        return []
    if isinstance(content, bool):
        return [(prefix, "true" if content else "false")]
    return [(prefix, str(content))]


def read_record(*, node: Node, reader: Reader, record_type: str, record_id: str) -> RecordView:
    """Return a record with its history, accesses and provenance; log the read first.

    A record outside the reader's province is answered as not found, so that a province
    operator learns nothing of another province's records; the refused read is logged.
    """
    types = node.record_types()
    if record_type not in REGISTERS or record_type not in types:
        raise _not_found(record_type, record_id)
    rt = types[record_type]
    with node.unit_of_work(read_only=True) as uow:
        try:
            versions = uow.records.history(record_type=record_type, record_id=record_id)
        except LienthongError as error:
            if error.code != "store.not_found":
                raise
            versions = []
        current = versions[-1] if versions else None
        visible = current is not None and not current.deleted and reader.may_see(current)
        links = links_for(uow=uow, record_type=record_type, record_id=record_id) if visible else []
    if rt.personal_data:
        _log_read(
            node,
            reader,
            action=Action.HISTORY,
            record_type=record_type,
            records=[(record_id, current.version if current and visible else None)],
            section="registries",
            outcome=OK if visible else "console.record.not_found",
        )
    if current is None or not visible:
        raise _not_found(record_type, record_id)
    with node.engine.connect() as connection:
        accesses = access_log_for(
            connection=dialects.read_only(connection),
            record_type=record_type,
            record_id=current.record_id,
            limit=200,
        )
    return RecordView(
        record=current,
        title=summarize(current).title or current.record_id,
        versions=list(reversed(versions)),
        held_as="owner" if current.owner_node == node.node_id else "replica",
        accesses=accesses,
        links=links,
        fields=flatten(current.content),
    )


# -- audit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to; empty fields do not narrow."""

    node: str = ""
    client: str = ""
    service: str = ""
    person: str = ""
    outcome: str = ""
    kind: str = ""

    def active(self) -> dict[str, str]:
        """Return the fields that narrow, by name."""
        return {name: value for name, value in vars(self).items() if value}


@dataclass(frozen=True)
class AuditPage:
    """Entries of the audit log, newest first, and where the next (older) page starts."""

    entries: list[LoggedEntry]
    before: int | None


def audit_entries(
    *, node: Node, where: AuditFilter, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """Return a page of the audit log, newest first, narrowed by the filter.

    ``person`` matches an entry that names that identifier: as its user, in its details
    (the records an access touched) or at the end of its service path (the record a call
    through the exchange read); ``before`` continues below an entry's number.
    """
    query = select(audit_log).order_by(audit_log.c.sequence.desc()).limit(limit + 1)
    exact = {
        "node": audit_log.c.node_id,
        "client": audit_log.c.client,
        "service": audit_log.c.service,
        "outcome": audit_log.c.outcome,
        "kind": audit_log.c.kind,
    }
    for name, value in where.active().items():
        if name == "person":
            named = select(audit_subjects.c.sequence).where(audit_subjects.c.subject == value)
            query = query.where(audit_log.c.sequence.in_(named))
        else:
            query = query.where(exact[name] == value)
    if before is not None:
        query = query.where(audit_log.c.sequence < before)
    with node.engine.connect() as connection:
        rows = connection.execute(query).all()
    entries = [
        LoggedEntry(
            sequence=int(row.sequence),
            entry=AuditEntry.from_row(row._mapping),
            entry_hash=row.entry_hash,
            chain_hash=row.chain_hash,
        )
        for row in rows[:limit]
    ]
    return AuditPage(entries, entries[-1].sequence if len(rows) > limit else None)


def verify_audit_log(*, node: Node) -> VerifyReport:
    """Check the node's audit log and checkpoints, as ``lienthong audit verify`` does."""
    key = load_signing_key(NodePaths(node.settings.state_dir).signing_key).public_key()
    with node.engine.connect() as connection:
        return verify_log(connection=dialects.read_only(connection), node_key=key)


@dataclass(frozen=True)
class EntryView:
    """One audit entry and its inclusion proof, or why no proof could be made."""

    logged: LoggedEntry
    proof: InclusionProof | None
    proof_error: LienthongError | None


def audit_entry(*, node: Node, sequence: int) -> EntryView:
    """Return an entry and its proof against the latest checkpoint covering it."""
    with node.engine.connect() as connection:
        reading = dialects.read_only(connection)
        logged = entry_at(connection=reading, sequence=sequence)
        try:
            proof: InclusionProof | None = inclusion_proof(connection=reading, sequence=sequence)
            error = None
        except LienthongError as exc:
            proof, error = None, exc
    return EntryView(logged, proof, error)


# -- directory --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryView:
    """The directory this node shows, and whether this node may change it."""

    directory: Directory
    editable: bool

    def certificate_expiry(self) -> dict[str, datetime]:
        """Return when each node's TLS certificate expires, by node."""
        return {node.node_id: node.certificate.not_valid_after_utc for node in self.directory.nodes}


def is_authority(state_dir: Path) -> bool:
    """Return whether a state directory holds the network authority (central)."""
    return NetworkPaths.of(state_dir).info.is_file()


def read_directory(*, node: Node) -> DirectoryView:
    """Return the newest directory: central's own, else this node's verified cached copy."""
    state_dir = node.settings.state_dir
    if is_authority(state_dir):
        return DirectoryView(authority.latest_directory(state_dir), editable=True)
    source = cache_path(state_dir)
    if not source.is_file():
        raise LienthongError(
            "console.directory.unavailable",
            N_(
                "This node holds no copy of the directory yet at {path}. Check that central"
                " is reachable and that the directory key is installed."
            ),
            field="directory",
            path=str(source),
        )
    directory = read_signed_directory(
        source.read_bytes(),
        key=load_directory_key(NodePaths(state_dir)),
        instance=node.settings.network_instance,
    )
    return DirectoryView(directory, editable=False)


def _not_authority() -> LienthongError:
    return LienthongError(
        "console.directory.read_only",
        N_(
            "This node is not the network authority: only central changes the directory."
            " Make the change in central's console."
        ),
        field="directory",
    )


def _validity(node: Node) -> timedelta:
    return timedelta(days=node.settings.directory_validity_days)


def grant(
    *,
    node: Node,
    client: str,
    service: str,
    purposes: Sequence[str],
    method: str | None = None,
    path: str | None = None,
) -> Grant:
    """Add a grant through the directory authority, which publishes a new version."""
    state_dir = node.settings.state_dir
    if not is_authority(state_dir):
        raise _not_authority()
    return authority.add_grant(
        state_dir=state_dir,
        client=client,
        service=service,
        method=method or None,
        path=path or None,
        purposes=list(purposes),
        now=node.clock(),
        validity=_validity(node),
    )


def revoke(*, node: Node, grant_id: str) -> Grant:
    """Revoke a grant through the directory authority, which publishes a new version."""
    state_dir = node.settings.state_dir
    if not is_authority(state_dir):
        raise _not_authority()
    return authority.revoke_grant(
        state_dir=state_dir, grant_id=grant_id, now=node.clock(), validity=_validity(node)
    )


def parse_purposes(text: str) -> list[str]:
    """Return the purposes typed in one field, separated by commas, spaces or lines."""
    return [part for part in text.replace(",", " ").split() if part]
