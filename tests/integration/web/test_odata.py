"""OData query options translate onto the search index, and the rest is refused clearly."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.store.example import person
from tests.integration.web.apitest import Api

PEOPLE = "/api/example/Person"

PEOPLE_DATA = [
    person("001090000001", full_name="Nguyễn Văn An", birth_date="1990-05-03", height_cm=170),
    person("001085000002", full_name="Trần Thị Bình", birth_date="1985", height_cm=158),
    person("001075000003", full_name="Nguyễn Thị Cúc", birth_date="1975-12-01"),
    person("001099000004", full_name="Lê Văn Dũng", birth_date="1999-02-14", height_cm=181.5),
]


@pytest.fixture
def people(api: Api) -> Api:
    for content in PEOPLE_DATA:
        assert api.client.post(PEOPLE, json=content, headers=api.headers()).status_code == 201
    return api


def search(api: Api, **params: str) -> Any:
    response = api.client.get(PEOPLE, params=params, headers=api.reader())
    assert response.status_code == 200, response.text
    return response.json()


def ids(api: Api, **params: str) -> list[str]:
    return [record["id"] for record in search(api, **params)["value"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("name eq 'Nguyễn Văn An'", ["001090000001"]),
        ("name eq 'nguyen van an'", ["001090000001"]),
        ("startswith(name, 'nguyen')", ["001090000001", "001075000003"]),
        ("contains(name, 'thi')", ["001085000002", "001075000003"]),
        ("birth-date ge 1980 and birth-date lt 1995", ["001090000001", "001085000002"]),
        ("birth-date eq 1990-05", ["001090000001"]),
        (
            "height gt 160 or pin eq '001085000002'",
            ["001090000001", "001085000002", "001099000004"],
        ),
        ("not (height ge 160)", ["001085000002", "001075000003"]),
        ("height ne 170", ["001085000002", "001075000003", "001099000004"]),
        (
            "(startswith(name,'nguyen') or startswith(name,'le')) and not contains(name,'cuc')",
            ["001090000001", "001099000004"],
        ),
        ("birth-date ge 1999-02-14T00:00:00+07:00", ["001099000004"]),
    ],
)
def test_filters_select_the_matching_records(
    people: Api, expression: str, expected: list[str]
) -> None:
    assert ids(people, **{"$filter": expression}) == expected


def test_filter_combines_with_search_parameters(people: Api) -> None:
    assert ids(people, name="nguyen", **{"$filter": "birth-date lt 1980"}) == ["001075000003"]


def test_select_keeps_only_the_named_content_fields(people: Api) -> None:
    body = search(people, **{"$select": "full_name,province", "$top": "1"})
    assert body["value"][0]["content"] == {"full_name": "Nguyễn Văn An", "province": "01"}
    assert body["value"][0]["version"] == 1


def test_orderby_count_top_and_skip_page_consistently(people: Api) -> None:
    params = {"$orderby": "id desc", "$top": "3", "$count": "true"}
    first = search(people, **params)
    assert first["@odata.count"] == 4
    assert [r["id"] for r in first["value"]] == ["001099000004", "001090000001", "001085000002"]
    second = people.client.get(first["@odata.nextLink"], headers=people.reader()).json()
    assert [r["id"] for r in second["value"]] == ["001075000003"]
    assert "@odata.nextLink" not in second
    assert ids(people, **{"$skip": "1", "$top": "2"}) == ["001085000002", "001075000003"]
    newest_first = ids(people, **{"$orderby": "recorded_at desc", "$top": "2"})
    assert newest_first == ["001099000004", "001075000003"]


def test_recorded_at_order_pages_by_cursor(people: Api) -> None:
    seen: list[str] = []
    body = search(people, **{"$orderby": "recorded_at", "$top": "1"})
    while True:
        seen += [r["id"] for r in body["value"]]
        if "@odata.nextLink" not in body:
            break
        body = people.client.get(body["@odata.nextLink"], headers=people.reader()).json()
    assert seen == [content["pin"] for content in PEOPLE_DATA]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"$filter": "name eq"}, "api.bad_filter", "$filter"),
        ({"$filter": "name eq 'unterminated"}, "api.bad_filter", "$filter"),
        ({"$filter": "(name eq 'a'"}, "api.bad_filter", "$filter"),
        ({"$filter": "name gt 'a'"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "endswith(name,'a')"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "height add 1 eq 2"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "name eq null"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "address/city eq 'x'"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "colour eq 'red'"}, "store.unknown_search_param", "colour"),
        ({"$filter": "height eq 'tall'"}, "api.unsupported_filter", "$filter"),
        ({"$filter": "birth-date eq 'someday'"}, "store.bad_search", "birth-date"),
        ({"$filter": "not " * 40 + "height eq 1"}, "api.bad_filter", "$filter"),
        ({"$expand": "parents"}, "api.unsupported_option", "$expand"),
        ({"$search": "an"}, "api.unsupported_option", "$search"),
        ({"$top": "0"}, "api.bad_option", "$top"),
        ({"$top": "9" * 5000}, "api.bad_option", "$top"),
        ({"$skip": "100000"}, "api.bad_option", "$skip"),
        ({"$count": "yes"}, "api.bad_option", "$count"),
        ({"$orderby": "full_name"}, "api.bad_option", "$orderby"),
        ({"$orderby": "id,recorded_at"}, "api.bad_option", "$orderby"),
        ({"$select": "nickname"}, "api.bad_option", "$select"),
        ({"$skip": "1", "$skiptoken": "x"}, "api.bad_option", "$skip"),
        ({"$skiptoken": "x", "$orderby": "id"}, "store.bad_cursor", "cursor"),
        ({"birth-date": "9999-12-31"}, "store.bad_search", "birth-date"),
    ],
)
def test_unsupported_or_malformed_options_are_refused_with_a_400(
    api: Api, params: dict[str, str], code: str, field: str | None
) -> None:
    response = api.client.get(PEOPLE, params=params, headers=api.reader())
    assert response.status_code in (400, 422), response.text
    assert (response.json()["code"], response.json()["field"]) == (code, field)
