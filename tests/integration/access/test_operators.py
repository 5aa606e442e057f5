"""Operators sign in with argon2-hashed passwords; failures lock a name; every change is audited."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from lienthong.access.models import operators, signin_failures
from lienthong.access.operators import (
    CONSOLE_OPERATOR,
    CONSOLE_SIGNIN,
    Operator,
    authenticate,
    create_operator,
    disable_operator,
    enable_operator,
    list_operators,
    parse_operator_role,
    set_password,
    unlock_operator,
)
from lienthong.access.policy import OperatorRole
from lienthong.errors import LienthongError
from lienthong.exchange.audit.log import tail
from lienthong.exchange.audit.verify import verify_log

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PASSWORD = "đúng mật khẩu dài"
LOCKOUT = timedelta(minutes=15)


def add(engine: Engine, login: str = "an.nguyen", **kwargs: object) -> Operator:
    values: dict[str, object] = {
        "name": "Nguyễn Văn An",
        "role": OperatorRole.CENTRAL,
        "password": PASSWORD,
        "actor": "cli",
        "now": T0,
        **kwargs,
    }
    with engine.begin() as connection:
        return create_operator(connection=connection, login=login, **values)  # type: ignore[arg-type]


def sign_in(engine: Engine, login: str, password: str, *, at: datetime = T0) -> Operator:
    return authenticate(
        engine=engine, login=login, password=password, max_failures=5, lockout=LOCKOUT, now=at
    )


def refused(engine: Engine, login: str, password: str, *, at: datetime = T0) -> str:
    with pytest.raises(LienthongError) as raised:
        sign_in(engine, login, password, at=at)
    return raised.value.code


def test_an_operator_signs_in_with_its_password_and_only_a_hash_is_kept(engine: Engine) -> None:
    created = add(engine, login=" An.Nguyen ")
    assert created.login == "an.nguyen"
    assert sign_in(engine, "AN.NGUYEN", PASSWORD) == created
    with engine.connect() as connection:
        stored = connection.execute(select(operators.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_password_typed_in_another_unicode_form_still_signs_in(engine: Engine) -> None:
    add(engine)
    decomposed = "đúng mật khẩu dài".replace("ú", "u\u0301")
    assert sign_in(engine, "an.nguyen", decomposed).login == "an.nguyen"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"password": "ngắn quá"}, "console.password.short"),
        ({"login": "a"}, "console.operator.login"),
        ({"login": "an nguyen"}, "console.operator.login"),
        ({"name": "  "}, "console.operator.name"),
        ({"role": OperatorRole.PROVINCE}, "console.operator.province"),
        ({"role": OperatorRole.PROVINCE, "province": "9"}, "console.operator.province"),
        ({"role": OperatorRole.PROVINCE, "province": "99"}, "console.operator.province"),
        ({"role": OperatorRole.AUDITOR, "province": "91"}, "console.operator.scope"),
    ],
)
def test_an_operator_that_cannot_be_used_is_refused_with_the_field_to_fix(
    engine: Engine, kwargs: dict[str, object], code: str
) -> None:
    with pytest.raises(LienthongError) as raised:
        add(engine, **kwargs)  # type: ignore[arg-type]
    assert raised.value.code == code
    with engine.connect() as connection:
        assert list_operators(connection=connection) == []


def test_the_short_password_message_says_how_long_it_must_be(engine: Engine) -> None:
    with pytest.raises(LienthongError) as raised:
        add(engine, password="ngắn quá")
    assert "at least 12" in raised.value.message_en
    assert raised.value.field == "password"


def test_a_login_name_is_taken_once(engine: Engine) -> None:
    add(engine)
    with pytest.raises(LienthongError) as raised:
        add(engine, login="AN.NGUYEN")
    assert raised.value.code == "console.operator.exists"


def test_a_province_operator_keeps_its_province(engine: Engine) -> None:
    add(engine, login="ag.ops", role=OperatorRole.PROVINCE, province="91")
    with engine.connect() as connection:
        [account] = list_operators(connection=connection)
    assert (account.operator.role, account.operator.province) == (OperatorRole.PROVINCE, "91")
    assert parse_operator_role("auditor") is OperatorRole.AUDITOR
    with pytest.raises(LienthongError):
        parse_operator_role("root")


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(engine: Engine) -> None:
    add(engine)
    with pytest.raises(LienthongError) as wrong:
        sign_in(engine, "an.nguyen", "not the password")
    with pytest.raises(LienthongError) as unknown:
        sign_in(engine, "no.such.person", "not the password")
    assert wrong.value.code == unknown.value.code == "console.signin.failed"
    assert wrong.value.message_en == unknown.value.message_en
    assert wrong.value.field == unknown.value.field


def test_an_unknown_name_costs_the_same_hashing_work(engine: Engine) -> None:
    add(engine)
    sign_in(engine, "an.nguyen", PASSWORD)  # the decoy hash is made once, on first use
    refused(engine, "warm.up", "x" * 12)

    def cost(login: str) -> float:
        started = time.perf_counter()
        refused(engine, login, "not the password", at=T0 + timedelta(hours=1))
        return time.perf_counter() - started

    known = min(cost("an.nguyen") for _ in range(3))
    unknown = min(cost("nobody.here") for _ in range(3))
    # Argon2 dominates both: a verification takes tens of milliseconds either way.
    assert unknown > known / 3
    assert known > unknown / 3


def test_five_failures_in_a_row_lock_the_name_even_with_the_right_password(
    engine: Engine,
) -> None:
    add(engine)
    codes = [refused(engine, "an.nguyen", "wrong password!") for _ in range(5)]
    assert codes == ["console.signin.failed"] * 4 + ["console.signin.locked"]
    assert refused(engine, "an.nguyen", PASSWORD, at=T0 + timedelta(minutes=14)) == (
        "console.signin.locked"
    )
    assert sign_in(engine, "an.nguyen", PASSWORD, at=T0 + timedelta(minutes=16)).login == (
        "an.nguyen"
    )


def test_a_success_starts_the_count_again(engine: Engine) -> None:
    add(engine)
    for _ in range(4):
        refused(engine, "an.nguyen", "wrong password!")
    sign_in(engine, "an.nguyen", PASSWORD)
    for _ in range(4):
        assert refused(engine, "an.nguyen", "wrong password!") == "console.signin.failed"


def test_unknown_names_are_locked_too_so_a_lock_does_not_reveal_a_name(engine: Engine) -> None:
    codes = [refused(engine, "ghost", "wrong password!") for _ in range(6)]
    assert codes[-2:] == ["console.signin.locked"] * 2
    with engine.connect() as connection:
        assert connection.execute(select(signin_failures.c.login)).scalars().all() == ["ghost"]


def test_unlock_ends_a_lock_out_at_once(engine: Engine) -> None:
    add(engine)
    for _ in range(5):
        refused(engine, "an.nguyen", "wrong password!")
    with engine.begin() as connection:
        [locked] = list_operators(connection=connection)
        assert locked.locked_until == T0 + LOCKOUT
        unlock_operator(connection=connection, login="an.nguyen", actor="cli", now=T0)
    assert sign_in(engine, "an.nguyen", PASSWORD).login == "an.nguyen"


def test_a_disabled_operator_cannot_sign_in_until_enabled(engine: Engine) -> None:
    add(engine)
    with engine.begin() as connection:
        disable_operator(connection=connection, login="an.nguyen", actor="cli", now=T0)
    assert refused(engine, "an.nguyen", PASSWORD) == "console.signin.disabled"
    # Without the password, a disabled account looks like any other refusal.
    assert refused(engine, "an.nguyen", "wrong password!") == "console.signin.failed"
    with engine.begin() as connection:
        enable_operator(connection=connection, login="an.nguyen", actor="cli", now=T0)
    assert sign_in(engine, "an.nguyen", PASSWORD).login == "an.nguyen"


def test_a_new_password_replaces_the_old_one(engine: Engine) -> None:
    add(engine)
    with engine.begin() as connection:
        set_password(
            connection=connection, login="an.nguyen", password="một mật khẩu mới", actor="cli"
        )
    assert refused(engine, "an.nguyen", PASSWORD) == "console.signin.failed"
    assert sign_in(engine, "an.nguyen", "một mật khẩu mới").login == "an.nguyen"
    with engine.begin() as connection, pytest.raises(LienthongError) as raised:
        set_password(connection=connection, login="an.nguyen", password="short", actor="cli")
    assert raised.value.code == "console.password.short"


def test_changing_an_unknown_operator_says_so(engine: Engine) -> None:
    for change in (disable_operator, enable_operator, unlock_operator):
        with engine.begin() as connection, pytest.raises(LienthongError) as raised:
            change(connection=connection, login="nobody", actor="cli")
        assert raised.value.code == "console.operator.unknown"


def test_a_hash_made_with_older_parameters_is_replaced_on_sign_in(engine: Engine) -> None:
    add(engine)
    old = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with engine.begin() as connection:
        connection.execute(update(operators).values(password_hash=old))
    sign_in(engine, "an.nguyen", PASSWORD)
    with engine.connect() as connection:
        stored = connection.execute(select(operators.c.password_hash)).scalar_one()
    assert stored != old
    assert not PasswordHasher().check_needs_rehash(stored)


def test_every_change_and_every_sign_in_is_in_the_audit_log(engine: Engine) -> None:
    add(engine)
    sign_in(engine, "an.nguyen", PASSWORD)
    refused(engine, "an.nguyen", "wrong password!")
    refused(engine, "nobody", "wrong password!")
    with engine.begin() as connection:
        disable_operator(connection=connection, login="an.nguyen", actor="chief", now=T0)
        unlock_operator(connection=connection, login="an.nguyen", actor="chief", now=T0)
    with engine.connect() as connection:
        entries = [logged.entry for logged in tail(connection=connection, limit=10)]
        key = Ed25519PrivateKey.generate().public_key()
        assert verify_log(connection=connection, node_key=key).ok
    seen = [
        (e.kind, e.client, e.service, e.outcome, json.loads(e.details or "{}")["target"])
        for e in entries
    ]
    assert seen == [
        (CONSOLE_OPERATOR, "cli", "operator.create", "ok", "an.nguyen"),
        (CONSOLE_SIGNIN, "console:an.nguyen", "signin", "ok", "an.nguyen"),
        (CONSOLE_SIGNIN, "console:an.nguyen", "signin", "failed", "an.nguyen"),
        (CONSOLE_SIGNIN, "console:nobody", "signin", "failed", "nobody"),
        (CONSOLE_OPERATOR, "chief", "operator.disable", "ok", "an.nguyen"),
        (CONSOLE_OPERATOR, "chief", "operator.unlock", "ok", "an.nguyen"),
    ]
    assert all(PASSWORD not in (e.details or "") for e in entries)
