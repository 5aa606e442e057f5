"""Free TCP ports for servers started by tests."""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Where Linux keeps the range it takes ports for outgoing connections from.
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _below_ephemeral() -> range:
    try:
        low = int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(10000, max(low, 12000))


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 now.

    Ports come from below the ephemeral range: a port picked there and bound a moment
    later can meanwhile be taken by one of the test's own outgoing connections (a
    network of 35 gateways opens many), which a port outside it cannot.
    """
    ports = _below_ephemeral()
    for _ in range(200):
        port = random.choice(ports)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # a crowded machine: any port the kernel gives
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
