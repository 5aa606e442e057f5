"""The sync loop runs rounds back to back while entries move, and waits only when idle."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import cast

from lienthong.errors import LienthongError
from lienthong.sync.runner import Link, run
from lienthong.sync.service import Round

INTERVAL = 0.4


class ScriptedLink:
    """A link whose rounds do what a script says, noting when each started."""

    def __init__(self, script: list[Round | LienthongError], stop: asyncio.Event) -> None:
        self.script = script
        self.stop = stop
        self.started: list[float] = []

    async def round(self) -> Round:
        self.started.append(time.monotonic())
        outcome = self.script[len(self.started) - 1]
        if len(self.started) == len(self.script):
            self.stop.set()
        if isinstance(outcome, LienthongError):
            raise outcome
        return outcome


def gaps_after(script: list[Round | LienthongError]) -> list[float]:
    async def main() -> list[float]:
        stop = asyncio.Event()
        link = ScriptedLink(script, stop)
        await run(cast(Link, link), interval=INTERVAL, stop=stop)
        return [later - earlier for earlier, later in itertools.pairwise(link.started)]

    return asyncio.run(main())


def test_a_round_that_moved_entries_is_followed_by_the_next_at_once() -> None:
    gaps = gaps_after(
        [Round(pushed=5), Round(pulled=3), Round(decided=1), Round(given_back=2), Round()]
    )

    assert all(gap < INTERVAL / 4 for gap in gaps), gaps


def test_an_idle_round_waits_the_interval() -> None:
    gaps = gaps_after([Round(), Round(pushed=1), Round()])

    assert gaps[0] >= INTERVAL * 0.95, gaps
    assert gaps[1] < INTERVAL / 4, gaps


def test_a_failed_round_waits_before_it_is_tried_again() -> None:
    unreachable = LienthongError("sync.unreachable", "down")

    gaps = gaps_after([unreachable, Round(pushed=1), Round()])

    assert gaps[0] >= INTERVAL * 0.95, gaps
