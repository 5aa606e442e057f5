"""Reading personal data needs a stated purpose, and every such read is in the access log."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from tests.integration.store.example import person, vehicle
from tests.integration.web.apitest import Api

from lienthong.access import Role, access_log_for
from lienthong.access.models import access_log

PEOPLE = "/api/example/Person"
PIN = "001090000001"


def log_of(api: Api, record_type: str = "Person", record_id: str = PIN) -> list[tuple[object, ...]]:
    with api.node.engine.connect() as connection:
        entries = access_log_for(
            connection=connection, record_type=record_type, record_id=record_id
        )
    return [(e.client, e.action.value, e.purpose, e.outcome) for e in reversed(entries)]


def test_a_read_without_a_purpose_is_refused_and_the_refusal_is_logged(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    response = api.client.get(f"{PEOPLE}/{PIN}", headers=api.reader(purpose=None))
    assert response.status_code == 403
    assert (response.json()["code"], response.json()["field"]) == (
        "access.purpose_required",
        "X-Lienthong-Purpose",
    )
    assert log_of(api)[-1] == ("test-reader", "read", None, "access.purpose_required")
    for url in (PEOPLE, f"{PEOPLE}/{PIN}/_history", f"{PEOPLE}/{PIN}/_history/1"):
        assert api.client.get(url, headers=api.reader(purpose=None)).status_code == 403


def test_reads_with_a_purpose_are_logged_with_client_user_purpose_and_versions(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    headers = {**api.reader("xác minh cư trú"), "X-Road-UserId": "VN012345"}
    assert api.client.get(f"{PEOPLE}/{PIN}", headers=headers).status_code == 200
    assert api.client.get(PEOPLE, params={"name": "nguyen"}, headers=headers).status_code == 200
    assert api.client.get(f"{PEOPLE}/{PIN}/_history", headers=headers).status_code == 200
    assert log_of(api) == [
        ("test-writer", "create", None, "ok"),
        ("test-reader", "read", "xác minh cư trú", "ok"),
        ("test-reader", "search", "xác minh cư trú", "ok"),
        ("test-reader", "history", "xác minh cư trú", "ok"),
    ]
    with api.node.engine.connect() as connection:
        entries = access_log_for(connection=connection, record_type="Person", record_id=PIN)
    assert entries[0].user_id == "VN012345" and entries[0].version == 1
    assert entries[0].at.tzinfo is not None


def test_a_purpose_sent_as_raw_utf8_is_read_as_text(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    headers = {**api.reader(), "X-Lienthong-Purpose": "giải quyết thủ tục".encode()}
    response = api.client.get(f"{PEOPLE}/{PIN}", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert log_of(api)[-1][2] == "giải quyết thủ tục"


def test_an_overlong_purpose_is_refused(api: Api) -> None:
    response = api.client.get(f"{PEOPLE}/{PIN}", headers=api.reader("x" * 501))
    assert (response.status_code, response.json()["code"]) == (400, "access.bad_header")


def test_a_failed_personal_read_is_logged_with_its_outcome(api: Api) -> None:
    response = api.client.get(f"{PEOPLE}/001000000009", headers=api.reader())
    assert response.status_code == 404
    assert log_of(api, record_id="001000000009") == [
        ("test-reader", "read", "kiểm tra hồ sơ", "store.not_found")
    ]


def test_a_search_logs_every_record_it_returned_and_nothing_else(api: Api) -> None:
    for pin in ("001090000001", "001090000002", "001090000003"):
        api.client.post(PEOPLE, json=person(pin), headers=api.headers())
    body = api.client.get(PEOPLE, params={"$top": "2"}, headers=api.reader()).json()
    assert len(body["value"]) == 2
    searched = {
        pin: [e for e in log_of(api, record_id=pin) if e[1] == "search"]
        for pin in ("001090000001", "001090000002", "001090000003")
    }
    assert [len(entries) for entries in searched.values()] == [1, 1, 0]


def test_reads_of_records_that_are_not_personal_are_not_logged(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.post("/api/example/Vehicle", json=vehicle(), headers=api.headers())
    with api.node.engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(access_log)).scalar_one()
    reader = api.reader(purpose=None)
    assert api.client.get("/api/example/Vehicle/29A-123.45", headers=reader).status_code == 200
    with api.node.engine.connect() as connection:
        after = connection.execute(select(func.count()).select_from(access_log)).scalar_one()
    assert after == before


def test_operations_of_a_system_with_personal_data_need_a_purpose(api: Api) -> None:
    url = "/api/example/$operations/countVehicles"
    refused = api.client.post(url, json={"owner_pin": PIN}, headers=api.reader(purpose=None))
    assert (refused.status_code, refused.json()["code"]) == (403, "access.purpose_required")
    allowed = api.client.post(url, json={"owner_pin": PIN}, headers=api.reader("thống kê"))
    assert allowed.status_code == 200
    with api.node.engine.connect() as connection:
        rows = connection.execute(
            select(access_log.c.record_id, access_log.c.purpose, access_log.c.outcome)
            .where(access_log.c.action == "operation")
            .order_by(access_log.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("example.countVehicles", None, "access.purpose_required"),
        ("example.countVehicles", "thống kê", "ok"),
    ]


def test_the_access_log_is_readable_by_admins_over_the_api(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.get(f"{PEOPLE}/{PIN}", headers=api.reader())
    url = f"/api/$access/log/Person/{PIN}"
    assert api.client.get(url, headers=api.reader()).status_code == 403
    entries = api.client.get(url, headers=api.headers(Role.ADMIN)).json()["value"]
    assert [e["action"] for e in entries] == ["read", "create"]


class _BrokenLog:
    """An access-log writer whose database is gone."""

    async def awrite(self, *_: object, **__: object) -> str:
        raise OperationalError("INSERT INTO access_log", {}, Exception("disk I/O error"))

    def close(self) -> None:
        """Nothing to release."""


def test_a_personal_read_whose_log_entry_cannot_be_written_is_not_answered(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.app.state.context.log_writer = _BrokenLog()  # type: ignore[attr-defined]
    for url in (f"{PEOPLE}/{PIN}", PEOPLE, f"{PEOPLE}/{PIN}/_history"):
        response = api.client.get(url, headers=api.reader())
        assert (response.status_code, response.json()["code"]) == (503, "access.log_unavailable")
        assert PIN not in response.text
