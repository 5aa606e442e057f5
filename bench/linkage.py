"""Linkage benchmark: precision, recall, F1 and time of the linkage engine, next to two baselines.

    python bench/linkage.py --rows 100000
    python bench/linkage.py --rows 1000000 --data /var/tmp/lienthong-bench   # keep the data
    python bench/linkage.py --rows 100000 --encoding tcvn3   # the extract in TCVN3 bytes

A registry of ``--rows`` people is generated (``lienthong.data.synthetic``) and a damaged
legacy extract of the same size derived from it with its ground truth
(``lienthong.data.legacy``: lost diacritics, TCVN3 bytes, swapped name order, dropped
middle names, typing errors, partial and swapped dates, old units, CMND for the personal
number, duplicates, people not in the registry). The extract is read and repaired by its
mapping (``lienthong.linkage.mapping``), as ``consolidate link`` does, then linked three
ways in this one process, on the same rows:

1. **lienthong**: the engine (``lienthong.linkage.engine``), trained without labels;
2. **exact**: the personal number when both sides have one, else the folded full name and
   the full date of birth, when exactly one registry record has them;
3. **Splink default**: Splink 5 on DuckDB with its stock comparisons on the repaired but
   unfolded columns (``NameComparison`` on the full name, ``DateOfBirthComparison``,
   ``ExactMatch`` on PIN, sex and commune), blocking on those columns, the same training;
4. **Splink default, as read**: the same, on the extract's columns as a generic CSV reader
   gives them — no Vietnamese repair at all: text decoded as UTF-8 (legacy bytes replaced),
   dates read only when they are dd/mm/yyyy, the identity number as written (PIN or CMND),
   the sex as written ("Nam"/"Nữ"), the pre-2025 commune code. This is the issue's
   "Splink with its default comparisons and no Vietnamese normalisation".

With ``--dedupe`` the engine also looks for duplicates within the extract
(``find_duplicates`` at the match threshold), scored pairwise against the truth's clusters.

A legacy record is *predicted linked* when its decision is match or review (for exact,
when a key is found); it is *right* when the registry record predicted is its true one.
Precision = right / predicted linked; recall = right / legacy records that have a true
registry record; F1 their harmonic mean. "auto" figures count the match decision alone.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from loadgen import machine  # noqa: E402

PERSON_FILE = "01-population-Person.jsonl"
MATCH, REVIEW = 0.95, 0.5


# -- measuring -----------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Meter:
    """Wall time and peak resident memory of each phase, sampled every 0.2 s."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        stop = threading.Event()
        peak = [rss_mb()]

        def sample() -> None:
            while not stop.wait(0.2):
                peak[0] = max(peak[0], rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = time.perf_counter() - started
            stop.set()
            sampler.join()
            self.peak[name] = max(peak[0], rss_mb())
            print(
                f"  {name}: {self.seconds[name]:.1f} s, peak RSS {self.peak[name]:.0f} MB",
                flush=True,
            )


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    auto_precision: float
    auto_recall: float


def score(
    predicted: Mapping[str, tuple[str, str]], truth: Mapping[str, str], legacy_ids: list[str]
) -> Scores:
    """Score predictions {legacy_id: (registry_id, decision)} against the ground truth."""
    relevant = sum(1 for legacy_id in legacy_ids if truth.get(legacy_id))

    def figures(decisions: set[str]) -> tuple[float, float, float]:
        linked = [(i, r) for i, (r, d) in predicted.items() if d in decisions and r]
        right = sum(1 for i, r in linked if truth.get(i) == r)
        precision = right / len(linked) if linked else 1.0
        recall = right / relevant if relevant else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    precision, recall, f1 = figures({"match", "review"})
    auto_precision, auto_recall, _ = figures({"match"})
    return Scores(precision, recall, f1, auto_precision, auto_recall)


# -- data ----------------------------------------------------------------------------------------


def prepare(rows: int, seed: int, data: Path, encoding: str) -> tuple[Path, Path]:
    """Generate the registry and the legacy extract once; later runs reuse them."""
    from lienthong.data.legacy import make_legacy
    from lienthong.data.synthetic import generate

    registry = data / f"registry-{rows}-{seed}"
    legacy = (
        data / f"legacy-{rows}-{seed}"
        if encoding == "utf-8"
        else data / (f"legacy-{rows}-{seed}-{encoding}")
    )
    if not (registry / "manifest.json").exists():
        generate(people=rows, seed=seed, out=registry)
    if not (legacy / "population.truth.csv").exists():
        make_legacy(
            source=registry,
            kind="population",
            out=legacy,
            rows=rows,
            seed=seed,
            encoding=encoding,
        )
    return registry, legacy


def read_registry(path: Path) -> pa.Table:
    from lienthong.linkage.specs import spec_for

    spec = spec_for("Person")
    columns: dict[str, list[str | None]] = {name: [] for name in ("unique_id", *spec.fields)}
    with (path / PERSON_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            fields = spec.from_record(json.loads(line), resolve=lambda kind, key: None)
            columns["unique_id"].append(fields["pin"])
            for name in spec.fields:
                columns[name].append(fields[name])
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def read_legacy(path: Path) -> tuple[pa.Table, list[str], int]:
    """Return the legacy rows as linkage fields, every legacy id, and the rejected count."""
    from lienthong.linkage.link import legacy_table
    from lienthong.linkage.mapping import Mapper, load_mapping
    from lienthong.linkage.readers import open_source
    from lienthong.linkage.specs import spec_for

    loaded = load_mapping(path / "population.mapping.toml")
    with open_source(path / "population.csv") as source:
        mapper = Mapper(loaded.mapping, source=source.name, columns=source.columns)
        mapper.learn(source.rows())
        mapped = list(mapper.apply(source.rows()))
    accepted = [row for row in mapped if not row.rejected]
    spec = spec_for("Person")
    return (
        legacy_table(accepted, spec=spec),
        [row.legacy_id for row in mapped],
        len(mapped) - len(accepted),
    )


def read_legacy_raw(path: Path) -> pa.Table:
    """Return the extract's columns as a generic CSV reader gives them, without any repair."""
    from datetime import datetime

    def iso(text: str) -> str | None:
        try:
            return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
        except ValueError:
            return None

    columns: dict[str, list[str | None]] = {
        name: [] for name in ("unique_id", "pin", "full_name", "birth_date", "sex", "commune")
    }
    with (path / "population.csv").open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            columns["unique_id"].append(row["MA_DAN_CU"])
            columns["pin"].append(row["SO_CMND"] or None)
            columns["full_name"].append(row["HO_TEN"] or None)
            columns["birth_date"].append(iso(row["NGAY_SINH"]))
            columns["sex"].append(row["GIOI_TINH"] or None)
            columns["commune"].append(row["MA_XA"] or None)
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def read_truth(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    truth: dict[str, str] = {}
    clusters: dict[str, str] = {}
    with (path / "population.truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            truth[row["legacy_id"]] = row["registry_id"]
            clusters[row["legacy_id"]] = row["cluster"]
    return truth, clusters


# -- the three linkers ---------------------------------------------------------------------------


def run_lienthong(
    legacy: pa.Table, registry: pa.Table, work: Path, meter: Meter
) -> dict[str, tuple[str, str]]:
    from lienthong.linkage.engine import Thresholds, link_records, train_model
    from lienthong.linkage.features import person_features
    from lienthong.linkage.specs import spec_for

    spec = spec_for("Person")
    with meter.phase("lienthong features"):
        person_features(legacy), person_features(registry)
    with meter.phase("lienthong training"):
        model = train_model(spec=spec, legacy=legacy, registry=registry, workdir=work, seed=1)
    print(f"  model {model.version}: {model.method}, match share {model.match_share:.3f}")
    predicted: dict[str, tuple[str, str]] = {}
    with meter.phase("lienthong predict"):
        for link in link_records(
            spec=spec,
            legacy=legacy,
            registry=registry,
            model=model,
            thresholds=Thresholds(match=MATCH, review=REVIEW),
            workdir=work,
        ):
            predicted[link.legacy_id] = (link.registry_id or "", link.decision)
    return predicted


def run_dedupe(
    legacy: pa.Table, registry: pa.Table, clusters: Mapping[str, str], work: Path, meter: Meter
) -> tuple[float, float, int]:
    """Return the pairwise precision and recall of duplicates found within the legacy file."""
    from itertools import combinations

    from lienthong.linkage.engine import find_duplicates, train_model
    from lienthong.linkage.specs import spec_for

    spec = spec_for("Person")
    model = train_model(spec=spec, legacy=legacy, registry=registry, workdir=work, seed=1)
    with meter.phase("lienthong duplicates"):
        groups = find_duplicates(
            spec=spec, legacy=legacy, model=model, threshold=MATCH, workdir=work
        )
    found = {pair for group in groups for pair in combinations(sorted(group.legacy_ids), 2)}
    members: dict[str, list[str]] = {}
    for legacy_id, cluster in clusters.items():
        members.setdefault(cluster, []).append(legacy_id)
    true = {
        pair for ids in members.values() if len(ids) > 1 for pair in combinations(sorted(ids), 2)
    }
    right = len(found & true)
    return (right / len(found) if found else 1.0), (right / len(true) if true else 1.0), len(true)


def run_exact(legacy: pa.Table, registry: pa.Table, meter: Meter) -> dict[str, tuple[str, str]]:
    from lienthong.vn.text import fold

    with meter.phase("exact"):
        by_pin: dict[str, str] = {}
        by_name: dict[tuple[str, str], str | None] = {}
        for row in registry.select(["unique_id", "pin", "full_name", "birth_date"]).to_pylist():
            if row["pin"]:
                by_pin[row["pin"]] = row["unique_id"]
            if row["full_name"] and row["birth_date"] and len(row["birth_date"]) == 10:
                key = (fold(row["full_name"]), row["birth_date"])
                # A key two registry records share identifies neither.
                by_name[key] = None if key in by_name else row["unique_id"]
        predicted: dict[str, tuple[str, str]] = {}
        for row in legacy.select(["unique_id", "pin", "full_name", "birth_date"]).to_pylist():
            found = by_pin.get(row["pin"] or "")
            if found is None and row["full_name"] and row["birth_date"]:
                found = by_name.get((fold(row["full_name"]), row["birth_date"]))
            predicted[row["unique_id"]] = (found or "", "match" if found else "new")
    return predicted


def run_splink_default(
    legacy: pa.Table, registry: pa.Table, work: Path, meter: Meter, *, name: str = "Splink default"
) -> dict[str, tuple[str, str]]:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from lienthong.linkage.engine import MEMORY_LIMIT, THREADS

    columns = ["unique_id", "pin", "full_name", "birth_date", "sex", "commune"]
    path = work / f"{name.replace(' ', '-').replace(',', '')}.duckdb"
    connection = duckdb.connect(
        str(path),
        config={
            "memory_limit": MEMORY_LIMIT,
            "threads": THREADS,
            "temp_directory": str(work / "spill"),
        },
    )
    api = DuckDBAPI(connection)
    connection.register("legacy_arrow", legacy.select(columns))
    connection.register("registry_arrow", registry.select(columns))
    connection.execute("CREATE TABLE legacy AS SELECT * FROM legacy_arrow")
    connection.execute("CREATE TABLE registry AS SELECT * FROM registry_arrow")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("full_name"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("pin"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("commune"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("pin"),
            block_on("full_name"),
            block_on("birth_date", "commune"),
        ],
    )
    frames = [
        api.register("legacy", dataset_display_name="legacy"),
        api.register("registry", dataset_display_name="registry"),
    ]
    linker = Linker(frames, settings, log_level=None)
    with meter.phase(f"{name} training"):
        linker.training.estimate_probability_two_random_records_match(
            [block_on("pin"), block_on("full_name", "birth_date")], recall=0.8
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
        for rule in (block_on("birth_date"), block_on("full_name")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
    with meter.phase(f"{name} predict"):
        predictions = linker.inference.predict(
            threshold_match_probability=REVIEW, warning_mode="never"
        )
        best = connection.sql(
            f"""
            SELECT
                CASE WHEN source_dataset_l = 'legacy' THEN unique_id_l ELSE unique_id_r END AS l,
                CASE WHEN source_dataset_l = 'legacy' THEN unique_id_r ELSE unique_id_l END AS r,
                match_probability AS p
            FROM "{predictions.physical_name}"
            QUALIFY row_number() OVER (PARTITION BY l ORDER BY p DESC, r) = 1
            """
        ).fetchall()
        predicted = {
            str(legacy_id): (str(registry_id), "match" if p >= MATCH else "review")
            for legacy_id, registry_id, p in best
        }
    connection.close()
    return predicted


def blocking_counts(legacy: pa.Table, registry: pa.Table, work: Path) -> list[tuple[str, int, int]]:
    """Return each prediction blocking rule with the pairs it adds and the running total."""
    import duckdb
    from splink import DuckDBAPI
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    from lienthong.linkage.comparisons import PERSON
    from lienthong.linkage.features import person_features

    connection = duckdb.connect(str(work / "blocking.duckdb"), config={"memory_limit": "4GB"})
    connection.register("l_arrow", person_features(legacy))
    connection.register("r_arrow", person_features(registry))
    connection.execute("CREATE TABLE l AS SELECT * FROM l_arrow")
    connection.execute("CREATE TABLE r AS SELECT * FROM r_arrow")
    api = DuckDBAPI(connection)
    frames = [
        api.register("l", dataset_display_name="l"),
        api.register("r", dataset_display_name="r"),
    ]
    records = count_comparisons_from_blocking_rules(
        frames,
        blocking_rules=list(PERSON.blocking),
        link_type="link_only",
        record_sample_proportion=1.0,
    )
    connection.close()
    return [
        (rule, int(record["marginal_comparison_count"]), int(record["cumulative_comparison_count"]))
        for rule, record in zip(PERSON.blocking, records, strict=True)
    ]


# -- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="registry and legacy size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data", type=Path, help="keep generated data here (default: a temporary directory)"
    )
    parser.add_argument(
        "--skip-default", action="store_true", help="do not run the Splink-default baseline"
    )
    parser.add_argument(
        "--encoding",
        choices=("utf-8", "tcvn3", "vni"),
        default="utf-8",
        help="the legacy extract's encoding, as a province's old system wrote it",
    )
    parser.add_argument(
        "--blocking", action="store_true", help="also count the pairs of each blocking rule"
    )
    parser.add_argument(
        "--dedupe", action="store_true", help="also find duplicates within the extract"
    )
    args = parser.parse_args()

    print(f"machine: {machine()}")
    meter = Meter()
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-linkage-") as scratch:
        data = args.data or Path(scratch) / "data"
        work = Path(scratch) / "work"
        work.mkdir()
        with meter.phase("generate registry and legacy extract"):
            registry_path, legacy_path = prepare(args.rows, args.seed, data, args.encoding)
        with meter.phase("read registry"):
            registry = read_registry(registry_path)
        with meter.phase("read and repair legacy extract"):
            legacy, legacy_ids, rejected = read_legacy(legacy_path)
        truth, clusters = read_truth(legacy_path)
        print(
            f"registry {registry.num_rows:,} rows; legacy {len(legacy_ids):,} rows"
            f" ({rejected:,} rejected by the mapping), {sum(1 for v in truth.values() if v):,} in the registry"
        )
        results: list[tuple[str, Scores, float, float]] = []
        gc.collect()
        predicted = run_lienthong(legacy, registry, work, meter)
        results.append(
            (
                "lienthong",
                score(predicted, truth, legacy_ids),
                meter.seconds["lienthong features"] + meter.seconds["lienthong training"],
                meter.seconds["lienthong predict"],
            )
        )
        predicted = run_exact(legacy, registry, meter)
        results.append(
            (
                "exact (PIN, else folded name + date)",
                score(predicted, truth, legacy_ids),
                0.0,
                meter.seconds["exact"],
            )
        )
        if not args.skip_default:
            predicted = run_splink_default(legacy, registry, work, meter)
            results.append(
                (
                    "Splink default comparisons",
                    score(predicted, truth, legacy_ids),
                    meter.seconds["Splink default training"],
                    meter.seconds["Splink default predict"],
                )
            )
            raw = read_legacy_raw(legacy_path)
            name = "Splink default, as read"
            predicted = run_splink_default(raw, registry, work, meter, name=name)
            results.append(
                (
                    "Splink default, no Vietnamese repair",
                    score(predicted, truth, legacy_ids),
                    meter.seconds[f"{name} training"],
                    meter.seconds[f"{name} predict"],
                )
            )
        counts = blocking_counts(legacy, registry, work) if args.blocking else []
        dedupe = run_dedupe(legacy, registry, clusters, work, meter) if args.dedupe else None

    print()
    print(
        f"{'linker':<40} {'precision':>9} {'recall':>7} {'F1':>7} {'auto P':>7} {'auto R':>7} {'train s':>8} {'link s':>7}"
    )
    for name, scores, train, link in results:
        print(
            f"{name:<40} {scores.precision:>9.4f} {scores.recall:>7.4f} {scores.f1:>7.4f}"
            f" {scores.auto_precision:>7.4f} {scores.auto_recall:>7.4f} {train:>8.1f} {link:>7.1f}"
        )
    lienthong_total = sum(
        meter.seconds[f"lienthong {phase}"] for phase in ("features", "training", "predict")
    )
    print(f"\nlienthong end to end (features + training + predict): {lienthong_total:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {peak:.0f} MB (DuckDB memory_limit {_memory_limit()})")
    if dedupe is not None:
        precision, recall, pairs = dedupe
        print(
            f"duplicates within the extract at {MATCH}: pairwise precision {precision:.4f},"
            f" recall {recall:.4f} ({pairs:,} true pairs), {meter.seconds['lienthong duplicates']:.1f} s"
        )
    for rule, marginal, cumulative in counts:
        print(f"  {marginal:>14,} {cumulative:>14,}  {rule}")


def _memory_limit() -> str:
    from lienthong.linkage.engine import MEMORY_LIMIT

    return MEMORY_LIMIT


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
