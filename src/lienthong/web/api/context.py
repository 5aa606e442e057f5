"""What every route of one app shares: the node, its record types, tokens, and the access log."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from lienthong.access import OK, Access, Action, TokenCache, log_access
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import Clock, UnitOfWork, utc_now
from lienthong.systems.definition import RecordType
from lienthong.web.api.auth import PURPOSE_HEADER, Caller

T = TypeVar("T")


@dataclass
class ApiContext:
    """The node an app serves, with what its routes need prepared once, not per request."""

    node: Node
    record_types: Mapping[str, RecordType]
    tokens: TokenCache
    clock: Clock = utc_now

    def unit(self, *, read_only: bool) -> UnitOfWork:
        """Return a unit of work on the node's store (read-only units never take a write lock)."""
        return UnitOfWork(
            self.node.engine,
            node=self.node.node_id,
            record_types=self.record_types,
            bus=self.node.bus,
            clock=self.clock,
            read_only=read_only,
        )

    def log(self, access: Access, records: Sequence[tuple[str, int | None]] = ()) -> None:
        """Append an access to the log in its own transaction; fail the request if it cannot."""
        try:
            with self.node.engine.begin() as connection:
                log_access(connection=connection, access=access, at=self.clock(), records=records)
        except SQLAlchemyError as exc:
            raise LienthongError(
                "access.log_unavailable",
                N_(
                    "The access log cannot be written, so personal data is not served."
                    " Try again later; tell the node's operator if it persists."
                ),
            ) from exc

    def personal_read(
        self,
        caller: Caller,
        record_type: RecordType,
        action: Action,
        requested: Sequence[str],
        read: Callable[[], T],
        touched: Callable[[T], Sequence[tuple[str, int | None]]],
    ) -> T:
        """Run a read, requiring and logging a purpose when the record type is personal data.

        A read without a purpose is refused, and the refusal is logged; a read whose log
        entry cannot be written fails.
        """
        if not record_type.personal_data:
            return read()

        def access(outcome: str) -> Access:
            return Access(
                client=caller.client,
                action=action,
                outcome=outcome,
                record_type=record_type.name,
                purpose=caller.purpose,
                user_id=caller.user_id,
            )

        wanted = [(record_id, None) for record_id in requested]
        if caller.purpose is None:
            refusal = LienthongError(
                "access.purpose_required",
                N_(
                    "{record_type} records hold personal data: state the purpose of this read"
                    " in the header {header}."
                ),
                field=PURPOSE_HEADER,
                record_type=record_type.name,
                header=PURPOSE_HEADER,
            )
            self.log(access(refusal.code), wanted)
            raise refusal
        try:
            result = read()
        except LienthongError as error:
            self.log(access(error.code), wanted)
            raise
        self.log(access(OK), touched(result))
        return result
