"""Free TCP ports for servers started by tests."""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Where Linux keeps the range it takes ports for outgoing connections from.
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: Ports handed out by this process: a port is only bound later, so a second pick could
#: otherwise return one already given to another server of the same test.
_GIVEN: set[int] = set()


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
    network of 35 gateways opens many), which a port outside it cannot. No port is
    handed out twice, since the 70 ports of such a network are all picked before any
    is bound.
    """
    ports = _below_ephemeral()
    for _ in range(200):
        port = random.choice(ports)
        if port in _GIVEN:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    with socket.socket() as probe:  # a crowded machine: any port the kernel gives
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
