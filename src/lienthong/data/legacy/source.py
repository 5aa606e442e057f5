"""The registry data an extract is derived from: a directory written by ``lienthong data generate``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from lienthong.data.formats import count_rows, read_rows
from lienthong.data.synthetic import MANIFEST
from lienthong.errors import LienthongError, VnError
from lienthong.i18n import N_
from lienthong.vn import units

#: What ``data generate`` writes into its manifest's ``generator``.
GENERATOR: Final = "lienthong.data.synthetic"


@dataclass(frozen=True)
class Registry:
    """A generated registry: its record files, the provinces it holds and its reference day."""

    root: Path
    files: dict[tuple[str, str], Path]
    provinces: tuple[str, ...] | None
    as_of: date

    def path(self, system: str, record_type: str) -> Path:
        """Return the file of a record type; refuse a directory that lacks it."""
        found = self.files.get((system, record_type))
        if found is None or not found.is_file():
            raise LienthongError(
                "legacy.missing_file",
                N_(
                    "The directory {path} has no {record_type} file although its manifest lists"
                    " one. Generate the data again with lienthong data generate."
                ),
                field="from",
                path=str(self.root),
                record_type=record_type,
            )
        return found

    def rows(self, system: str, record_type: str) -> Iterator[dict[str, Any]]:
        """Yield the records of a type, read as a stream."""
        for _, row in read_rows(self.path(system, record_type)):
            yield row

    def count(self, system: str, record_type: str) -> int | None:
        """Return about how many records of a type there are (for progress)."""
        return count_rows(self.path(system, record_type))


def _not_generated(path: Path, reason: str) -> LienthongError:
    return LienthongError(
        "legacy.not_generated",
        N_(
            "{path} is not a directory written by lienthong data generate ({reason}). Give the"
            " --out directory of a data generate run."
        ),
        field="from",
        path=str(path),
        reason=reason,
    )


def open_registry(path: Path) -> Registry:
    """Read the manifest of a generated directory; refuse anything else."""
    manifest = path / MANIFEST
    if not path.is_dir():
        raise _not_generated(path, "no such directory")
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _not_generated(path, f"no {MANIFEST}") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise _not_generated(path, f"{MANIFEST} is not readable JSON") from None
    if not isinstance(content, dict) or content.get("generator") != GENERATOR:
        raise _not_generated(path, f"{MANIFEST} was not written by it")
    try:
        files = {
            (str(item["system"]), str(item["record_type"])): path / str(item["name"])
            for item in content["files"]
        }
        provinces = content.get("provinces")
        as_of = date.fromisoformat(str(content["as_of"]))
    except (KeyError, TypeError, ValueError):
        raise _not_generated(path, f"{MANIFEST} lacks its files or date") from None
    return Registry(
        root=path,
        files=files,
        provinces=tuple(str(code) for code in provinces) if provinces is not None else None,
        as_of=as_of,
    )


@lru_cache(maxsize=8192)
def province_of(commune: str) -> str | None:
    """Return the post-2025 province of a post-2025 commune code, or None if unknown."""
    try:
        return units.commune(commune).province_code
    except VnError:
        return None


def residence(person: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return the commune code and address line of a person's permanent residence."""
    home = person.get("permanent_residence")
    if not isinstance(home, dict):
        return None, None
    commune = home.get("commune")
    line = home.get("line")
    return (str(commune) if commune else None, str(line) if line else None)
