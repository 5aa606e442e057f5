"""Bulk import of a file of records into a node's registries: resumable, idempotent, batched.

Every row is validated by its record type; good rows are written in batches, each batch
one unit of work (record versions, search index, change log: all or nothing); a bad
row goes to a reject file with its row number, field, code and reason, and never stops
the others. A row whose record already holds the same content is skipped, so running
the same file again adds nothing. After each committed batch a checkpoint records how
far the file is done; an interrupted import started again with the same file goes on
from there.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import math
import multiprocessing
import os
import pickle
import queue
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from lienthong.data.formats import (
    CsvWriter,
    JsonlWriter,
    RowWriter,
    count_rows,
    format_of,
    read_rows,
)
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.node import Node
from lienthong.store import dialects, models
from lienthong.store.records import ItemOutcome, Prepared, prepare
from lienthong.systems.definition import RecordType, System

#: Rows per unit of work: large enough to amortize statements, small enough to redo.
BATCH_SIZE: Final = 5000
#: The column (or JSONL field) naming a row's record type; it is not part of the content.
TYPE_COLUMN: Final = "record_type"
#: The columns of a reject file.
REJECT_COLUMNS: Final = ("row", "field", "code", "reason", "original")
#: How much of the file's beginning identifies it, with its size and modification time.
HEAD_BYTES: Final = 1 << 20
CHECKPOINT_VERSION: Final = 1
#: Batches read and checked ahead of the one being written: what bounds memory.
PREPARED_AHEAD: Final = 2


@dataclass(frozen=True)
class ImportProgress:
    """How far an import is, after each committed batch."""

    rows_read: int
    rows_total: int | None
    imported: int
    skipped: int
    rejected: int
    seconds: float


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, counted over the whole file (earlier interrupted runs included)."""

    path: Path
    system: str
    rows_read: int
    imported: int
    updated: int
    skipped: int
    rejected: int
    resumed_from: int
    seconds: float
    reject_path: Path | None

    @property
    def rows_per_second(self) -> float:
        """Rows handled per second by this run."""
        done = self.rows_read - self.resumed_from
        return done / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Checkpoint:
    """How far a file's import is: everything up to ``rows_done`` is committed."""

    path: str
    database: str
    system: str
    record_type: str | None
    size: int
    mtime_ns: int
    head_sha256: str
    rows_done: int = 0
    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    reject_bytes: int = 0
    sequence: int = 0
    version: int = CHECKPOINT_VERSION

    def same_file(self, other: _Checkpoint) -> bool:
        """Tell whether a saved checkpoint is about this very file, import and store."""
        keys = ("path", "database", "system", "record_type", "size", "mtime_ns", "head_sha256")
        return all(getattr(self, key) == getattr(other, key) for key in keys)


@dataclass
class _Row:
    number: int
    original: Any
    content: dict[str, Any] | None = None
    record_type: str | None = None
    error: LienthongError | None = None
    prepared: Prepared | None = None


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return (
            value
            if value.isascii() or unicodedata.is_normalized("NFC", value)
            else unicodedata.normalize("NFC", value)
        )
    if isinstance(value, dict):
        return {_nfc(key): _nfc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    return value


def _fingerprint(path: Path) -> tuple[int, int, str]:
    stat = path.stat()
    with path.open("rb") as stream:
        head = hashlib.sha256(stream.read(HEAD_BYTES)).hexdigest()
    return stat.st_size, stat.st_mtime_ns, head


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)


def checkpoint_path(node: Node, path: Path, system: str, record_type: str | None) -> Path:
    """Return where the checkpoint of importing a file into a node's store is kept."""
    key = "\0".join(
        [str(path.resolve()), node.settings.effective_database_url, system, record_type or ""]
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return node.settings.state_dir / "imports" / f"{digest}.json"


def default_reject_path(path: Path) -> Path:
    """Return the reject file beside an input: CSV for a CSV input, JSONL otherwise."""
    suffix = ".csv" if format_of(path) == "csv" else ".jsonl"
    return path.with_name(f"{path.stem}.rejects{suffix}")


def dependency_order(system: System) -> list[RecordType]:
    """Return a system's record types, each after the types its records refer to."""
    by_name = {record_type.name: record_type for record_type in system.record_types}
    ordered: list[RecordType] = []
    visiting: set[str] = set()

    def visit(record_type: RecordType) -> None:
        if record_type in ordered or record_type.name in visiting:
            return
        visiting.add(record_type.name)
        for reference in record_type.references:
            target = by_name.get(reference.target)
            if target is not None:
                visit(target)
        ordered.append(record_type)

    for record_type in system.record_types:
        visit(record_type)
    return ordered


class _Rejects:
    """The reject file, appended to batch by batch, cut back to its last checkpoint on resume."""

    def __init__(self, path: Path, keep_bytes: int) -> None:
        self.path = path
        self._keep = keep_bytes
        self._stream: IO[bytes] | None = None
        self._writer: RowWriter | None = None

    def _open(self) -> RowWriter:
        if self._writer is not None:
            return self._writer
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self._keep:
            self._stream = self.path.open("r+b")
            self._stream.truncate(self._keep)
            self._stream.seek(self._keep)
        else:
            self._stream = self.path.open("wb")
        name = str(self.path)
        if format_of(self.path) == "csv":
            self._writer = CsvWriter(
                self._stream, name=name, columns=REJECT_COLUMNS, header=not self._keep
            )
        else:
            self._writer = JsonlWriter(self._stream, name=name)
        return self._writer

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add rejected rows."""
        if rows:
            self._open().write_many(rows)

    def commit(self) -> int:
        """Make what was written durable and return the file's length."""
        if self._writer is None or self._stream is None:
            return self._keep
        self._writer.flush()
        os.fsync(self._stream.fileno())
        return self._stream.tell()

    def close(self) -> None:
        """Close the file, leaving the byte stream to be closed once."""
        if isinstance(self._writer, CsvWriter):
            self._writer.detach()
        if self._stream is not None:
            self._stream.close()


def _reject_row(row: _Row) -> dict[str, Any]:
    assert row.error is not None
    return {
        "row": row.number,
        "field": row.error.field or "",
        "code": row.error.code,
        "reason": row.error.message(),
        "original": row.original,
    }


def _schema_types(schema: Mapping[str, Any]) -> set[str]:
    """Return the JSON types a property schema allows ("ref" for a referenced schema)."""
    if "$ref" in schema:
        return {"ref"}
    found = schema.get("type")
    if isinstance(found, str):
        return {found}
    if isinstance(found, list):
        return {str(item) for item in found}
    types: set[str] = set()
    for option in schema.get("anyOf", ()) or schema.get("oneOf", ()):
        types |= _schema_types(option)
    return types or {"any"}


#: What a text cell may become, by the JSON type a field takes.
_FROM_TEXT: Final[Mapping[str, Callable[[Any], bool]]] = {
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ),
    "boolean": lambda value: isinstance(value, bool),
}


def text_fields(record_type: RecordType) -> dict[str, tuple[Callable[[Any], bool], ...]]:
    """Return the top-level fields of a record type that take a number or a boolean, not text.

    A CSV cell is text: ``100000`` in a cell means the number only where the model
    wants a number, and ``01`` stays the text ``01`` where it wants text (a province code).
    """
    properties = record_type.json_schema().get("properties", {})
    found: dict[str, tuple[Callable[[Any], bool], ...]] = {}
    for name, schema in properties.items():
        types = _schema_types(schema)
        accepted = tuple(_FROM_TEXT[kind] for kind in sorted(types) if kind in _FROM_TEXT)
        if accepted and not types & {"string", "ref", "any", "array", "object"}:
            found[name] = accepted
    return found


def _from_text(
    content: dict[str, Any], fields: Mapping[str, tuple[Callable[[Any], bool], ...]]
) -> None:
    """Read text cells of numeric and boolean fields as such; leave the rest to validation."""
    for name, accepted in fields.items():
        text = content.get(name)
        if not isinstance(text, str):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue  # validation says what is wrong with it, at this field
        if any(accepts(value) for accepts in accepted):
            content[name] = value


class _Importer:
    """One run of ``import_file``: reads, triages and writes batch after batch."""

    def __init__(
        self,
        *,
        node: Node,
        system: System,
        record_type: str | None,
        update: bool,
        text_cells: bool = False,
    ) -> None:
        self.node = node
        self.system = system
        self.update = update
        #: CSV: every cell is text, numbers and booleans included.
        self.text_fields = (
            {record_type.name: text_fields(record_type) for record_type in system.record_types}
            if text_cells
            else None
        )
        self.order = dependency_order(system)
        self.types = {record_type.name: record_type for record_type in system.record_types}
        if record_type is not None:
            self.fixed: str | None = system.record_type(record_type).name
        elif len(system.record_types) == 1:
            self.fixed = system.record_types[0].name
        else:
            self.fixed = None

    def classify(self, number: int, raw: dict[str, Any]) -> _Row:
        """Return a row with its record type and NFC content, or the reason it has none."""
        content = _nfc(raw)
        declared = content.pop(TYPE_COLUMN, None)
        row = _Row(number=number, original=raw, content=content)
        name = self.fixed or declared
        if name is None:
            row.error = LienthongError(
                "data.no_record_type",
                N_("Row {row} does not say its record type. Add a {column} column or give --type."),
                field=TYPE_COLUMN,
                row=number,
                column=TYPE_COLUMN,
            )
        elif name not in self.types:
            row.error = LienthongError(
                "data.unknown_record_type",
                N_("Row {row} is of record type {name}, which the system {system} lacks."),
                field=TYPE_COLUMN,
                row=number,
                name=str(name),
                system=self.system.code,
            )
        else:
            row.record_type = str(name)
            if self.text_fields is not None:
                _from_text(content, self.text_fields[row.record_type])
        return row

    def prepare(self, rows: Sequence[_Row]) -> None:
        """Validate, hash and index the classified rows: the work that needs no database."""
        for row in rows:
            if row.error is None and row.record_type is not None:
                row.prepared = prepare(self.types[row.record_type], row.content or {})
                row.content = None  # the prepared item holds the validated content

    def write_batch(self, rows: Sequence[_Row], checkpoint: _Checkpoint) -> None:
        """Write one batch in one unit of work and count what became of each row."""
        with self.node.unit_of_work() as uow:
            for record_type in self.order:
                group = [row for row in rows if row.record_type == record_type.name]
                if not group:
                    continue
                outcomes = uow.records.write_prepared(
                    record_type=record_type.name,
                    items=[
                        row.prepared or prepare(self.types[record_type.name], row.content or {})
                        for row in group
                    ],
                    update=self.update,
                )
                for row, outcome in zip(group, outcomes, strict=True):
                    self.count(row, outcome, record_type, checkpoint)
            checkpoint.sequence = uow.changes.last_sequence(origin=self.node.node_id)
            uow.commit()

    def count(
        self, row: _Row, outcome: ItemOutcome, record_type: RecordType, checkpoint: _Checkpoint
    ) -> None:
        """Count one row's outcome; a refused row gets the error the reject file shows."""
        if outcome.status in ("created", "updated"):
            checkpoint.imported += 1
            checkpoint.updated += outcome.status == "updated"
        elif outcome.status == "unchanged":
            checkpoint.skipped += 1
        elif outcome.status == "conflict":
            row.error = LienthongError(
                "data.conflict",
                N_(
                    "{record_type} {record_id} already exists with other content. Import"
                    " with --update to write the file's content as its next version."
                ),
                field=record_type.identifier,
                record_type=record_type.name,
                record_id=outcome.record_id or "",
            )
        else:
            row.error = outcome.error


def _load_checkpoint(path: Path) -> _Checkpoint | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        saved = _Checkpoint(**data)
    except (OSError, ValueError, TypeError):
        return None
    return saved if saved.version == CHECKPOINT_VERSION else None


def _resumable(node: Node, saved: _Checkpoint | None, fresh: _Checkpoint, rejects: Path) -> bool:
    """Tell whether a saved checkpoint can be trusted for this run."""
    if saved is None or not saved.same_file(fresh):
        return False
    if saved.reject_bytes and (
        not rejects.is_file() or rejects.stat().st_size < saved.reject_bytes
    ):
        return False
    # A store that lost its last commits (power loss with relaxed syncing) is behind the
    # checkpoint: start again from the top, which the skip-identical rule makes safe.
    with node.unit_of_work(read_only=True) as uow:
        return uow.changes.last_sequence(origin=node.node_id) >= saved.sequence


def _refresh_statistics(node: Node) -> None:
    if dialects.backend_of(node.engine.dialect) == "postgresql":
        with node.engine.begin() as connection:
            dialects.refresh_statistics(connection, models.metadata.sorted_tables)


def _batches(
    rows: Iterator[tuple[int, dict[str, Any]]],
    unreadable: list[_Row],
    importer: _Importer,
    after: int,
    size: int,
) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for number, raw in rows:
        # Rows the reader could not read arrive through ``unreadable`` before the next row.
        batch.extend(row for row in unreadable if row.number > after)
        unreadable.clear()
        if number <= after:
            continue
        batch.append(importer.classify(number, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    batch.extend(row for row in unreadable if row.number > after)
    unreadable.clear()
    if batch:
        yield batch


class _PicklingErrors(pickle.Pickler):
    """Pickle batches for the trip between processes, errors included."""

    def reducer_override(self, obj: Any) -> Any:
        """Rebuild errors from their parts: their constructor takes keyword arguments."""
        if isinstance(obj, LienthongError):
            return _rebuild_error, (type(obj), obj.code, obj.template, obj.field, obj.params)
        return NotImplemented


def _rebuild_error(
    kind: type[LienthongError], code: str, template: str, field: str | None, params: Any
) -> LienthongError:
    return kind(code, template, field=field, **params)


def _flat(batch: Sequence[_Row]) -> list[tuple[Any, ...]]:
    """Return a batch as plain tuples, which pickle several times faster than dataclasses."""
    return [
        (
            row.number,
            row.original,
            row.content,
            row.record_type,
            row.error,
            None
            if (item := row.prepared) is None
            else (
                item.record_id,
                item.content,
                item.content_hash,
                item.partition,
                item.index,
                item.error,
                item.partition_error,
                item.index_error,
            ),
        )
        for row in batch
    ]


def _unflat(rows: Sequence[tuple[Any, ...]]) -> list[_Row]:
    return [
        _Row(
            number, original, content, record_type, error, None if item is None else Prepared(*item)
        )
        for number, original, content, record_type, error, item in rows
    ]


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _PicklingErrors(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def _send(channel: Any, payload: bytes, parent: int) -> None:
    """Put a payload on the queue, giving up when the importing process has gone."""
    while True:
        try:
            channel.put(payload, timeout=1.0)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)  # the importer was killed: nobody will read what is left


def _produce(
    channel: Any,
    importer: _Importer,
    source: Path,
    kind: str,
    after: int,
    size: int,
    parent: int,
) -> None:
    """Read, classify and prepare batch after batch in a worker process, onto a queue."""

    def watch() -> None:
        # An importer killed outright (SIGKILL) leaves the queue unread: do not outlive it.
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    try:
        unreadable: list[_Row] = []

        def on_error(error: LienthongError, number: int, raw: str) -> None:
            unreadable.append(_Row(number=number, original=raw, error=error))

        rows = read_rows(source, format=kind, on_error=on_error)
        for batch in _batches(rows, unreadable, importer, after, size):
            importer.prepare(batch)
            _send(channel, _dumps(("batch", _flat(batch))), parent)
        _send(channel, _dumps(("done", None)), parent)
    except BaseException as exc:
        try:
            payload = _dumps(("error", exc))
        except Exception:
            payload = _dumps(("error", RuntimeError(repr(exc))))
        _send(channel, payload, parent)


def _worker_stopped(path: Path, code: int | None) -> LienthongError:
    return LienthongError(
        "data.worker_stopped",
        N_(
            "The process checking the rows of {path} stopped unexpectedly (exit code"
            " {code}). Run the import again: it resumes after the last committed batch."
        ),
        field="path",
        path=str(path),
        code=str(code),
    )


def can_prepare_in_parallel() -> bool:
    """Tell whether rows can be checked in a second process while the store writes."""
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


class _Pipeline:
    """Prepared batches of a file: from a worker process when parallel, else read here.

    The worker reads, normalizes, validates, hashes and indexes the next batches while
    this process writes the current one; a bounded queue keeps at most
    ``PREPARED_AHEAD`` batches waiting, so memory stays constant whatever the file size.
    """

    def __init__(
        self,
        *,
        importer: _Importer,
        source: Path,
        kind: str,
        after: int,
        size: int,
        parallel: bool,
    ) -> None:
        self._importer = importer
        self._source = source
        self._kind = kind
        self._after = after
        self._size = size
        self._parallel = parallel
        self._process: Any = None

    def __enter__(self) -> Iterator[list[_Row]]:
        if not self._parallel:
            return self._here()
        # fork: the worker inherits the node's system definitions (which need not pickle)
        # and never touches the parent's database connections.
        context = multiprocessing.get_context("fork")
        channel = context.Queue(maxsize=PREPARED_AHEAD)
        self._process = context.Process(
            target=_produce,
            args=(
                channel,
                self._importer,
                self._source,
                self._kind,
                self._after,
                self._size,
                os.getpid(),
            ),
            daemon=True,
        )
        self._process.start()
        return self._received(channel)

    def _here(self) -> Iterator[list[_Row]]:
        unreadable: list[_Row] = []

        def on_error(error: LienthongError, number: int, raw: str) -> None:
            unreadable.append(_Row(number=number, original=raw, error=error))

        rows = read_rows(self._source, format=self._kind, on_error=on_error)
        for batch in _batches(rows, unreadable, self._importer, self._after, self._size):
            self._importer.prepare(batch)
            yield batch

    def _received(self, channel: Any) -> Iterator[list[_Row]]:
        while True:
            try:
                payload = channel.get(timeout=1.0)
            except queue.Empty:
                if not self._process.is_alive():
                    raise _worker_stopped(self._source, self._process.exitcode) from None
                continue
            kind, value = pickle.loads(payload)
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield _unflat(value)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None


def import_file(
    *,
    node: Node,
    system: str,
    path: str | Path,
    record_type: str | None = None,
    format: str | None = None,
    reject_path: str | Path | None = None,
    update: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[ImportProgress], None] | None = None,
    parallel: bool | None = None,
) -> ImportSummary:
    """Import the records of a file into a system's registries on a node.

    Rows are validated by their record type (``record_type``, else the row's
    ``record_type`` column, else the system's only type); good rows are written batch
    by batch, rejected rows go to ``reject_path`` (beside the file by default), rows
    already present with the same content are skipped. With ``update``, a row whose
    record holds other content becomes its next version instead of a ``data.conflict``
    rejection. An interrupted import called again with the same file resumes after the
    last committed batch. ``parallel`` (default: where a second CPU and ``fork`` are
    available) checks the next rows in a worker process while the store writes.
    """
    started = time.perf_counter()
    source = Path(path)
    definition = node.systems.get(system)
    kind = format_of(source, format)
    importer = _Importer(
        node=node,
        system=definition,
        record_type=record_type,
        update=update,
        text_cells=kind == "csv",
    )
    rows_total = count_rows(source, format=kind)
    rejects_at = Path(reject_path) if reject_path is not None else default_reject_path(source)
    size, mtime_ns, head = _fingerprint(source)
    state = _Checkpoint(
        path=str(source.resolve()),
        database=node.settings.effective_database_url,
        system=definition.code,
        record_type=importer.fixed if record_type is not None else None,
        size=size,
        mtime_ns=mtime_ns,
        head_sha256=head,
    )
    saved_at = checkpoint_path(node, source, definition.code, state.record_type)
    saved = _load_checkpoint(saved_at)
    if saved is not None and _resumable(node, saved, state, rejects_at):
        state = saved
    else:
        rejects_at.unlink(missing_ok=True)
    resumed_from = state.rows_done
    saved_at.parent.mkdir(parents=True, exist_ok=True)
    rejects = _Rejects(rejects_at, state.reject_bytes)
    pipeline = _Pipeline(
        importer=importer,
        source=source,
        kind=kind,
        after=state.rows_done,
        size=batch_size,
        parallel=can_prepare_in_parallel() if parallel is None else parallel,
    )
    analyze_at = 1
    thresholds = gc.get_threshold()
    # A batch allocates hundreds of thousands of short-lived objects without cycles:
    # frequent cyclic collections only walk them in vain (reference counting frees them).
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        with pipeline as batches:
            for batch in batches:
                batch.sort(key=lambda row: row.number)
                writable = [row for row in batch if row.error is None]
                importer.write_batch(writable, state)
                refused = [row for row in batch if row.error is not None]
                rejects.write([_reject_row(row) for row in refused])
                state.rows_done = batch[-1].number
                state.rows_read += len(batch)
                state.rejected += len(refused)
                state.reject_bytes = rejects.commit()
                _write_atomically(saved_at, json.dumps(asdict(state)).encode("utf-8"))
                if state.imported >= analyze_at:
                    # Each time the import has doubled the store, so lookups keep their indexes.
                    _refresh_statistics(node)
                    analyze_at = 2 * state.imported
                if progress is not None:
                    progress(
                        ImportProgress(
                            rows_read=state.rows_read,
                            rows_total=rows_total,
                            imported=state.imported,
                            skipped=state.skipped,
                            rejected=state.rejected,
                            seconds=time.perf_counter() - started,
                        )
                    )
    finally:
        gc.set_threshold(*thresholds)
        rejects.close()
    # The file is done: a later run with it starts from the top (and skips every row).
    saved_at.unlink(missing_ok=True)
    return ImportSummary(
        path=source,
        system=definition.code,
        rows_read=state.rows_read,
        imported=state.imported,
        updated=state.updated,
        skipped=state.skipped,
        rejected=state.rejected,
        resumed_from=resumed_from,
        seconds=time.perf_counter() - started,
        reject_path=rejects_at if state.rejected else None,
    )
