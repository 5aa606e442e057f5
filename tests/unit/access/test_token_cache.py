"""Tokens are authenticated against the database and remembered only briefly."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.access import Role, TokenCache, create_token, revoke_token
from lienthong.errors import LienthongError
from lienthong.store import create_engine, sqlite_url, upgrade


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_token_is_refused_once_the_cache_expires(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "node.db"))
    upgrade(engine)
    with engine.begin() as connection:
        issued = create_token(connection=connection, client="portal", role=Role.READER)
    ticks = Ticks()
    cache = TokenCache(engine, ttl=5, monotonic=ticks)
    assert cache.lookup(issued.token).client == "portal"
    with engine.begin() as connection:
        revoke_token(connection=connection, token_id=issued.info.token_id)
    assert cache.lookup(issued.token).client == "portal"  # still remembered
    ticks.now = 6
    with pytest.raises(LienthongError) as caught:
        cache.lookup(issued.token)
    assert caught.value.code == "access.invalid_token"
    with pytest.raises(LienthongError):
        cache.cached(issued.token)  # the refusal is remembered too
    engine.dispose()


def test_the_database_keeps_only_a_hash_of_the_token(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "node.db"))
    upgrade(engine)
    with engine.begin() as connection:
        issued = create_token(connection=connection, client="portal", role=Role.ADMIN)
    assert issued.token.startswith("lt_" + issued.info.token_id + "_")
    secret = issued.token.removeprefix(f"lt_{issued.info.token_id}_")
    assert (
        secret.encode()
        not in (tmp_path / "node.db").read_bytes() + (tmp_path / "node.db-wal").read_bytes()
    )
    engine.dispose()
