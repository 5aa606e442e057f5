"""A gateway's answer leaves in one send: the writes of one turn of the loop are joined."""

from __future__ import annotations

import asyncio
from typing import Any

from lienthong.exchange.gateway.protocol import COALESCE_BYTES, CoalescingTransport


class Socket:
    """A transport that notes each write and whether it was closed."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5500)}.get(name, default)


def test_the_head_and_body_of_an_answer_leave_together_after_the_turn() -> None:
    async def main() -> list[bytes]:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(b"{}")
        assert socket.sent == []  # not before the turn ends
        await asyncio.sleep(0)
        return socket.sent

    assert asyncio.run(main()) == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


def test_a_large_body_is_sent_as_it_comes() -> None:
    async def main() -> list[bytes]:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())
        transport.write(b"head")
        transport.write(b"x" * COALESCE_BYTES)
        assert socket.sent == [b"head" + b"x" * COALESCE_BYTES]
        transport.write(b"tail")
        await asyncio.sleep(0)
        return socket.sent

    assert asyncio.run(main())[1:] == [b"tail"]


def test_closing_sends_what_is_queued_first() -> None:
    async def main() -> Socket:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())
        transport.write(b"bye")
        transport.close()
        assert transport.is_closing()
        await asyncio.sleep(0)
        return socket

    socket = asyncio.run(main())
    assert socket.sent == [b"bye"] and socket.closed


def test_everything_else_is_the_transports_own() -> None:
    async def main() -> Any:
        transport = CoalescingTransport(Socket(), asyncio.get_running_loop())
        return transport.get_extra_info("peername")

    assert asyncio.run(main()) == ("127.0.0.1", 5500)
