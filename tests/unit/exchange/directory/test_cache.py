"""A node keeps its last good directory through central's outages, and never a bad one."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lienthong.errors import LienthongError
from lienthong.exchange.directory import authority as central
from lienthong.exchange.directory.cache import DirectoryCache, cache_path, http_fetch
from lienthong.exchange.directory.models import Directory, Level, Member
from lienthong.exchange.directory.signing import SignedDirectory, sign_directory
from lienthong.exchange.directory.views import directory_route
from lienthong.exchange.pki import Authority, NetworkPaths, init_authority

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()
VALIDITY = timedelta(days=7)


def signed(version: int, *, issued: datetime = NOW, key: Ed25519PrivateKey = KEY) -> bytes:
    directory = Directory(
        instance="VN",
        version=version,
        issued_at=issued,
        expires_at=issued + VALIDITY,
        members=(Member(id="VN/GOV/BCA", name=f"Bộ Công an {version}", level=Level.CENTRAL),),
    )
    return sign_directory(directory, key=key).to_json()


class Central:
    """A fake central: answers what it is told to, or fails as an unreachable server does."""

    def __init__(self, answer: bytes | BaseException | None = None) -> None:
        self.answer = answer if answer is not None else ConnectionRefusedError(111, "refused")
        self.calls = 0

    async def __call__(self) -> bytes:
        self.calls += 1
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def cache(path: Path, fetch: Any, clock: Clock, **options: Any) -> DirectoryCache:
    return DirectoryCache(
        path=path,
        key=KEY.public_key(),
        instance="VN",
        fetch=fetch,
        clock=clock,
        jitter=lambda: 0.0,
        **options,
    )


def refused(code: str) -> Any:
    return pytest.raises(LienthongError, match=rf"^{code}:")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return cache_path(tmp_path)


def test_a_node_that_never_had_a_directory_refuses(path: Path) -> None:
    node = cache(path, Central(), Clock())
    with refused("exchange.directory.unavailable"):
        node.current()
    with refused("exchange.directory.fetch"):
        asyncio.run(node.refresh())
    with refused("exchange.directory.unavailable"):
        node.current()


def test_a_good_directory_is_kept_on_disk_and_survives_a_restart(path: Path) -> None:
    clock = Clock()
    node = cache(path, Central(signed(3)), clock)
    assert asyncio.run(node.refresh()).version == 3
    assert node.current().version == 3
    assert path.read_bytes() == signed(3)
    restarted = cache(path, Central(), clock)
    assert restarted.current().version == 3


def test_while_central_is_unreachable_the_cached_copy_serves_until_it_expires(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    fake = Central(signed(3))
    node = cache(path, fake, clock)
    asyncio.run(node.poll_once())
    fake.answer = OSError("Network is unreachable")
    clock.advance(days=6)
    with caplog.at_level(logging.WARNING):
        asyncio.run(node.poll_once())
    assert node.current().version == 3
    assert node.failures == 1 and node.last_error is not None
    assert node.last_error.code == "exchange.directory.fetch"
    assert "directory refresh failed" in caplog.text
    clock.advance(days=1)
    with refused("exchange.directory.expired"):
        node.current()


def test_a_node_may_stop_trusting_an_old_directory_before_it_expires(path: Path) -> None:
    clock = Clock()
    node = cache(path, Central(signed(3)), clock, max_age=timedelta(days=2))
    asyncio.run(node.refresh())
    clock.advance(days=1, hours=23)
    assert node.current().version == 3
    clock.advance(hours=1)
    with pytest.raises(LienthongError) as caught:
        node.current()
    assert caught.value.code == "exchange.directory.expired"
    assert (NOW + timedelta(days=2)).isoformat() in caught.value.message_en


def test_a_newer_directory_replaces_the_cached_one(path: Path) -> None:
    clock = Clock()
    fake = Central(signed(3))
    node = cache(path, fake, clock)
    asyncio.run(node.refresh())
    fake.answer = signed(4, issued=NOW + timedelta(hours=1))
    clock.advance(hours=2)
    assert asyncio.run(node.refresh()).version == 4
    assert node.current().version == 4 and path.read_bytes() == fake.answer


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (
            SignedDirectory(
                document=SignedDirectory.from_json(signed(4)).document.replace(b"4", b"5"),
                signature=SignedDirectory.from_json(signed(4)).signature,
            ).to_json(),
            "exchange.directory.signature",
        ),
        (signed(4, key=Ed25519PrivateKey.generate()), "exchange.directory.signature"),
        (signed(2), "exchange.directory.rollback"),
        (signed(4, issued=NOW - VALIDITY - timedelta(days=1)), "exchange.directory.expired"),
        (b"<html>502 Bad Gateway</html>", "exchange.directory.malformed"),
    ],
    ids=["tampered", "other key", "older", "expired", "not a directory"],
)
def test_a_bad_directory_never_replaces_the_good_one(path: Path, bad: bytes, code: str) -> None:
    fake = Central(signed(3))
    node = cache(path, fake, Clock())
    asyncio.run(node.refresh())
    fake.answer = bad
    delay = asyncio.run(node.poll_once())
    assert node.last_error is not None and node.last_error.code == code
    assert delay == 5.0  # a failure: retried soon, not after the whole interval
    assert node.current().version == 3
    assert path.read_bytes() == signed(3)


def test_the_same_version_again_changes_nothing(path: Path) -> None:
    fake = Central(signed(3))
    node = cache(path, fake, Clock())
    first = asyncio.run(node.refresh())
    assert asyncio.run(node.refresh()) is first
    assert fake.calls == 2


def test_a_damaged_cache_file_is_ignored_and_replaced_by_the_next_good_copy(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(signed(9, key=Ed25519PrivateKey.generate()))
    node = cache(path, Central(signed(3)), Clock())
    assert node.last_error is not None and node.last_error.code == "exchange.directory.signature"
    with refused("exchange.directory.unavailable"):
        node.current()
    asyncio.run(node.refresh())
    assert node.current().version == 3 and path.read_bytes() == signed(3)


def test_back_off_grows_to_its_cap_and_resets_after_a_success(path: Path) -> None:
    fake = Central()
    node = cache(path, fake, Clock(), interval=60.0, backoff_start=5.0, backoff_max=30.0)
    delays = [asyncio.run(node.poll_once()) for _ in range(5)]
    assert delays == [5.0, 10.0, 20.0, 30.0, 30.0]
    fake.answer = signed(3)
    assert asyncio.run(node.poll_once()) == 60.0
    assert node.failures == 0 and node.last_error is None and node.last_success == NOW
    fake.answer = RuntimeError("a bug in the fetch")
    assert asyncio.run(node.poll_once()) == 5.0
    assert node.last_error is not None and node.last_error.code == "exchange.directory.fetch"


def test_jitter_only_ever_shortens_the_wait(path: Path) -> None:
    node = DirectoryCache(
        path=path,
        key=KEY.public_key(),
        instance="VN",
        fetch=Central(),
        clock=Clock(),
        interval=60.0,
        backoff_start=8.0,
        jitter=lambda: 1.0,
    )
    assert asyncio.run(node.poll_once()) == 4.0
    assert asyncio.run(node.poll_once()) == 8.0


def test_run_polls_forever_with_the_computed_waits(path: Path) -> None:
    slept: list[float] = []
    fake = Central()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            fake.answer = signed(3)
        if len(slept) == 5:
            raise asyncio.CancelledError

    node = cache(path, fake, Clock(), interval=60.0, backoff_start=5.0, sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(node.run())
    assert slept == [5.0, 10.0, 20.0, 60.0, 60.0]
    assert node.current().version == 3


# -- over HTTP, from central's route -------------------------------------------------------------


async def _serving(app: Starlette) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


def test_http_fetch_gets_central_directory_and_revalidates_it(tmp_path: Path) -> None:
    state = tmp_path / "central"
    init_authority(directory=NetworkPaths.of(state).root, instance="VN", name="Thử", now=NOW)
    central.publish(state_dir=state, now=NOW)
    seen: list[str | None] = []

    async def broken(request: Request) -> Response:
        return Response(b"down for maintenance", status_code=503)

    route = directory_route(state)
    original = route.endpoint

    async def watched(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        return await original(request)  # type: ignore[no-any-return]

    app = Starlette(routes=[Route("/directory", watched), Route("/broken", broken)])

    async def main() -> tuple[bytes, bytes, LienthongError, LienthongError]:
        server, task, port = await _serving(app)
        try:
            fetch = http_fetch(f"http://127.0.0.1:{port}/directory", timeout=5)
            first = await fetch()
            again = await fetch()
            failing = cache(
                tmp_path / "node.json", http_fetch(f"http://127.0.0.1:{port}/broken"), Clock()
            )
            with pytest.raises(LienthongError) as status:
                await failing.refresh()
        finally:
            server.should_exit = True
            await task
        closed = cache(tmp_path / "node.json", http_fetch(f"http://127.0.0.1:{port}/"), Clock())
        with pytest.raises(LienthongError) as unreachable:
            await closed.refresh()
        return first, again, status.value, unreachable.value

    first, again, status, unreachable = asyncio.run(main())
    assert first == again == central.latest_signed(state)
    assert seen == [None, '"1"']
    assert status.code == "exchange.directory.fetch" and "503" in status.message_en
    assert unreachable.code == "exchange.directory.fetch"
    key = Authority.load(NetworkPaths.of(state).root).directory_public_key
    node = DirectoryCache(
        path=tmp_path / "node.json", key=key, instance="VN", fetch=Central(first), clock=Clock()
    )
    assert asyncio.run(node.refresh()).version == 1
