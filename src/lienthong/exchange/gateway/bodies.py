"""Message bodies on their way through a gateway: read in chunks, hashed, bounded, spooled.

A signature covers the body's hash, so a gateway must have seen the whole body before it
signs or trusts a message. Bodies are therefore read chunk by chunk into a spool (memory
up to ``MEMORY_BYTES``, a temporary file beyond) while their SHA-256 is computed, and
handed on chunk by chunk from there: memory stays constant whatever their size. The size
limit is enforced as the bytes arrive, and a body that stops arriving is given up after
a timeout, so neither a huge nor an endless body can hold a gateway.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, Final

from lienthong.errors import LienthongError
from lienthong.i18n import N_

#: What a spool keeps in memory before it moves to a temporary file.
MEMORY_BYTES: Final = 1 << 20
CHUNK: Final = 64 * 1024

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


def too_large(limit: int) -> LienthongError:
    """Return the refusal of a body over the size limit."""
    return LienthongError(
        "exchange.body.too_large",
        N_("The body is larger than {limit} bytes, the most this gateway accepts."),
        field="body",
        limit=limit,
    )


class Spool:
    """A body as it arrived: its bytes (in memory or on disk), size and SHA-256."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._small = bytearray()
        self._file: Any = None

    def write(self, chunk: bytes) -> None:
        """Add a chunk, refusing it when the body would pass the limit."""
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.limit)
        self._hash.update(chunk)
        if self._file is None and len(self._small) + len(chunk) <= MEMORY_BYTES:
            self._small += chunk
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            self._file.write(self._small)
            self._small = bytearray()
        self._file.write(chunk)

    @property
    def digest(self) -> str:
        """The hex SHA-256 of the body."""
        return self._hash.hexdigest()

    def small(self) -> bytes | None:
        """Return the whole body when it is held in memory, else None."""
        return bytes(self._small) if self._file is None else None

    def chunks(self) -> AsyncIterator[bytes]:
        """Yield the body again, chunk by chunk."""
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        if self._file is None:
            if self._small:
                yield bytes(self._small)
            return
        self._file.seek(0)
        while chunk := self._file.read(CHUNK):
            yield chunk

    def close(self) -> None:
        """Release the temporary file, if any."""
        if self._file is not None:
            self._file.close()
            self._file = None


async def read_request_body(receive: Receive, *, limit: int, timeout: float) -> Spool:
    """Read an ASGI request's body into a spool, bounded in size and in waiting time."""
    spool = Spool(limit=limit)
    try:
        while True:
            try:
                # asyncio.timeout, not wait_for: no task per chunk on the hot path.
                async with asyncio.timeout(timeout):
                    message = await receive()
            except TimeoutError:
                raise LienthongError(
                    "exchange.body.timeout",
                    N_(
                        "The request body stopped arriving for {seconds} s. Send the whole"
                        " body, with a correct Content-Length."
                    ),
                    field="body",
                    seconds=round(timeout),
                ) from None
            if message["type"] == "http.disconnect":
                raise LienthongError(
                    "exchange.body.incomplete",
                    N_("The caller went away before its request body was complete."),
                    field="body",
                )
            spool.write(message.get("body", b""))
            if not message.get("more_body", False):
                return spool
    except BaseException:
        spool.close()
        raise


def declared_length(headers: dict[str, str], *, limit: int) -> None:
    """Refuse at once a request whose declared length passes the limit."""
    text = headers.get("content-length")
    if text is None:
        return
    # isdigit alone takes "²" and other Unicode digits, which int() then refuses.
    if not (text.isascii() and text.isdigit()):
        raise LienthongError(
            "exchange.header.content_length",
            N_("Content-Length {value} is not a number of bytes."),
            field="content-length",
            value=text[:40],
        )
    # Compared by length first: int() refuses numbers of thousands of digits.
    digits = text.lstrip("0")
    if len(digits) > len(str(limit)) or int(digits or "0") > limit:
        raise too_large(limit)
