"""Operator actions in the node's audit log: one entry for each action that changes state."""

from __future__ import annotations

import json
from typing import Any, Final

from lienthong.access.operators import Operator
from lienthong.exchange.audit.log import AuditEntry, append_entries
from lienthong.node import Node

#: The audit kind of an operator's action in the console.
CONSOLE_ACTION: Final = "console.action"


def audit_entry(
    *,
    node: Node,
    operator: Operator,
    action: str,
    target: str,
    outcome: str,
    details: dict[str, Any] | None = None,
    kind: str = CONSOLE_ACTION,
) -> AuditEntry:
    """Return the audit entry of one operator action (client ``console:<login>``)."""
    document = {
        "target": target,
        "role": operator.role.value,
        "province": operator.province,
        **(details or {}),
    }
    return AuditEntry(
        recorded_at=node.clock(),
        kind=kind,
        node_id=node.node_id,
        client=f"console:{operator.login}",
        user_id=operator.login,
        service=action,
        outcome=outcome,
        details=json.dumps(
            document, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str
        ),
    )


def audit_action(
    *,
    node: Node,
    operator: Operator,
    action: str,
    target: str,
    outcome: str,
    details: dict[str, Any] | None = None,
    kind: str = CONSOLE_ACTION,
) -> int:
    """Append one operator action to the audit log, committed; return its sequence number."""
    entry = audit_entry(
        node=node,
        operator=operator,
        action=action,
        target=target,
        outcome=outcome,
        details=details,
        kind=kind,
    )
    with node.engine.begin() as connection:
        [sequence] = append_entries(connection=connection, entries=[entry])
    return sequence
