"""Link legacy records to a registry, and find duplicates within a legacy file, with Splink.

The work runs in DuckDB, in a database file under ``workdir`` with a memory limit, so a
million records against a million fit on a small machine: features are computed in
Python (once per distinct value), loaded as tables, and Splink blocks, scores and ranks
the pairs there. A model is trained without labels: u probabilities from random pairs,
m probabilities by expectation maximisation on a few blocking rules, and the share of
pairs that match from rules that admit almost no false matches. Files too small for that
are linked with the priors of :mod:`lienthong.linkage.comparisons`, and the model says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import DuckDBAPI, Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from lienthong.errors import LienthongError
from lienthong.i18n import N_, _
from lienthong.linkage.comparisons import DESIGNS, PRIORS_NOTE, Design
from lienthong.linkage.features import BUILDERS
from lienthong.linkage.specs import LinkageSpec

# Splink is a library here: its progress messages are not ours to print.
logging.getLogger("splink").setLevel(logging.ERROR)

MODEL_FORMAT: Final = "lienthong.linkage.model"
MODEL_FORMAT_VERSION: Final = 1
#: Fewer rows than this on either side: too few pairs to estimate m and u, keep the priors.
MIN_TRAINING_ROWS: Final = 500
#: Share of the smaller file assumed to match when nothing was estimated from the data.
DEFAULT_MATCH_SHARE: Final = 0.5
#: Random pairs sampled to estimate u (the more, the steadier the rare levels).
U_PAIRS: Final = 1e7
#: Pairs one EM session looks at, at most; beyond that more pairs only cost time.
EM_PAIRS: Final = 2e6
#: Pairs scored below this probability (or the review threshold, if lower) are not candidates.
CANDIDATE_FLOOR: Final = 0.01
MAX_CANDIDATES: Final = 3
#: Two candidates whose odds are within this factor cannot be told apart: a person decides.
AMBIGUITY_FACTOR: Final = 2.0
#: The least m and u probability a level keeps after training.
M_FLOOR: Final = 0.001
U_FLOOR: Final = 1e-8
MEMORY_LIMIT: Final = "4GB"
THREADS: Final = 2

Decision = Literal["match", "review", "new"]


@dataclass(frozen=True)
class Thresholds:
    """Match probabilities at and above which a link is made, or put to review."""

    match: float
    review: float

    def __post_init__(self) -> None:
        if not (0 < self.review <= self.match <= 1):
            raise LienthongError(
                "linkage.thresholds",
                N_(
                    "The thresholds must satisfy 0 < review <= match <= 1; got review {review}"
                    " and match {match}. Lower the review threshold or raise the match threshold."
                ),
                field="thresholds",
                review=self.review,
                match=self.match,
            )


@dataclass(frozen=True)
class Evidence:
    """Why the model scored a pair so: one comparison, the level it fell in, its weight."""

    comparison: str
    level: str
    bayes_factor: float


@dataclass(frozen=True)
class Candidate:
    """A registry record a legacy record may be, with the evidence for it."""

    registry_id: str
    match_probability: float
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Link:
    """The outcome for one legacy record: the registry record it is, or that it is new."""

    legacy_id: str
    registry_id: str | None
    match_probability: float
    decision: Decision
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Duplicate:
    """Legacy records that are one and the same."""

    cluster: str
    legacy_ids: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Model:
    """A trained linkage model: Splink settings with their estimates, and how they were made."""

    record_type: str
    spec_version: str
    settings: Mapping[str, Any]
    #: "em" when estimated from the data, "priors" when the files were too small.
    method: str
    #: Share of the smaller file's records that match one in the other (the match prior).
    match_share: float
    note: str = ""
    version: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(
            json.dumps(
                [self.record_type, self.spec_version, self.settings, self.match_share],
                sort_keys=True,
            ).encode()
        )
        object.__setattr__(self, "version", digest.hexdigest()[:12])

    def to_dict(self) -> dict[str, Any]:
        """Return the model as a JSON-ready mapping."""
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "record_type": self.record_type,
            "spec_version": self.spec_version,
            "version": self.version,
            "method": self.method,
            "match_share": self.match_share,
            "note": self.note,
            "splink_settings": self.settings,
        }

    def save(self, path: Path) -> None:
        """Write the model to a JSON file (atomically: a reader never sees half of it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read a model written by :meth:`save`."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LienthongError(
                "linkage.model.missing",
                N_("There is no linkage model at {path}. Train one first, or give its path."),
                field="model",
                path=str(path),
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _corrupt(path, str(error)) from None
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise _corrupt(path, "not a lienthong linkage model")
        if data.get("format_version") != MODEL_FORMAT_VERSION:
            raise _corrupt(path, f"format version {data.get('format_version')!r}")
        try:
            record_type = str(data["record_type"])
            settings = data["splink_settings"]
            model = cls(
                record_type=record_type,
                spec_version=str(data["spec_version"]),
                settings=settings,
                method=str(data["method"]),
                match_share=float(data["match_share"]),
                note=str(data.get("note", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise _corrupt(path, f"missing or bad {error}") from None
        if record_type not in DESIGNS or not isinstance(settings, dict):
            raise LienthongError(
                "linkage.model.record_type",
                N_(
                    "The linkage model at {path} is for {record_type!r}, which cannot be linked."
                    " Train a model for one of: {known}."
                ),
                field="model",
                path=str(path),
                record_type=record_type,
                known=", ".join(sorted(DESIGNS)),
            )
        if data.get("version") != model.version:
            raise _corrupt(path, "its content does not match its version")
        return model


def _corrupt(path: Path, reason: str) -> LienthongError:
    return LienthongError(
        "linkage.model.corrupt",
        N_("The linkage model at {path} cannot be read ({reason}). Train the model again."),
        field="model",
        path=str(path),
        reason=reason,
    )


def _check_model(model: Model, spec: LinkageSpec) -> None:
    if model.record_type != spec.record_type:
        raise LienthongError(
            "linkage.model.record_type",
            N_(
                "The linkage model {version} was trained for {model_type} records, not"
                " {record_type}. Use or train a model for {record_type}."
            ),
            field="model",
            version=model.version,
            model_type=model.record_type,
            record_type=spec.record_type,
        )
    if model.spec_version != spec.version:
        raise LienthongError(
            "linkage.model.spec_version",
            N_(
                "The linkage model {version} was trained on version {model_spec} of the"
                " {record_type} fields; they are now version {spec_version}. Train it again."
            ),
            field="model",
            version=model.version,
            model_spec=model.spec_version,
            record_type=spec.record_type,
            spec_version=spec.version,
        )


# -- the DuckDB session ----------------------------------------------------------------------


class _Session:
    """A DuckDB database under the work directory, with Splink on it; removed when done."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        name = f"linkage-{uuid.uuid4().hex[:12]}"
        self.path = workdir / f"{name}.duckdb"
        self.spill = workdir / f"{name}.tmp"
        self.connection = duckdb.connect(
            str(self.path),
            config={
                "memory_limit": MEMORY_LIMIT,
                "threads": THREADS,
                "temp_directory": str(self.spill),
                "preserve_insertion_order": False,
            },
        )
        self.api = DuckDBAPI(self.connection)

    def load(self, name: str, table: pa.Table) -> SplinkDataFrame:
        """Copy a feature table into the database and register it with Splink."""
        view = f"_arrow_{name}"
        self.connection.register(view, table)
        self.connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{view}"')
        self.connection.unregister(view)
        return self.api.register(name, dataset_display_name=name)

    def close(self) -> None:
        """Close the database and remove its files."""
        self.connection.close()
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.spill, ignore_errors=True)


@contextlib.contextmanager
def _session(workdir: Path) -> Iterator[_Session]:
    session = _Session(workdir)
    try:
        yield session
    finally:
        session.close()


# -- inputs ----------------------------------------------------------------------------------


def _design(spec: LinkageSpec) -> Design:
    design = DESIGNS.get(spec.record_type)
    if design is None:
        raise LienthongError(
            "linkage.spec.unknown",
            N_("Records of type {record_type!r} cannot be linked. Link one of: {known}."),
            field="record_type",
            record_type=spec.record_type,
            known=", ".join(sorted(DESIGNS)),
        )
    return design


def _features(spec: LinkageSpec, table: pa.Table, *, side: str) -> pa.Table:
    if "unique_id" not in table.column_names:
        raise LienthongError(
            "linkage.input.unique_id",
            N_(
                "The {side} records have no unique_id column. Give every record its identifier"
                " in a column named unique_id."
            ),
            field="unique_id",
            side=side,
        )
    ids = table.column("unique_id").cast(pa.string())
    if ids.null_count:
        raise LienthongError(
            "linkage.input.unique_id_missing",
            N_("{count} of the {side} records have no unique_id. Give every record one."),
            field="unique_id",
            side=side,
            count=ids.null_count,
        )
    distinct = pc.count_distinct(ids).as_py()
    if distinct != table.num_rows:
        raise LienthongError(
            "linkage.input.unique_id_duplicate",
            N_(
                "{count} unique_id values of the {side} records are used more than once."
                " Give every record its own identifier."
            ),
            field="unique_id",
            side=side,
            count=table.num_rows - distinct,
        )
    return BUILDERS[spec.record_type](table)


def _probability(share: float, left: int, right: int) -> float:
    """Return the prior that a random pair matches, from the share of the smaller side."""
    pairs = max(left * right, 1)
    return min(max(share * max(min(left, right), 1) / pairs, 1e-12), 0.5)


def _settings(model: Model, *, link_type: str, probability: float) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(json.dumps(model.settings))
    settings["link_type"] = link_type
    settings["probability_two_random_records_match"] = probability
    settings.pop("linker_uid", None)
    return settings


# -- training --------------------------------------------------------------------------------


def train_model(
    *, spec: LinkageSpec, legacy: pa.Table, registry: pa.Table, workdir: Path, seed: int = 0
) -> Model:
    """Train a linkage model on a legacy file and the registry, without labels."""
    design = _design(spec)
    left = _features(spec, legacy, side="legacy")
    right = _features(spec, registry, side="registry")
    rows_left, rows_right = left.num_rows, right.num_rows
    settings = design.settings(
        link_type="link_only",
        probability=_probability(DEFAULT_MATCH_SHARE, rows_left, rows_right),
    )
    if min(rows_left, rows_right) < MIN_TRAINING_ROWS:
        return _model(spec, settings, method="priors", share=DEFAULT_MATCH_SHARE, note=PRIORS_NOTE)
    with _session(workdir) as session:
        frames = [session.load("legacy", left), session.load("registry", right)]
        del left, right
        linker = Linker(frames, settings, log_level=None)
        training = linker.training
        training.estimate_probability_two_random_records_match(
            list(design.deterministic), recall=design.deterministic_recall
        )
        trained = linker.misc.save_model_to_json()
        probability = float(trained["probability_two_random_records_match"])
        share = min(probability * rows_left * rows_right / min(rows_left, rows_right), 1.0)
        training.estimate_u_using_random_sampling(
            max_pairs=min(U_PAIRS, float(rows_left * rows_right)), seed=seed
        )
        large = rows_left * rows_right > 100 * EM_PAIRS
        for rule in design.training:
            training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=EM_PAIRS if large else None
            )
        trained = linker.misc.save_model_to_json()
    note = N_(
        "Trained on {legacy} legacy and {registry} registry records: u from random pairs, m by"
        " expectation maximisation, the match prior from exact rules."
    )
    return _model(
        spec,
        trained,
        method="em",
        share=share,
        note=note.format(legacy=rows_left, registry=rows_right),
    )


def _floored(settings: dict[str, Any]) -> dict[str, Any]:
    """Keep every level's m and u above a floor, so no single disagreement vetoes a match.

    EM on clean data learns m = 0 for "anything else"; a real file has typos, and a
    probability of zero would make one of them outweigh every other agreement.
    """
    for comparison in settings["comparisons"]:
        levels = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [level.get(key) for level in levels]
            if not all(isinstance(value, int | float) for value in values):
                continue
            raised = [max(float(value), floor) for value in values]
            total = sum(raised)
            for level, value in zip(levels, raised, strict=True):
                level[key] = value / total
    return settings


def _model(
    spec: LinkageSpec, settings: Mapping[str, Any], *, method: str, share: float, note: str
) -> Model:
    clean = _floored(json.loads(json.dumps(settings)))
    clean.pop("linker_uid", None)
    clean["probability_two_random_records_match"] = None
    return Model(
        record_type=spec.record_type,
        spec_version=spec.version,
        settings=clean,
        method=method,
        match_share=share,
        note=note,
    )


# -- linking ---------------------------------------------------------------------------------


def _labels(settings: Mapping[str, Any]) -> list[tuple[str, dict[int, str]]]:
    """Return each comparison's name and the label of each of its levels by gamma value."""
    out = []
    for comparison in settings["comparisons"]:
        levels = comparison["comparison_levels"]
        counted = [level for level in levels if not level.get("is_null_level")]
        labels = {-1: "missing on either side"}
        for level in levels:
            if level.get("is_null_level"):
                labels[-1] = str(level.get("label_for_charts") or labels[-1])
        for index, level in enumerate(counted):
            labels[len(counted) - 1 - index] = str(level.get("label_for_charts") or "")
        out.append((str(comparison["output_column_name"]), labels))
    return out


def _decide(candidates: tuple[Candidate, ...], thresholds: Thresholds) -> Decision:
    if not candidates or candidates[0].match_probability < thresholds.review:
        return "new"
    best = candidates[0].match_probability
    if best < thresholds.match:
        return "review"
    if len(candidates) > 1 and _odds(best) < AMBIGUITY_FACTOR * _odds(
        candidates[1].match_probability
    ):
        return "review"
    return "match"


def _odds(probability: float) -> float:
    return math.inf if probability >= 1 else probability / (1 - probability)


def link_records(
    *,
    spec: LinkageSpec,
    legacy: pa.Table,
    registry: pa.Table,
    model: Model,
    thresholds: Thresholds,
    workdir: Path,
    progress: Callable[[str], None] | None = None,
) -> Iterator[Link]:
    """Link every legacy record to the registry: one Link per legacy row, in the file's order."""
    _check_model(model, spec)
    _design(spec)
    return _link_all(spec, legacy, registry, model, thresholds, workdir, progress)


def _link_all(
    spec: LinkageSpec,
    legacy: pa.Table,
    registry: pa.Table,
    model: Model,
    thresholds: Thresholds,
    workdir: Path,
    progress: Callable[[str], None] | None,
) -> Iterator[Link]:
    say = progress or (lambda message: None)
    say(_("Preparing the records for comparison"))
    left = _features(spec, legacy, side="legacy")
    right = _features(spec, registry, side="registry")
    left = left.append_column("row_number", pa.array(range(left.num_rows), type=pa.int64()))
    probability = _probability(model.match_share, left.num_rows, right.num_rows)
    settings = _settings(model, link_type="link_only", probability=probability)
    labels = _labels(settings)
    with _session(workdir) as session:
        frames = [
            session.load("legacy", left.drop_columns(["row_number"])),
            session.load("registry", right),
        ]
        session.load("legacy_rows", left.select(["unique_id", "row_number"]))
        del left, right
        linker = Linker(frames, settings, log_level=None)
        say(_("Comparing the records"))
        predictions = linker.inference.predict(
            threshold_match_probability=min(CANDIDATE_FLOOR, thresholds.review),
            warning_mode="never",
        )
        say(_("Ranking the candidates"))
        yield from _links(session, predictions.physical_name, labels, thresholds)


def _links(
    session: _Session,
    predictions: str,
    labels: list[tuple[str, dict[int, str]]],
    thresholds: Thresholds,
) -> Iterator[Link]:
    evidence_columns = ", ".join(
        f'"gamma_{name}" AS "g{index}", pow(2, "mw_{name}" + coalesce("mw_tf_adj_{name}", 0))'
        f' AS "b{index}"'
        if _has_tf(session, predictions, name)
        else f'"gamma_{name}" AS "g{index}", pow(2, "mw_{name}") AS "b{index}"'
        for index, (name, _levels) in enumerate(labels)
    )
    query = f"""
        WITH pairs AS (
            SELECT
                CASE WHEN source_dataset_l = 'legacy' THEN unique_id_l ELSE unique_id_r END
                    AS legacy_id,
                CASE WHEN source_dataset_l = 'legacy' THEN unique_id_r ELSE unique_id_l END
                    AS registry_id,
                match_weight, match_probability, {evidence_columns}
            FROM "{predictions}"
        ), ranked AS (
            SELECT *, row_number() OVER (
                PARTITION BY legacy_id ORDER BY match_weight DESC, registry_id
            ) AS rank
            FROM pairs
            QUALIFY rank <= {MAX_CANDIDATES}
        )
        SELECT rows.unique_id AS legacy_row_id, ranked.*
        FROM legacy_rows AS rows LEFT JOIN ranked ON ranked.legacy_id = rows.unique_id
        ORDER BY rows.row_number, ranked.rank
    """
    reader = session.connection.sql(query).to_arrow_reader(50_000)
    current: str | None = None
    found: list[Candidate] = []
    for batch in reader:
        for row in batch.to_pylist():
            legacy_id = str(row["legacy_row_id"])
            if legacy_id != current:
                if current is not None:
                    yield _link(current, found, thresholds)
                current, found = legacy_id, []
            if row["registry_id"] is not None:
                found.append(
                    Candidate(
                        registry_id=str(row["registry_id"]),
                        match_probability=float(row["match_probability"]),
                        evidence=tuple(
                            Evidence(
                                comparison=name,
                                level=levels.get(int(row[f"g{index}"]), ""),
                                bayes_factor=float(row[f"b{index}"]),
                            )
                            for index, (name, levels) in enumerate(labels)
                        ),
                    )
                )
    if current is not None:
        yield _link(current, found, thresholds)


def _has_tf(session: _Session, table: str, name: str) -> bool:
    columns = session.connection.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return any(column == f"mw_tf_adj_{name}" for (column,) in columns)


def _link(legacy_id: str, found: list[Candidate], thresholds: Thresholds) -> Link:
    candidates = tuple(found)
    decision = _decide(candidates, thresholds)
    best = candidates[0] if candidates else None
    return Link(
        legacy_id=legacy_id,
        registry_id=best.registry_id if best is not None and decision != "new" else None,
        match_probability=best.match_probability if best is not None else 0.0,
        decision=decision,
        candidates=candidates,
    )


# -- duplicates within a legacy file ---------------------------------------------------------


def find_duplicates(
    *, spec: LinkageSpec, legacy: pa.Table, model: Model, threshold: float, workdir: Path
) -> list[Duplicate]:
    """Return the groups of legacy records that are the same, linked at ``threshold``."""
    _check_model(model, spec)
    design = _design(spec)
    if not 0 < threshold <= 1:
        raise LienthongError(
            "linkage.thresholds",
            N_("The duplicate threshold must be above 0 and at most 1; got {threshold}."),
            field="threshold",
            threshold=threshold,
        )
    table = _features(spec, legacy, side="legacy")
    rows = table.num_rows
    if rows < 2:
        return []
    # Few records in a file are another's copy: one in ten is a generous prior.
    probability = min(0.1 / max(rows - 1, 1), 0.5)
    settings = _settings(model, link_type="dedupe_only", probability=probability)
    with _session(workdir) as session:
        frame = session.load("legacy", table)
        del table
        linker = Linker(frame, settings, log_level=None)
        if rows >= MIN_TRAINING_ROWS:
            linker.training.estimate_probability_two_random_records_match(
                list(design.deterministic), recall=design.deterministic_recall
            )
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        found = session.connection.execute(
            f"""
            SELECT cluster_id, list(CAST(unique_id AS VARCHAR) ORDER BY unique_id) AS members
            FROM "{clusters.physical_name}"
            GROUP BY cluster_id HAVING count(*) > 1
            ORDER BY cluster_id
            """
        ).fetchall()
    return [
        Duplicate(cluster=str(cluster), legacy_ids=tuple(members)) for cluster, members in found
    ]
