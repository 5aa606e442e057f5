"""Console sessions: a random token in the browser, its SHA-256 on the node.

A session ends when the operator signs out, after ``idle`` without a request, ``lifetime``
after signing in, and at once when its operator is disabled or given a new password.
Each session has its own CSRF secret; forms carry an HMAC of it, never the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from lienthong.access.models import operator_sessions, operators
from lienthong.access.operators import Operator
from lienthong.access.policy import OperatorRole
from lienthong.store import utc_now

DEFAULT_IDLE: Final = timedelta(minutes=30)
DEFAULT_LIFETIME: Final = timedelta(hours=12)
#: A session's last-seen time is written at most this often: reads stay cheap.
TOUCH_EVERY: Final = timedelta(seconds=30)


@dataclass(frozen=True)
class Session:
    """A live session and the operator it belongs to."""

    token_hash: str
    operator: Operator
    csrf_secret: str
    created_at: datetime
    last_seen_at: datetime

    def form_token(self) -> str:
        """Return the token this session's forms carry: an HMAC of its CSRF secret."""
        return form_token(self.csrf_secret)


@dataclass(frozen=True)
class StartedSession:
    """A session just started: the only time its token exists outside the browser."""

    token: str
    session: Session


def token_hash(token: str) -> str:
    """Return what the node keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def form_token(csrf_secret: str) -> str:
    """Return the CSRF form token of a session's secret."""
    return hmac.new(bytes.fromhex(csrf_secret), b"console-form", hashlib.sha256).hexdigest()


def start_session(
    *, connection: Connection, operator: Operator, now: datetime | None = None
) -> StartedSession:
    """Start a session for a signed-in operator and return its token; the caller commits."""
    at = now or utc_now()
    token = secrets.token_urlsafe(32)
    session = Session(
        token_hash=token_hash(token),
        operator=operator,
        csrf_secret=secrets.token_hex(32),
        created_at=at,
        last_seen_at=at,
    )
    connection.execute(
        operator_sessions.insert().values(
            token_hash=session.token_hash,
            operator_id=operator.operator_id,
            csrf_secret=session.csrf_secret,
            created_at=at,
            last_seen_at=at,
        )
    )
    return StartedSession(token=token, session=session)


def resolve_session(
    *,
    connection: Connection,
    token: str,
    idle: timedelta = DEFAULT_IDLE,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> Session | None:
    """Return the live session a token opens, noting the request, or None; the caller commits.

    An expired session is ended on the way, so that it cannot come back with a clock
    set back.
    """
    if not token or len(token) > 128:
        return None
    at = now or utc_now()
    digest = token_hash(token)
    row = connection.execute(
        select(operator_sessions, operators)
        .join(operators, operators.c.operator_id == operator_sessions.c.operator_id)
        .where(operator_sessions.c.token_hash == digest)
    ).first()
    if row is None or row.ended_at is not None:
        return None
    expired = at - row.last_seen_at > idle or at - row.created_at > lifetime
    if expired or row.disabled_at is not None:
        end_session(connection=connection, token=token, now=at)
        return None
    last_seen = row.last_seen_at
    if at - last_seen >= TOUCH_EVERY:
        last_seen = at
        connection.execute(
            update(operator_sessions)
            .where(operator_sessions.c.token_hash == digest)
            .values(last_seen_at=at)
        )
    return Session(
        token_hash=digest,
        operator=Operator(
            operator_id=row.operator_id,
            login=row.login,
            name=row.name,
            role=OperatorRole(row.role),
            province=row.province,
        ),
        csrf_secret=row.csrf_secret,
        created_at=row.created_at,
        last_seen_at=last_seen,
    )


def end_session(*, connection: Connection, token: str, now: datetime | None = None) -> bool:
    """End the session a token opens; return whether it was open. The caller commits."""
    result = connection.execute(
        update(operator_sessions)
        .where(
            operator_sessions.c.token_hash == token_hash(token),
            operator_sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now or utc_now())
    )
    return bool(result.rowcount)
