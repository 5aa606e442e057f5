"""What the benchmarks share: a keep-alive HTTP load generator, process memory, the machine.

    python bench/loadgen.py PORT PATHS.json "Header: value\\r\\n" CLIENTS SECONDS

runs the load in its own process (so it does not share an interpreter with the server it
measures) and prints one JSON line: requests (and warm-up requests), requests/s, p50/p99/mean
latency, errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def peak_rss_mb(pid: int | str = "self") -> float:
    """Return a process's peak resident memory in MB (``VmHWM``; exec resets it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int | str = "self") -> float:
    """Return the CPU time (user + system) a process has used so far, in seconds."""
    # The command name (field 2) may hold spaces: the fields that follow start after ")".
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cores_busy() -> tuple[float, float]:
    """Return the machine's busy and total CPU time so far, in clock ticks (``/proc/stat``)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and waiting for I/O
    return sum(ticks) - idle, sum(ticks)


def machine() -> str:
    """Return the CPU model, core count and Python version."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], *, seconds: float = 120) -> None:
    """Wait until a server process accepts connections on a port, or stop the benchmark."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"server on port {port} did not start")


async def _client(
    port: int,
    paths: list[str],
    headers: str,
    until: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random(len(latencies) + id(latencies))
    while time.perf_counter() < until:
        path = paths[rng.randrange(len(paths))]
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{headers}\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(status)
    writer.close()


def load(port: int, paths: list[str], headers: str, clients: int, seconds: float) -> dict[str, Any]:
    """Drive a server with keep-alive clients for a time (after a second of warm-up)."""
    latencies: list[float] = []
    errors: list[int] = []
    warm_up: list[float] = []

    async def main() -> None:
        await asyncio.gather(
            *(
                _client(port, paths, headers, time.perf_counter() + 1, warm_up, [])
                for _ in range(clients)
            )
        )
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, paths, headers, until, latencies, errors) for _ in range(clients))
        )

    asyncio.run(main())
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "warm_up_requests": len(warm_up),
        "rps": len(ordered) / seconds,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[int(len(ordered) * 0.99)],
        "mean_ms": 1000 * statistics.fmean(ordered),
        "errors": len(errors),
        "error_statuses": sorted(set(errors))[:5],
    }


def load_in_process(
    port: int, paths_file: Path, headers: str, clients: int, seconds: float
) -> dict[str, Any]:
    """Run ``load`` in a child process and return its figures, with the CPU time it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, total_before = cores_busy()
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            str(port),
            str(paths_file),
            headers,
            str(clients),
            str(seconds),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"load failed:\n{completed.stderr[-4000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, total_after = cores_busy()
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["cpu_seconds"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    # The share of the machine's CPU time that was busy while the load ran, all processes.
    result["machine_busy"] = (busy_after - busy_before) / max(total_after - total_before, 1)
    return result


if __name__ == "__main__":
    port, paths_file, headers, clients, seconds = sys.argv[1:6]
    print(
        json.dumps(
            load(
                int(port),
                json.loads(Path(paths_file).read_text()),
                headers,
                int(clients),
                float(seconds),
            )
        )
    )
