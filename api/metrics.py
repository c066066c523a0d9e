"""Prometheus metrics: no label ever names a person, a pair or a text."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
LAG_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1)


class Metrics:
    """One registry per app, so several apps in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.open_sockets = Gauge("attune_open_sockets", "Open live-channel sockets here.",
                                  registry=self.registry)
        self.hub_degraded = Gauge("attune_hub_degraded",
                                  "1 while Redis is unreachable and the log is polled.",
                                  registry=self.registry)
        self.events = Counter("attune_events_total", "Pair events stored, by type.",
                              ["type"], registry=self.registry)
        self.signal_seconds = Histogram(
            "attune_signal_handling_seconds",
            "From a pause/slow/resume command read to its ack queued (stored + announced).",
            ["type"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.receipts = Counter("attune_receipts_total", "Receipts relayed, by status.",
                                ["status"], registry=self.registry)
        self.requests = Histogram("attune_http_request_seconds", "HTTP request latency.",
                                  ["method", "route", "status"], buckets=LATENCY_BUCKETS,
                                  registry=self.registry)
        self.errors = Counter("attune_http_errors_total", "HTTP answers of 4xx and 5xx.",
                              ["status"], registry=self.registry)
        self.commits = Histogram(
            "attune_sqlite_commit_seconds",
            "How long each commit of the embedded database took (its fsync, on a thread): "
            "a pause waits for one, so a disk that stalls shows here.",
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.loop_lag = Histogram(
            "attune_event_loop_lag_seconds",
            "How late the event loop ran a callback it was asked to run at a given time: "
            "how long anything on this instance (a pause too) may have waited for it.",
            buckets=LAG_BUCKETS, registry=self.registry)

    async def watch_loop(self, every: float = 0.05) -> None:
        """Measures the event loop's lag for as long as it runs: asks to wake every
        `every` seconds and records how much later than that it woke."""
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(every)
            self.loop_lag.observe(max(0.0, time.perf_counter() - asked - every))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class RequestMetrics:
    """Times each HTTP request by its route template (never its concrete path)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tap(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tap)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started)
            if status >= 400:
                self.metrics.errors.labels(str(status)).inc()
