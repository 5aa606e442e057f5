"""Prometheus metrics of a gateway: calls, latency and refusals, by side and service."""

from __future__ import annotations

from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

#: Latency buckets in seconds: a gateway hop is milliseconds, an upstream may be seconds.
BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
CONTENT_TYPE: Final = CONTENT_TYPE_LATEST


class GatewayMetrics:
    """The metrics of one gateway, in a registry of their own (one per app, not global)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "lienthong_exchange_calls",
            "Calls handled, by side, service and outcome (ok or the error code).",
            ("side", "service", "outcome"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "lienthong_exchange_call_seconds",
            "Time from a call's arrival to its answer, by side and service.",
            ("side", "service"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.bytes = Counter(
            "lienthong_exchange_bytes",
            "Body bytes through the gateway, by side and direction.",
            ("side", "direction"),
            registry=self.registry,
        )
        self.directory_version = Gauge(
            "lienthong_directory_version",
            "The version of the directory the gateway decides with.",
            registry=self.registry,
        )
        self.directory_seconds_left = Gauge(
            "lienthong_directory_seconds_to_expiry",
            "Seconds until the cached directory expires and calls are refused.",
            registry=self.registry,
        )
        self.certificate_seconds_left = Gauge(
            "lienthong_certificate_seconds_to_expiry",
            "Seconds until this node's TLS certificate expires.",
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, str], tuple[Any, Any, Any, Any]] = {}

    def observe(
        self,
        *,
        side: str,
        service: str,
        outcome: str,
        seconds: float,
        received: int,
        sent: int,
    ) -> None:
        """Count one call."""
        key = (side, service, outcome)
        children = self._children.get(key)
        if children is None:
            # Looked up once per label set: labels() locks and checks its arguments.
            children = self._children[key] = (
                self.calls.labels(side, service, outcome),
                self.latency.labels(side, service),
                self.bytes.labels(side, "in"),
                self.bytes.labels(side, "out"),
            )
        calls, latency, bytes_in, bytes_out = children
        calls.inc()
        latency.observe(seconds)
        bytes_in.inc(received)
        bytes_out.inc(sent)

    def exposition(self) -> bytes:
        """Return the metrics in Prometheus's text format."""
        return generate_latest(self.registry)
