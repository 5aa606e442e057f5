"""Open a node's database: SQLite (embedded default) or PostgreSQL, through SQLAlchemy 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy.engine import URL, Engine

from lienthong.store import dialects


def create_engine(url: str | URL, **options: Any) -> Engine:
    """Return an engine for a ``sqlite:///file.db`` or ``postgresql://…`` URL, set up for lienthong.

    SQLite connections run in WAL mode with foreign keys on, a busy timeout and
    ``synchronous=NORMAL``; PostgreSQL connections use psycopg 3 and UTC sessions.
    Extra keyword arguments go to ``sqlalchemy.create_engine``.
    """
    parsed = dialects.normalize_url(url)
    engine = sqlalchemy.create_engine(parsed, **{**dialects.engine_options(parsed), **options})
    dialects.configure(engine)
    return engine


def sqlite_url(path: str | Path) -> str:
    """Return the URL of a SQLite database file."""
    return f"sqlite:///{Path(path)}"
