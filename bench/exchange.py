"""Exchange benchmark: a registry read through two gateways, next to the same read made directly.

    python bench/exchange.py --people 20000 --clients 16 --seconds 15

Two nodes on this machine, each its own process: central (population registry, its
gateway) and An Giang (its gateway). A load generator (a third process) plays An Giang's
driving-licence system: it calls its own gateway with the X-Road REST protocol, which
checks the directory and the grant, signs the request and sends it over mutual TLS to
central's gateway, which verifies the signature, the timestamp, the message id and the
grant, reads the person in process, signs the answer and audits the call — as does An
Giang's gateway. The baseline is the same get-by-identifier made directly to central's
API (uvicorn, a bearer token, the same purpose header and access log), in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

from loadgen import (  # noqa: E402
    cpu_seconds,
    free_port,
    load_in_process,
    machine,
    peak_rss_mb,
    wait_for,
)

POPULATION = "VN/GOV/BCA/population"
REGISTRY = f"{POPULATION}/registry"
DRIVING = "VN/GOV/AGG/driving"
PURPOSE = "driver-licence"


def provision_network(work: Path, central_tls: int, an_giang_tls: int) -> None:
    """Set up the authority, both nodes' keys and certificates, the service and the grant."""
    from lienthong.exchange.local import LocalGrant, central_and_an_giang, provision

    provision(
        central_and_an_giang(
            work,
            central_tls=central_tls,
            an_giang_tls=an_giang_tls,
            central_systems=(POPULATION,),
            an_giang_systems=(DRIVING,),
            services=[(REGISTRY, None)],
            grants=[LocalGrant(DRIVING, REGISTRY, (PURPOSE,), method="GET", path="/Person/{id}")],
            name="Benchmark",
        )
    )


def seed(work: Path, people: int, seed_value: int) -> tuple[list[str], str]:
    """Generate and import the persons into central; return sample PINs and a reader token."""
    from lienthong.access.service import create_token, parse_role
    from lienthong.data import import_file
    from lienthong.data.synthetic import generate
    from lienthong.node import open_node
    from lienthong.settings import load_settings

    data = work / "data"
    generate(people=people, seed=seed_value, out=data, format="jsonl")
    persons = data / "01-population-Person.jsonl"
    node = open_node(load_settings(state_dir=work / "central", node_id="VN-central"))
    try:
        import_file(node=node, system="population", path=persons)
        with node.engine.begin() as connection:
            token = create_token(
                connection=connection, client="VN/GOV/bench/direct", role=parse_role("reader")
            ).token
    finally:
        node.close()
    pins = [json.loads(line)["pin"] for line in persons.open(encoding="utf-8")]
    random.Random(seed_value).shuffle(pins)
    return pins[:10_000], token


def node_env(
    work: Path, state: str, node_id: str, port: int, tls: int, **extra: str
) -> dict[str, str]:
    """Return the environment of a node process."""
    return {
        **os.environ,
        "LIENTHONG_STATE_DIR": str(work / state),
        "LIENTHONG_NODE_ID": node_id,
        "LIENTHONG_GATEWAY_PORT": str(port),
        "LIENTHONG_GATEWAY_TLS_PORT": str(tls),
        "LIENTHONG_LOG_LEVEL": "WARNING",
        **extra,
    }


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it accepts connections."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(port, process)
    return process


def audited(work: Path, state: str) -> int:
    """Count a node's audit-log entries of exchange calls."""
    import sqlite3

    with sqlite3.connect(work / state / "node.sqlite") as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM audit_log WHERE kind LIKE 'exchange.%'"
        ).fetchone()
    return int(count)


def profile(
    directory: Path | None, pids: dict[str, int], seconds: float
) -> list[subprocess.Popen[bytes]]:
    """Sample the gateways with py-spy (collapsed stacks) while the load runs, if asked."""
    if directory is None:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(int(seconds) + 1),
                "--format",
                "raw",
                "--output",
                str(directory / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20250701)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record both gateways with py-spy during the load, into this directory",
    )
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="lienthong-exchange-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{args.people:,} persons on central; {machine()}; work dir {work}", flush=True)

    central_port, central_tls, an_giang_port, an_giang_tls, api_port = (
        free_port() for _ in range(5)
    )
    provision_network(work, central_tls, an_giang_tls)
    pins, token = seed(work, args.people, args.seed)
    lienthong = [str(Path(sys.executable).parent / "lienthong"), "gateway", "serve"]
    central_env = node_env(work, "central", "VN-central", central_port, central_tls)
    an_giang_env = node_env(
        work,
        "an-giang",
        "VN-91",
        an_giang_port,
        an_giang_tls,
        LIENTHONG_DIRECTORY_URL=f"https://127.0.0.1:{central_tls}/directory",
    )
    direct_paths = work / "paths-direct.json"
    direct_paths.write_text(json.dumps([f"/api/population/Person/{pin}" for pin in pins]))
    gateway_paths = work / "paths-gateway.json"
    gateway_paths.write_text(json.dumps([f"/r1/{REGISTRY}/Person/{pin}" for pin in pins]))

    api = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lienthong.web.api:app_from_environment",
            "--factory",
            "--port",
            str(api_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        central_env,
        api_port,
    )
    try:
        started = cpu_seconds(api.pid)
        direct = load_in_process(
            api_port,
            direct_paths,
            f"Authorization: Bearer {token}\r\nX-Lienthong-Purpose: {PURPOSE}\r\n",
            args.clients,
            args.seconds,
        )
        direct["server_cpu_seconds"] = cpu_seconds(api.pid) - started
    finally:
        api.terminate()
        api.wait(timeout=30)

    central = start(lienthong, central_env, central_tls)
    an_giang = start(lienthong, an_giang_env, an_giang_port)
    time.sleep(1.0)  # An Giang fetches the directory from central on start
    spies = profile(args.profile, {"central": central.pid, "an-giang": an_giang.pid}, args.seconds)
    try:
        started_cpu = {"central": cpu_seconds(central.pid), "an-giang": cpu_seconds(an_giang.pid)}
        through = load_in_process(
            an_giang_port,
            gateway_paths,
            f"X-Road-Client: {DRIVING}\r\nX-Lienthong-Purpose: {PURPOSE}\r\n",
            args.clients,
            args.seconds,
        )
        through["gateway_cpu_seconds"] = {
            "central": cpu_seconds(central.pid) - started_cpu["central"],
            "an-giang": cpu_seconds(an_giang.pid) - started_cpu["an-giang"],
        }
        memory = {"central": peak_rss_mb(central.pid), "an-giang": peak_rss_mb(an_giang.pid)}
        for spy in spies:
            spy.wait(timeout=120)
    finally:
        for process in (an_giang, central):
            process.terminate()
            process.wait(timeout=30)

    print(
        f"\nget-by-identifier, {args.clients} keep-alive clients for {args.seconds:.0f} s,"
        " client, gateways and load sharing the cores"
    )
    print(f"{'':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, result in (
        ("direct to central's API", direct),
        ("through both gateways (mTLS)", through),
    ):
        print(
            f"{label:<34}{result['rps']:>9,.0f}{result['p50_ms']:>9.2f}{result['p99_ms']:>9.2f}"
            f"{result['errors']:>8}" + (f" {result['error_statuses']}" if result["errors"] else "")
        )
    print(f"ratio (through / direct): {through['rps'] / direct['rps']:.2f}")

    def per_call(seconds: float, result: dict[str, Any]) -> str:
        # Warm-up calls are served with the same processes' CPU as the measured ones.
        return f"{1000 * seconds / (result['requests'] + result['warm_up_requests']):.2f}"

    cpu = through["gateway_cpu_seconds"]
    print(
        f"CPU ms per call: direct — API {per_call(direct['server_cpu_seconds'], direct)},"
        f" load {per_call(direct['cpu_seconds'], direct)};"
        f" through — central {per_call(cpu['central'], through)},"
        f" An Giang {per_call(cpu['an-giang'], through)},"
        f" load {per_call(through['cpu_seconds'], through)}"
    )
    print(
        f"machine busy: {direct['machine_busy']:.0%} during the direct load,"
        f" {through['machine_busy']:.0%} through the gateways"
    )
    print(
        f"gateway peak RSS: central {memory['central']:.0f} MB, An Giang {memory['an-giang']:.0f} MB"
    )
    print(
        "audited exchange calls: central "
        f"{audited(work, 'central'):,}, An Giang {audited(work, 'an-giang'):,}"
        f" (calls made: {through['requests']:,} measured + warm-up)"
    )
    result: dict[str, Any] = {"direct": direct, "through": through, "memory": memory}
    (work / "result.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
