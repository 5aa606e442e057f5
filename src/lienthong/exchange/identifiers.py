"""X-Road identifiers: who calls (a client) and what is called (a service).

A client is ``INSTANCE/CLASS/MEMBER/SUBSYSTEM`` (``VN/GOV/BCA/population``); a service adds
its code (``VN/GOV/BCA/population/registry``). Each part is a short token of letters,
digits, ``.``, ``_`` and ``-`` that starts with a letter or digit, so an identifier can
never carry a path separator, a ``..`` segment or a control character into a URL, a
header or a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

from lienthong.errors import LienthongError
from lienthong.i18n import N_

#: One part of an identifier.
PART: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MEMBER_CLASSES: Final = ("GOV", "COM", "ORG")


def _not_shaped(value: str, *, kind: str, shape: str, field: str) -> LienthongError:
    return LienthongError(
        "exchange.identifier.shape",
        N_("{value} is not a {kind} identifier: write it as {shape}."),
        field=field,
        value=value[:200],
        kind=kind,
        shape=shape,
    )


def check_part(part: str, *, value: str, field: str) -> None:
    """Refuse one part of an identifier (``value`` is what it is part of, for the message)."""
    if not PART.fullmatch(part):
        raise LienthongError(
            "exchange.identifier.part",
            N_(
                "{part} in {value} is not allowed: a part has 1 to 64 letters, digits,"
                " dots, dashes or underscores, and starts with a letter or digit."
            ),
            field=field,
            part=part[:80],
            value=value[:200],
        )


def _parts(text: str, count: int, *, field: str, kind: str, shape: str) -> list[str]:
    parts = text.split("/")
    if len(parts) != count:
        raise _not_shaped(text, kind=kind, shape=shape, field=field)
    for part in parts:
        check_part(part, value=text, field=field)
    if parts[1] not in MEMBER_CLASSES:
        raise LienthongError(
            "exchange.identifier.member_class",
            N_("{value} has the member class {member_class}; use one of {allowed}."),
            field=field,
            value=text[:200],
            member_class=parts[1],
            allowed=", ".join(MEMBER_CLASSES),
        )
    return parts


@dataclass(frozen=True, order=True)
class MemberId:
    """An agency of the network: ``VN/GOV/BCA``."""

    instance: str
    member_class: str
    member_code: str

    @classmethod
    def parse(cls, text: str, *, field: str = "member") -> MemberId:
        """Read ``INSTANCE/CLASS/MEMBER``."""
        parts = _parts(text, 3, field=field, kind="member", shape="VN/GOV/BCA")
        return cls(*parts)

    def __str__(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}"


@dataclass(frozen=True, order=True)
class ClientId:
    """A subsystem of a member, the unit that calls and provides: ``VN/GOV/BCA/population``."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str

    @classmethod
    def parse(cls, text: str, *, field: str = "X-Road-Client") -> ClientId:
        """Read ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``, the form of the ``X-Road-Client`` header."""
        parts = _parts(text, 4, field=field, kind="client", shape="VN/GOV/BCA/population")
        return cls(*parts)

    @property
    def member(self) -> MemberId:
        """The member that owns this subsystem."""
        return MemberId(self.instance, self.member_class, self.member_code)

    def __str__(self) -> str:
        return f"{self.instance}/{self.member_class}/{self.member_code}/{self.subsystem}"


@dataclass(frozen=True, order=True)
class ServiceId:
    """A service of a subsystem: ``VN/GOV/BCA/population/registry``."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str
    service_code: str

    @classmethod
    def parse(cls, text: str, *, field: str = "service") -> ServiceId:
        """Read ``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``."""
        parts = _parts(text, 5, field=field, kind="service", shape="VN/GOV/BCA/population/registry")
        return cls(*parts)

    @classmethod
    def of(cls, provider: ClientId, service_code: str) -> ServiceId:
        """Return the service ``service_code`` of a provider subsystem."""
        return cls.parse(f"{provider}/{service_code}")

    @property
    def provider(self) -> ClientId:
        """The subsystem that provides this service."""
        return ClientId(self.instance, self.member_class, self.member_code, self.subsystem)

    def __str__(self) -> str:
        return f"{self.provider}/{self.service_code}"


def split_service_path(path: str) -> tuple[ServiceId, str]:
    """Split a REST message path after ``/r1/`` into the service and the path beneath it.

    ``VN/GOV/BCA/population/registry/Person/0123`` → the service, ``/Person/0123``.
    A segment that decodes to ``.`` or ``..``, or hides a slash, backslash or NUL behind
    percent-encoding, is refused: the rest is handed to the provider, which must never
    be walked out of the service's base.
    """
    segments = path.split("/")
    for segment in segments[5:]:
        decoded = unquote(segment)
        if decoded in (".", "..") or any(mark in decoded for mark in ("/", "\\", "\0")):
            raise LienthongError(
                "exchange.path.traversal",
                N_("The service path {path} climbs out of the service: remove . and .. segments."),
                field="path",
                path=path[:200],
            )
    if len(segments) < 5:
        raise _not_shaped(
            path, kind="service", shape="/r1/VN/GOV/BCA/population/registry/…", field="path"
        )
    service = ServiceId.parse("/".join(segments[:5]), field="path")
    rest = "/".join(segments[5:])
    return service, "/" + rest if rest else ""
