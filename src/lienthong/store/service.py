"""Run a system's declared services against the store, each in its own unit of work."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.unit_of_work import UnitOfWork
from lienthong.systems.definition import Operation, System


def _operation(uow: UnitOfWork, operation: Operation) -> Callable[..., Any]:
    records = uow.records
    methods: dict[Operation, Callable[..., Any]] = {
        Operation.GET: records.get,
        Operation.SEARCH: records.search,
        Operation.HISTORY: records.history,
        Operation.CREATE: records.create,
        Operation.UPDATE: records.update,
        Operation.DELETE: records.delete,
    }
    return methods[operation]


def call_service(*, system: System, service: str, uow: UnitOfWork, **params: Any) -> Any:
    """Run a service of a system with keyword parameters; its writes are committed together.

    Standard operations take the record store's parameters without ``record_type``;
    a custom operation's handler is called with ``uow`` and the parameters.
    """
    declared = system.service(service)
    with uow:
        if declared.handler is not None:
            function: Callable[..., Any] = declared.handler
            arguments = {"uow": uow, **params}
        else:
            function = _operation(uow, declared.operation)
            arguments = {"record_type": declared.record_type, **params}
        try:
            inspect.signature(function).bind(**arguments)
        except TypeError as exc:
            raise LienthongError(
                "store.bad_parameters",
                N_("The service {service} cannot take these parameters: {reason}. Check them."),
                field="parameters",
                service=service,
                reason=str(exc),
            ) from None
        result = function(**arguments)
        uow.commit()
        return result
