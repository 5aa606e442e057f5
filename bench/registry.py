"""Registry benchmark: bulk import, HTTP reads under load, memory — each next to a baseline.

    python bench/registry.py --people 1000000
    python bench/registry.py --people 100000 --backends sqlite --seconds 10   # a quick run

Phases, each in its own process so its peak RSS is its own:
1. generate the national synthetic data for N people (all six registries) to files;
2. import the persons into a fresh SQLite node, next to the raw baseline (``executemany``
   of the same rows into a bare table); the same on PostgreSQL against ``COPY``;
3. serve the SQLite node's API with uvicorn and load it from a second process with
   concurrent keep-alive connections: get-by-identifier and a diacritic-insensitive
   name search, next to the same two queries served by a bare Starlette app on the
   baseline table (same server, same client, same machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from loadgen import free_port, load_in_process, machine, peak_rss_mb, wait_for  # noqa: E402

PERSON_FILE = "01-population-Person.jsonl"
BATCH = 5_000


def run_phase(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one phase in a child process and return the JSON it prints last."""
    completed = subprocess.run(
        [sys.executable, str(HERE), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"phase {args[0]} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- phases run in child processes ----------------------------------------------------------


def phase_generate(people: int, seed: int, out: Path) -> dict[str, Any]:
    from lienthong.data.synthetic import generate

    started = time.perf_counter()
    summary = generate(people=people, seed=seed, out=out, format="jsonl")
    seconds = time.perf_counter() - started
    records = sum(item.rows for item in summary.files)
    return {"records": records, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def _rows(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            content = json.loads(line)
            yield content["pin"], line


def phase_raw_sqlite(path: Path, database: Path) -> dict[str, Any]:
    from lienthong.vn.text import fold

    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE person (pin TEXT PRIMARY KEY, name TEXT NOT NULL, content TEXT NOT NULL)"
    )
    connection.execute("CREATE INDEX person_name ON person (name)")
    started = time.perf_counter()
    rows = 0
    batch: list[tuple[str, str, str]] = []
    for pin, line in _rows(path):
        batch.append((pin, fold(json.loads(line)["full_name"]), line))
        if len(batch) == BATCH:
            connection.executemany("INSERT INTO person VALUES (?, ?, ?)", batch)
            connection.commit()
            rows += len(batch)
            batch.clear()
    connection.executemany("INSERT INTO person VALUES (?, ?, ?)", batch)
    connection.commit()
    rows += len(batch)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def phase_raw_postgres(path: Path, url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_person")
        connection.execute(
            "CREATE TABLE bench_person (pin TEXT PRIMARY KEY, content JSONB NOT NULL)"
        )
        started = time.perf_counter()
        rows = 0
        with connection.cursor() as cursor:
            batch: list[tuple[str, str]] = []

            def flush() -> None:
                with (
                    connection.transaction(),
                    cursor.copy("COPY bench_person (pin, content) FROM STDIN") as copy,
                ):
                    for item in batch:
                        copy.write_row(item)

            for pin, line in _rows(path):
                batch.append((pin, line))
                if len(batch) == BATCH:
                    flush()
                    rows += len(batch)
                    batch.clear()
            flush()
            rows += len(batch)
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_person")
    return {"rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def phase_import(path: Path, url: str, state: Path) -> dict[str, Any]:
    from lienthong.data import import_file
    from lienthong.node import open_node
    from lienthong.settings import load_settings

    node = open_node(load_settings(database_url=url, state_dir=state, node_id="VN-bench"))
    try:
        summary = import_file(node=node, system="population", path=path)
    finally:
        node.close()
    return {
        "rows": summary.imported,
        "rejected": summary.rejected,
        "seconds": summary.seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_token(url: str, state: Path) -> dict[str, Any]:
    from lienthong.access.service import create_token, parse_role
    from lienthong.node import open_node
    from lienthong.settings import load_settings

    node = open_node(load_settings(database_url=url, state_dir=state, node_id="VN-bench"))
    try:
        with node.engine.begin() as connection:
            issued = create_token(
                connection=connection, client="VN/GOV/bench/client", role=parse_role("reader")
            )
    finally:
        node.close()
    return {"token": issued.token}


def baseline_app(database: str) -> Any:
    """Return a bare Starlette app answering the same two queries from the baseline table."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from lienthong.vn.text import fold

    connection = sqlite3.connect(database, check_same_thread=False)

    async def get(request: Request) -> Response:
        row = connection.execute(
            "SELECT content FROM person WHERE pin = ?", (request.path_params["pin"],)
        ).fetchone()
        if row is None:
            return Response(status_code=404)
        return Response(row[0], media_type="application/json")

    async def search(request: Request) -> Response:
        prefix = fold(request.query_params["name"])
        rows = connection.execute(
            "SELECT content FROM person WHERE name >= ? AND name < ? ORDER BY rowid LIMIT 10",
            (prefix, prefix + "\uffff"),
        ).fetchall()
        return Response("[" + ",".join(row[0] for row in rows) + "]", media_type="application/json")

    return Starlette(routes=[Route("/p/{pin}", get), Route("/search", search)])


def serve_and_load(
    server: list[str],
    env: dict[str, str],
    port: int,
    loads: dict[str, tuple[Path, str]],
    args: argparse.Namespace,
) -> dict[str, dict[str, Any]]:
    process = subprocess.Popen(
        server, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(port, process)
        return {
            name: load_in_process(port, paths, headers, args.clients, args.seconds)
            for name, (paths, headers) in loads.items()
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def sample_paths(path: Path, count: int, seed: int) -> tuple[list[str], list[str]]:
    """Return random PINs and name prefixes (family + middle + given, no diacritics) of the file."""
    from lienthong.vn.text import fold

    rng = random.Random(seed)
    pins: list[str] = []
    names: list[str] = []
    for seen, (pin, line) in enumerate(_rows(path), start=1):
        # Reservoir sampling: a uniform sample without holding the file.
        if len(pins) < count:
            pins.append(pin)
            names.append(fold(json.loads(line)["full_name"]))
        else:
            slot = rng.randrange(seen)
            if slot < count:
                pins[slot] = pin
                names[slot] = fold(json.loads(line)["full_name"])
    return pins, names


# -- the report -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "LIENTHONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--http-only",
        action="store_true",
        help="reuse --workdir's imported SQLite node and baseline table; run only the HTTP phase",
    )
    args = parser.parse_args()
    if args.http_only and args.workdir is None:
        parser.error("--http-only needs the --workdir of an earlier run")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="lienthong-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    backends = args.backends.split(",")
    print(f"{args.people:,} people, seed {args.seed}; {machine()}; work dir {work}", flush=True)

    data = work / "data"
    persons = data / PERSON_FILE
    sqlite_url = f"sqlite:///{work / 'node.sqlite'}"
    raw_db = work / "raw.sqlite"
    if not args.http_only:
        _imports(args, work, data, persons, sqlite_url, raw_db, backends)
    if args.skip_http or "sqlite" not in backends:
        return
    _http(args, work, persons, sqlite_url, raw_db)


def _imports(
    args: argparse.Namespace,
    work: Path,
    data: Path,
    persons: Path,
    sqlite_url: str,
    raw_db: Path,
    backends: list[str],
) -> None:
    manifest = data / "manifest.json"
    if manifest.is_file() and _same_run(manifest, args):
        print(f"generate: reusing the data of an earlier run in {data}", flush=True)
    else:
        _generate(args, data)

    print(
        f"\n{'import of persons':<28}{'lienthong':>14}{'baseline':>14}{'ratio':>8}  {'peak RSS':>9}  baseline"
    )
    if "sqlite" in backends:
        # Imports are measured into empty databases: clear those of an earlier run.
        for stale in (*work.glob("raw.sqlite*"), *work.glob("node.sqlite*")):
            stale.unlink()
        shutil.rmtree(work / "state", ignore_errors=True)
        raw = run_phase("_raw_sqlite", str(persons), str(raw_db))
        imported = run_phase("_import", str(persons), sqlite_url, str(work / "state"))
        _import_line("SQLite (rows/s)", imported, raw, "executemany into a bare table")
    if "postgresql" in backends:
        database = f"lienthong_bench_{uuid.uuid4().hex[:8]}"
        admin_url = args.postgres_url
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            url = admin_url.rsplit("/", 1)[0] + "/" + database
            raw = run_phase("_raw_postgres", str(persons), url)
            imported = run_phase("_import", str(persons), url, str(work / "state-pg"))
            _import_line("PostgreSQL (rows/s)", imported, raw, "COPY into a bare table")
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _same_run(manifest: Path, args: argparse.Namespace) -> bool:
    """Tell whether generated data in the work dir is for the same people and seed."""
    written = json.loads(manifest.read_text(encoding="utf-8"))
    return bool(written.get("people") == args.people and written.get("seed") == args.seed)


def _generate(args: argparse.Namespace, data: Path) -> None:
    generated = run_phase("_generate", str(args.people), str(args.seed), str(data))
    print(
        f"generate: {generated['records']:,} records of six registries in {generated['seconds']:.0f} s "
        f"({generated['records'] / generated['seconds']:,.0f} records/s), peak RSS {generated['peak_rss_mb']:.0f} MB",
        flush=True,
    )


def _http(
    args: argparse.Namespace, work: Path, persons: Path, sqlite_url: str, raw_db: Path
) -> None:
    token = run_phase("_token", sqlite_url, str(work / "state"))["token"]
    pins, names = sample_paths(persons, 10_000, args.seed)
    # Three words of a name (family, middle, given) narrow a search as a clerk would.
    queries = [" ".join(name.split()[:3]) for name in names]
    files = {}
    for name, paths in {
        "get": [f"/api/population/Person/{pin}" for pin in pins],
        "search": [f"/api/population/Person?name={quote(q)}&$top=10" for q in queries],
        "raw-get": [f"/p/{pin}" for pin in pins],
        "raw-search": [f"/search?name={quote(q)}" for q in queries],
    }.items():
        files[name] = work / f"paths-{name}.json"
        files[name].write_text(json.dumps(paths))
    headers = f"Authorization: Bearer {token}\r\nX-Lienthong-Purpose: benchmark\r\n"
    port = free_port()
    env = {
        "LIENTHONG_DATABASE_URL": sqlite_url,
        "LIENTHONG_STATE_DIR": str(work / "state"),
        "LIENTHONG_NODE_ID": "VN-bench",
        "LIENTHONG_LOG_LEVEL": "WARNING",
    }
    server = [
        sys.executable,
        "-m",
        "uvicorn",
        "lienthong.web.api:app_from_environment",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    ours = serve_and_load(
        server,
        env,
        port,
        {"get": (files["get"], headers), "search": (files["search"], headers)},
        args,
    )
    port = free_port()
    raw_server = [sys.executable, str(HERE), "_serve_raw", str(raw_db), str(port)]
    raw = serve_and_load(
        raw_server,
        {},
        port,
        {"get": (files["raw-get"], ""), "search": (files["raw-search"], "")},
        args,
    )
    print(
        f"\nHTTP on SQLite, {args.clients} keep-alive clients for {args.seconds:.0f} s, client and server sharing the cores"
    )
    print(
        f"{'':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}   {'baseline req/s':>15}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
    )
    for name in ("get", "search"):
        a, b = ours[name], raw[name]
        print(
            f"{name:<10}{a['rps']:>10,.0f}{a['p50_ms']:>9.2f}{a['p99_ms']:>9.2f}   "
            f"{b['rps']:>15,.0f}{b['p50_ms']:>9.2f}{b['p99_ms']:>9.2f}{a['rps'] / b['rps']:>8.2f}"
            + (f"  ({a['errors']} errors {a['error_statuses']})" if a["errors"] else "")
        )
    print(
        "baseline: a bare Starlette app on the bare SQLite table (primary key; folded-name index)"
    )


def _import_line(label: str, ours: dict[str, Any], raw: dict[str, Any], baseline: str) -> None:
    a = ours["rows"] / ours["seconds"]
    b = raw["rows"] / raw["seconds"]
    print(
        f"{label:<28}{a:>14,.0f}{b:>14,.0f}{a / b:>8.3f}  {ours['peak_rss_mb']:>6.0f} MB  {baseline}"
        + (f"; {ours['rejected']} rejected" if ours["rejected"] else ""),
        flush=True,
    )


def serve_raw(database: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        baseline_app(database), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        phase, rest = sys.argv[1], sys.argv[2:]
        if phase == "_serve_raw":
            serve_raw(rest[0], int(rest[1]))
            sys.exit(0)
        result = {
            "_generate": lambda: phase_generate(int(rest[0]), int(rest[1]), Path(rest[2])),
            "_raw_sqlite": lambda: phase_raw_sqlite(Path(rest[0]), Path(rest[1])),
            "_raw_postgres": lambda: phase_raw_postgres(Path(rest[0]), rest[1]),
            "_import": lambda: phase_import(Path(rest[0]), rest[1], Path(rest[2])),
            "_token": lambda: phase_token(rest[0], Path(rest[1])),
        }[phase]()
        print(json.dumps(result))
    else:
        main()
