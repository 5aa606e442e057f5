"""Subscriptions: which record types and partitions a node receives from its peers.

A province receives the records of its own partitions (An Giang: persons resident in
An Giang, vehicles plated there), every record that belongs to no province (national
reference data, which central pushes down to all: a ministry's budget unit), and the
change requests and decisions addressed to it. Central receives everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.systems.definition import RecordType

#: Every record type, or every partition of one.
ALL: Final = "*"
#: The partition of records that belong to no province (national reference data).
NATIONAL: Final = "-"


def _bad(reason: str) -> LienthongError:
    return LienthongError(
        "sync.bad_subscription",
        N_(
            "The subscription is invalid: {reason}. Give a mapping of record type to a list"
            ' of partitions or "*".'
        ),
        field="subscription",
        reason=reason,
    )


@dataclass(frozen=True)
class Subscription:
    """Record types and, for each, the partitions received (``None``: all of them)."""

    types: Mapping[str, frozenset[str] | None] = field(default_factory=dict)

    @classmethod
    def everything(cls) -> Subscription:
        """Return the subscription to every record of every type (central's)."""
        return cls({ALL: None})

    @classmethod
    def of_partitions(
        cls,
        *,
        node: str,
        partitions: Iterable[str],
        record_types: Mapping[str, RecordType],
        addressed: Iterable[str] = (),
    ) -> Subscription:
        """Return a province's subscription: its partitions, reference data, what is addressed to it.

        ``addressed`` names the record types partitioned by node identifier (change
        requests and decisions), of which the node receives those carrying its own.
        """
        wanted = frozenset({*partitions, NATIONAL})
        types: dict[str, frozenset[str] | None] = {
            name: (wanted if record_type.partition is not None else None)
            for name, record_type in record_types.items()
        }
        types.update((name, frozenset({node})) for name in addressed)
        return cls(types)

    def wants(self, record_type: str, partition: str | None) -> bool:
        """Return whether a record of this type and partition is received."""
        if record_type in self.types:
            partitions = self.types[record_type]
        elif ALL in self.types:
            partitions = self.types[ALL]
        else:
            return False
        return partitions is None or (partition or NATIONAL) in partitions

    def to_json(self) -> dict[str, list[str] | str]:
        """Return the subscription as JSON data (a partition list, or "*" for all)."""
        return {
            name: ALL if partitions is None else sorted(partitions)
            for name, partitions in sorted(self.types.items())
        }

    @classmethod
    def from_json(cls, data: Any) -> Subscription:
        """Read a subscription from JSON data, refusing anything but its documented shape."""
        if not isinstance(data, dict) or not data:
            raise _bad("it is not a non-empty mapping")
        types: dict[str, frozenset[str] | None] = {}
        for name, partitions in data.items():
            if not isinstance(name, str) or not name:
                raise _bad("a record type name is empty")
            if partitions == ALL:
                types[name] = None
            elif isinstance(partitions, list) and all(
                isinstance(item, str) and item for item in partitions
            ):
                types[name] = frozenset(partitions)
            else:
                raise _bad(f"the partitions of {name} are neither a list of names nor *")
        return cls(types)
