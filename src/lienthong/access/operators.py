"""The console's operators: accounts, passwords, sign-in and lock-out.

Passwords are hashed with argon2id (argon2-cffi's defaults, rehashed on sign-in when
the defaults change). Every failed sign-in counts against the login name typed, whether
or not an operator has it, and costs the same hashing work: neither the answer, its
time, nor the lock-out tells whether a name exists. Every change to an account and
every sign-in, refused or not, is an entry of the node's audit log.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, delete, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from lienthong.access.models import (
    LOGIN_LENGTH,
    NAME_LENGTH,
    operator_sessions,
    operators,
    signin_failures,
)
from lienthong.access.policy import OperatorRole
from lienthong.errors import LienthongError, VnError
from lienthong.exchange.audit.log import AuditEntry, append_entries
from lienthong.i18n import N_
from lienthong.store import utc_now
from lienthong.vn.units import province as find_province

#: Audit kinds of the console: sign-ins and sign-outs, changes to accounts.
CONSOLE_SIGNIN: Final = "console.signin"
CONSOLE_OPERATOR: Final = "console.operator"
#: The outcome of a sign-in or change that succeeded.
OK: Final = "ok"

MIN_PASSWORD_LENGTH: Final = 12
#: Argon2 hashes whatever it is given; a bound keeps one request from costing much more.
MAX_PASSWORD_LENGTH: Final = 1024
DEFAULT_LOCKOUT_FAILURES: Final = 5
DEFAULT_LOCKOUT: Final = timedelta(minutes=15)

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_PROVINCE = re.compile(r"^[0-9]{2}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Operator:
    """A signed-in operator, as the console's pages see it."""

    operator_id: str
    login: str
    name: str
    role: OperatorRole
    province: str | None


@dataclass(frozen=True)
class OperatorAccount:
    """What the node knows of an operator: never the password."""

    operator: Operator
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None
    locked_until: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """Return the account as JSON-ready data."""
        return {
            "operator_id": self.operator.operator_id,
            "login": self.operator.login,
            "name": self.operator.name,
            "role": self.operator.role.value,
            "province": self.operator.province,
            "created_at": self.created_at.isoformat(),
            "password_changed_at": self.password_changed_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }


def login_key(login: str) -> str:
    """Return the form a login name is stored and compared in: NFC, trimmed, lower case."""
    return unicodedata.normalize("NFC", login).strip().lower()


def _operator(row: Row[Any]) -> Operator:
    return Operator(
        operator_id=row.operator_id,
        login=row.login,
        name=row.name,
        role=OperatorRole(row.role),
        province=row.province,
    )


def parse_operator_role(value: str) -> OperatorRole:
    """Return the operator role a name gives, refusing unknown ones."""
    try:
        return OperatorRole(value)
    except ValueError:
        raise LienthongError(
            "console.operator.role",
            N_("There is no operator role {role}. Use one of: {known}."),
            field="role",
            role=value,
            known=", ".join(role.value for role in OperatorRole),
        ) from None


def check_password(password: str) -> str:
    """Return a password in NFC, refusing one too short or too long to be used."""
    password = unicodedata.normalize("NFC", password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise LienthongError(
            "console.password.short",
            N_(
                "The password has {length} characters; it needs at least {minimum}."
                " Choose a longer one: a few unrelated words are easy to remember."
            ),
            field="password",
            length=len(password),
            minimum=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise LienthongError(
            "console.password.long",
            N_("The password has more than {maximum} characters. Choose a shorter one."),
            field="password",
            maximum=MAX_PASSWORD_LENGTH,
        )
    return password


def _check_login(login: str) -> str:
    key = login_key(login)
    if not _LOGIN.match(key):
        raise LienthongError(
            "console.operator.login",
            N_(
                "The login name {login} is not valid. Use 2 to 64 letters a-z, digits"
                " and . _ -, starting with a letter or digit, for example nguyen.van.an."
            ),
            field="login",
            login=login,
        )
    return key


def _check_scope(role: OperatorRole, province: str | None) -> str | None:
    if role is not OperatorRole.PROVINCE:
        if province is not None:
            raise LienthongError(
                "console.operator.scope",
                N_(
                    "Only a province operator has a province; a {role} sees the whole"
                    " network. Leave the province out."
                ),
                field="province",
                role=role.value,
            )
        return None
    if province is None or not _PROVINCE.match(province):
        raise LienthongError(
            "console.operator.province",
            N_(
                "A province operator needs the 2-digit code of a province in force,"
                " for example 91 (An Giang); {province} is not one."
            ),
            field="province",
            province=province or "",
        )
    try:
        find_province(province)
    except VnError:
        raise LienthongError(
            "console.operator.province",
            N_(
                "A province operator needs the 2-digit code of a province in force,"
                " for example 91 (An Giang); {province} is not one."
            ),
            field="province",
            province=province,
        ) from None
    return province


def _audit(
    connection: Connection,
    *,
    kind: str,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    outcome: str,
    node_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    document = {"action": action, "target": target, **(details or {})}
    append_entries(
        connection=connection,
        entries=[
            AuditEntry(
                recorded_at=at,
                kind=kind,
                node_id=node_id,
                client=actor,
                user_id=actor.removeprefix("console:"),
                service=action,
                outcome=outcome,
                details=json.dumps(
                    document, ensure_ascii=False, separators=(",", ":"), sort_keys=True
                ),
            )
        ],
    )


def _row(connection: Connection, login: str) -> Row[Any]:
    row = connection.execute(select(operators).where(operators.c.login == login_key(login))).first()
    if row is None:
        raise LienthongError(
            "console.operator.unknown",
            N_("There is no operator {login}. List the operators to see their login names."),
            field="login",
            login=login,
        )
    return row


def create_operator(
    *,
    connection: Connection,
    login: str,
    name: str,
    role: OperatorRole,
    password: str,
    province: str | None = None,
    actor: str,
    node_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """Create an operator with a role, its province if it has one, and a password; the caller commits."""
    key = _check_login(login)
    display = unicodedata.normalize("NFC", name).strip()
    if not display or len(display) > NAME_LENGTH:
        raise LienthongError(
            "console.operator.name",
            N_("Give the operator's full name, at most {maximum} characters."),
            field="name",
            maximum=NAME_LENGTH,
        )
    scope = _check_scope(role, province)
    password = check_password(password)
    if connection.execute(select(operators.c.login).where(operators.c.login == key)).first():
        raise LienthongError(
            "console.operator.exists",
            N_("An operator named {login} already exists. Choose another login name."),
            field="login",
            login=key,
        )
    at = now or utc_now()
    operator = Operator(
        operator_id=secrets.token_hex(8), login=key, name=display, role=role, province=scope
    )
    connection.execute(
        operators.insert().values(
            operator_id=operator.operator_id,
            login=key,
            name=display,
            role=role.value,
            province=scope,
            password_hash=_hasher.hash(password),
            created_at=at,
            password_changed_at=at,
        )
    )
    _audit(
        connection,
        kind=CONSOLE_OPERATOR,
        at=at,
        actor=actor,
        action="operator.create",
        target=key,
        outcome=OK,
        node_id=node_id,
        details={"role": role.value, "province": scope},
    )
    return operator


def list_operators(*, connection: Connection) -> list[OperatorAccount]:
    """Return every operator, disabled ones included, by login name."""
    locks = {
        row.login: row.locked_until
        for row in connection.execute(
            select(signin_failures.c.login, signin_failures.c.locked_until)
        )
    }
    return [
        OperatorAccount(
            operator=_operator(row),
            created_at=row.created_at,
            password_changed_at=row.password_changed_at,
            disabled_at=row.disabled_at,
            locked_until=locks.get(row.login),
        )
        for row in connection.execute(select(operators).order_by(operators.c.login))
    ]


def get_operator(*, connection: Connection, operator_id: str) -> Operator | None:
    """Return a live (not disabled) operator by identifier, or None."""
    row = connection.execute(
        select(operators).where(
            operators.c.operator_id == operator_id, operators.c.disabled_at.is_(None)
        )
    ).first()
    return None if row is None else _operator(row)


def end_sessions(*, connection: Connection, operator_id: str, now: datetime) -> int:
    """End every open session of an operator; return how many were open."""
    result = connection.execute(
        update(operator_sessions)
        .where(
            operator_sessions.c.operator_id == operator_id,
            operator_sessions.c.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    return int(result.rowcount or 0)


def set_password(
    *,
    connection: Connection,
    login: str,
    password: str,
    actor: str,
    node_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """Give an operator a new password and end its sessions; the caller commits."""
    row = _row(connection, login)
    password = check_password(password)
    at = now or utc_now()
    connection.execute(
        update(operators)
        .where(operators.c.operator_id == row.operator_id)
        .values(password_hash=_hasher.hash(password), password_changed_at=at)
    )
    end_sessions(connection=connection, operator_id=row.operator_id, now=at)
    _audit(
        connection,
        kind=CONSOLE_OPERATOR,
        at=at,
        actor=actor,
        action="operator.password",
        target=row.login,
        outcome=OK,
        node_id=node_id,
    )
    return _operator(row)


def disable_operator(
    *,
    connection: Connection,
    login: str,
    actor: str,
    node_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """Disable an operator: it cannot sign in and its sessions end now; the caller commits."""
    row = _row(connection, login)
    at = now or utc_now()
    if row.disabled_at is None:
        connection.execute(
            update(operators)
            .where(operators.c.operator_id == row.operator_id)
            .values(disabled_at=at)
        )
    end_sessions(connection=connection, operator_id=row.operator_id, now=at)
    _audit(
        connection,
        kind=CONSOLE_OPERATOR,
        at=at,
        actor=actor,
        action="operator.disable",
        target=row.login,
        outcome=OK,
        node_id=node_id,
    )
    return _operator(row)


def enable_operator(
    *,
    connection: Connection,
    login: str,
    actor: str,
    node_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """Let a disabled operator sign in again; the caller commits."""
    row = _row(connection, login)
    at = now or utc_now()
    connection.execute(
        update(operators).where(operators.c.operator_id == row.operator_id).values(disabled_at=None)
    )
    _audit(
        connection,
        kind=CONSOLE_OPERATOR,
        at=at,
        actor=actor,
        action="operator.enable",
        target=row.login,
        outcome=OK,
        node_id=node_id,
    )
    return _operator(row)


def unlock_operator(
    *,
    connection: Connection,
    login: str,
    actor: str,
    node_id: str | None = None,
    now: datetime | None = None,
) -> Operator:
    """End an operator's lock-out and forget its failed sign-ins; the caller commits."""
    row = _row(connection, login)
    at = now or utc_now()
    connection.execute(delete(signin_failures).where(signin_failures.c.login == row.login))
    _audit(
        connection,
        kind=CONSOLE_OPERATOR,
        at=at,
        actor=actor,
        action="operator.unlock",
        target=row.login,
        outcome=OK,
        node_id=node_id,
    )
    return _operator(row)


@cache
def _decoy_hash() -> str:
    """Return a hash to verify against when no operator has the name typed (same work)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def signin_failed(*, limit: int, minutes: int) -> LienthongError:
    """Return the error of a wrong login name or password: the same for both."""
    return LienthongError(
        "console.signin.failed",
        N_(
            "The login name or password is not right. Check both and try again;"
            " after {limit} failures in a row, signing in is locked for {minutes} minutes."
        ),
        field="password",
        limit=limit,
        minutes=minutes,
    )


def signin_locked(*, limit: int, minutes: int) -> LienthongError:
    """Return the error of a login name locked after too many failures."""
    return LienthongError(
        "console.signin.locked",
        N_(
            "Signing in with this login name is locked after {limit} failures in a row."
            " Try again in {minutes} minutes, or ask a central operator to unlock it."
        ),
        field="login",
        limit=limit,
        minutes=minutes,
    )


def signin_disabled() -> LienthongError:
    """Return the error of a disabled operator who gave the right password."""
    return LienthongError(
        "console.signin.disabled",
        N_("This operator account is disabled. Ask a central operator to enable it."),
        field="login",
    )


def _count_failure(
    connection: Connection, key: str, *, at: datetime, limit: int, lockout: timedelta
) -> bool:
    """Count one failure against a login name; return whether it locks the name now."""
    for _attempt in range(2):
        row = connection.execute(
            select(signin_failures).where(signin_failures.c.login == key)
        ).first()
        failures = 1 if row is None else row.failures + 1
        locks = failures >= limit
        values = {
            # The count starts again once a lock-out is over.
            "failures": 0 if locks else failures,
            "last_failed_at": at,
            "locked_until": at + lockout if locks else None,
        }
        if row is not None:
            connection.execute(
                update(signin_failures).where(signin_failures.c.login == key).values(**values)
            )
            return locks
        try:
            with connection.begin_nested():
                connection.execute(signin_failures.insert().values(login=key, **values))
        except IntegrityError:
            continue  # another failure for the same name was counted first
        return locks
    return False


def authenticate(
    *,
    engine: Engine,
    login: str,
    password: str,
    node_id: str | None = None,
    max_failures: int = DEFAULT_LOCKOUT_FAILURES,
    lockout: timedelta = DEFAULT_LOCKOUT,
    now: datetime | None = None,
) -> Operator:
    """Return the operator a login name and password sign in, or refuse with one error.

    It takes the engine, not a connection: a refused sign-in must still commit its
    failure count and audit entry before the error is raised.
    """
    at = now or utc_now()
    key = login_key(login)[:LOGIN_LENGTH]
    minutes = max(1, round(lockout.total_seconds() / 60))
    with engine.connect() as connection:
        row = connection.execute(select(operators).where(operators.c.login == key)).first()
    # The decoy costs what a real hash costs, so the time does not tell a name exists.
    stored = row.password_hash if row is not None else _decoy_hash()
    text = unicodedata.normalize("NFC", password)[: MAX_PASSWORD_LENGTH + 1]
    verified = _verify(stored, text) and row is not None
    error: LienthongError | None = None
    with engine.begin() as connection:
        failure = connection.execute(
            select(signin_failures).where(signin_failures.c.login == key)
        ).first()
        if failure is not None and failure.locked_until is not None and failure.locked_until > at:
            error, outcome = signin_locked(limit=max_failures, minutes=minutes), "locked"
        elif not verified:
            locks = _count_failure(connection, key, at=at, limit=max_failures, lockout=lockout)
            if locks:
                error, outcome = signin_locked(limit=max_failures, minutes=minutes), "lock"
            else:
                error, outcome = signin_failed(limit=max_failures, minutes=minutes), "failed"
        elif row is not None and row.disabled_at is not None:
            error, outcome = signin_disabled(), "disabled"
        else:
            assert row is not None
            outcome = OK
            connection.execute(delete(signin_failures).where(signin_failures.c.login == key))
            if _hasher.check_needs_rehash(row.password_hash):
                connection.execute(
                    update(operators)
                    .where(operators.c.operator_id == row.operator_id)
                    .values(password_hash=_hasher.hash(text))
                )
        _audit(
            connection,
            kind=CONSOLE_SIGNIN,
            at=at,
            actor=f"console:{key}",
            action="signin",
            target=key,
            outcome=outcome,
            node_id=node_id,
        )
    if error is not None:
        raise error
    assert row is not None
    return _operator(row)
