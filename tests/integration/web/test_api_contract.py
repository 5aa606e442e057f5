"""The API describes itself in OpenAPI 3.1, answers every failure in one shape, and never 5xx on bad input."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from tests.integration.store.example import person
from tests.integration.web.apitest import Api, engine_for, make_api

from lienthong.access import Role

ERROR_KEYS = ["code", "field", "message_vi", "message_en"]


def test_the_openapi_document_is_valid_3_1_and_has_every_record_type(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    schemas = document["components"]["schemas"]
    for name in ("Person", "Vehicle", "PersonRecord", "VehiclePage", "ErrorBody"):
        assert name in schemas
    assert "HTTPValidationError" not in schemas, "422 answers use the error shape"
    create = document["paths"]["/api/example/Person"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Person"}
    get = document["paths"]["/api/example/Person/{record_id}"]["get"]
    assert "X-Lienthong-Purpose" in {p["name"] for p in get["parameters"]}
    assert get["operationId"] == "getPerson"
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_errors_put_the_language_the_client_prefers_first(api: Api) -> None:
    url = "/api/example/Vehicle/nope"
    english = api.client.get(url, headers={**api.reader(), "Accept-Language": "en-GB,vi;q=0.5"})
    assert list(english.json()) == ["code", "field", "message_en", "message_vi"]
    assert english.headers["Content-Language"] == "en"
    vietnamese = api.client.get(url, headers=api.reader())
    assert list(vietnamese.json()) == ERROR_KEYS
    assert vietnamese.headers["Content-Language"] == "vi"


def test_unknown_routes_and_methods_answer_in_the_error_shape(api: Api) -> None:
    missing = api.client.get("/api/nowhere")
    assert (missing.status_code, missing.json()["code"]) == (404, "api.no_route")
    wrong = api.client.patch("/api/example/Person", headers=api.headers())
    assert (wrong.status_code, wrong.json()["code"]) == (405, "api.method_not_allowed")
    malformed = api.client.post(
        "/api/example/Person",
        content=b"{not json",
        headers={**api.headers(), "Content-Type": "application/json"},
    )
    assert (malformed.status_code, malformed.json()["code"]) == (422, "api.invalid_input")
    version = api.client.get("/api/example/Person/x/_history/abc", headers=api.reader())
    assert (version.status_code, version.json()["field"]) == (422, "version")


KEYS = st.sampled_from(
    [
        "name",
        "name:exact",
        "pin",
        "identifier",
        "birth-date",
        "height",
        "parent",
        "colour",
        "$filter",
        "$select",
        "$orderby",
        "$top",
        "$skip",
        "$count",
        "$skiptoken",
        "$expand",
        "asOf",
    ]
)
FILTER_WORDS = st.sampled_from(
    [
        "name",
        "height",
        "birth-date",
        "pin",
        "parent",
        "eq",
        "ne",
        "gt",
        "le",
        "and",
        "or",
        "not",
        "(",
        ")",
        ",",
        "'x'",
        "'Nguyễn'",
        "1990",
        "1990-05-03",
        "-1e999",
        "null",
        "true",
        "contains(",
        "startswith(",
        "endswith(",
        "9999-12-31",
        "0001-01-01T00:00:00Z",
        "/",
        "''",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.digits + "-:TZ+.eqgtl|/", max_size=30),
    st.lists(FILTER_WORDS, max_size=12).map(" ".join),
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """A SQLite node with one person: the property tests need volume, not both backends."""
    for engine in engine_for("sqlite", tmp_path):
        api = make_api(engine, tmp_path)
        api.client.post("/api/example/Person", json=person(), headers=api.headers())
        yield api


def test_reserved_operation_parameters_are_refused(api: Api) -> None:
    url = "/api/example/$operations/countVehicles"
    response = api.client.post(url, json={"uow": 1, "owner_pin": "x"}, headers=api.reader())
    assert (response.status_code, response.json()["field"]) == (422, "uow")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=st.lists(st.tuples(KEYS, VALUES), max_size=5))
def test_no_query_string_makes_a_search_fail_with_5xx(
    sqlite_api: Api, params: list[tuple[str, str]]
) -> None:
    response = sqlite_api.client.get(
        "/api/example/Person", params=params, headers=sqlite_api.reader()
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == set(ERROR_KEYS)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"pin": st.text(max_size=14)},
            optional={
                "full_name": st.text(max_size=10),
                "birth_date": st.text(max_size=12),
                "province": st.text(max_size=3),
                "height_cm": st.floats(allow_nan=False, allow_infinity=False),
                "parent_pins": st.lists(st.text(max_size=12), max_size=2),
            },
        ),
    ),
    record_id=st.text(
        alphabet=string.ascii_letters + string.digits + "-._~%", min_size=1, max_size=20
    ),
    if_match=st.text(alphabet=string.printable.strip(), max_size=8),
)
def test_no_body_or_header_makes_a_write_fail_with_5xx(
    sqlite_api: Api, body: Any, record_id: str, if_match: str
) -> None:
    writer = sqlite_api.headers(Role.WRITER)
    created = sqlite_api.client.post("/api/example/Person", json=body, headers=writer)
    assert created.status_code < 500, created.text
    updated = sqlite_api.client.put(
        f"/api/example/Person/{record_id}", json=body, headers={**writer, "If-Match": if_match}
    )
    assert updated.status_code < 500, updated.text
    read = sqlite_api.client.get(
        f"/api/example/Person/{record_id}", params={"asOf": if_match}, headers=sqlite_api.reader()
    )
    assert read.status_code < 500, read.text
    operated = sqlite_api.client.post(
        "/api/example/$operations/countVehicles", json=body, headers=sqlite_api.reader()
    )
    assert operated.status_code < 500, operated.text


@pytest.mark.parametrize("number", [b"Infinity", b"NaN", b"1e999", b"-1e999"])
def test_non_finite_numbers_in_a_body_never_fail_with_5xx(sqlite_api: Api, number: bytes) -> None:
    body = b'{"pin":"001090000002","full_name":"A","birth_date":"1990","province":"01","height_cm":'
    response = sqlite_api.client.post(
        "/api/example/Person",
        content=body + number + b"}",
        headers={**sqlite_api.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
