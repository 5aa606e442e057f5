"""Whatever a local system sends its gateway, valid by the gateway's own OpenAPI description
or not, neither gateway answers 5xx, and what the gateways answer is what they describe.

schemathesis generates calls from the description An Giang's client side serves at
``/openapi.json`` and sends them over HTTP, with central's gateway behind it over mutual
TLS, both served as in production. (The schema is loaded from the same document rather
than through ``schemathesis.pytest.from_fixture``: schemathesis 4.32 sets ``Node._nodeid``,
which pytest 9.2 no longer has.)
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.support.pair import Pair

from lienthong.exchange.gateway import openapi


@pytest.fixture(scope="module")
def session() -> requests.Session:
    return requests.Session()


#: Positive and negative fuzzing, 50 calls per operation. The coverage phase would double
#: the calls (boundary values of every parameter) and the run time with them.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(openapi.document(), config=CONFIG)


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_gateway_fail_and_every_answer_is_as_described(
    case: Case[Any], pair: Pair, session: requests.Session
) -> None:
    response = case.call(base_url=pair.client_url, session=session, timeout=30)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance]
    passed_on = case.operation.path.endswith(("{serviceCode}", "{servicePath}"))
    if "X-Road-Error" in response.headers or not passed_on:
        # A provider system's own answers are described by its getOpenAPI, not here.
        checks += [response_schema_conformance, response_headers_conformance]
    case.validate_response(response, checks=checks)


def test_the_description_tested_is_the_one_served(pair: Pair) -> None:
    status, headers, document = pair.call("/openapi.json")
    assert (status, headers["content-type"]) == (200, "application/json")
    assert document == schema.raw_schema
    assert isinstance(schemathesis.openapi.from_url(f"{pair.client_url}/openapi.json"), BaseSchema)
    operations = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert len(operations) == 15
