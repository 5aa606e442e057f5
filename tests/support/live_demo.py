"""``lienthong demo`` run live at a terminal by a test: seeded once, started, stopped, cleaned up.

The demo goes live only when a person is at the keyboard, so each start gets a
pseudo-terminal on standard input; its output goes to a file the test reads.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lienthong.demo import live

#: How long a start of the demo may take (the tour and the network's steps come first).
START = 90.0


def lienthong_command() -> list[str]:
    """Return the ``lienthong`` command, run by this interpreter."""
    return [sys.executable, "-c", live.BOOT]


def demo_env(root: Path) -> dict[str, str]:
    """Return the environment of a demo whose state is under ``root``, in English."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    return {**env, "LIENTHONG_STATE_DIR": str(root), "LIENTHONG_LANGUAGE": "en", "COLUMNS": "200"}


def seed(root: Path, *, people: str) -> None:
    """Seed the demo's network under ``root`` with a run that does not go live."""
    done = subprocess.run(
        [*lienthong_command(), "demo", "--no-input", "--people", people],
        env=demo_env(root),
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]


@dataclass
class Demo:
    """A ``lienthong demo`` started at a terminal, its output in a file."""

    process: subprocess.Popen[bytes]
    output: Path

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = START) -> str:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            text = self.text()
            if needle in text:
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {needle!r} in the demo's output:\n{self.text()[-3000:]}")

    def pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"\(pid (\d+)\)", self.text())]


@contextmanager
def starter(root: Path, out: Path, *, people: str) -> Iterator[Callable[..., Demo]]:
    """Yield what starts the demo at a terminal; on exit, stop it and kill whatever is left."""
    started: list[Demo] = []
    terminals: list[int] = []

    def run(*args: str) -> Demo:
        terminal, keyboard = pty.openpty()
        output = out / f"demo-{len(started)}.txt"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                [*lienthong_command(), "demo", "--people", people, *args],
                env=demo_env(root),
                stdin=keyboard,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        os.close(keyboard)
        # The terminal stays open while the demo runs: closed, it would hang the demo's up.
        terminals.append(terminal)
        demo = Demo(process, output)
        started.append(demo)
        return demo

    try:
        yield run
    finally:
        for demo in started:
            if demo.process.poll() is None:
                demo.process.send_signal(signal.SIGINT)
                try:
                    demo.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(demo.process.pid, signal.SIGKILL)
                    demo.process.wait()
        for pid in processes_of(root):
            os.kill(pid, signal.SIGKILL)
        for terminal in terminals:
            os.close(terminal)


def processes_of(root: Path) -> list[int]:
    """Return the running processes started for this state directory (by their arguments or config)."""
    found = []
    needle = str(root).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in seen and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Return whether a process runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def eventually(check: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    """Return whether ``check`` holds within ``timeout`` seconds, trying every ``every``."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if check():
            return True
        time.sleep(every)
    return check()
