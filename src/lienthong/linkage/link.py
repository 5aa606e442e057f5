"""``consolidate link`` end to end: read, repair, link to the registry, record the run, write links.

The order keeps the promise that nothing is half-written: the links file is written under
a temporary name, the run and its items are committed in one transaction, and only then
does the file take its name. A failure anywhere leaves neither.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import pyarrow as pa

from lienthong.access import Access, Action, log_access
from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.linkage import service
from lienthong.linkage.engine import (
    Link,
    Model,
    Thresholds,
    find_duplicates,
    link_records,
    train_model,
)
from lienthong.linkage.mapping import LoadedMapping, MappedRow, Mapper, load_mapping
from lienthong.linkage.readers import open_source
from lienthong.linkage.specs import LinkageSpec, spec_for
from lienthong.node import Node
from lienthong.store.records import MAX_PAGE

#: The columns of the links file, in this order (the command's contract).
LINK_COLUMNS: Final = ("legacy_id", "registry_id", "match_probability", "decision")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SourceOptions:
    """How to open the legacy source (see :func:`lienthong.linkage.readers.open_source`)."""

    table: str | None = None
    query: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class LinkSummary:
    """What one ``consolidate link`` did."""

    run_id: str
    out: Path
    rejects: Path | None
    duplicates: Path | None
    model: Path
    model_version: str
    trained: bool
    rows: int
    by_decision: dict[str, int]
    duplicate_rows: int
    seconds: float


def link_file(
    *,
    node: Node,
    input: str | Path,
    mapping: Path,
    out: Path,
    thresholds: Thresholds,
    actor: str,
    model: Path | None = None,
    retrain: bool = False,
    source: SourceOptions | None = None,
    workdir: Path | None = None,
    progress: Progress | None = None,
) -> LinkSummary:
    """Link every record of a legacy source to the registry and record the run for review."""
    started = time.perf_counter()
    say = progress or (lambda _step: None)
    loaded = load_mapping(mapping)
    spec = spec_for(loaded.mapping.target.record_type)
    options = source or SourceOptions()
    say(N_("Reading and repairing the legacy records"))
    with open_source(
        input,
        table=options.table,
        query=options.query,
        delimiter=options.delimiter,
        encoding=options.encoding,
        sheet=options.sheet,
    ) as legacy_source:
        mapper = Mapper(loaded.mapping, source=legacy_source.name, columns=legacy_source.columns)
        mapper.learn(legacy_source.rows())
        mapped = list(mapper.apply(legacy_source.rows()))
        source_name = legacy_source.name
    accepted = [row for row in mapped if not row.rejected]
    say(N_("Reading the registry"))
    registry = registry_table(node=node, spec=spec, actor=actor)
    legacy = legacy_table(accepted, spec=spec)
    model_path = model or out.with_suffix(".model.json")
    counts: Counter[str] = Counter()
    outputs = _Outputs(out)
    try:
        with tempfile.TemporaryDirectory(prefix="lienthong-link-", dir=workdir) as scratch:
            work = Path(scratch)
            trained = retrain or not model_path.exists()
            if trained:
                say(N_("Training the model (no labels needed)"))
                chosen = train_model(spec=spec, legacy=legacy, registry=registry, workdir=work)
            else:
                chosen = Model.load(model_path)
                _check_model(chosen, spec=spec, path=model_path)
            say(N_("Looking for duplicates within the legacy file"))
            clusters = _clusters(
                spec=spec, legacy=legacy, model=chosen, thresholds=thresholds, workdir=work
            )
            say(N_("Linking"))
            links = link_records(
                spec=spec,
                legacy=legacy,
                registry=registry,
                model=chosen,
                thresholds=thresholds,
                workdir=work,
                progress=progress,
            )
            # Items stream from the links into the files and the run: a million legacy
            # records never sit in memory as links, items and rows at once.
            items = _items(mapped, links=links, clusters=clusters, spec=spec, loaded=loaded)
            with node.unit_of_work() as uow:
                run_id = service.start_run(
                    uow=uow,
                    info=service.RunInfo(
                        system=spec.system,
                        record_type=spec.record_type,
                        source_system=loaded.mapping.source.system,
                        source=source_name,
                        mapping=loaded.text,
                        model_version=chosen.version,
                        match_threshold=thresholds.match,
                        review_threshold=thresholds.review,
                        created_by=actor,
                    ),
                )
                service.add_items(
                    uow=uow, run_id=run_id, items=outputs.written(items, counts=counts)
                )
                outputs.finish(mapped=mapped, clusters=clusters)
                say(N_("Recording the run"))
                uow.commit()
    except BaseException:
        outputs.discard()
        raise
    if trained:
        chosen.save(model_path)
    finals = outputs.publish()
    return LinkSummary(
        run_id=run_id,
        out=out,
        rejects=_named(finals, out, "rejects"),
        duplicates=_named(finals, out, "duplicates"),
        model=model_path,
        model_version=chosen.version,
        trained=trained,
        rows=sum(counts.values()),
        by_decision=dict(counts),
        duplicate_rows=len(clusters),
        seconds=time.perf_counter() - started,
    )


def _check_model(model: Model, *, spec: LinkageSpec, path: Path) -> None:
    if model.record_type != spec.record_type:
        raise LienthongError(
            "linkage.model.record_type",
            N_(
                "The model {path} was trained for {trained}, not {record_type}. Point --model at "
                "another file, or add --retrain."
            ),
            field="model",
            path=str(path),
            trained=model.record_type,
            record_type=spec.record_type,
        )


def _clusters(
    *, spec: LinkageSpec, legacy: pa.Table, model: Model, thresholds: Thresholds, workdir: Path
) -> dict[str, str]:
    if legacy.num_rows < 2:
        return {}
    found = find_duplicates(
        spec=spec, legacy=legacy, model=model, threshold=thresholds.match, workdir=workdir
    )
    return {legacy_id: group.cluster for group in found for legacy_id in group.legacy_ids}


def registry_table(*, node: Node, spec: LinkageSpec, actor: str) -> pa.Table:
    """Return the linkage fields of every live registry record of the spec's type.

    The read is of personal data, so it is logged with its purpose, as one search.
    """
    ids: list[str] = []
    columns: dict[str, list[str | None]] = {name: [] for name in spec.fields}
    with node.unit_of_work(read_only=True) as uow:
        cache: dict[tuple[str, str], Mapping[str, Any] | None] = {}

        def resolve(record_type: str, record_id: str) -> Mapping[str, Any] | None:
            key = (record_type, record_id)
            if key not in cache:
                try:
                    cache[key] = uow.records.get(
                        record_type=record_type, record_id=record_id
                    ).content
                except LienthongError:
                    cache[key] = None
            return cache[key]

        cursor: str | None = None
        while True:
            page = uow.records.search(record_type=spec.record_type, limit=MAX_PAGE, cursor=cursor)
            for record in page.records:
                fields = spec.from_record(record.content, resolve=resolve)
                ids.append(record.record_id)
                for name in spec.fields:
                    columns[name].append(fields.get(name))
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    with node.unit_of_work() as uow:
        log_access(
            connection=uow.connection,
            access=Access(
                client=actor,
                action=Action.SEARCH,
                outcome="ok",
                record_type=spec.record_type,
                purpose=service.PURPOSE,
            ),
            at=node.clock(),
            node_id=node.node_id,
        )
        uow.commit()
    return _table(ids, columns)


def legacy_table(rows: list[MappedRow], *, spec: LinkageSpec) -> pa.Table:
    """Return the linkage fields of the legacy rows that can be linked."""
    columns = {name: [row.fields.get(name) for row in rows] for name in spec.fields}
    return _table([row.legacy_id for row in rows], columns)


def _table(ids: list[str], columns: Mapping[str, list[str | None]]) -> pa.Table:
    arrays = {"unique_id": pa.array(ids, type=pa.string())}
    arrays.update({name: pa.array(values, type=pa.string()) for name, values in columns.items()})
    return pa.table(arrays)


def _items(
    mapped: list[MappedRow],
    *,
    links: Iterable[Link],
    clusters: Mapping[str, str],
    spec: LinkageSpec,
    loaded: LoadedMapping,
) -> Iterator[service.RunItem]:
    create_new = loaded.mapping.target.create_new
    ordered = iter(links)
    for row in mapped:
        if row.problem is not None:
            yield service.RunItem(
                legacy_id=row.legacy_id,
                row_number=row.row_number,
                fields=row.fields,
                content=None,
                registry_id=None,
                match_probability=0.0,
                decision="reject",
                candidates=[],
                problem={
                    "code": row.problem.code,
                    "message_vi": row.problem.message_vi,
                    "message_en": row.problem.message_en,
                },
            )
            continue
        link = next(ordered)
        if link.legacy_id != row.legacy_id:
            # The engine answers in the order it was given; anything else is a defect.
            raise RuntimeError(f"links out of order: {link.legacy_id} for {row.legacy_id}")
        content = spec.to_content(row.fields) if create_new and link.decision != "match" else None
        yield service.RunItem(
            legacy_id=row.legacy_id,
            row_number=row.row_number,
            fields=row.fields,
            content=content,
            registry_id=link.registry_id,
            match_probability=link.match_probability,
            decision=link.decision,
            candidates=[
                {
                    "registry_id": candidate.registry_id,
                    "match_probability": candidate.match_probability,
                    "evidence": [
                        {
                            "comparison": evidence.comparison,
                            "level": evidence.level,
                            "bayes_factor": evidence.bayes_factor,
                        }
                        for evidence in candidate.evidence
                    ],
                }
                for candidate in link.candidates
            ],
            cluster=clusters.get(row.legacy_id),
        )


class _Outputs:
    """The links file and its companions, written under temporary names until published."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._temporary: dict[Path, Path] = {}

    def _open(self, final: Path) -> IO[str]:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent)
        os.close(handle)
        self._temporary[final] = Path(name)
        return Path(name).open("w", encoding="utf-8", newline="")

    def written(
        self, items: Iterable[service.RunItem], *, counts: Counter[str]
    ) -> Iterator[service.RunItem]:
        """Yield the items, each written to the links file and counted on its way."""
        with self._open(self.out) as stream:
            writer = csv.writer(stream)
            writer.writerow(LINK_COLUMNS)
            for item in items:
                writer.writerow(
                    (
                        item.legacy_id,
                        item.registry_id or "",
                        f"{item.match_probability:.6f}",
                        item.decision,
                    )
                )
                counts[item.decision] += 1
                yield item

    def finish(self, *, mapped: list[MappedRow], clusters: Mapping[str, str]) -> None:
        """Write the rejected rows with their reasons, and the duplicate groups."""
        problems = [row for row in mapped if row.problem is not None]
        if problems:
            with self._open(_companion(self.out, "rejects")) as stream:
                writer = csv.writer(stream)
                writer.writerow(("legacy_id", "row", "code", "field", "reason"))
                for row in problems:
                    assert row.problem is not None
                    writer.writerow(
                        (
                            row.legacy_id,
                            row.row_number,
                            row.problem.code,
                            row.problem.field or "",
                            row.problem.message(),
                        )
                    )
        if clusters:
            with self._open(_companion(self.out, "duplicates")) as stream:
                writer = csv.writer(stream)
                writer.writerow(("cluster", "legacy_id"))
                for legacy_id, cluster in sorted(clusters.items(), key=lambda pair: pair[::-1]):
                    writer.writerow((cluster, legacy_id))

    def discard(self) -> None:
        """Remove every temporary file."""
        for temporary in self._temporary.values():
            temporary.unlink(missing_ok=True)

    def publish(self) -> dict[Path, Path]:
        """Give every file its name; return them."""
        return {final: temporary.replace(final) for final, temporary in self._temporary.items()}


def _companion(out: Path, kind: str) -> Path:
    return out.with_name(f"{out.stem}.{kind}{out.suffix or '.csv'}")


def _named(finals: Mapping[Path, Path], out: Path, kind: str) -> Path | None:
    wanted = _companion(out, kind)
    return wanted if wanted in finals else None
