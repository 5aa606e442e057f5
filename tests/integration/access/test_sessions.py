"""A console session lives on the node as a hash; it ends on sign-out, idleness, age or disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from lienthong.access.models import operator_sessions
from lienthong.access.operators import Operator, create_operator, disable_operator, set_password
from lienthong.access.policy import OperatorRole
from lienthong.access.sessions import (
    Session,
    end_session,
    form_token,
    resolve_session,
    start_session,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


def operator(engine: Engine) -> Operator:
    with engine.begin() as connection:
        return create_operator(
            connection=connection,
            login="ag.ops",
            name="Trần Thị Bình",
            role=OperatorRole.PROVINCE,
            province="91",
            password="mật khẩu đủ dài",
            actor="cli",
            now=T0,
        )


def start(engine: Engine, who: Operator, at: datetime = T0) -> str:
    with engine.begin() as connection:
        return start_session(connection=connection, operator=who, now=at).token


def resolve(engine: Engine, token: str, at: datetime) -> Session | None:
    with engine.begin() as connection:
        return resolve_session(
            connection=connection, token=token, idle=IDLE, lifetime=LIFETIME, now=at
        )


def test_a_session_opens_for_its_operator_and_only_its_hash_is_kept(engine: Engine) -> None:
    who = operator(engine)
    token = start(engine, who)
    assert len(token) >= 43
    session = resolve(engine, token, T0 + timedelta(minutes=1))
    assert session is not None and session.operator == who
    with engine.connect() as connection:
        stored = connection.execute(select(operator_sessions)).one()
    assert token not in {str(value) for value in stored}
    assert stored.token_hash != token


def test_an_unknown_or_malformed_token_opens_nothing(engine: Engine) -> None:
    operator(engine)
    for token in ("", "x" * 43, "y" * 500):
        assert resolve(engine, token, T0) is None


def test_a_session_ends_after_being_idle(engine: Engine) -> None:
    token = start(engine, operator(engine))
    assert resolve(engine, token, T0 + timedelta(minutes=29)) is not None
    assert resolve(engine, token, T0 + timedelta(minutes=58)) is not None
    assert resolve(engine, token, T0 + timedelta(minutes=89)) is None
    # Ended for good: a clock set back does not bring it back.
    assert resolve(engine, token, T0 + timedelta(minutes=60)) is None


def test_a_session_ends_at_its_lifetime_however_active(engine: Engine) -> None:
    token = start(engine, operator(engine))
    at = T0
    while at < T0 + LIFETIME - timedelta(minutes=20):
        at += timedelta(minutes=20)
        assert resolve(engine, token, at) is not None
    assert resolve(engine, token, T0 + LIFETIME + timedelta(minutes=1)) is None


def test_signing_out_ends_the_session(engine: Engine) -> None:
    token = start(engine, operator(engine))
    with engine.begin() as connection:
        assert end_session(connection=connection, token=token, now=T0)
        assert not end_session(connection=connection, token=token, now=T0)
    assert resolve(engine, token, T0) is None


def test_disabling_an_operator_or_changing_its_password_ends_its_sessions(engine: Engine) -> None:
    who = operator(engine)
    first, second = start(engine, who), start(engine, who)
    with engine.begin() as connection:
        set_password(
            connection=connection, login="ag.ops", password="một mật khẩu mới", actor="cli"
        )
    assert resolve(engine, first, T0) is None
    assert resolve(engine, second, T0) is None
    third = start(engine, who)
    with engine.begin() as connection:
        disable_operator(connection=connection, login="ag.ops", actor="cli", now=T0)
    assert resolve(engine, third, T0) is None


def test_each_session_has_its_own_form_token(engine: Engine) -> None:
    who = operator(engine)
    one = resolve(engine, start(engine, who), T0)
    two = resolve(engine, start(engine, who), T0)
    assert one is not None and two is not None
    assert one.form_token() == form_token(one.csrf_secret) != two.form_token()
    assert one.csrf_secret not in one.form_token()
