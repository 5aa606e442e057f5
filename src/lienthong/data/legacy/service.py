"""Write a labelled legacy extract: the damaged file, its ground truth and its mapping."""

from __future__ import annotations

import csv
import heapq
import math
import os
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any, Final, Literal, cast

from lienthong.data.legacy.damage import FILE_ENCODINGS, Damage, FileEncoding
from lienthong.data.legacy.extracts import EXTRACTS, KINDS, Entity, no_records
from lienthong.data.legacy.source import open_registry
from lienthong.data.legacy.writers import EXTRACT_FORMATS, open_extract
from lienthong.errors import LienthongError, VnError
from lienthong.i18n import N_
from lienthong.vn import units

#: Rows between two progress reports.
PROGRESS_EVERY: Final = 5000
#: A duplicate is written this many rows after its original at most: far enough apart
#: not to sit side by side, near enough to keep only a bounded queue in memory.
DUPLICATE_WINDOW: Final = 500
TRUTH_COLUMNS: Final = ("legacy_id", "registry_id", "cluster")


@dataclass(frozen=True)
class LegacyProgress:
    """How far an extract is: registry records read, out of about how many, and rows written."""

    read: int
    total: int | None
    rows: int
    seconds: float


@dataclass(frozen=True)
class LegacySummary:
    """What an extract wrote."""

    kind: str
    extract: Path
    truth: Path
    mapping: Path
    rows: int
    matched: int
    duplicates: int
    format: str
    encoding: str
    province: str | None
    seconds: float

    @property
    def files(self) -> tuple[Path, Path, Path]:
        """The three files written."""
        return self.extract, self.truth, self.mapping


def _bad(code: str, template: str, field: str, /, **params: Any) -> LienthongError:
    return LienthongError(code, template, field=field, **params)


def _check_choice(value: object, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise _bad(
            f"legacy.{name}",
            N_("{value} is not a {name} of legacy extract. Use one of: {choices}."),
            name,
            value=value,
            name=name,
            choices=", ".join(choices),
        )
    return str(value)


def _check_rate(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or not 0 <= value <= 1
    ):
        raise _bad(
            "legacy.rate",
            N_("The {name} rate must be a number from 0 to 1; {value} is not."),
            name,
            name=name,
            value=value,
        )
    return float(value)


def _check_province(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return units.province(str(code).strip()).code
    except VnError:
        raise _bad(
            "legacy.unknown_province",
            N_(
                "{code} is not a province in force since 1 July 2025. Give one of the 34"
                " two-digit codes, e.g. 79 (Hồ Chí Minh) or 91 (An Giang)."
            ),
            "province",
            code=code,
        ) from None


def _check_rows(rows: int | None) -> int | None:
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 1):
        raise _bad(
            "legacy.rows",
            N_("The number of rows must be a whole number, 1 or more; {value} is not."),
            "rows",
            value=rows,
        )
    return rows


def _prepare(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not out.is_dir() or not os.access(out, os.W_OK):
            raise NotADirectoryError(str(out))
    except OSError as exc:
        raise _bad(
            "legacy.out_not_writable",
            N_("The directory {path} cannot be written ({reason}). Give a writable directory."),
            "out",
            path=str(out),
            reason=exc.strerror or type(exc).__name__,
        ) from None
    return out


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def make_legacy(
    *,
    source: Path,
    kind: Literal["population", "land", "driving"],
    out: Path,
    rows: int | None = None,
    seed: int = 1,
    province: str | None = None,
    format: str = "csv",
    encoding: str | None = None,
    overlap: float = 0.8,
    duplicates: float = 0.05,
    progress: Callable[[LegacyProgress], None] | None = None,
    damage: Damage | None = None,
) -> LegacySummary:
    """Write ``<kind>.<format>``, ``<kind>.truth.csv`` and ``<kind>.mapping.toml`` into ``out``.

    The same arguments give the same bytes. The three files appear together, complete, or
    not at all.
    """
    kind_name = _check_choice(kind, KINDS, "kind")
    format = _check_choice(format, EXTRACT_FORMATS, "format")
    if encoding is not None:
        encoding = _check_choice(encoding, FILE_ENCODINGS, "encoding")
    overlap = _check_rate(overlap, "overlap")
    duplicates = _check_rate(duplicates, "duplicates")
    if duplicates >= 1:
        raise _bad(
            "legacy.rate",
            N_("The {name} rate must be a number from 0 to 1; {value} is not."),
            "duplicates",
            name="duplicates",
            value=duplicates,
        )
    rows = _check_rows(rows)
    extract_type = EXTRACTS[kind_name]
    chosen = _check_province(province) or extract_type.default_province
    registry = open_registry(Path(source))
    if chosen is not None and registry.provinces is not None and chosen not in registry.provinces:
        raise no_records(kind_name, chosen, str(registry.root))
    file_encoding = cast(FileEncoding, encoding or extract_type.default_encoding)
    target = _prepare(Path(out))
    rng = Random(f"lienthong-legacy:{seed}:{kind_name}:{chosen}:{overlap}:{duplicates}")
    extract = extract_type(
        registry=registry,
        province=chosen,
        encoding=file_encoding,
        rng=rng,
        damage=damage or Damage(),
    )
    paths = (
        target / f"{kind_name}.{format}",
        target / f"{kind_name}.truth.csv",
        target / f"{kind_name}.mapping.toml",
    )
    partials = [_partial(path) for path in paths]
    started = time.perf_counter()
    total = extract.total()
    writer = open_extract(
        partials[0],
        format=format,
        columns=extract_type.columns,
        encoding=file_encoding,
        sheet=extract_type.title,
    )
    # A duplicate of every q-th record makes duplicates the given share of all rows.
    repeat = duplicates / (1 - duplicates)
    written = matched = repeated = 0
    try:
        with partials[1].open("w", encoding="utf-8", newline="") as truth_file:
            truth = csv.writer(truth_file)
            truth.writerow(TRUTH_COLUMNS)
            pending: list[tuple[int, int, str, Entity]] = []

            def emit(entity: Entity, cluster: str | None) -> None:
                nonlocal written, matched, repeated
                written += 1
                legacy_id = extract.legacy_id(written)
                writer.write(extract.row(entity, legacy_id))
                truth.writerow((legacy_id, entity.registry_id, cluster or legacy_id))
                matched += entity.registry_id != ""
                repeated += cluster is not None
                if cluster is None and rng.random() < repeat:
                    due = written + rng.randint(1, DUPLICATE_WINDOW)
                    heapq.heappush(pending, (due, written, legacy_id, entity))
                if progress is not None and written % PROGRESS_EVERY == 0:
                    progress(
                        LegacyProgress(extract.read, total, written, time.perf_counter() - started)
                    )

            def full() -> bool:
                return rows is not None and written >= rows

            for entity in extract.entities(overlap):
                if full():
                    break
                emit(entity, None)
                while pending and pending[0][0] <= written and not full():
                    _, _, cluster, original = heapq.heappop(pending)
                    emit(original, cluster)
            while pending and not full():
                _, _, cluster, original = heapq.heappop(pending)
                emit(original, cluster)
            truth_file.flush()
            os.fsync(truth_file.fileno())
        if written == 0:
            raise no_records(kind_name, chosen, str(registry.root))
        writer.close()
        partials[2].write_text(extract.mapping(), encoding="utf-8")
    except BaseException:
        with suppress(Exception):
            writer.abort()
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise
    for partial, path in zip(partials, paths, strict=True):
        partial.replace(path)
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(LegacyProgress(extract.read, extract.read, written, seconds))
    return LegacySummary(
        kind=kind_name,
        extract=paths[0],
        truth=paths[1],
        mapping=paths[2],
        rows=written,
        matched=matched,
        duplicates=repeated,
        format=format,
        encoding=file_encoding,
        province=chosen,
        seconds=seconds,
    )
