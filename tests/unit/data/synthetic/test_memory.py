"""Generation streams: memory does not grow with the number of people."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: Runs 20,000 then 100,000 people in one fresh process and prints the peak RSS after each.
SCRIPT = """
import json, sys
from lienthong.data.synthetic import generate

def peak_mb():
    # VmHWM belongs to this address space; ru_maxrss would carry over the parent's peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024

peaks = []
for people in (20_000, 100_000):
    generate(people=people, seed=1, out=sys.argv[1] + f"/{people}")
    peaks.append(peak_mb())
print(json.dumps(peaks))
"""


def test_peak_memory_does_not_grow_with_five_times_the_people(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    small, large = json.loads(result.stdout)
    # Five times the people: a generator holding people would grow by tens of megabytes.
    assert large - small < 15, (small, large)
    assert large < 250
