"""The console's registries, audit and directory helpers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.integration.web.console.pages.conftest import AN_GIANG_PIN, DRIVING, REGISTRY

from lienthong.access import access_log_for
from lienthong.errors import LienthongError
from lienthong.exchange.audit.log import EXCHANGE_PROVIDER, AuditEntry, append_entries
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.systems.core import samples
from lienthong.web.console.pages import queries
from lienthong.web.console.pages.queries import AuditFilter, Reader

CENTRAL = Reader("lan")
HANOI = Reader("minh", province="01")


def test_a_name_typed_without_diacritics_finds_the_person(node: Node) -> None:
    found = queries.search_registers(node=node, reader=CENTRAL, text="nguyen van an")
    people = next(f for f in found if f.record_type == "Person")
    assert [row.record_id for row in people.rows] == [samples.PERSON_PIN]
    row = people.rows[0]
    assert (row.title, row.date, row.owner_node) == ("Nguyễn Văn An", "15/03/1988", "VN-central")
    assert "Ba Đình" in row.place


def test_a_pin_finds_the_person_and_what_they_hold(node: Node) -> None:
    found = queries.search_registers(node=node, reader=CENTRAL, text=samples.PERSON_PIN)
    by_type = {f.record_type: [row.record_id for row in f.rows] for f in found}
    assert by_type["Person"] == [samples.PERSON_PIN]
    assert by_type["Vehicle"] == ["30K-123.45"]
    assert len(by_type["Parcel"]) == 1


def test_a_plate_and_a_tax_code_go_to_their_registers(node: Node) -> None:
    plate = queries.search_registers(node=node, reader=CENTRAL, text="30k 123.45")
    assert [(f.record_type, [r.record_id for r in f.rows]) for f in plate] == [
        ("Vehicle", ["30K-123.45"])
    ]
    code = queries.search_registers(node=node, reader=CENTRAL, text=samples.ENTERPRISE_CODE)
    assert [(f.record_type, len(f.rows)) for f in code] == [("Enterprise", 1)]


def test_a_province_reader_sees_only_their_province(node: Node) -> None:
    central = queries.search_registers(node=node, reader=CENTRAL, text="nguyen thi hong")
    assert [r.record_id for r in central[0].rows] == [AN_GIANG_PIN]
    hanoi = queries.search_registers(node=node, reader=HANOI, text="nguyen thi hong")
    assert all(not f.rows for f in hanoi)
    with pytest.raises(LienthongError) as refused:
        queries.read_record(node=node, reader=HANOI, record_type="Person", record_id=AN_GIANG_PIN)
    assert refused.value.code == "console.record.not_found"


def test_searches_are_logged_with_the_console_as_client_and_a_purpose(node: Node) -> None:
    queries.search_registers(node=node, reader=CENTRAL, text="nguyen van an")
    with node.engine.connect() as connection:
        entries = access_log_for(
            connection=connection, record_type="Person", record_id=samples.PERSON_PIN
        )
    assert [(e.client, e.purpose, e.action.value) for e in entries] == [
        ("console:lan", "operator console: registries", "search")
    ]


def test_paging_continues_in_one_register(node: Node) -> None:
    first = queries.search_registers(node=node, reader=CENTRAL, text="nguyen", limit=1)
    people = next(f for f in first if f.record_type == "Person")
    assert len(people.rows) == 1 and people.next_cursor is not None
    second = queries.search_registers(
        node=node,
        reader=CENTRAL,
        text="nguyen",
        record_type="Person",
        cursor=people.next_cursor,
        limit=1,
    )
    assert [f.record_type for f in second] == ["Person"]
    assert {people.rows[0].record_id, second[0].rows[0].record_id} == {
        samples.PERSON_PIN,
        AN_GIANG_PIN,
    }


def test_a_record_shows_versions_holding_accesses_and_the_own_read(node: Node) -> None:
    view = queries.read_record(
        node=node, reader=CENTRAL, record_type="Person", record_id=samples.PERSON_PIN
    )
    assert view.held_as == "owner"
    assert [v.version for v in view.versions] == [1]
    assert ("full_name", "Nguyễn Văn An") in view.fields
    assert [(a.client, a.action.value) for a in view.accesses] == [("console:lan", "history")]
    assert view.links == []


def test_an_unknown_record_or_register_is_not_found(node: Node) -> None:
    for record_type, record_id in (("Person", "001099999999"), ("Taxpayer", "0101243150")):
        with pytest.raises(LienthongError) as refused:
            queries.read_record(
                node=node, reader=CENTRAL, record_type=record_type, record_id=record_id
            )
        assert refused.value.code == "console.record.not_found"


def test_too_long_a_query_is_refused(node: Node) -> None:
    with pytest.raises(LienthongError) as refused:
        queries.search_registers(node=node, reader=CENTRAL, text="a" * 201)
    assert refused.value.code == "console.search.too_long"


def test_the_audit_log_filters_by_client_outcome_and_person(node: Node) -> None:
    queries.search_registers(node=node, reader=CENTRAL, text="nguyen van an")
    with pytest.raises(LienthongError):
        queries.read_record(node=node, reader=HANOI, record_type="Person", record_id=AN_GIANG_PIN)
    mine = queries.audit_entries(node=node, where=AuditFilter(client="console:minh"))
    assert [e.entry.outcome for e in mine.entries] == ["console.record.not_found"]
    refused = queries.audit_entries(
        node=node, where=AuditFilter(outcome="console.record.not_found")
    )
    assert [e.entry.client for e in refused.entries] == ["console:minh"]
    person = queries.audit_entries(node=node, where=AuditFilter(person=AN_GIANG_PIN))
    assert [e.entry.client for e in person.entries] == ["console:minh"]
    nobody = queries.audit_entries(node=node, where=AuditFilter(person="%"))
    assert nobody.entries == []


def test_the_audit_log_pages_newest_first(node: Node) -> None:
    for text in ("nguyen van an", "tran thi", "nguyen thi"):
        queries.search_registers(node=node, reader=CENTRAL, text=text)
    first = queries.audit_entries(node=node, where=AuditFilter(), limit=2)
    assert first.before is not None
    second = queries.audit_entries(node=node, where=AuditFilter(), before=first.before, limit=2)
    # One entry per search of people (the enterprise register holds no personal data).
    numbers = [e.sequence for e in first.entries + second.entries]
    assert numbers == [3, 2, 1]
    assert second.before is None


def test_verify_reports_an_intact_log_then_names_the_tampered_entry(node: Node) -> None:
    queries.search_registers(node=node, reader=CENTRAL, text="nguyen van an")
    queries.search_registers(node=node, reader=CENTRAL, text="tran thi")
    assert queries.verify_audit_log(node=node).ok
    with node.engine.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 1).values(outcome="denied")
        )
    report = queries.verify_audit_log(node=node)
    assert not report.ok
    assert ("audit.entry.edited", 1) in {(p.code, p.sequence) for p in report.problems}


def test_an_entry_comes_with_its_inclusion_proof(node: Node) -> None:
    queries.search_registers(node=node, reader=CENTRAL, text="nguyen van an")
    queries.search_registers(node=node, reader=CENTRAL, text="tran thi")
    view = queries.audit_entry(node=node, sequence=1)
    assert view.proof is not None and view.proof.verifies()
    assert view.proof_error is None
    with pytest.raises(LienthongError) as unknown:
        queries.audit_entry(node=node, sequence=999)
    assert unknown.value.code == "audit.entry.unknown"


def test_central_grants_and_revokes_each_a_new_version(node: Node) -> None:
    before = queries.read_directory(node=node)
    assert before.editable
    made = queries.grant(
        node=node, client=DRIVING, service=REGISTRY, purposes=["road-safety"], path="/Person/*"
    )
    after = queries.read_directory(node=node).directory
    assert after.version == before.directory.version + 1
    assert made.grant_id in {g.grant_id for g in after.grants}
    revoked = queries.revoke(node=node, grant_id=made.grant_id)
    assert revoked.revoked_at is not None
    assert queries.read_directory(node=node).directory.version == after.version + 1


def test_a_grant_the_authority_refuses_changes_nothing(node: Node) -> None:
    version = queries.read_directory(node=node).directory.version
    with pytest.raises(LienthongError) as refused:
        queries.grant(node=node, client=DRIVING, service=REGISTRY, purposes=["Not a purpose!"])
    assert refused.value.code == "exchange.directory.purpose"
    with pytest.raises(LienthongError):
        queries.revoke(node=node, grant_id="nosuchgrant")
    assert queries.read_directory(node=node).directory.version == version


def test_a_province_node_shows_its_cached_copy_and_may_not_change_it(
    node: Node, network: Path
) -> None:
    an_giang_dir = network / "an-giang"
    cache = cache_path(an_giang_dir)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(authority.latest_signed(network / "central"))
    settings = load_settings(state_dir=an_giang_dir, node_id="VN-91", database_url=None)
    an_giang = Node(settings=settings, engine=node.engine, systems=node.systems)
    view = queries.read_directory(node=an_giang)
    assert not view.editable
    assert view.directory.version == queries.read_directory(node=node).directory.version
    assert set(view.certificate_expiry()) == {"VN-central", "VN-91"}
    with pytest.raises(LienthongError) as refused:
        queries.grant(node=an_giang, client=DRIVING, service=REGISTRY, purposes=["x"])
    assert refused.value.code == "console.directory.read_only"
    cache.unlink()
    with pytest.raises(LienthongError) as missing:
        queries.read_directory(node=an_giang)
    assert missing.value.code == "console.directory.unavailable"


def test_the_person_filter_finds_a_call_through_the_exchange_that_read_the_person(
    node: Node,
) -> None:
    call = AuditEntry(
        recorded_at=datetime.now(UTC),
        kind=EXCHANGE_PROVIDER,
        client="VN/GOV/AGG/driving",
        outcome="ok",
        service=f"VN/GOV/BCA/population/registry/Person/{AN_GIANG_PIN}",
        purpose="driver-licence",
    )
    with node.engine.begin() as connection:
        [number] = append_entries(connection=connection, entries=[call])

    found = queries.audit_entries(node=node, where=AuditFilter(person=AN_GIANG_PIN))

    assert [e.sequence for e in found.entries] == [number]
    # An identifier that is only part of a path segment names nothing.
    assert (
        queries.audit_entries(node=node, where=AuditFilter(person=AN_GIANG_PIN[:6])).entries == []
    )
