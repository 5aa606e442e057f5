"""The access tables come with the store's migrations; tokens and the log behave on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from lienthong.access import (
    OK,
    Access,
    Action,
    Role,
    access_log_for,
    authenticate,
    create_token,
    list_tokens,
    log_access,
    parse_role,
    revoke_token,
)
from lienthong.errors import LienthongError

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def test_tokens_are_issued_listed_authenticated_and_revoked(engine: Engine) -> None:
    with engine.begin() as connection:
        reader = create_token(
            connection=connection, client="VN/GOV/01/portal", role=Role.READER, now=T0
        )
        admin = create_token(
            connection=connection, client="ops", role=Role.ADMIN, now=T0 + timedelta(1)
        )
    with engine.connect() as connection:
        assert authenticate(connection=connection, token=reader.token).role is Role.READER
        assert [t.client for t in list_tokens(connection=connection)] == ["VN/GOV/01/portal", "ops"]
        assert [t.token_id for t in list_tokens(connection=connection, client="ops")] == [
            admin.info.token_id
        ]
    with engine.begin() as connection:
        first = revoke_token(connection=connection, token_id=reader.info.token_id, now=T0)
        again = revoke_token(connection=connection, token_id=reader.info.token_id)
    assert first.revoked_at == again.revoked_at == T0
    with engine.connect() as connection, pytest.raises(LienthongError) as caught:
        authenticate(connection=connection, token=reader.token)
    assert caught.value.code == "access.invalid_token"


def test_unknown_roles_clients_and_tokens_are_refused_with_codes(engine: Engine) -> None:
    with pytest.raises(LienthongError) as role:
        parse_role("owner")
    assert role.value.code == "access.unknown_role"
    with engine.begin() as connection:
        with pytest.raises(LienthongError) as client:
            create_token(connection=connection, client="", role=Role.READER)
        assert client.value.code == "access.bad_client"
        with pytest.raises(LienthongError) as token:
            revoke_token(connection=connection, token_id="nope")
        assert token.value.code == "access.unknown_token"


def test_the_access_log_answers_who_read_a_record_and_why_newest_first(engine: Engine) -> None:
    read = Access(
        client="portal",
        action=Action.READ,
        outcome=OK,
        record_type="Person",
        purpose="cấp hộ chiếu",
    )
    with engine.begin() as connection:
        log_access(connection=connection, access=read, at=T0, records=[("001", 1)])
        log_access(
            connection=connection,
            access=Access(
                client="police",
                action=Action.SEARCH,
                outcome=OK,
                record_type="Person",
                purpose="điều tra",
            ),
            at=T0 + timedelta(hours=1),
            records=[("001", 2), ("002", 1)],
        )
        log_access(
            connection=connection,
            access=Access(
                client="x",
                action=Action.READ,
                outcome="access.purpose_required",
                record_type="Person",
            ),
            at=T0 + timedelta(hours=2),
            records=[("9" * 300, None)],
        )
    with engine.connect() as connection:
        entries = access_log_for(connection=connection, record_type="Person", record_id="001")
        assert [(e.client, e.purpose, e.version) for e in entries] == [
            ("police", "điều tra", 2),
            ("portal", "cấp hộ chiếu", 1),
        ]
        assert entries[1].at == T0
        assert access_log_for(connection=connection, record_type="Vehicle", record_id="001") == []
        long = access_log_for(connection=connection, record_type="Person", record_id="9" * 128)
        assert [e.outcome for e in long] == ["access.purpose_required"]
