"""Generate coherent synthetic national data: as record streams, or as files with a manifest."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from lienthong.data.formats import FileWriter, open_writer
from lienthong.data.synthetic.country import country, quotas
from lienthong.data.synthetic.engine import (
    AS_OF,
    BUDGET_UNIT,
    PERSON,
    ProvinceGenerator,
    central_budget_units,
)
from lienthong.data.synthetic.layout import FILES, RECORD_TYPES
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.vn import units

#: Bumped whenever the same seed would give different records.
GENERATOR_VERSION: Final = "1"
FORMATS: Final = ("jsonl", "csv", "parquet")
MANIFEST: Final = "manifest.json"
#: Persons between two progress reports.
PROGRESS_EVERY: Final = 5000
#: Rows per Parquet row group: what each of the seven writers holds in memory at most.
PARQUET_ROW_GROUP: Final = 5000
#: Rows handed to a writer at once.
WRITE_BATCH: Final = 500


@dataclass(frozen=True)
class Rates:
    """How many records of each kind per person (taxpayers: share of adults)."""

    enterprises: float = 0.01
    vehicles: float = 0.4
    parcels: float = 0.3
    individual_taxpayers: float = 0.1
    fee_payments: float = 0.1


@dataclass(frozen=True)
class GenerateProgress:
    """How far a generation is."""

    people_done: int
    people_total: int
    records: int
    seconds: float


@dataclass(frozen=True)
class FileSummary:
    """One file written: where, what it holds and how many rows."""

    path: Path
    system: str
    record_type: str
    rows: int


@dataclass(frozen=True)
class Summary:
    """What a generation wrote."""

    out: Path
    seed: int
    people: int
    format: str
    provinces: tuple[str, ...] | None
    files: tuple[FileSummary, ...]
    manifest: Path
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def records(self) -> int:
        """Every record written, of every type."""
        return sum(file.rows for file in self.files)

    @property
    def persons_per_second(self) -> float:
        """Persons generated per second of this run."""
        return self.people / self.seconds if self.seconds > 0 else 0.0


def _bad(code: str, template: str, field: str, /, **params: Any) -> LienthongError:
    return LienthongError(code, template, field=field, **params)


def check_people(people: int) -> int:
    """Return the number of people to generate; refuse a negative one."""
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        raise _bad(
            "synthetic.people",
            N_("The number of people must be a whole number, 0 or more; {value} is not."),
            "people",
            value=people,
        )
    return people


def check_provinces(provinces: Iterable[str] | None) -> tuple[str, ...] | None:
    """Return province codes in force since 1 July 2025, sorted and once each, or None."""
    if provinces is None:
        return None
    codes = []
    for code in provinces:
        try:
            codes.append(units.province(str(code).strip()).code)
        except ValueError:
            raise _bad(
                "synthetic.unknown_province",
                N_(
                    "{code} is not a province in force since 1 July 2025. Give one of the 34"
                    " two-digit codes, e.g. 01 (Hà Nội), 79 (Hồ Chí Minh) or 91 (An Giang)."
                ),
                "province",
                code=code,
            ) from None
    if not codes:
        raise _bad(
            "synthetic.no_province",
            N_("No province was given. Name at least one, or none for the whole country."),
            "province",
        )
    return tuple(sorted(set(codes)))


def check_rates(rates: Rates) -> Rates:
    """Return the rates when each is a finite number, 0 or more (taxpayers: at most 1)."""
    for name, value in asdict(rates).items():
        limit = 1.0 if name == "individual_taxpayers" else math.inf
        if not isinstance(value, int | float) or not 0 <= value <= limit or math.isnan(value):
            raise _bad(
                "synthetic.rate",
                N_("The rate {name} must be a number from 0 to {limit}; {value} is not."),
                name,
                name=name,
                value=value,
                limit=limit,
            )
    return rates


def _stream(
    *, people: int, seed: int, provinces: tuple[str, ...] | None, rates: Rates
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(file position, content)`` for the whole run, references always met first."""
    land = country()
    counts = quotas(people, land.provinces)
    if provinces is None:
        # Central units belong to no province: only a national run holds them.
        for unit in central_budget_units():
            yield BUDGET_UNIT, unit
    for province in land.provinces:
        if provinces is not None and province.code not in provinces:
            continue
        yield from ProvinceGenerator(
            country=land,
            province=province,
            seed=seed,
            people=counts[province.code],
            enterprises=rates.enterprises,
            vehicles=rates.vehicles,
            parcels=rates.parcels,
            individual_taxpayers=rates.individual_taxpayers,
            fee_payments=rates.fee_payments,
        )


def records(
    *,
    people: int,
    seed: int,
    provinces: Iterable[str] | None = None,
    rates: Rates | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(record type, content)`` of a whole run, each record after those it refers to.

    Writing the records in this order, one by one or in batches, never meets a missing
    reference; no file is written.
    """
    stream = _stream(
        people=check_people(people),
        seed=seed,
        provinces=check_provinces(provinces),
        rates=check_rates(rates or Rates()),
    )
    for position, content in stream:
        yield RECORD_TYPES[position], content


def iter_records(
    record_type: str,
    *,
    people: int,
    seed: int,
    provinces: Iterable[str] | None = None,
    rates: Rates | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the contents of one record type of a run, as its file would hold them.

    Each call generates the run again and keeps one type, so importing the types one
    after the other in ``RECORD_TYPES`` order meets every reference.
    """
    if record_type not in RECORD_TYPES:
        raise _bad(
            "synthetic.record_type",
            N_("{value} is not a generated record type. Use one of: {types}."),
            "record_type",
            value=record_type,
            types=", ".join(RECORD_TYPES),
        )
    wanted = RECORD_TYPES.index(record_type)
    stream = _stream(
        people=check_people(people),
        seed=seed,
        provinces=check_provinces(provinces),
        rates=check_rates(rates or Rates()),
    )
    for position, content in stream:
        if position == wanted:
            yield content


def _prepare(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not out.is_dir() or not os.access(out, os.W_OK):
            raise NotADirectoryError(str(out))
    except OSError as exc:
        raise _bad(
            "synthetic.out_not_writable",
            N_("The directory {path} cannot be written ({reason}). Give a writable directory."),
            "out",
            path=str(out),
            reason=exc.strerror or type(exc).__name__,
        ) from None
    return out


def _writer(out: Path, position: int, format: str) -> FileWriter:
    file = FILES[position]
    return open_writer(
        out / file.name(format),
        format=format,
        columns=file.column_names,
        column_types=file.column_types,
        row_group_size=PARQUET_ROW_GROUP,
    )


def generate(
    *,
    people: int,
    seed: int,
    out: str | Path,
    format: str = "jsonl",
    provinces: Iterable[str] | None = None,
    rates: Rates | None = None,
    progress: Callable[[GenerateProgress], None] | None = None,
) -> Summary:
    """Write one file per record type, in import order, and a manifest; return a summary.

    The same arguments give byte-identical files. Files appear complete or not at all.
    """
    people = check_people(people)
    chosen = check_provinces(provinces)
    rates = check_rates(rates or Rates())
    if format not in FORMATS:
        raise _bad(
            "synthetic.format",
            N_("{value} is not an output format. Use jsonl, csv or parquet."),
            "format",
            value=format,
        )
    target = _prepare(Path(out))
    started = time.perf_counter()
    done = 0
    written = 0
    with ExitStack() as stack:
        writers = [
            stack.enter_context(_writer(target, position, format)) for position in range(len(FILES))
        ]
        # Rows go to the writers in small batches: fewer calls, memory still bounded.
        pending: list[list[dict[str, Any]]] = [[] for _ in FILES]
        for position, content in _stream(people=people, seed=seed, provinces=chosen, rates=rates):
            batch = pending[position]
            batch.append(content)
            if len(batch) >= WRITE_BATCH:
                writers[position].write_many(batch)
                batch.clear()
            written += 1
            if position == PERSON:
                done += 1
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(GenerateProgress(done, people, written, time.perf_counter() - started))
        for writer, batch in zip(writers, pending, strict=True):
            writer.write_many(batch)
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(GenerateProgress(done, people, written, seconds))
    files = tuple(
        FileSummary(
            path=target / file.name(format),
            system=file.system,
            record_type=file.record_type,
            rows=writer.rows_written,
        )
        for file, writer in zip(FILES, writers, strict=True)
    )
    manifest = _write_manifest(target, seed, people, format, chosen, rates, files)
    return Summary(
        out=target,
        seed=seed,
        people=people,
        format=format,
        provinces=chosen,
        files=files,
        manifest=manifest,
        seconds=seconds,
        counts={file.record_type: file.rows for file in files},
    )


def _write_manifest(
    out: Path,
    seed: int,
    people: int,
    format: str,
    provinces: tuple[str, ...] | None,
    rates: Rates,
    files: tuple[FileSummary, ...],
) -> Path:
    """Write the manifest: nothing in it depends on the clock, so it is reproducible too."""
    content = {
        "generator": "lienthong.data.synthetic",
        "version": GENERATOR_VERSION,
        "seed": seed,
        "people": people,
        "provinces": list(provinces) if provinces is not None else None,
        "format": format,
        "as_of": AS_OF.isoformat(),
        "rates": asdict(rates),
        "files": [
            {
                "name": file.path.name,
                "system": file.system,
                "record_type": file.record_type,
                "rows": file.rows,
            }
            for file in files
        ],
    }
    path = out / MANIFEST
    partial = out / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path
