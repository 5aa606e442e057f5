"""A node's console in a test client, with an operator of each role and a way to sign in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.engine import Engine
from tests.integration.store.backends import FakeClock

from lienthong.access.operators import Operator, create_operator
from lienthong.access.policy import OperatorRole
from lienthong.node import Node
from lienthong.settings import load_settings
from lienthong.systems import SystemRegistry
from lienthong.web.console import create_console

PASSWORD = "mật khẩu của người vận hành"
#: One operator of each kind: login → (role, province).
OPERATORS = {
    "trung.uong": (OperatorRole.CENTRAL, None),
    "an.giang": (OperatorRole.PROVINCE, "91"),
    "kiem.toan": (OperatorRole.AUDITOR, None),
}
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    """A console and what a test drives it with."""

    client: TestClient
    node: Node
    clock: FakeClock
    operators: dict[str, Operator]

    def form_token(self, path: str = "/") -> str:
        """Return the CSRF token of the forms on a page."""
        page = self.client.get(path)
        found = _FORM_TOKEN.search(page.text)
        assert found, f"{path} has no form token"
        return found.group(1)

    def sign_in(self, login: str, password: str = PASSWORD, next_url: str = "/") -> Response:
        """Sign in through the sign-in form, as a browser does."""
        token = self.form_token("/signin")
        return self.client.post(
            "/signin",
            data={"login": login, "password": password, "next": next_url, "csrf_token": token},
            follow_redirects=False,
        )

    def sign_out(self) -> Response:
        """Sign out through the header's button."""
        token = self.form_token("/")
        return self.client.post("/signout", data={"csrf_token": token}, follow_redirects=False)


def make_console(engine: Engine, tmp_path: Path, **settings: object) -> Console:
    """Return the console of a node on a store, with an operator of each role."""
    node = Node(
        settings=load_settings(state_dir=tmp_path, node_id="VN-central", **settings),
        engine=engine,
        systems=SystemRegistry(),
    )
    operators = {}
    with engine.begin() as connection:
        for login, (role, province) in OPERATORS.items():
            operators[login] = create_operator(
                connection=connection,
                login=login,
                name=f"Người {login}",
                role=role,
                province=province,
                password=PASSWORD,
                actor="test",
            )
    clock = FakeClock()
    app = create_console(node, clock=clock)
    return Console(TestClient(app), node, clock, operators)
