"""A node's copy of the directory: fetched from central, verified, kept through outages.

The node polls central; each answer is verified (signature, instance, expiry, no rollback)
and replaces the cached copy on disk only when it passes. While central is unreachable the
node keeps working on its last good copy, until that copy expires (``expires_at``, or
sooner by the node's own ``max_age``); then it refuses, with an error that says why.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lienthong.errors import LienthongError
from lienthong.exchange.directory.models import Directory
from lienthong.exchange.directory.signing import (
    check_current,
    read_signed_directory,
    verify_directory,
)
from lienthong.i18n import N_

logger = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[bytes]]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

#: Seconds between polls while central answers.
INTERVAL: Final = 60.0
#: Seconds before the first retry after a failure; each further failure doubles it.
BACKOFF_START: Final = 5.0
#: The longest wait between retries.
BACKOFF_MAX: Final = 900.0
#: The largest directory a node accepts, in bytes.
MAX_SIZE: Final = 64 * 1024 * 1024
CACHE_FILE: Final = "directory.json"


def cache_path(state_dir: Path) -> Path:
    """Where a node keeps its copy of the directory."""
    return state_dir / "cache" / CACHE_FILE


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)


def fetch_failed(reason: str) -> LienthongError:
    """Return the error for a directory that could not be fetched."""
    return LienthongError(
        "exchange.directory.fetch",
        N_(
            "Central did not deliver the directory: {reason}. The node keeps working on its"
            " last good copy until it expires."
        ),
        field="directory_url",
        reason=reason,
    )


class DirectoryCache:
    """The directory a node works on, refreshed from central and kept on disk."""

    def __init__(
        self,
        *,
        path: Path,
        key: Ed25519PublicKey,
        instance: str,
        fetch: Fetch,
        clock: Clock = _utc_now,
        max_age: timedelta | None = None,
        interval: float = INTERVAL,
        backoff_start: float = BACKOFF_START,
        backoff_max: float = BACKOFF_MAX,
        jitter: Callable[[], float] = random.random,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.path = path
        self.key = key
        self.instance = instance
        self.fetch = fetch
        self.clock = clock
        self.max_age = max_age
        self.interval = interval
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.jitter = jitter
        self.sleep = sleep
        #: Failed refreshes in a row (0 after a success).
        self.failures = 0
        self.last_error: LienthongError | None = None
        self.last_success: datetime | None = None
        self._directory: Directory | None = self._load()

    def _load(self) -> Directory | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            # An expired copy still loads: current() refuses it, with the reason.
            return read_signed_directory(data, key=self.key, instance=self.instance)
        except LienthongError as error:
            # Kept on disk for inspection; the next good refresh replaces it.
            self.last_error = error
            logger.warning("ignoring the cached directory %s: %s", self.path, error)
            return None

    @property
    def directory(self) -> Directory | None:
        """The last good copy, expired or not; ``None`` before the first."""
        return self._directory

    def current(self) -> Directory:
        """Return the directory to decide with now, or refuse when there is none fit to use."""
        if self._directory is None:
            raise LienthongError(
                "exchange.directory.unavailable",
                N_(
                    "This node has no copy of the network's directory yet. Check that central"
                    " is reachable at the directory address and that the directory key is"
                    " installed (lienthong node install)."
                ),
                field="directory",
            )
        check_current(self._directory, now=self.clock(), max_age=self.max_age)
        return self._directory

    async def refresh(self) -> Directory:
        """Fetch the directory, verify it, and keep it if it is good and not older than ours."""
        held = self._directory
        try:
            data = await self.fetch()
        except LienthongError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise fetch_failed(f"{type(exc).__name__}: {exc}") from exc
        directory = verify_directory(
            data,
            key=self.key,
            now=self.clock(),
            instance=self.instance,
            not_older_than=held.version if held is not None else None,
            max_age=self.max_age,
        )
        if held is not None and directory.version == held.version:
            return held
        _write_atomic(self.path, data)
        self._directory = directory
        logger.info("directory version %d, valid until %s", directory.version, directory.expires_at)
        return directory

    def _delay(self) -> float:
        if self.failures == 0:
            # Nodes started together drift apart rather than poll central in step.
            return self.interval * (1.0 - 0.1 * self.jitter())
        base = min(self.backoff_max, self.backoff_start * 2.0 ** (self.failures - 1))
        return base * (1.0 - 0.5 * self.jitter())

    async def poll_once(self) -> float:
        """Refresh once, record the outcome, and return how long to wait before the next try."""
        try:
            await self.refresh()
        except Exception as exc:
            # Whatever failed, the loop goes on: a bug in one answer must not stop the polling.
            error = exc if isinstance(exc, LienthongError) else fetch_failed(repr(exc))
            self.failures += 1
            self.last_error = error
            delay = self._delay()
            logger.warning(
                "directory refresh failed (%d in a row), retrying in %.0f s: %s",
                self.failures,
                delay,
                error,
                exc_info=not isinstance(exc, LienthongError),
            )
            return delay
        self.failures = 0
        self.last_error = None
        self.last_success = self.clock()
        return self._delay()

    async def run(self) -> None:
        """Poll central until cancelled: steady while it answers, backing off while it fails."""
        while True:
            await self.sleep(await self.poll_once())


def http_fetch(
    url: str, *, ssl_context: ssl.SSLContext | None = None, timeout: float = 30.0
) -> Fetch:
    """Return a fetch function that GETs central's directory over HTTP(S).

    It sends the entity tag it last received in ``If-None-Match`` and, on ``304``,
    returns the same bytes again, so an unchanged directory costs central no transfer.
    """
    etag: str | None = None
    body = b""

    async def fetch() -> bytes:
        nonlocal etag, body
        headers = {"Accept": "application/json"}
        if etag is not None:
            headers["If-None-Match"] = etag
        connector = aiohttp.TCPConnector(ssl=ssl_context if ssl_context is not None else True)
        async with (
            aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status == 304 and etag is not None:
                return body
            if response.status != 200:
                raise fetch_failed(f"{url} answered HTTP {response.status}")
            received = bytearray()
            async for chunk in response.content.iter_chunked(1 << 16):
                received += chunk
                if len(received) > MAX_SIZE:
                    raise fetch_failed(f"{url} sent more than {MAX_SIZE} bytes")
            etag, body = response.headers.get("ETag"), bytes(received)
            return body

    return fetch
