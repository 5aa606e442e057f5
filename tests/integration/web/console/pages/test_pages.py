"""The Registries, Audit and Directory pages through the console app, signed in by role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient
from tests.integration.web.console.pages.conftest import AN_GIANG_PIN, DRIVING, REGISTRY

from lienthong.access.operators import create_operator
from lienthong.access.policy import OperatorRole
from lienthong.exchange.audit.models import audit_log
from lienthong.exchange.directory import authority
from lienthong.exchange.directory.cache import cache_path
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.systems.core import samples
from lienthong.web.console.app import create_console
from lienthong.web.console.pages import queries

PASSWORD = "a long enough passphrase 42"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _operator(node: Node, login: str, role: OperatorRole, province: str | None = None) -> None:
    with node.engine.begin() as connection:
        create_operator(
            connection=connection,
            login=login,
            name=login.title(),
            role=role,
            password=PASSWORD,
            province=province,
            actor="test",
            node_id=node.node_id,
        )


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, login: str) -> None:
    """Sign in through the console's own form."""
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"login": login, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text


@pytest.fixture
def console(node: Node) -> Iterator[Node]:
    """Central with a central operator, a Hà Nội operator and an auditor."""
    _operator(node, "lan", OperatorRole.CENTRAL)
    _operator(node, "minh", OperatorRole.PROVINCE, "01")
    _operator(node, "thu", OperatorRole.AUDITOR)
    yield node


def client_for(node: Node, login: str) -> TestClient:
    client = TestClient(create_console(node), base_url="https://testserver")
    sign_in(client, login)
    return client


def test_a_name_without_diacritics_finds_the_person(console: Node) -> None:
    client = client_for(console, "lan")
    page = client.get("/registries", params={"q": "nguyen van an"})
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.text and samples.PERSON_PIN in page.text
    assert "15/03/1988" in page.text
    assert page.text.count("<h1") == 1


def test_a_pin_finds_the_person_and_the_record_page_lists_the_consoles_read(
    console: Node,
) -> None:
    client = client_for(console, "lan")
    found = client.get("/registries", params={"q": samples.PERSON_PIN})
    assert f"/registries/Person/{samples.PERSON_PIN}" in found.text
    record = client.get(f"/registries/Person/{samples.PERSON_PIN}")
    assert record.status_code == 200
    accesses = record.text[record.text.index('id="accesses"') :]
    assert "console:lan" in accesses
    assert "operator console: registries" in accesses
    assert "VN-central" in record.text


def test_an_empty_search_shows_only_the_form_and_a_long_one_an_error(console: Node) -> None:
    client = client_for(console, "lan")
    empty = client.get("/registries")
    assert empty.status_code == 200 and 'id="q"' in empty.text
    long = client.get("/registries", params={"q": "a" * 250})
    assert long.status_code == 400
    assert 'href="#q"' in long.text


def test_a_province_operator_sees_neither_another_provinces_person_nor_its_page(
    console: Node,
) -> None:
    client = client_for(console, "minh")
    found = client.get("/registries", params={"q": "nguyen thi hong"})
    assert found.status_code == 200 and AN_GIANG_PIN not in found.text
    record = client.get(f"/registries/Person/{AN_GIANG_PIN}")
    assert record.status_code == 404
    assert "Nguyễn Thị Hồng" not in record.text
    own = client.get(f"/registries/Person/{samples.PERSON_PIN}")
    assert own.status_code == 200


def test_an_unknown_record_is_a_404_page(console: Node) -> None:
    client = client_for(console, "lan")
    assert client.get("/registries/Person/001099999999").status_code == 404
    assert client.get("/registries/Nothing/1").status_code == 404


def test_an_auditor_may_not_search_the_registries(console: Node) -> None:
    client = client_for(console, "thu")
    assert client.get("/registries", params={"q": "nguyen"}).status_code == 403
    assert client.get("/directory").status_code == 403


def test_the_audit_log_filters_by_outcome_and_by_client(console: Node) -> None:
    minh = client_for(console, "minh")
    minh.get(f"/registries/Person/{AN_GIANG_PIN}")
    auditor = client_for(console, "thu")
    refused = auditor.get("/audit", params={"outcome": "console.record.not_found"})
    assert refused.status_code == 200
    assert "console:minh" in refused.text
    by_client = auditor.get("/audit", params={"client": "console:nobody"})
    assert "console:minh" not in by_client.text


def test_verify_says_intact_then_names_the_tampered_entry(console: Node) -> None:
    client = client_for(console, "thu")
    client.get("/audit")
    page = client.get("/audit")
    intact = client.post("/audit/verify", data={"csrf_token": _csrf(page.text)})
    assert intact.status_code == 200
    assert "govuk-notification-banner--success" in intact.text
    with console.engine.begin() as connection:
        connection.execute(
            update(audit_log).where(audit_log.c.sequence == 1).values(client="VN/GOV/X/forger")
        )
    changed = client.post("/audit/verify", data={"csrf_token": _csrf(page.text)})
    assert "audit.entry.edited" in changed.text


def test_verify_without_csrf_is_refused(console: Node) -> None:
    client = client_for(console, "thu")
    assert client.post("/audit/verify").status_code == 403


def test_an_entry_page_shows_its_inclusion_proof(console: Node) -> None:
    client = client_for(console, "thu")
    client.cookies.set("lienthong_console_lang", "en")
    entry = client.get("/audit/1")
    assert entry.status_code == 200
    assert "Inclusion proof" in entry.text
    assert "The proof verifies." in entry.text
    missing = client.get("/audit/999999")
    assert missing.status_code == 404
    assert "The audit log has no entry 999999." in missing.text


def _grants(node: Node) -> dict[str, object]:
    directory = queries.read_directory(node=node).directory
    return {g.grant_id: g for g in directory.grants}


def test_grant_then_revoke_through_the_page_publishes_versions_and_is_audited(
    console: Node,
) -> None:
    client = client_for(console, "lan")
    version = queries.read_directory(node=console).directory.version
    page = client.get("/directory")
    assert page.status_code == 200
    token = _csrf(page.text)
    granted = client.post(
        "/directory/grants",
        data={
            "client": DRIVING,
            "service": REGISTRY,
            "method": "GET",
            "path": "/Person/*",
            "purposes": "road-safety",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert granted.status_code == 303
    after = queries.read_directory(node=console).directory
    assert after.version == version + 1
    made = next(g for g in after.grants if g.purposes == ("road-safety",))
    revoked = client.post(
        f"/directory/grants/{made.grant_id}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    final = queries.read_directory(node=console).directory
    assert final.version == version + 2
    assert next(g for g in final.grants if g.grant_id == made.grant_id).revoked_at is not None
    audited = queries.audit_entries(node=console, where=queries.AuditFilter(client="console:lan"))
    actions = [(e.entry.service, e.entry.outcome) for e in audited.entries]
    assert ("directory.grant", "ok") in actions
    assert ("directory.revoke", "ok") in actions


def test_a_refused_grant_is_shown_by_its_field_and_publishes_nothing(console: Node) -> None:
    client = client_for(console, "lan")
    version = queries.read_directory(node=console).directory.version
    page = client.get("/directory")
    refused = client.post(
        "/directory/grants",
        data={
            "client": DRIVING,
            "service": REGISTRY,
            "purposes": "Not a purpose!",
            "csrf_token": _csrf(page.text),
        },
    )
    assert refused.status_code == 400
    assert 'href="#purposes"' in refused.text
    assert queries.read_directory(node=console).directory.version == version


def test_changing_the_directory_is_refused_without_csrf_and_for_a_province(
    console: Node,
) -> None:
    grant_id = next(iter(_grants(console)))
    version = queries.read_directory(node=console).directory.version
    central = client_for(console, "lan")
    assert central.post(f"/directory/grants/{grant_id}/revoke").status_code == 403
    province = client_for(console, "minh")
    page = province.get("/directory")
    assert page.status_code == 200
    assert "/revoke" not in page.text
    token = _CSRF.search(page.text)
    data = {"csrf_token": token.group(1)} if token else {}
    assert province.post(f"/directory/grants/{grant_id}/revoke", data=data).status_code == 403
    assert queries.read_directory(node=console).directory.version == version


def test_a_province_node_shows_its_copy_read_only_and_says_why(
    console: Node, network: Path
) -> None:
    state = network / "an-giang"
    cache = cache_path(state)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(authority.latest_signed(network / "central"))
    settings = load_settings(state_dir=state, node_id="VN-91", database_url=None)
    an_giang = Node(settings=settings, engine=console.engine, systems=console.systems)
    client = client_for(an_giang, "lan")
    client.cookies.set("lienthong_console_lang", "en")
    page = client.get("/directory")
    assert page.status_code == 200
    assert "This node is not the network authority" in page.text
    assert 'action="/directory/grants"' not in page.text and "/revoke" not in page.text
    refused = client.post(
        "/directory/grants",
        data={
            "client": DRIVING,
            "service": REGISTRY,
            "purposes": "road-safety",
            "csrf_token": _csrf(page.text),
        },
    )
    assert refused.status_code == 400
    assert "only central changes the directory" in refused.text
