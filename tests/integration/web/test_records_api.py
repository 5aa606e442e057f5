"""Each record type of each installed system is read, searched and written over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from tests.integration.store.example import HCMC, person, vehicle
from tests.integration.web.apitest import Api

from lienthong.access import Role
from lienthong.store.canonical import content_hash
from lienthong.store.models import current_records
from lienthong.store.records import Record
from lienthong.store.replicas import Replicated
from lienthong.sync import requests

PEOPLE = "/api/example/Person"
VEHICLES = "/api/example/Vehicle"


def create_people(api: Api, count: int) -> list[str]:
    pins = [f"0010900{index:05d}" for index in range(count)]
    for pin in pins:
        response = api.client.post(PEOPLE, json=person(pin), headers=api.headers())
        assert response.status_code == 201, response.text
    return pins


def test_a_created_record_answers_with_its_version_owner_and_time(api: Api) -> None:
    response = api.client.post(PEOPLE, json=person(), headers=api.headers())
    assert response.status_code == 201
    body = response.json()
    assert (body["id"], body["version"], body["owner_node"]) == (
        "001090000001",
        1,
        api.node.node_id,
    )
    assert body["recorded_at"].startswith("2025-07-01T")
    assert body["content"]["full_name"] == "Nguyễn Văn An"
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{PEOPLE}/001090000001"


def test_get_returns_the_current_version(api: Api) -> None:
    api.client.post(VEHICLES, json=person(), headers=api.headers())
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.post(VEHICLES, json=vehicle(), headers=api.headers())
    response = api.client.get(f"{VEHICLES}/29A-123.45", headers=api.headers(Role.READER))
    assert response.status_code == 200
    assert response.json()["content"]["weight_kg"] == 1200
    assert response.headers["ETag"] == '"1"'


def test_an_unknown_identifier_is_not_found(api: Api) -> None:
    response = api.client.get(f"{VEHICLES}/nope", headers=api.headers(Role.READER))
    assert response.status_code == 404
    assert response.json()["code"] == "store.not_found"


def test_update_needs_the_version_read_and_refuses_a_stale_one(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    url = f"{PEOPLE}/001090000001"
    changed = person(full_name="Nguyễn Văn Bình")
    missing = api.client.put(url, json=changed, headers=api.headers())
    assert (missing.status_code, missing.json()["code"]) == (428, "api.precondition_required")
    garbled = api.client.put(url, json=changed, headers=api.headers(**{"If-Match": "abc"}))
    assert (garbled.status_code, garbled.json()["code"]) == (400, "api.bad_if_match")
    updated = api.client.put(url, json=changed, headers=api.headers(**{"If-Match": '"1"'}))
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = api.client.put(url, json=changed, headers=api.headers(**{"If-Match": '"1"'}))
    assert (stale.status_code, stale.json()["code"]) == (412, "store.version_conflict")


def test_creating_twice_conflicts(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    again = api.client.post(PEOPLE, json=person(), headers=api.headers())
    assert (again.status_code, again.json()["code"]) == (409, "store.already_exists")


def test_a_write_to_a_record_another_node_owns_becomes_a_change_request(
    api: Api, engine: Engine
) -> None:
    response = api.client.post(PEOPLE, json=person(province="79"), headers=api.headers())

    assert response.status_code == 202
    answer = response.json()
    assert (answer["owner"], answer["operation"], answer["status"]) == (HCMC, "create", "pending")
    with engine.connect() as connection:
        kinds = connection.execute(
            select(current_records.c.record_type, current_records.c.partition_key)
        ).all()
    assert [tuple(row) for row in kinds] == [("ChangeRequest", HCMC)]


def test_an_invalid_body_names_the_field(api: Api) -> None:
    response = api.client.post(PEOPLE, json=person(pin="12"), headers=api.headers())
    assert response.status_code == 422
    assert response.json()["code"] == "api.invalid_input"
    assert response.json()["field"] == "pin"
    dangling = api.client.post(VEHICLES, json=vehicle(owner_pin="0"), headers=api.headers())
    assert (dangling.status_code, dangling.json()["field"]) == (422, "owner_pin")


def test_history_lists_every_version_and_reads_one(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.put(
        f"{PEOPLE}/001090000001",
        json=person(full_name="Nguyễn Văn Bình"),
        headers=api.headers(**{"If-Match": "1"}),
    )
    history = api.client.get(f"{PEOPLE}/001090000001/_history", headers=api.reader())
    assert [v["version"] for v in history.json()["value"]] == [1, 2]
    first = api.client.get(f"{PEOPLE}/001090000001/_history/1", headers=api.reader())
    assert first.json()["content"]["full_name"] == "Nguyễn Văn An"
    absent = api.client.get(f"{PEOPLE}/001090000001/_history/9", headers=api.reader())
    assert (absent.status_code, absent.json()["field"]) == (404, "version")


def test_as_of_reads_the_version_current_at_a_time(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.clock.set(api.clock.now + timedelta(days=1))
    api.client.put(
        f"{PEOPLE}/001090000001",
        json=person(full_name="Nguyễn Văn Bình"),
        headers=api.headers(**{"If-Match": "1"}),
    )
    url = f"{PEOPLE}/001090000001"
    # The zone offset's "+" is sent unescaped on purpose: it arrives as a space.
    before = api.client.get(f"{url}?asOf=2025-07-01T20:00:00+07:00", headers=api.reader())
    assert before.json()["version"] == 1
    now = api.client.get(url, params={"asOf": "2030-01-01T00:00:00Z"}, headers=api.reader())
    assert now.json()["version"] == 2
    naive = api.client.get(url, params={"asOf": "2025-07-01T20:00:00"}, headers=api.reader())
    assert (naive.status_code, naive.json()["code"]) == (400, "store.naive_datetime")
    garbled = api.client.get(url, params={"asOf": "yesterday"}, headers=api.reader())
    assert (garbled.status_code, garbled.json()["code"]) == (400, "api.bad_as_of")


def test_delete_writes_a_tombstone_and_reads_then_say_gone(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    url = f"{PEOPLE}/001090000001"
    deleted = api.client.delete(url, headers=api.headers(**{"If-Match": "1"}))
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    gone = api.client.get(url, headers=api.reader())
    assert (gone.status_code, gone.json()["code"]) == (410, "store.deleted")


def test_search_uses_the_search_parameters_and_pages_with_next_links(api: Api) -> None:
    create_people(api, 5)
    seen: list[str] = []
    response = api.client.get(
        PEOPLE,
        params={"name": "nguyen van", "birth-date": "ge1980", "$top": "2"},
        headers=api.reader(),
    )
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [record["id"] for record in body["value"]]
        pages += 1
        if "@odata.nextLink" not in body:
            break
        assert response.headers["Link"] == f'<{body["@odata.nextLink"]}>; rel="next"'
        response = api.client.get(body["@odata.nextLink"], headers=api.reader())
    assert pages == 3
    assert seen == sorted(seen) and len(set(seen)) == 5


def test_a_damaged_or_foreign_cursor_is_refused(api: Api) -> None:
    create_people(api, 3)
    first = api.client.get(PEOPLE, params={"$top": "1"}, headers=api.reader()).json()
    cursor = first["@odata.nextLink"].split("$skiptoken=")[1]
    for params in ({"$skiptoken": "garbage"}, {"$skiptoken": cursor, "name": "tran"}):
        response = api.client.get(PEOPLE, params=params, headers=api.reader())
        assert (response.status_code, response.json()["code"]) == (400, "store.bad_cursor")


def test_an_unknown_search_parameter_is_a_bad_query(api: Api) -> None:
    response = api.client.get(PEOPLE, params={"colour": "red"}, headers=api.reader())
    assert (response.status_code, response.json()["code"]) == (400, "store.unknown_search_param")


def test_custom_operations_run_with_keyword_parameters(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.post(VEHICLES, json=vehicle(), headers=api.headers())
    url = "/api/example/$operations/countVehicles"
    counted = api.client.post(url, json={"owner_pin": "001090000001"}, headers=api.reader())
    assert counted.status_code == 200 and counted.json() == {"result": 1}
    wrong = api.client.post(url, json={"owner": "x"}, headers=api.reader())
    assert (wrong.status_code, wrong.json()["code"]) == (422, "store.bad_parameters")
    unknown = api.client.post("/api/example/$operations/nope", json={}, headers=api.reader())
    assert unknown.status_code == 404


def test_an_operation_that_writes_needs_a_writer(api: Api) -> None:
    api.client.post(PEOPLE, json=person(), headers=api.headers())
    api.client.post(VEHICLES, json=vehicle(), headers=api.headers())
    url = "/api/example/$operations/heavier"
    refused = api.client.post(url, json={"plate": "29A-123.45"}, headers=api.reader())
    assert refused.status_code == 403
    written = api.client.post(
        url, json={"plate": "29A-123.45"}, headers=api.headers(**{"X-Lienthong-Purpose": "x"})
    )
    assert written.status_code == 200
    after = api.client.get(f"{VEHICLES}/29A-123.45", headers=api.reader())
    assert after.json()["version"] == 2


def test_health_answers_without_a_token(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["node"] == api.node.node_id


def test_an_update_of_a_replica_becomes_a_change_request_with_the_version_it_saw(
    api: Api, engine: Engine
) -> None:
    content = person("079090000001", province="79")
    replica = Record(
        record_type="Person",
        record_id="079090000001",
        version=3,
        schema_version=1,
        owner_node=HCMC,
        partition="79",
        content=content,
        content_hash=content_hash(content),
        recorded_at=datetime(2026, 1, 5, tzinfo=UTC),
        deleted=False,
    )
    with api.node.unit_of_work() as uow:
        uow.replicas.apply([Replicated(HCMC, 7, replica)])
        uow.commit()

    response = api.client.put(
        f"{PEOPLE}/079090000001",
        json={**content, "full_name": "Nguyễn Văn Bình"},
        headers=api.headers(**{"If-Match": '"3"'}),
    )

    assert response.status_code == 202
    with api.node.unit_of_work(read_only=True) as uow:
        (request,) = requests.waiting(uow)
    assert (request.operation, request.base_version, request.owner) == ("update", 3, HCMC)
    assert request.content is not None and request.content["full_name"] == "Nguyễn Văn Bình"
