"""Console benchmark: server time of the operator console's main pages, next to a baseline.

    python bench/console.py                                  # 1,000,000 people
    python bench/console.py --people 20000                   # a quick run, about a minute
    python bench/console.py --state-dir /tmp/console-bench   # keep the seeded node; reruns reuse it

Phases, each in its own process:
1. seed (skipped where already done in --state-dir): generate the national synthetic data
   for N people (``bench/registry.py``'s phase), import the persons and enterprises into
   a fresh SQLite node ``VN-central``, provision the demo network's signed directory
   around it, record the three provinces' sync acknowledgements (one caught up, two
   behind), write --audit-entries reads of random persons through the access log (the
   audit log's normal write path; default half the people), link a damaged legacy
   population extract of --legacy-rows rows (default a tenth of the people) to the
   registry as ``consolidate link`` does, a run left to review, and create a central
   operator;
2. serve that node's console as ``lienthong console serve`` does, and the baseline: a bare
   Starlette app on the same SQLite file answering each page's queries with raw SQL and
   a small HTML string, both under uvicorn on loopback;
3. sign in with one keep-alive HTTP client and request each page --requests times after
   --warm-up requests, alternating console and baseline request by request, so that a
   machine busy with something else slows both alike and the ratio holds.

Latency is the client's, on loopback, from sending the request to the last byte of the
body: the console sends no Server-Timing header. Every search and record page of the
console also writes its read to the access and audit logs, as every read of personal
data is; the baseline only reads. Prints a table (p50, p99, max per page, the
baseline's, the ratio of p50s and whether p99 meets the target) and a final JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from loadgen import free_port, machine, peak_rss_mb, wait_for  # noqa: E402
from registry import PERSON_FILE, _generate, _same_run, sample_paths  # noqa: E402

NODE_ID: Final = "VN-central"
LOGIN: Final = "bench.central"
PASSWORD: Final = "mật khẩu của người vận hành"
ENTERPRISE_FILE: Final = "02-enterprises-Enterprise.jsonl"
#: The issue's target for every main page, at 1 M persons.
TARGET_P99_MS: Final = 200.0
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def run_phase(*args: str) -> dict[str, Any]:
    """Run one phase in a child process, its progress on our stderr; return its last JSON line."""
    completed = subprocess.run(
        [sys.executable, str(HERE), *args], stdout=subprocess.PIPE, text=True, check=False
    )
    if completed.returncode != 0:
        sys.exit(f"phase {args[0]} failed (its stderr is above)")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# -- seeding (a child process) ----------------------------------------------------------------


def _open(state: Path) -> Any:
    from lienthong.node import open_node
    from lienthong.settings import load_settings
    from lienthong.systems.core import core_registry

    settings = load_settings(state_dir=state / NODE_ID, node_id=NODE_ID, database_url=None)
    return open_node(settings, systems=core_registry())


def _count(node: Any, sql: str, *params: Any) -> int:
    from sqlalchemy import text

    with node.engine.connect() as connection:
        return int(
            connection.execute(text(sql), {str(i): p for i, p in enumerate(params)}).scalar() or 0
        )


def _import(node: Any, system: str, path: Path) -> dict[str, Any]:
    from lienthong.data import ImportProgress, import_file

    def report(step: ImportProgress) -> None:
        print(
            f"\r  import {path.name}: {step.rows_read:,} of {step.rows_total or 0:,} rows"
            f" in {step.seconds:.0f} s",
            end="",
            file=sys.stderr,
            flush=True,
        )

    summary = import_file(node=node, system=system, path=path, progress=report)
    print(file=sys.stderr)
    return {"rows": summary.imported, "rejected": summary.rejected, "seconds": summary.seconds}


def _acknowledge(node: Any) -> None:
    """Record what the provinces hold of central's changes: one caught up, two behind."""
    from lienthong.sync import cursors

    last = _count(node, "SELECT max(sequence) FROM change_log WHERE origin_node = :0", NODE_ID)
    now = datetime.now(UTC)
    with node.engine.begin() as connection:
        for peer, position in (("VN-01", last), ("VN-79", last - 1_000), ("VN-91", last // 2)):
            cursors.acknowledge(
                connection, peer=peer, positions={NODE_ID: max(position, 0)}, now=now
            )


def _audit(node: Any, entries: int, seed: int) -> float:
    """Write reads of random persons by the demo's client systems, as the gateway logs them."""
    from sqlalchemy import text

    from lienthong.access import Access, Action, log_access
    from lienthong.demo import exchange

    readers = (
        (exchange.DRIVING, exchange.DRIVER_LICENCE, Action.READ),
        (exchange.PROCUREMENT, exchange.PROCUREMENT_ELIGIBILITY, Action.READ),
        (exchange.LICENSING, exchange.BUSINESS_LICENCE, Action.SEARCH),
        ("console:trung.uong", "operator console: registries", Action.HISTORY),
    )
    with node.engine.connect() as connection:
        pins = list(
            connection.execute(
                text(
                    "SELECT record_id FROM current_records WHERE record_type = 'Person'"
                    " ORDER BY random() LIMIT 20000"
                )
            ).scalars()
        )
    rng = random.Random(seed)
    started = time.perf_counter()
    at = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / max(entries, 1)
    written = 0
    while written < entries:
        with node.engine.begin() as connection:
            for _ in range(min(1_000, entries - written)):
                client, purpose, action = rng.choice(readers)
                log_access(
                    connection=connection,
                    access=Access(
                        client=client,
                        action=action,
                        outcome="ok" if rng.random() > 0.02 else "access.denied",
                        record_type="Person",
                        purpose=purpose,
                        user_id=f"user-{rng.randrange(500):03d}",
                    ),
                    at=at,
                    records=[(rng.choice(pins), 1)],
                    node_id=NODE_ID,
                )
                at += step
                written += 1
        print(f"\r  audit: {written:,} of {entries:,} entries", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - started


def _consolidation(node: Any, state: Path, rows: int, seed: int) -> float:
    """Link a damaged legacy population extract to the registry and leave it to review."""
    from lienthong.data.legacy import make_legacy
    from lienthong.linkage.engine import Thresholds
    from lienthong.linkage.link import link_file

    started = time.perf_counter()
    work = state / "legacy"
    extract = make_legacy(source=state / "data", kind="population", out=work, rows=rows, seed=seed)
    print(f"  consolidation: linking {rows:,} legacy rows to the registry", file=sys.stderr)
    settings = node.settings
    link_file(
        node=node,
        input=extract.extract,
        mapping=extract.mapping,
        out=work / "population.links.csv",
        thresholds=Thresholds(
            match=settings.linkage_match_threshold, review=settings.linkage_review_threshold
        ),
        actor="bench",
    )
    return time.perf_counter() - started


def phase_seed(state: Path, audit_entries: int, legacy_rows: int, seed: int) -> dict[str, Any]:
    from lienthong.access.operators import create_operator
    from lienthong.access.policy import OperatorRole
    from lienthong.demo import exchange
    from lienthong.web.console.pages.queries import is_authority

    data = state / "data"
    done: dict[str, Any] = {}
    node = _open(state)
    try:
        # Persons first: an enterprise refers to its legal representatives.
        for system, name, record_type in (
            ("population", PERSON_FILE, "Person"),
            ("enterprises", ENTERPRISE_FILE, "Enterprise"),
        ):
            held = _count(
                node, "SELECT count(*) FROM current_records WHERE record_type = :0", record_type
            )
            if held < _manifest_rows(data, name):
                # An interrupted import called again resumes after its last committed batch.
                done[record_type] = _import(node, system, data / name)
        if not is_authority(state / NODE_ID):
            exchange.prepare_network(state)
            done["directory"] = True
        if _count(node, "SELECT count(*) FROM sync_peers") == 0:
            _acknowledge(node)
            done["sync_peers"] = 3
        held = _count(node, "SELECT count(*) FROM audit_log")
        if held < audit_entries:
            done["audit_seconds"] = _audit(node, audit_entries - held, seed)
        if _count(node, "SELECT count(*) FROM consolidation_runs") == 0 and legacy_rows:
            done["consolidation_seconds"] = _consolidation(node, state, legacy_rows, seed)
        if _count(node, "SELECT count(*) FROM operators WHERE login = :0", LOGIN) == 0:
            with node.engine.begin() as connection:
                create_operator(
                    connection=connection,
                    login=LOGIN,
                    name="Cán bộ đo hiệu năng",
                    role=OperatorRole.CENTRAL,
                    province=None,
                    password=PASSWORD,
                    actor="bench",
                )
        done["persons"] = _count(
            node, "SELECT count(*) FROM current_records WHERE record_type = 'Person'"
        )
        done["audit_entries"] = _count(node, "SELECT count(*) FROM audit_log")
        done["change_log"] = _count(node, "SELECT count(*) FROM change_log")
    finally:
        node.close()
    done["peak_rss_mb"] = peak_rss_mb()
    return done


def _manifest_rows(data: Path, name: str) -> int:
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    return int(next(item["rows"] for item in manifest["files"] if item["name"] == name))


# -- the baseline server (a child process) ----------------------------------------------------


def baseline_app(database: Path, state: Path) -> Any:
    """Return a bare Starlette app answering each page's queries with raw SQL on the node's file.

    What each route reads is what its console page needs, written by hand: no templates,
    no session, no access logging; the answer is a small HTML string.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from lienthong.exchange.directory import authority
    from lienthong.vn.text import fold

    connection = sqlite3.connect(database, check_same_thread=False)
    connection.execute("PRAGMA query_only = ON")

    def html(rows: list[Any]) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><title>baseline</title><p>{len(rows)} rows</p>")

    def sync_status() -> list[Any]:
        peers = connection.execute("SELECT * FROM sync_peers").fetchall()
        rows: list[Any] = []
        for origin in {NODE_ID, *(peer[1] for peer in peers)}:
            rows += connection.execute(
                "SELECT max(sequence) FROM change_log WHERE origin_node = ?", (origin,)
            ).fetchall()
        for peer in peers:
            rows += connection.execute(
                "SELECT recorded_at FROM change_log WHERE origin_node = ? AND sequence > ?"
                " ORDER BY sequence LIMIT 1",
                (peer[1], peer[2]),
            ).fetchall()
        return rows

    async def network(request: Request) -> HTMLResponse:
        signed = authority.latest_signed(state / NODE_ID)
        return html([signed, *sync_status()])

    async def registries(request: Request) -> HTMLResponse:
        text = request.query_params.get("q", "")
        if not text:
            return html([])
        prefix = fold(text)
        rows: list[Any] = []
        for record_type in ("Person", "Enterprise"):
            rows += connection.execute(
                "SELECT r.content FROM current_records c JOIN records r"
                " ON r.record_type = c.record_type AND r.record_id = c.record_id"
                " AND r.version = c.version"
                " WHERE c.record_type = ? AND c.id IN (SELECT resource_id FROM search_string"
                "  WHERE record_type = ? AND param = 'name' AND value >= ? AND value < ?)"
                " ORDER BY c.id LIMIT 26",
                (record_type, record_type, prefix, prefix + "\uffff"),
            ).fetchall()
        return html(rows)

    async def record(request: Request) -> HTMLResponse:
        pin = request.path_params["pin"]
        rows = connection.execute(
            "SELECT content FROM records WHERE record_type = 'Person' AND record_id = ?"
            " ORDER BY version",
            (pin,),
        ).fetchall()
        rows += connection.execute(
            "SELECT * FROM access_log WHERE record_type = 'Person' AND record_id = ?"
            " ORDER BY id DESC LIMIT 200",
            (pin,),
        ).fetchall()
        return html(rows)

    async def directory(request: Request) -> HTMLResponse:
        return html([authority.latest_signed(state / NODE_ID)])

    async def audit(request: Request) -> HTMLResponse:
        client = request.query_params.get("client")
        person = request.query_params.get("person")
        params: tuple[str, ...] = ()
        where = ""
        if client:
            where, params = "WHERE client = ?", (client,)
        elif person:
            where = "WHERE sequence IN (SELECT sequence FROM audit_subjects WHERE subject = ?)"
            params = (person,)
        rows = connection.execute(
            f"SELECT * FROM audit_log {where} ORDER BY sequence DESC LIMIT 26", params
        ).fetchall()
        return html(rows)

    async def sync(request: Request) -> HTMLResponse:
        rows = sync_status()
        rows += connection.execute("SELECT * FROM sync_cursors").fetchall()
        rows += connection.execute(
            "SELECT record_id FROM current_records WHERE record_type = 'ChangeRequest'"
        ).fetchall()
        return html(rows)

    async def consolidation(request: Request) -> HTMLResponse:
        # The page shows each run with its items counted by decision and by status.
        rows = connection.execute(
            "SELECT * FROM consolidation_runs ORDER BY created_at DESC"
        ).fetchall()
        rows += connection.execute(
            "SELECT run_id, decision, status, count(*) FROM consolidation_items"
            " GROUP BY run_id, decision, status"
        ).fetchall()
        return html(rows)

    return Starlette(
        routes=[
            Route("/network", network),
            Route("/registries", registries),
            Route("/registries/Person/{pin}", record),
            Route("/directory", directory),
            Route("/audit", audit),
            Route("/sync", sync),
            Route("/consolidation", consolidation),
        ]
    )


def serve_baseline(state: Path, port: int) -> None:
    import uvicorn

    uvicorn.run(
        baseline_app(state / NODE_ID / "node.sqlite", state),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


# -- the client ---------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection that keeps the cookies it is given."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes, float]:
        """Send a request; return the status, the body and the seconds to its last byte."""
        headers = {"Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("set-cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response.status, content, seconds

    def sign_in(self, login: str, password: str) -> None:
        """Sign in through the form, with its CSRF token, as a browser does."""
        _, page, _ = self.request("GET", "/signin")
        found = _FORM_TOKEN.search(page.decode())
        if found is None:
            sys.exit("the sign-in page carries no form token")
        form = {"login": login, "password": password, "next": "/", "csrf_token": found.group(1)}
        status, _, _ = self.request("POST", "/signin", urlencode(form))
        if status != 303 or "lienthong_console_session" not in " ".join(self.cookies):
            sys.exit(f"sign-in failed with {status}; cookies {sorted(self.cookies)}")


def _figures(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": 1000 * ordered[-1],
    }


def measure(
    pages: dict[str, tuple[Callable[[int], str], Callable[[int], str]]],
    console: Client,
    baseline: Client,
    *,
    requests: int,
    warm_up: int,
) -> dict[str, dict[str, Any]]:
    """Request each page, console then baseline, request by request; return their figures."""
    results: dict[str, dict[str, Any]] = {}
    for name, (ours, theirs) in pages.items():
        times: dict[str, list[float]] = {"console": [], "baseline": []}
        errors: list[str] = []
        for index in range(warm_up + requests):
            for side, client, path in (
                ("console", console, ours(index)),
                ("baseline", baseline, theirs(index)),
            ):
                status, _, seconds = client.request("GET", path)
                if status != 200:
                    errors.append(f"{side} {status} {path}")
                if index >= warm_up:
                    times[side].append(seconds)
        results[name] = {
            "console": _figures(times["console"]),
            "baseline": _figures(times["baseline"]),
            "requests": requests,
            "errors": errors[:5],
        }
        a, b = results[name]["console"], results[name]["baseline"]
        print(
            f"  {name:<28}{a['p50_ms']:>9.1f}{a['p99_ms']:>9.1f}{a['max_ms']:>9.1f}"
            f"   {b['p50_ms']:>9.2f}{b['p99_ms']:>9.2f}{a['p50_ms'] / b['p50_ms']:>8.1f}"
            f"  {'met' if a['p99_ms'] <= TARGET_P99_MS else 'MISSED'}"
            + (f"  ({len(errors)} errors, e.g. {errors[0]})" if errors else ""),
            flush=True,
        )
    return results


def _pages(state: Path, seed: int, audit_client: str) -> dict[str, tuple[Any, Any]]:
    """Return each page's console and baseline paths by request number."""
    pins, names = sample_paths(state / "data" / PERSON_FILE, 2_000, seed)
    # Three words (family, middle, given), typed without diacritics, as a clerk searches.
    queries = [quote(" ".join(name.split()[:3])) for name in names]
    audited = _audited_pins(state, seed)

    def same(path: str) -> tuple[Any, Any]:
        return (lambda i: path, lambda i: path)

    return {
        "/network": same("/network"),
        "/registries (form)": same("/registries"),
        "/registries?q=name": (
            lambda i: f"/registries?q={queries[i % len(queries)]}",
            lambda i: f"/registries?q={queries[i % len(queries)]}",
        ),
        "/registries/Person/<pin>": (
            lambda i: f"/registries/Person/{pins[i % len(pins)]}",
            lambda i: f"/registries/Person/{pins[i % len(pins)]}",
        ),
        "/directory": same("/directory"),
        "/audit": same("/audit"),
        "/audit?client=": same(f"/audit?client={quote(audit_client)}"),
        "/audit?person=": (
            lambda i: f"/audit?person={audited[i % len(audited)]}",
            lambda i: f"/audit?person={audited[i % len(audited)]}",
        ),
        "/sync": same("/sync"),
        "/consolidation": same("/consolidation"),
    }


def _audited_pins(state: Path, seed: int) -> list[str]:
    """Return persons the audit log names, in random order: who-read-my-data lookups."""
    connection = sqlite3.connect(f"file:{state / NODE_ID / 'node.sqlite'}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT DISTINCT record_id FROM access_log WHERE record_type = 'Person' LIMIT 5000"
        ).fetchall()
    finally:
        connection.close()
    pins = [row[0] for row in rows]
    random.Random(seed).shuffle(pins)
    return pins or ["000000000000"]


def _serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for(port, process)
    return process


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000, help="persons in the node")
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument(
        "--audit-entries",
        type=int,
        default=None,
        help="audit log entries to seed (default: half the people)",
    )
    parser.add_argument(
        "--legacy-rows",
        type=int,
        default=None,
        help="rows of the legacy extract linked for the Consolidation page"
        " (default: a tenth of the people; 0: none)",
    )
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warm-up", type=int, default=20, help="requests per page not measured")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where the data and the node are kept; a node already seeded there is reused",
    )
    args = parser.parse_args()
    # A central node logs every read of personal data: its audit log outgrows its persons
    # within weeks, so half of them is a modest volume; a province's legacy extract is
    # linked once, and a tenth of the country is the size of a large province.
    if args.audit_entries is None:
        args.audit_entries = args.people // 2
    if args.legacy_rows is None:
        args.legacy_rows = args.people // 10
    state = args.state_dir or Path(tempfile.mkdtemp(prefix="lienthong-console-bench-"))
    state.mkdir(parents=True, exist_ok=True)
    print(f"{args.people:,} people, seed {args.seed}; {machine()}; state dir {state}", flush=True)

    data = state / "data"
    manifest = data / "manifest.json"
    if manifest.is_file() and _same_run(manifest, args):
        print(f"generate: reusing the data of an earlier run in {data}", flush=True)
    elif (state / NODE_ID).exists():
        sys.exit(f"{state} holds a node seeded for other data: give another --state-dir")
    else:
        _generate(args, data)
    seeded = run_phase(
        "_seed", str(state), str(args.audit_entries), str(args.legacy_rows), str(args.seed)
    )
    print(f"seed: {json.dumps(seeded)}", flush=True)

    from lienthong.demo import exchange

    pages = _pages(state, args.seed, exchange.DRIVING)
    console_port, baseline_port = free_port(), free_port()
    console = _serve(
        [
            str(Path(sys.executable).parent / "lienthong"),
            "console",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(console_port),
        ],
        {
            "LIENTHONG_STATE_DIR": str(state / NODE_ID),
            "LIENTHONG_NODE_ID": NODE_ID,
            "LIENTHONG_LOG_LEVEL": "WARNING",
        },
        console_port,
    )
    baseline = _serve(
        [sys.executable, str(HERE), "_serve_baseline", str(state), str(baseline_port)],
        {},
        baseline_port,
    )
    try:
        ours, theirs = Client(console_port), Client(baseline_port)
        ours.sign_in(LOGIN, PASSWORD)
        print(
            f"\none keep-alive client, {args.requests} requests per page after {args.warm_up}"
            f" of warm-up, console and baseline alternating; ms on loopback"
        )
        print(
            f"  {'page':<28}{'p50':>9}{'p99':>9}{'max':>9}   {'base p50':>9}{'base p99':>9}"
            f"{'ratio':>8}  p99 <= {TARGET_P99_MS:.0f} ms"
        )
        results = measure(pages, ours, theirs, requests=args.requests, warm_up=args.warm_up)
        server_rss = peak_rss_mb(console.pid)
    finally:
        for process in (console, baseline):
            process.terminate()
            process.wait(timeout=30)
    print(
        "ratio: console p50 / baseline p50. baseline: a bare Starlette app, same uvicorn, same"
        " SQLite file, each page's queries as raw SQL, no templates, no access logging"
    )
    print(f"console server peak RSS {server_rss:.0f} MB")
    print(
        json.dumps(
            {
                "people": args.people,
                "machine": machine(),
                "seeded": seeded,
                "target_p99_ms": TARGET_P99_MS,
                "server_peak_rss_mb": server_rss,
                "pages": results,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        phase, rest = sys.argv[1], sys.argv[2:]
        if phase == "_serve_baseline":
            serve_baseline(Path(rest[0]), int(rest[1]))
            sys.exit(0)
        result = {
            "_seed": lambda: phase_seed(Path(rest[0]), int(rest[1]), int(rest[2]), int(rest[3])),
        }[phase]()
        print(json.dumps(result))
    else:
        main()
