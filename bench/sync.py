"""Sync benchmark: a province's changes reaching central, next to PostgreSQL logical replication.

    python bench/sync.py --changes 20000 --steady-seconds 20
    python bench/sync.py --changes 1000000          # the catch-up after a long outage

Two nodes on this machine, each with its own SQLite store: An Giang (VN-91) and central.
Changes are generated persons (``lienthong.data.synthetic``) imported into An Giang, so
each change is one record version with its change-log entry, as a registration makes.

1. **In process**: An Giang's feed read into signed batches as ``push_once`` makes them,
   and ``accept_push`` called on them against a scratch central store, with no network:
   what the apply itself costs, with the province's side (read, encode) timed apart.
   Then the **storage floor** (``storage_floor``): SQLite alone inserting the three rows
   every replica keeps per change, nothing else, what no apply of this schema can beat.
2. **Catch-up**: the changes accumulated while the link was down. Both gateways are
   started (``lienthong gateway serve``, each its own process), then An Giang's sync
   (``lienthong sync run``, its own process) pushes through its gateway, which carries
   each batch over mutual TLS, signed, checked against the grant and audited on both
   sides, to central's gateway, which applies it in process. Timed until central holds
   every change; peak RSS (``VmHWM``) of each process.
3. **Steady state**: a writer process registers persons in An Giang at ``--rate``
   changes/s while the sync keeps running; the lag of a change is the time from its
   commit at An Giang to its presence in central's change log (polled every 5 ms).
4. **Baseline**: two PostgreSQL clusters started here (``initdb``, ``pg_ctl``) on free
   ports, ``wal_level=logical``, one table of the same record versions (JSONB content)
   published by one and subscribed by the other: rows/s of the initial table sync, of
   streamed inserts, and the lag at the same rate. Both clusters are stopped and removed
   at the end, also on an error or Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from loadgen import cpu_seconds, free_port, machine, peak_rss_mb, wait_for  # noqa: E402

CENTRAL = "VN-central"
AN_GIANG = "VN-91"
CENTRAL_SYNC = "VN/GOV/BCA/sync"
AN_GIANG_SYNC = "VN/GOV/AGG/sync"
SERVICE = f"{CENTRAL_SYNC}/sync"


# -- set-up --------------------------------------------------------------------------------


def provision_network(work: Path, central_tls: int, an_giang_tls: int) -> None:
    """Set up the authority, both nodes' keys and certificates, the sync service and grant."""
    from lienthong.exchange.local import LocalGrant, central_and_an_giang, provision

    provision(
        central_and_an_giang(
            work,
            central_tls=central_tls,
            an_giang_tls=an_giang_tls,
            central_systems=(CENTRAL_SYNC,),
            an_giang_systems=(AN_GIANG_SYNC,),
            services=[(SERVICE, None)],
            grants=[LocalGrant(AN_GIANG_SYNC, SERVICE, ("sync",))],
            name="Benchmark",
        )
    )


def persons(work: Path, count: int, seed: int) -> Path:
    """Generate at least ``count`` persons; return their JSONL file."""
    from lienthong.data.synthetic import generate

    data = work / "data"
    generate(people=count, seed=seed, out=data, format="jsonl")
    return data / "01-population-Person.jsonl"


def split(source: Path, work: Path, first: int) -> tuple[Path, Path]:
    """Split the persons into the backlog (the first ``first``) and the steady writer's."""
    backlog, later = work / "backlog.jsonl", work / "later.jsonl"
    with (
        source.open(encoding="utf-8") as lines,
        backlog.open("w", encoding="utf-8") as head,
        later.open("w", encoding="utf-8") as tail,
    ):
        for number, line in enumerate(lines):
            (head if number < first else tail).write(line)
    return backlog, later


def settings_env(
    work: Path, ports: dict[str, int], *, interval: float, batch: int
) -> dict[str, dict[str, str]]:
    """Return each node's environment, as ``lienthong`` reads its settings."""
    common = {**os.environ, "LIENTHONG_LOG_LEVEL": "WARNING"}
    return {
        "central": {
            **common,
            "LIENTHONG_STATE_DIR": str(work / "central"),
            "LIENTHONG_NODE_ID": CENTRAL,
            "LIENTHONG_GATEWAY_PORT": str(ports["central"]),
            "LIENTHONG_GATEWAY_TLS_PORT": str(ports["central_tls"]),
        },
        "an-giang": {
            **common,
            "LIENTHONG_STATE_DIR": str(work / "an-giang"),
            "LIENTHONG_NODE_ID": AN_GIANG,
            "LIENTHONG_GATEWAY_PORT": str(ports["an_giang"]),
            "LIENTHONG_GATEWAY_TLS_PORT": str(ports["an_giang_tls"]),
            "LIENTHONG_DIRECTORY_URL": f"https://127.0.0.1:{ports['central_tls']}/directory",
            "LIENTHONG_SYNC_UPSTREAM": SERVICE,
            "LIENTHONG_SYNC_CLIENT": AN_GIANG_SYNC,
            "LIENTHONG_SYNC_PARTITIONS": '["91"]',
            "LIENTHONG_SYNC_INTERVAL_SECONDS": str(interval),
            "LIENTHONG_SYNC_BATCH_SIZE": str(batch),
        },
    }


def open_node_from(env: dict[str, str]) -> Any:
    """Open a node with the settings an environment gives its processes."""
    from lienthong.node import open_node
    from lienthong.settings import load_settings

    fields: dict[str, Any] = {
        name[len("LIENTHONG_") :].lower(): value
        for name, value in env.items()
        if name.startswith("LIENTHONG_") and name != "LIENTHONG_LOG_LEVEL"
    }
    if "sync_partitions" in fields:
        fields["sync_partitions"] = json.loads(fields["sync_partitions"])
    return open_node(load_settings(**fields))


def import_backlog(env: dict[str, str], path: Path) -> tuple[int, float]:
    """Import the backlog into An Giang (the link is down); return changes and seconds."""
    from lienthong.data import import_file

    node = open_node_from(env)
    try:
        started = time.perf_counter()
        summary = import_file(node=node, system="population", path=path, record_type="Person")
        seconds = time.perf_counter() - started
    finally:
        node.close()
    return int(summary.imported), seconds


def held_at_central(work: Path) -> int:
    """Return how far central's change log holds An Giang's entries."""
    path = work / "central" / "node.sqlite"
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        row = connection.execute(
            "SELECT last_sequence FROM change_log_heads WHERE origin_node = ?", (AN_GIANG,)
        ).fetchone()
    return int(row[0]) if row else 0


def last_own(work: Path) -> int:
    """Return An Giang's last own sequence number."""
    with contextlib.closing(sqlite3.connect(work / "an-giang" / "node.sqlite", timeout=30)) as db:
        row = db.execute(
            "SELECT last_sequence FROM change_log_heads WHERE origin_node = ?", (AN_GIANG,)
        ).fetchone()
    return int(row[0]) if row else 0


# -- 1. the apply in process --------------------------------------------------------------------


def in_process(work: Path, env: dict[str, str], batch: int) -> dict[str, Any]:
    """Apply An Giang's backlog to a scratch central with ``accept_push``, no network."""
    from lienthong.node import open_node
    from lienthong.settings import load_settings
    from lienthong.sync import feed
    from lienthong.sync.batches import Batch, Range
    from lienthong.sync.service import SyncNode, accept_push
    from lienthong.sync.setup import open_sync
    from lienthong.sync.subscriptions import Subscription

    province = open_node_from(env)
    scratch = open_node(
        load_settings(state_dir=work / "scratch", node_id=CENTRAL, database_url=None)
    )
    try:
        sender = open_sync(province)
        key = sender.signer()
        public = key.public_key()

        def keys(node_id: str) -> Any:
            return public

        receiver = SyncNode(scratch, None, keys, Subscription.everything())
        read = apply = 0.0
        changes = size = 0
        after = 0
        while True:
            started = time.process_time()
            with province.engine.connect() as connection:
                items = feed.read_origin(connection, origin=AN_GIANG, after=after, limit=batch)
            if not items:
                break
            through = items[-1].sequence
            data = (
                Batch(AN_GIANG, {AN_GIANG: Range(after, through)}, tuple(items))
                .signed(key)
                .encode()
            )
            middle = time.process_time()
            reply = accept_push(receiver, data=data, caller=AN_GIANG)
            apply += time.process_time() - middle
            read += middle - started
            changes += reply.applied
            size += len(data)
            after = through
    finally:
        province.close()
        scratch.close()
    shutil.rmtree(work / "scratch", ignore_errors=True)
    return {
        "changes": changes,
        "read_cpu": read,
        "apply_cpu": apply,
        "bytes_per_change": size / max(changes, 1),
    }


def storage_floor(work: Path, env: dict[str, str], batch: int) -> dict[str, Any]:
    """Time SQLite alone storing the least a replica keeps per change, in a scratch store.

    Per change: its record version, its current pointer and its change-log entry (three
    rows, eight B-tree inserts with their indexes), no search rows, no checks, the rows
    bound before the clock starts and inserted with ``executemany`` in transactions of
    ``batch``, with the store's own pragmas. No apply of this schema can be faster: the
    figure says whether a target is within reach of the schema, whatever the code.

    Beside it, the same changes **landed** in one ``WITHOUT ROWID`` table keyed on
    (origin, sequence), one row per change holding its content: the floor of a design
    that stores what arrives first and builds versions, pointers and search rows later.
    """
    from lienthong.node import open_node
    from lienthong.settings import load_settings
    from lienthong.store.dialects import bound_rows
    from lienthong.store.models import change_log, current_records, records
    from lienthong.store.records import VERSION_COLUMNS, pointer_of, version_row
    from lienthong.sync import feed

    province = open_node_from(env)
    scratch = open_node(load_settings(state_dir=work / "floor", node_id=CENTRAL, database_url=None))
    path = scratch.settings.effective_database_url.removeprefix("sqlite:///")
    dialect = scratch.engine.dialect
    scratch.close()
    tables = (
        (records, VERSION_COLUMNS),
        (current_records, tuple(c.name for c in current_records.columns if c.name != "id")),
        (change_log, tuple(c.name for c in change_log.columns)),
    )
    statements = [
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
        for table, names in tables
    ]
    database = sqlite3.connect(path, isolation_level=None)
    landing = sqlite3.connect(work / "floor" / "landing.sqlite", isolation_level=None)
    for connection in (database, landing):
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
            connection.execute(f"PRAGMA {pragma}")
    landing.execute(
        "CREATE TABLE landed (origin TEXT NOT NULL, sequence INTEGER NOT NULL,"
        " entry TEXT NOT NULL, PRIMARY KEY (origin, sequence)) WITHOUT ROWID"
    )
    changes, floor, landed = 0, (0.0, 0.0), (0.0, 0.0)
    try:
        after = 0
        while True:
            with province.engine.connect() as connection:
                items = feed.read_origin(connection, origin=AN_GIANG, after=after, limit=batch)
            if not items:
                break
            after = items[-1].sequence
            versions = [version_row(item.record) for item in items]
            pointers = [
                (item.record.record_type, item.record.record_id, *pointer_of(item.record).values())
                for item in items
            ]
            entries = [
                (item.origin_node, item.sequence, item.record.record_type, item.record.record_id,
                 item.record.version, item.record.content_hash, item.record.recorded_at)
                for item in items
            ]  # fmt: skip
            rows = [
                bound_rows(dialect, table, names, values)
                for (table, names), values in zip(
                    tables, (versions, pointers, entries), strict=True
                )
            ]
            floor = _timed(database, zip(statements, rows, strict=True), floor)
            bound_versions, _, bound_entries = rows
            # (origin, sequence) from the log row, the content from the version row.
            contents = [
                (entry[0], entry[1], version[6])
                for version, entry in zip(bound_versions, bound_entries, strict=True)
            ]
            landed = _timed(landing, [("INSERT INTO landed VALUES (?, ?, ?)", contents)], landed)
            changes += len(items)
    finally:
        database.close()
        landing.close()
        province.close()
        shutil.rmtree(work / "floor", ignore_errors=True)
    return {
        "changes": changes,
        "seconds": floor[0],
        "cpu": floor[1],
        "landed_seconds": landed[0],
        "landed_cpu": landed[1],
    }


def _timed(
    database: sqlite3.Connection,
    inserts: Iterable[tuple[str, Sequence[tuple[Any, ...]]]],
    spent: tuple[float, float],
) -> tuple[float, float]:
    """Run inserts in one transaction; return ``spent`` plus their wall and CPU seconds."""
    started, began = time.perf_counter(), time.process_time()
    database.execute("BEGIN")
    for statement, rows in inserts:
        database.executemany(statement, rows)
    database.execute("COMMIT")
    return spent[0] + time.perf_counter() - started, spent[1] + time.process_time() - began


# -- 2 and 3. the real path -----------------------------------------------------------------


def start(command: list[str], env: dict[str, str], port: int | None) -> subprocess.Popen[bytes]:
    """Start a process and, if it serves, wait until it accepts connections."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if port is not None:
        wait_for(port, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process this benchmark started."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def family(pid: int) -> list[int]:
    """Return a process and its descendants (a server may run workers)."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int(status.read_text().rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(status.parent.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def family_cpu(pid: int) -> float:
    """Return the CPU seconds a process and its living descendants used."""
    total = 0.0
    for member in family(pid):
        with contextlib.suppress(OSError):
            total += cpu_seconds(member)
    return total


def family_rss(pid: int) -> float:
    """Return the largest peak RSS among a process and its descendants, in MB."""
    return max(peak_rss_mb(member) for member in family(pid))


def wait_until_held(
    work: Path, target: int, watched: list[subprocess.Popen[bytes]], limit: float
) -> tuple[float, float]:
    """Wait until central holds ``target``; return when the first and the last change arrived."""
    first = 0.0
    deadline = time.time() + limit
    while time.time() < deadline:
        held = held_at_central(work)
        if held and not first:
            first = time.time()
        if held >= target:
            return first, time.time()
        for process in watched:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                sys.exit(f"a node process exited with {process.returncode}: {error[-2000:]}")
        time.sleep(0.05)
    sys.exit(f"central holds {held_at_central(work)} of {target} changes after {limit:.0f} s")


WRITER = r"""
import json, sys, time
sys.path.insert(0, {bench!r})
from sync import open_node_from
env, path, rate, seconds, out = json.loads(sys.argv[1])
node = open_node_from(env)
contents = []
for line in open(path, encoding="utf-8"):
    content = json.loads(line)
    # References to persons this writer has not written would be rejected as dangling.
    for field in ("father_pin", "mother_pin", "spouse_pin"):
        content.pop(field, None)
    contents.append(content)
# Ten commits a second: a registration office's writes arrive in small transactions,
# and fewer, larger ones leave the writer enough of the two cores to keep the rate.
per = max(1, rate // 10)
started = time.time()
written = 0
with open(out, "w") as log:
    for round_number in range(int(seconds * 10)):
        due = started + round_number / 10
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        chunk = contents[written : written + per]
        if not chunk:
            break
        with node.unit_of_work() as uow:
            uow.records.write_many(record_type="Person", contents=chunk)
            uow.commit()
        committed = time.time()
        with node.engine.connect() as connection:
            last = connection.exec_driver_sql(
                "SELECT last_sequence FROM change_log_heads WHERE origin_node = ?", ({node!r},)
            ).scalar()
        log.write(f"{{last}} {{len(chunk)}} {{committed}}\n")
        written += len(chunk)
node.close()
"""


def steady(
    work: Path, env: dict[str, str], later: Path, rate: int, seconds: float
) -> dict[str, Any]:
    """Write at ``rate`` changes/s into An Giang while the sync runs; return the lags."""
    log = work / "writer.log"
    script = WRITER.format(bench=str(HERE.parent), node=AN_GIANG)
    writer = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps([env, str(later), rate, seconds, str(log)])],
        stderr=subprocess.PIPE,
    )
    seen: list[tuple[float, int]] = []
    last = held_at_central(work)
    while writer.poll() is None:
        now_held = held_at_central(work)
        if now_held != last:
            seen.append((time.time(), now_held))
            last = now_held
        time.sleep(0.005)
    if writer.returncode:
        error = writer.stderr.read().decode(errors="replace") if writer.stderr else ""
        sys.exit(f"the writer failed: {error[-2000:]}")
    commits = [line.split() for line in log.read_text().splitlines()]
    target = int(commits[-1][0])
    deadline = time.time() + 120
    while last < target and time.time() < deadline:
        now_held = held_at_central(work)
        if now_held != last:
            seen.append((time.time(), now_held))
            last = now_held
        time.sleep(0.005)
    lags: list[float] = []
    position = 0
    for sequence, count, committed in commits:
        while position < len(seen) and seen[position][1] < int(sequence):
            position += 1
        arrived = seen[position][0] if position < len(seen) else float("inf")
        lags.extend([arrived - float(committed)] * int(count))
    written = sum(int(count) for _, count, _ in commits)
    span = float(commits[-1][2]) - float(commits[0][2])
    return {
        "written": written,
        "rate": written / span if span > 0 else 0.0,
        "p50": percentile(lags, 0.50),
        "p99": percentile(lags, 0.99),
        "max": max(lags),
    }


def percentile(values: list[float], share: float) -> float:
    """Return a percentile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# -- 4. the PostgreSQL baseline -------------------------------------------------------------


class Cluster:
    """A PostgreSQL cluster in a temporary directory, on a free port, for this run only."""

    def __init__(self, root: Path, name: str) -> None:
        self.directory = root / name
        self.port = free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None
        self.started = False

    def _run(self, command: list[str]) -> None:
        # initdb and postgres refuse to run as root: they run as the postgres user then.
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        subprocess.run(prefix + command, check=True, capture_output=True)

    def start(self) -> None:
        self.directory.mkdir(parents=True)
        if self.owner:
            shutil.chown(self.directory, self.owner, self.owner)
        self._run(
            [
                *("initdb", "-D", str(self.directory), "-U", "postgres", "--auth=trust"),
                *("-E", "UTF8", "--no-sync", "--locale=C"),
            ]
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.directory}'",
            "wal_level": "logical",
            "max_wal_senders": "10",
            "max_replication_slots": "10",
            "shared_buffers": "'256MB'",
            "synchronous_commit": "off",
            "fsync": "on",
        }
        with (self.directory / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._run(
            ["pg_ctl", "-D", str(self.directory), "-w", "-l", str(self.directory / "log"), "start"]
        )
        self.started = True

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(["pg_ctl", "-D", str(self.directory), "-m", "fast", "-w", "stop"])
            self.started = False

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )


TABLE = """CREATE TABLE versions (
    record_type text NOT NULL, record_id text NOT NULL, version integer NOT NULL,
    owner_node text NOT NULL, partition_key text, content jsonb NOT NULL,
    content_hash text NOT NULL, recorded_at timestamptz NOT NULL,
    PRIMARY KEY (record_type, record_id, version))"""


def version_rows(work: Path, limit: int, offset: int = 0) -> Iterator[tuple[Any, ...]]:
    """Yield An Giang's record versions as the baseline's rows (content as stored)."""
    with contextlib.closing(sqlite3.connect(work / "an-giang" / "node.sqlite")) as db:
        yield from db.execute(
            "SELECT record_type, record_id, version, owner_node, partition_key, content,"
            " content_hash, recorded_at || '+00' FROM records ORDER BY rowid LIMIT ? OFFSET ?",
            (limit, offset),
        )


def copy_rows(connection: Any, rows: Iterator[tuple[Any, ...]], per_transaction: int) -> int:
    """Insert rows with COPY, one transaction per ``per_transaction`` rows; return how many."""
    count = 0
    while True:
        chunk = list(itertools.islice(rows, per_transaction))
        if not chunk:
            return count
        with (
            connection.transaction(),
            connection.cursor() as cursor,
            cursor.copy("COPY versions FROM STDIN") as copy,
        ):
            for row in chunk:
                copy.write_row(row)
        count += len(chunk)


def subscriber_count(connection: Any) -> int:
    return int(connection.execute("SELECT count(*) FROM versions").fetchone()[0])


def wait_for_rows(connection: Any, target: int, limit: float = 1800) -> float:
    deadline = time.time() + limit
    while subscriber_count(connection) < target:
        if time.time() > deadline:
            sys.exit("the PostgreSQL subscriber did not catch up")
        time.sleep(0.05)
    return time.time()


def postgres_baseline(work: Path, changes: int, rate: int, seconds: float) -> dict[str, Any]:
    """Replicate the same record versions between two PostgreSQL clusters; return rows/s."""
    root = Path(tempfile.mkdtemp(prefix="lienthong-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    publisher, subscriber = Cluster(root, "publisher"), Cluster(root, "subscriber")
    result: dict[str, Any] = {}
    try:
        publisher.start()
        subscriber.start()
        with publisher.connect() as source, subscriber.connect() as target:
            source.execute(TABLE)
            target.execute(TABLE)
            copy_rows(source, version_rows(work, changes), 5000)
            source.execute("CREATE PUBLICATION bench FOR TABLE versions")
            started = time.time()
            target.execute(
                "CREATE SUBSCRIPTION bench CONNECTION"
                f" 'host=127.0.0.1 port={publisher.port} user=postgres dbname=postgres'"
                " PUBLICATION bench"
            )
            done = wait_for_rows(target, changes)
            result["initial"] = changes / (done - started)
            # Streamed inserts: the same rows again under other identifiers, as fast as
            # COPY takes them, in transactions of a sync batch's size.
            source.execute("ALTER TABLE versions DROP CONSTRAINT versions_pkey")
            target.execute("ALTER TABLE versions DROP CONSTRAINT versions_pkey")
            source.execute("ALTER TABLE versions REPLICA IDENTITY FULL")
            started = time.time()
            copy_rows(source, version_rows(work, changes), 2000)
            done = wait_for_rows(target, 2 * changes)
            result["streamed"] = changes / (done - started)
            result["lag"] = postgres_lag(source, target, work, rate, seconds)
            target.execute("ALTER SUBSCRIPTION bench DISABLE")
            target.execute("ALTER SUBSCRIPTION bench SET (slot_name = NONE)")
            target.execute("DROP SUBSCRIPTION bench")
        result["rss"] = max_postgres_rss(subscriber.directory)
    finally:
        subscriber.stop()
        publisher.stop()
        shutil.rmtree(root, ignore_errors=True)
    return result


def postgres_lag(
    source: Any, target: Any, work: Path, rate: int, seconds: float
) -> dict[str, float]:
    """Insert at ``rate`` rows/s, ten commits a second; return the lag at the subscriber.

    The rows of commit ``n`` carry version ``-n``; an index the subscriber alone has
    answers ``min(version)`` at once, where counting millions of rows would itself
    take longer than the lag measured.
    """
    target.execute("CREATE INDEX versions_lag ON versions (version)")
    rows = version_rows(work, int(rate * seconds))
    per = max(1, rate // 10)
    commits: list[tuple[int, float]] = []
    seen: list[tuple[float, int]] = []

    def look() -> None:
        low = target.execute("SELECT min(version) FROM versions").fetchone()[0]
        reached = -int(low) if low is not None and low < 0 else 0
        if not seen or seen[-1][1] != reached:
            seen.append((time.time(), reached))

    started = time.time()
    for number in itertools.count(1):
        due = started + (number - 1) / 10
        while time.time() < due:
            look()
            time.sleep(0.005)
        chunk = [(*row[:2], -number, *row[3:]) for row in itertools.islice(rows, per)]
        if not copy_rows(source, iter(chunk), per):
            break
        commits.append((number, time.time()))
    deadline = time.time() + 120
    while (not seen or seen[-1][1] < commits[-1][0]) and time.time() < deadline:
        look()
        time.sleep(0.005)
    lags: list[float] = []
    position = 0
    for number, committed in commits:
        while position < len(seen) - 1 and seen[position][1] < number:
            position += 1
        lags.extend([seen[position][0] - committed] * per)
    return {"p50": percentile(lags, 0.5), "p99": percentile(lags, 0.99)}


def max_postgres_rss(directory: Path) -> float:
    """Return the largest peak RSS among a cluster's processes (its postmaster's children)."""
    try:
        postmaster = int((directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return 0.0
    return family_rss(postmaster)


# -- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--changes",
        type=int,
        default=20_000,
        help="backlog accumulated while the link is down (default 20000; 1000000 for the full catch-up)",
    )
    parser.add_argument("--rate", type=int, default=2000, help="steady writer's changes/s")
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=2000, help="entries per sync batch")
    parser.add_argument(
        "--interval", type=float, default=0.1, help="sync loop's pause when caught up, s"
    )
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument(
        "--floor-only",
        action="store_true",
        help="import the backlog (or reuse the one in --workdir), measure the SQLite storage"
        " floor, and stop there",
    )
    parser.add_argument("--skip-steady", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="run only the PostgreSQL baseline on the rows of an earlier run's --workdir",
    )
    args = parser.parse_args()
    if args.baseline_only:
        if args.workdir is None:
            parser.error("--baseline-only needs the --workdir of an earlier run")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        postgres = postgres_baseline(
            args.workdir, last_own(args.workdir), args.rate, args.steady_seconds
        )
        print(json.dumps(postgres, indent=2))
        return

    # Ctrl+C and a plain kill both unwind through the finally blocks that stop the
    # processes and clusters this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="lienthong-sync-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.changes:,} changes; {machine()}; work dir {work}", flush=True)

    ports = {name: free_port() for name in ("central", "central_tls", "an_giang", "an_giang_tls")}
    reuse = args.floor_only and (work / "an-giang").exists()
    if not reuse:
        provision_network(work, ports["central_tls"], ports["an_giang_tls"])
    env = settings_env(work, ports, interval=args.interval, batch=args.batch)
    extra = 0 if args.skip_steady else int(args.rate * args.steady_seconds) + args.rate
    if reuse:
        # The floor only reads An Giang's log: an earlier run's backlog serves again.
        print(f"reusing An Giang's backlog in {work}", flush=True)
        imported, import_seconds = last_own(work), 0.0
        later = work / "later.jsonl"
    else:
        started = time.perf_counter()
        source = persons(work, args.changes + extra, args.seed)
        backlog, later = split(source, work, args.changes)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        imported, import_seconds = import_backlog(env["an-giang"], backlog)
    changes = last_own(work)
    if not reuse:
        print(
            f"imported {imported:,} persons into An Giang in {import_seconds:.0f} s"
            f" ({changes:,} changes in its log)",
            flush=True,
        )

    results: dict[str, Any] = {"changes": changes, "machine": machine()}
    if args.floor_only:
        floor = storage_floor(work, env["an-giang"], args.batch)
        print(
            f"SQLite floor, {floor['changes']:,} changes: {floor['changes'] / floor['seconds']:,.0f}"
            f"/s of executemany alone, {floor['changes'] / floor['cpu']:,.0f} per CPU-second;"
            f" landed in one table: {floor['changes'] / floor['landed_seconds']:,.0f}/s,"
            f" {floor['changes'] / floor['landed_cpu']:,.0f} per CPU-second"
        )
        return
    if not args.skip_in_process:
        results["in_process"] = in_process(work, env["an-giang"], args.batch)
        print("in-process apply done", flush=True)
        results["floor"] = storage_floor(work, env["an-giang"], args.batch)
        print("storage floor done", flush=True)

    lienthong = str(Path(sys.executable).parent / "lienthong")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        central = start([lienthong, "gateway", "serve"], env["central"], ports["central_tls"])
        processes.append(central)
        an_giang = start([lienthong, "gateway", "serve"], env["an-giang"], ports["an_giang"])
        processes.append(an_giang)
        time.sleep(1.0)  # An Giang fetches the directory from central on start
        cpu = {"central": family_cpu(central.pid), "an-giang": family_cpu(an_giang.pid)}
        began = time.time()
        syncing = start([lienthong, "sync", "run"], env["an-giang"], None)
        processes.append(syncing)
        first, last = wait_until_held(work, changes, processes, limit=6 * 3600)
        results["catch_up"] = {
            "seconds": last - began,
            "rate": changes / (last - began),
            "rate_applying": changes / max(last - first, 1e-9),
            "rss": {
                "central gateway": family_rss(central.pid),
                "An Giang gateway": family_rss(an_giang.pid),
                "An Giang sync": family_rss(syncing.pid),
            },
            "cpu": {
                "central gateway": family_cpu(central.pid) - cpu["central"],
                "An Giang gateway": family_cpu(an_giang.pid) - cpu["an-giang"],
                "An Giang sync": family_cpu(syncing.pid),
            },
        }
        print("catch-up done", flush=True)
        if not args.skip_steady:
            results["steady"] = steady(work, env["an-giang"], later, args.rate, args.steady_seconds)
            print("steady state done", flush=True)
    finally:
        for process in reversed(processes):
            stop(process)

    if not args.skip_postgres:
        results["postgres"] = postgres_baseline(work, changes, args.rate, args.steady_seconds)
    (work / "result.json").write_text(json.dumps(results, indent=2))
    report(results, args)


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the table."""
    changes = results["changes"]
    print(f"\n{changes:,} changes (persons registered at An Giang), batches of {args.batch}")
    print(f"{'':<58}{'changes/s':>11}  notes")
    inner = results.get("in_process")
    if inner:
        print(
            f"{'apply in process (accept_push: decode, verify, apply)':<58}"
            f"{inner['changes'] / inner['apply_cpu']:>11,.0f}  per CPU-second, no network"
        )
        print(
            f"{'province side in process (feed read, encode, sign)':<58}"
            f"{inner['changes'] / inner['read_cpu']:>11,.0f}  per CPU-second;"
            f" {inner['bytes_per_change']:.0f} B/change on the wire"
        )
    floor = results.get("floor")
    if floor:
        print(
            f"{'SQLite floor: 3 rows/change (version, pointer, log), no index':<58}"
            f"{floor['changes'] / floor['seconds']:>11,.0f}  per second of executemany alone;"
            f" {floor['changes'] / floor['cpu']:,.0f} per CPU-second"
        )
        print(
            f"{'SQLite floor: landed in one WITHOUT ROWID table':<58}"
            f"{floor['changes'] / floor['landed_seconds']:>11,.0f}  per second;"
            f" {floor['changes'] / floor['landed_cpu']:,.0f} per CPU-second"
        )
    catch = results["catch_up"]
    print(
        f"{'catch-up through both gateways (mTLS), SQLite':<58}{catch['rate']:>11,.0f}"
        f"  {catch['seconds']:.1f} s from sync start, {catch['rate_applying']:,.0f}/s once applying"
    )
    postgres = results.get("postgres")
    if postgres:
        print(
            f"{'PostgreSQL logical replication, initial table sync':<58}{postgres['initial']:>11,.0f}"
        )
        print(
            f"{'PostgreSQL logical replication, streamed inserts':<58}{postgres['streamed']:>11,.0f}"
        )
    print("\npeak RSS during the catch-up (VmHWM):")
    for name, value in catch["rss"].items():
        print(f"  {name:<20}{value:>8.0f} MB   CPU {catch['cpu'][name]:.1f} s")
    if postgres:
        print(f"  {'PostgreSQL subscriber (largest process)':<20} {postgres['rss']:.0f} MB")
    steady_result = results.get("steady")
    if steady_result:
        print(
            f"\nsteady state: {steady_result['written']:,} changes written at"
            f" {steady_result['rate']:,.0f}/s; lag p50 {steady_result['p50'] * 1000:.0f} ms,"
            f" p99 {steady_result['p99'] * 1000:.0f} ms, max {steady_result['max'] * 1000:.0f} ms"
        )
        if postgres:
            lag = postgres["lag"]
            print(
                f"PostgreSQL at the same rate: lag p50 {lag['p50'] * 1000:.0f} ms,"
                f" p99 {lag['p99'] * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
