"""Database URLs are read once, with lienthong's drivers, and unsupported ones are refused."""

from __future__ import annotations

import pytest

from lienthong.errors import LienthongError
from lienthong.store.dialects import normalize_url
from lienthong.store.engine import sqlite_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///state/node.db", "sqlite+pysqlite"),
        ("postgresql://postgres@db/lienthong", "postgresql+psycopg"),
        ("postgresql+psycopg://postgres@db/lienthong", "postgresql+psycopg"),
    ],
)
def test_supported_urls_get_lienthongs_driver(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("mysql://root@db/lienthong", "store.unsupported_database"),
        ("postgresql+psycopg2://postgres@db/x", "store.unsupported_database"),
        ("not a url", "store.bad_url"),
    ],
)
def test_other_databases_are_refused(url: str, code: str) -> None:
    with pytest.raises(LienthongError) as caught:
        normalize_url(url)
    assert caught.value.code == code
    assert caught.value.field == "database_url"


def test_a_sqlite_url_names_the_file() -> None:
    assert sqlite_url("/var/lib/lienthong/node.db") == "sqlite:////var/lib/lienthong/node.db"
