"""Pause latency: partner A sends `pause`, how long until partner B's socket has it.

    .venv/bin/python bench/pause_latency.py --pairs 1000 --mode embedded
    .venv/bin/python bench/pause_latency.py --pairs 1000 --mode scaleout
    .venv/bin/python bench/pause_latency.py --scenario idle-pair
    .venv/bin/python bench/pause_latency.py --scenario redis-pause
    .venv/bin/python bench/pause_latency.py --scenario compact

The default scenario (`load`) is described below; the others (one idle pair back to
back, a Redis brownout, `python -m api compact` beside the server) live in
bench/scenarios.py and reuse this file's client, servers and relay.

One asyncio client process (uvloop when installed) drives everything over loopback and
starts the servers itself as subprocesses. In the same run it measures the floor, a
bare websocket relay (bench/relay_server.py) under the same uvicorn options, with the
same client code, number of sockets and background traffic, then the service:

1. set up N pairs over REST (register, sign in, invite, join; timed apart);
2. read the server's VmRSS, connect 2N sockets (hello/welcome), wait, read it again;
3. start background traffic: a fraction of pairs each send one `slow`/`resume` a second;
4. send `pause` on A's socket of a measured pair at a fixed total rate (open loop,
   round robin over the measured pairs), time until B's socket receives that pause
   event; once it has, A lifts it with `resume` (not timed);
5. catch-up: B of a few other pairs disconnects, A sends K signal events, B reconnects
   with its last_seq; time until B has every missed event.

In scale-out mode there are two service instances on one PostgreSQL database (fresh,
dropped at the end) and Redis; every A is on instance 1 and every B on instance 2.
See bench/README.md for the figures and what limits them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import json
import math
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RELAY = ROOT / "bench" / "relay_server.py"
PASSWORD = "a quiet walk by the river 7"  # noqa: S105  (throwaway accounts)
SIGNALS = frozenset({"pause", "slow", "resume"})
PONG = '{"type":"pong"}'
perf = time.perf_counter


# -- small helpers ----------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_nofile(want: int) -> int:
    """Raises the open-file limit (inherited by the servers); returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary_ms(seconds: Iterable[float]) -> dict[str, float]:
    """p50/p95/p99/max (and mean, count) in milliseconds."""
    values = sorted(s * 1000 for s in seconds)
    return {
        "count": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1] if values else math.nan,
        "mean": sum(values) / len(values) if values else math.nan,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def code_version() -> dict[str, Any]:
    """Which service code ran: the commit, uncommitted changes, and a hash of api/ + schemas/."""
    import hashlib

    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10, check=False).stdout.strip()
        except OSError:
            return ""

    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("api/**/*.py"), *ROOT.glob("schemas/**/*.py")]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    dirty = git("status", "--porcelain", "--", "api", "schemas").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_files": len(dirty),
            "source_sha256": digest.hexdigest()[:12]}


def filesystem_of(path: Path) -> str:
    """The type of the filesystem holding `path` (fsync costs differ a lot)."""
    best, kind = "", "?"
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) >= len(best):
            best, kind = parts[1], parts[2]
    return kind


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used so far (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def named_cpu_seconds(names: frozenset[str]) -> float:
    """CPU seconds used so far by every process with one of these names (live ones)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1:text.rfind(")")]
        if name in names:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


DATA_SERVERS = frozenset({"postgres", "redis-server"})


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- server subprocesses ----------------------------------------------------------------


class ServerProcess:
    """One server subprocess: started, awaited on /healthz, measured, stopped."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int,
                 log_path: Path) -> None:
        self.name, self.argv, self.env, self.port, self.log_path = name, argv, env, port, log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    async def wait_ready(self, limit: float = 90) -> None:
        deadline = time.monotonic() + limit
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                       + self.log_tail())
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.base}/healthz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready in {limit} s:\n" + self.log_tail())
                await asyncio.sleep(0.1)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_offset(self) -> int:
        """The log's current size, to split it into phases."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_summary(self, start: int = 0, end: int | None = None) -> dict[str, Any]:
        """Warning/error lines by event, and socket closes by code, in a span of the log."""
        found: Counter[str] = Counter()
        closes: Counter[str] = Counter()
        try:
            with self.log_path.open("rb") as f:
                f.seek(start)
                text = f.read(-1 if end is None else max(0, end - start)).decode(
                    errors="replace")
        except OSError:
            return {}
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                if "Traceback" in line:
                    found["traceback"] += 1
                continue
            if not isinstance(entry, dict):
                continue
            event = str(entry.get("event", ""))
            if event == "socket_closed":
                closes[str(entry.get("code"))] += 1
            if entry.get("level") in ("warning", "error", "critical"):
                name = event.split("\n")[0][:60]
                coro = re.search(r"coro=<([\w.]+)", event)
                if coro:
                    name += f" ({coro.group(1)})"
                if entry.get("error"):
                    name += f" [{entry['error']}]"
                found[f"{entry['level']}: {name}"] += 1
        return {"problems": dict(found), "socket_closes_by_code": dict(closes)}


# -- the client side --------------------------------------------------------------------


@dataclass(eq=False)
class Peer:
    """One person's socket."""

    pair: PairRef
    side: str
    url: str
    token: str
    ws: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None
    last_seq: int = 0


@dataclass(eq=False)
class PairRef:
    """One pair of the benchmark, with its two sockets."""

    index: int
    a: Peer = field(init=False)
    b: Peer = field(init=False)
    busy: bool = False
    # Set when B has the resume that lifts this pair's last timed pause (back to back).
    freed: asyncio.Future[None] | None = None


@dataclass(eq=False)
class Sample:
    """One timed pause."""

    pair: PairRef
    measured: bool
    t_send: float
    received: asyncio.Future[float]
    t_recv: float | None = None
    t_ack: float | None = None

    def timings(self, since: float) -> list[float | None]:
        """Seconds from `since` to when it was sent, then ms to B and ms to the ack back
        to A (None: never came)."""
        return [round(self.t_send - since, 4),
                None if self.t_recv is None else round((self.t_recv - self.t_send) * 1000, 3),
                None if self.t_ack is None else round((self.t_ack - self.t_send) * 1000, 3)]


@dataclass(eq=False)
class Watch:
    """Catch-up: which seqs a reconnecting socket still has to get."""

    peer: Peer
    missing: set[int]
    done: asyncio.Future[float]


class Driver:
    """Connects the sockets and runs the traffic against one target (service or relay)."""

    def __init__(self, *, stored: bool) -> None:
        # stored: the target logs events with seqs and acks commands (the service).
        self.stored = stored
        self.samples: dict[str, Sample] = {}
        self.sent: list[Sample] = []  # every timed pause, in order (scenarios split them)
        self.resumes: dict[str, PairRef] = {}
        self.ack_waiters: dict[str, asyncio.Future[int]] = {}
        self.watch: Watch | None = None
        self.errors: Counter[str] = Counter()
        self.closed_unexpectedly: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[Any]] = set()
        self.bg_sent = 0
        self.reconnects = 0
        self.stopping = False

    def spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- sockets ------------------------------------------------------------------------

    async def open(self, peer: Peer, *, last_seq: int | None = None) -> None:
        ws = await connect(peer.url, compression=None, max_size=65536, ping_interval=None,
                           open_timeout=60, close_timeout=5)
        hello = {"type": "hello", "token": peer.token,
                 "last_seq": peer.last_seq if last_seq is None else last_seq}
        await ws.send(json.dumps(hello))
        while True:
            text = await asyncio.wait_for(ws.recv(), 60)
            now = perf()
            frame = json.loads(text)
            if frame.get("type") == "welcome":
                break
            await self.handle(peer, ws, frame, now)
        peer.ws = ws
        peer.reader = asyncio.create_task(self.read(peer, ws))

    async def close(self, peer: Peer) -> None:
        ws, reader = peer.ws, peer.reader
        peer.ws = None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader, 5)

    async def read(self, peer: Peer, ws: ClientConnection) -> None:
        try:
            async for text in ws:
                now = perf()
                await self.handle(peer, ws, json.loads(text), now)
        except ConnectionClosed:
            pass
        if peer.ws is ws and not self.stopping:
            # The server closed a socket we did not close: count it, and come back
            # with our last_seq, as a real client would (so one close costs a few
            # samples, not a pair for the rest of the run).
            self.closed_unexpectedly[str(ws.close_code)] += 1
            peer.ws = None
            self.spawn(self.reconnect(peer))

    async def reconnect(self, peer: Peer) -> None:
        for _ in range(5):
            await asyncio.sleep(0.5)
            if self.stopping:
                return
            try:
                await self.open(peer)
                self.reconnects += 1
                return
            except (OSError, TimeoutError, ConnectionClosed) as exc:
                self.errors[f"reconnect:{type(exc).__name__}"] += 1

    async def handle(self, peer: Peer, ws: ClientConnection, frame: dict[str, Any],
                     now: float) -> None:
        kind = frame.get("type")
        if kind in SIGNALS:
            seq = frame.get("seq")
            if isinstance(seq, int) and seq > peer.last_seq:
                peer.last_seq = seq
            self.on_event(peer, kind, frame.get("id"), seq, now)
        elif kind == "ack":
            self.on_ack(frame.get("id"), frame.get("seq"), now)
        elif kind == "ping":
            await ws.send(PONG)
        elif kind == "error":
            self.errors[str(frame.get("code"))] += 1
            waiter = self.ack_waiters.pop(str(frame.get("id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_exception(RuntimeError(f"command refused: {frame}"))

    def on_event(self, peer: Peer, kind: str, cid: Any, seq: Any, now: float) -> None:
        if kind == "pause":
            sample = self.samples.get(cid)
            if sample is not None and peer is sample.pair.b and sample.t_recv is None:
                sample.t_recv = now
                sample.received.set_result(now)
                rid = str(uuid.uuid4())
                self.resumes[rid] = sample.pair
                self.spawn(self.send(sample.pair.a, "resume", rid))
        elif kind == "resume":
            pair = self.resumes.get(cid)
            if pair is not None and peer is pair.b:
                del self.resumes[cid]
                pair.busy = False
                if pair.freed is not None and not pair.freed.done():
                    pair.freed.set_result(None)
        watch = self.watch
        if watch is not None and peer is watch.peer and isinstance(seq, int):
            watch.missing.discard(seq)
            if not watch.missing and not watch.done.done():
                watch.done.set_result(now)

    def on_ack(self, cid: Any, seq: Any, now: float) -> None:
        sample = self.samples.get(cid)
        if sample is not None and sample.t_ack is None:
            sample.t_ack = now
        waiter = self.ack_waiters.pop(cid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(int(seq))

    async def send(self, peer: Peer, kind: str, cid: str) -> None:
        if peer.ws is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await peer.ws.send(f'{{"type":"{kind}","id":"{cid}"}}')

    async def connect_all(self, peers: list[Peer], concurrency: int) -> float:
        gate = asyncio.Semaphore(concurrency)

        async def one(peer: Peer) -> None:
            async with gate:
                for attempt in range(3):
                    try:
                        await self.open(peer)
                        return
                    except (OSError, TimeoutError, ConnectionClosed) as exc:
                        self.errors[f"connect retried:{type(exc).__name__}"] += 1
                        if attempt == 2:
                            raise
                        await asyncio.sleep(0.5)

        started = perf()
        await asyncio.gather(*(one(p) for p in peers))
        return perf() - started

    async def close_all(self, peers: list[Peer]) -> None:
        self.stopping = True
        for task in list(self.tasks):
            task.cancel()
        gate = asyncio.Semaphore(200)

        async def one(peer: Peer) -> None:
            async with gate:
                await self.close(peer)

        await asyncio.gather(*(one(p) for p in peers), return_exceptions=True)

    # -- traffic ------------------------------------------------------------------------

    def start_background(self, pairs: list[PairRef], period: float) -> None:
        """Each pair's A sends slow, resume, slow, ... one every `period` seconds."""

        async def one(pair: PairRef, phase: float) -> None:
            await asyncio.sleep(phase)
            start, i = perf(), 0
            while not self.stopping:
                cid = str(uuid.uuid4())
                await self.send(pair.a, "slow" if i % 2 == 0 else "resume", cid)
                self.bg_sent += 1
                i += 1
                delay = start + i * period - perf()
                if delay > 0:
                    await asyncio.sleep(delay)

        for k, pair in enumerate(pairs):
            self.spawn(one(pair, period * k / max(1, len(pairs))))

    async def run_pauses(self, pairs: list[PairRef], *, count: int, rate: float,
                         measured: bool, grace: float,
                         stop: asyncio.Event | None = None) -> dict[str, Any]:
        """Open-loop pauses at `rate` per second, round robin over free pairs.

        Sends `count` pauses, or fewer if `stop` is set first."""
        interval = 1 / rate
        cursor, skipped = 0, 0
        lags: list[float] = []
        mine: list[Sample] = []
        start = perf() + 0.05
        for i in range(count):
            if stop is not None and stop.is_set():
                break
            target = start + i * interval
            delay = target - perf()
            if delay > 0:
                await asyncio.sleep(delay)
            lags.append(perf() - target)
            pair = None
            for _ in range(len(pairs)):
                candidate = pairs[cursor % len(pairs)]
                cursor += 1
                if not candidate.busy and candidate.a.ws is not None:
                    pair = candidate
                    break
            if pair is None:
                skipped += 1
                continue
            pair.busy = True
            cid = str(uuid.uuid4())
            sample = Sample(pair=pair, measured=measured, t_send=perf(),
                            received=asyncio.get_running_loop().create_future())
            self.samples[cid] = sample
            mine.append(sample)
            self.sent.append(sample)
            await self.send(pair.a, "pause", cid)
        waiting = [s.received for s in mine if not s.received.done()]
        if waiting:
            await asyncio.wait(waiting, timeout=grace)
        if self.stored:
            await asyncio.sleep(0.5)  # the last acks
        got = [s.t_recv - s.t_send for s in mine if s.t_recv is not None]
        acks = [s.t_ack - s.t_send for s in mine if s.t_ack is not None]
        return {
            "latency_ms": summary_ms(got),
            "ack_ms": summary_ms(acks) if acks else None,
            "lost": sum(1 for s in mine if s.t_recv is None),
            "skipped_no_free_pair": skipped,
            "client_send_lag_ms": summary_ms(lags),
            "seconds": perf() - start,
            # Every sample: seconds since the first send, latency in ms (None: lost).
            "raw": [s.timings(start)[:2] for s in mine],
        }

    async def back_to_back(self, pair: PairRef, *, count: int, limit: float = 10,
                           ) -> list[Sample]:
        """One pause at a time on one pair: A sends pause, B has it, A sends resume, B has
        that, and only then the next pause. A pause B never gets counts as lost."""
        loop = asyncio.get_running_loop()
        mine: list[Sample] = []
        for _ in range(count):
            pair.busy = True
            freed: asyncio.Future[None] = loop.create_future()
            pair.freed = freed
            cid = str(uuid.uuid4())
            sample = Sample(pair=pair, measured=True, t_send=perf(),
                            received=loop.create_future())
            self.samples[cid] = sample
            mine.append(sample)
            self.sent.append(sample)
            await self.send(pair.a, "pause", cid)
            try:
                await asyncio.wait_for(freed, limit)
            except TimeoutError:
                self.errors["back_to_back:timeout"] += 1
                await self.send(pair.a, "resume", str(uuid.uuid4()))
                await asyncio.sleep(0.5)
                pair.busy = False
        pair.freed = None
        return mine

    async def command_acked(self, peer: Peer, kinds: list[str], limit: float) -> list[int]:
        """Sends signal commands back to back; returns their acked seqs."""
        loop = asyncio.get_running_loop()
        waiters = []
        for kind in kinds:
            cid = str(uuid.uuid4())
            fut: asyncio.Future[int] = loop.create_future()
            self.ack_waiters[cid] = fut
            waiters.append(fut)
            await self.send(peer, kind, cid)
        return list(await asyncio.wait_for(asyncio.gather(*waiters), limit))

    async def catch_up(self, pair: PairRef, events: int, settle: float,
                       limit: float = 10) -> dict[str, Any]:
        """B goes away, A sends `events` signal events, B comes back with its last_seq."""
        a, b = pair.a, pair.b
        seqs = await self.command_acked(a, ["pause", "resume"], 10)
        await self.wait_for_seqs(b, max(seqs), 10)
        await self.close(b)
        await asyncio.sleep(settle)
        kinds = ["pause" if i % 2 == 0 else "resume" for i in range(events)]
        seqs = await self.command_acked(a, kinds, 30)
        since = b.last_seq
        missing = set(range(since + 1, max(seqs) + 1))
        watch = Watch(peer=b, missing=set(missing),
                      done=asyncio.get_running_loop().create_future())
        self.watch = watch
        t0 = perf()
        try:
            await self.open(b, last_seq=since)
            t_done: float | None = await asyncio.wait_for(watch.done, limit)
        except TimeoutError:
            t_done = None
        finally:
            self.watch = None
        return {"seconds": None if t_done is None else t_done - t0, "missed": len(missing),
                "last_seq_sent": since, "still_missing": sorted(watch.missing)}

    async def wait_for_seqs(self, peer: Peer, upto: int, limit: float) -> None:
        """Waits until the peer's socket has every seq up to `upto`."""
        missing = set(range(peer.last_seq + 1, upto + 1))
        if not missing:
            return
        watch = Watch(peer=peer, missing=missing, done=asyncio.get_running_loop().create_future())
        self.watch = watch
        try:
            await asyncio.wait_for(watch.done, limit)
        finally:
            self.watch = None


def freeze_heap() -> None:
    """The client is the instrument: no garbage collection of its own while it times.

    Its full collections over thousands of socket objects stalled it for up to 237 ms,
    and with those held off, collections of the middle generation still took 10-22 ms
    (measured in the soak): a pause arriving then was timed that much late. The heap
    made so far is frozen and the collector is off until the process ends: the cycles
    a run leaves (about 10 MiB a minute in the soak, measured) go with the process."""
    gc.collect()
    gc.freeze()
    gc.disable()


class LoopLag:
    """How late the client's own event loop wakes up (is the client keeping up?)."""

    def __init__(self, tick: float = 0.01) -> None:
        self.tick = tick
        self.lags: list[float] = []
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        async def run() -> None:
            while True:
                before = perf()
                await asyncio.sleep(self.tick)
                self.lags.append(perf() - before - self.tick)

        self.task = asyncio.create_task(run())

    async def stop(self) -> dict[str, float]:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        return summary_ms(self.lags)


# -- the server's own event-loop lag, from /metrics ---------------------------------------

LAG_METRIC = "attune_event_loop_lag_seconds"
Buckets = dict[float, float]  # a histogram's cumulative bucket counts by upper bound (le)


async def get_metrics(port: int) -> str | None:
    """A server's /metrics text over a plain HTTP/1.0 socket, or None.

    Not httpx: the client is the instrument, and a new httpx client builds an SSL
    context (17-31 ms of this process's loop, measured). The scrapes fall at the edges of
    the timed spans, so that stall showed up as a late pause beside them."""
    try:
        async with asyncio.timeout(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                answer = await reader.read()
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return None
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
        return None
    return body.decode()


# A histogram to read off /metrics: its name, and the labels its samples must have.
Query = tuple[str, dict[str, str] | None]
LAG: Query = (LAG_METRIC, None)
HANDLING_METRIC = "attune_signal_handling_seconds"
PAUSES_HANDLED: Query = (HANDLING_METRIC, {"type": "pause"})  # not the resumes
# The embedded database's commits (their fsync): where a disk that stalls shows.
COMMITS: Query = ("attune_sqlite_commit_seconds", None)


def histogram(families: list[Any], query: Query) -> Buckets | None:
    """The cumulative bucket counts of one histogram, summed over its labels (those
    matching the query's); None when the server does not expose it."""
    name, where = query
    buckets: Buckets = {}
    for family in families:
        if family.name != name:
            continue
        for sample in family.samples:
            if sample.name == f"{name}_bucket" and all(
                    sample.labels.get(k) == v for k, v in (where or {}).items()):
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
    return buckets or None


async def scrape(servers: list[ServerProcess], *queries: Query,
                 ) -> list[dict[str, Buckets | None]]:
    """Each query's histogram on every server, from one read of each server's /metrics
    (None where /metrics does not answer), all servers at once."""
    texts = await asyncio.gather(*(get_metrics(s.port) for s in servers))
    families = [[] if text is None else list(text_string_to_metric_families(text))
                for text in texts]
    return [{s.name: histogram(found, query)
             for s, found in zip(servers, families, strict=True)} for query in queries]


async def scrape_lag(servers: list[ServerProcess]) -> dict[str, Buckets | None]:
    """The event-loop lag histogram of every server, read at once."""
    (lag,) = await scrape(servers, LAG)
    return lag


def slower_than(seconds: float, before: dict[str, Buckets | None],
                after: dict[str, Buckets | None]) -> dict[str, list[int] | None]:
    """Per server, between two scrapes: [observations above `seconds` (a bucket bound),
    all observations]; None when the histogram is not exposed."""
    out: dict[str, list[int] | None] = {}
    for name, found in after.items():
        if not found or seconds not in found:
            out[name] = None
            continue
        old = before.get(name) or {}
        total = found[max(found)] - old.get(max(found), 0.0)
        within = found[seconds] - old.get(seconds, 0.0)
        out[name] = [round(total - within), round(total)]
    return out


def histogram_quantile(q: float, before: Buckets | None, after: Buckets | None,
                       ) -> dict[str, float] | None:
    """The q-quantile (0..1) of what a histogram observed between two scrapes, the way
    Prometheus' histogram_quantile works it out: linear within the bucket it falls in.
    Also gives that bucket's upper bound and the number of observations."""
    if not after:
        return None
    bounds = sorted(after)
    delta = [(le, after[le] - (before or {}).get(le, 0.0)) for le in bounds]
    total = delta[-1][1]
    if total <= 0:
        return {"seconds": math.nan, "bucket_le": math.nan, "observations": 0.0}
    rank = q * total
    low, below = 0.0, 0.0
    for le, count in delta:
        if count >= rank:
            if math.isinf(le):  # beyond the last finite bucket: say at least that
                return {"seconds": low, "bucket_le": le, "observations": total}
            inside = (rank - below) / (count - below) if count > below else 1.0
            return {"seconds": low + (le - low) * inside, "bucket_le": le,
                    "observations": total}
        low, below = le, count
    return None


def lag_p99(before: dict[str, Buckets | None], after: dict[str, Buckets | None],
            ) -> dict[str, dict[str, float] | None]:
    """p99 of each server's event-loop lag between two scrapes (None: not exposed)."""
    return {name: histogram_quantile(0.99, before.get(name), found)
            for name, found in after.items()}


def lag_text(p99: dict[str, float] | None) -> str:
    """`12.3 ms (bucket <= 20 ms, 1234 observations)`, or `n/a` when not exposed."""
    if p99 is None:
        return "n/a"
    if not p99["observations"]:
        return "no observations in this span"
    le = p99["bucket_le"]
    if math.isinf(le):
        return f"> {p99['seconds'] * 1000:.1f} ms ({p99['observations']:.0f} observations)"
    return (f"{p99['seconds'] * 1000:.1f} ms (bucket <= {le * 1000:g} ms, "
            f"{p99['observations']:.0f} observations)")


# -- CPU while something is timed ---------------------------------------------------------


class CpuMeter:
    """CPU used by each server, this client, PostgreSQL + Redis and everything else from
    now until `percent()`, as percent of one core."""

    def __init__(self, servers: list[ServerProcess]) -> None:
        self.servers = servers
        self.server_before = {s.name: cpu_seconds(s.pid) for s in servers}
        self.client_before, self.wall_before = time.process_time(), perf()
        self.machine_before = machine_busy_seconds()
        self.data_before = named_cpu_seconds(DATA_SERVERS)

    def percent(self, *, data_servers: bool) -> dict[str, float]:
        wall = perf() - self.wall_before
        out = {s.name: 100 * (cpu_seconds(s.pid) - self.server_before[s.name]) / wall
               for s in self.servers}
        out["client"] = 100 * (time.process_time() - self.client_before) / wall
        if data_servers:
            out["postgres+redis"] = 100 * (named_cpu_seconds(DATA_SERVERS)
                                           - self.data_before) / wall
        ours = sum(out.values())
        # Whatever else ran on the machine meanwhile (other people's tests, PostgreSQL, Redis).
        out["everything else"] = max(
            0.0, 100 * (machine_busy_seconds() - self.machine_before) / wall - ours)
        return out


def cpu_line(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f}%" for k, v in cpu.items())


def busy_warning(*cpus: dict[str, float]) -> str | None:
    """A warning when other processes took more than a little CPU during a timed part."""
    busy = max(c["everything else"] for c in cpus)
    if busy > 15:
        return (f"WARNING: other processes used up to {busy:.0f}% of a core during a timed "
                "part; the figures are disturbed - rerun on a quiet machine")
    return None


# -- set-up over REST ---------------------------------------------------------------------


async def make_pairs(bases: tuple[str, str], count: int, concurrency: int) -> list[tuple[str, str]]:
    """Registers, signs in and pairs `count` pairs; returns (token A, token B) each.

    A's requests go to bases[0], B's to bases[1] (the same URL in embedded mode).
    """
    run = secrets.token_hex(3)
    limits = httpx.Limits(max_connections=concurrency * 2,
                          max_keepalive_connections=concurrency * 2)
    done = 0
    started = perf()

    async with httpx.AsyncClient(timeout=120, limits=limits) as http:

        async def call(base: str, method: str, path: str, body: dict[str, Any],
                       token: str | None = None, expect: int = 200) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            answer = await http.request(method, f"{base}/api/v1{path}", json=body,
                                        headers=headers)
            if answer.status_code != expect:
                raise RuntimeError(f"{method} {path} -> {answer.status_code}: {answer.text[:300]}")
            return dict(answer.json())

        async def person(base: str, name: str) -> str:
            await call(base, "POST", "/auth/register", {"username": name, "password": PASSWORD},
                       expect=201)
            token = await call(base, "POST", "/auth/login",
                               {"username": name, "password": PASSWORD})
            return str(token["token"])

        gate = asyncio.Semaphore(concurrency)

        async def pair(i: int) -> tuple[str, str]:
            nonlocal done
            async with gate:
                ta, tb = await asyncio.gather(person(bases[0], f"b{run}_{i}a"),
                                              person(bases[1], f"b{run}_{i}b"))
                code = await call(bases[0], "POST", "/pair/invites", {}, ta, expect=201)
                await call(bases[1], "POST", "/pair/join", {"code": code["code"]}, tb,
                           expect=201)
            done += 1
            if done % 100 == 0:
                log(f"  {done}/{count} pairs set up ({perf() - started:.0f} s)")
            return ta, tb

        return list(await asyncio.gather(*(pair(i) for i in range(count))))


# -- PostgreSQL for scale-out -------------------------------------------------------------


async def create_database(admin_url: str) -> str:
    import asyncpg

    name = f"bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def drop_database(admin_url: str, url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# -- one target: relay or service ---------------------------------------------------------


@dataclass
class Target:
    """What a measurement needs to know about the servers under test."""

    name: str
    servers: list[ServerProcess]
    ws_urls: tuple[str, str]     # where A and B connect
    stored: bool                 # acks, seqs, catch-up (the service)
    tokens: list[tuple[str, str]]
    redis_url: str | None = None  # the Redis the instances share (scale-out)

    @property
    def instance_ws(self) -> list[str]:
        """Every server's websocket URL (one for the relay and the embedded service)."""
        return list(dict.fromkeys(self.ws_urls))

    def pair_refs(self, place: Callable[[int], tuple[str, str]] | None = None,
                  ) -> list[PairRef]:
        """One PairRef per token pair; `place(i)` says where pair i's A and B connect
        (default: A to ws_urls[0], B to ws_urls[1])."""
        refs = []
        for i, (ta, tb) in enumerate(self.tokens):
            url_a, url_b = place(i) if place is not None else self.ws_urls
            ref = PairRef(index=i)
            ref.a = Peer(pair=ref, side="a", url=url_a, token=ta)
            ref.b = Peer(pair=ref, side="b", url=url_b, token=tb)
            refs.append(ref)
        return refs


def split_pairs(n: int, background_fraction: float, catchup: int,
                ) -> tuple[range, range, range]:
    """Background pairs first, catch-up pairs last, measured pairs in between."""
    bg = round(n * background_fraction)
    cu = min(catchup, max(0, n - bg - 1))
    return range(0, bg), range(bg, n - cu), range(n - cu, n)


async def measure(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """Connects every socket, reads memory, runs background + pauses (+ catch-up)."""
    driver = Driver(stored=target.stored)
    pairs = target.pair_refs()
    peers = [p for ref in pairs for p in (ref.a, ref.b)]
    # The same split for relay and service; the relay leaves the catch-up pairs idle.
    bg_idx, measured_idx, cu_idx = split_pairs(len(pairs), args.background_fraction,
                                               args.catchup_clients)
    result: dict[str, Any] = {"target": target.name}

    await asyncio.sleep(1)
    log_start = {s.name: s.log_offset() for s in target.servers}
    rss_before = {s.name: s.rss_kib() for s in target.servers}
    log(f"{target.name}: connecting {len(peers)} sockets")
    result["connect_seconds"] = await driver.connect_all(peers, args.connect_concurrency)
    freeze_heap()
    await asyncio.sleep(args.idle_seconds)
    rss_after = {s.name: s.rss_kib() for s in target.servers}
    per_server = len(peers) / len(target.servers)
    result["memory"] = {
        s.name: {"rss_before_kib": rss_before[s.name], "rss_after_kib": rss_after[s.name],
                 "sockets": per_server,
                 "kib_per_socket": (rss_after[s.name] - rss_before[s.name]) / per_server}
        for s in target.servers
    }
    result["kib_per_socket"] = (sum(rss_after.values()) - sum(rss_before.values())) / len(peers)
    log(f"{target.name}: {result['kib_per_socket']:.1f} KiB per idle socket; "
        f"background on {len(bg_idx)} pairs, pauses on {len(measured_idx)} pairs")

    driver.start_background([pairs[i] for i in bg_idx], args.background_period)
    lag = LoopLag()
    lag.start()
    measured_pairs = [pairs[i] for i in measured_idx]
    if args.warmup:
        await driver.run_pauses(measured_pairs, count=args.warmup, rate=args.rate,
                                measured=False, grace=10)
    lag_before, handled_before = (await scrape(target.servers, LAG, PAUSES_HANDLED)
                                  if target.stored else ({}, {}))
    cpu = CpuMeter(target.servers)
    wall_before, bg_before = perf(), driver.bg_sent
    log(f"{target.name}: {args.samples} pauses at {args.rate:g}/s")
    result["pause"] = await driver.run_pauses(measured_pairs, count=args.samples, rate=args.rate,
                                              measured=True, grace=10)
    wall = perf() - wall_before
    result["background_commands_per_second"] = (driver.bg_sent - bg_before) / wall
    result["cpu_percent"] = cpu.percent(data_servers=args.mode == "scaleout" and target.stored)
    if target.stored:
        # Over the timed part, the server's own event-loop lag and how long it took to
        # handle each pause (read, commit, ack queued): the rest of a pause's time is
        # its way out to B (None: not exposed).
        lag_after, handled_after = await scrape(target.servers, LAG, PAUSES_HANDLED)
        result["event_loop_lag_p99"] = lag_p99(lag_before, lag_after)
        result["pause_handling"] = {
            name: {q: histogram_quantile(level, handled_before.get(name), found)
                   for q, level in (("p50", 0.5), ("p99", 0.99))}
            for name, found in handled_after.items()}
    result["loadavg_after"] = os.getloadavg()
    result["client_loop_lag_ms"] = await lag.stop()

    if target.stored and len(cu_idx):
        log(f"{target.name}: catch-up, {len(cu_idx)} clients x {args.catchup_events} events")
        runs = []
        for i in cu_idx:
            runs.append(await driver.catch_up(pairs[i], args.catchup_events, settle=0.2))
        done = [r["seconds"] for r in runs if r["seconds"] is not None]
        result["catchup"] = {"clients": len(runs), "events": args.catchup_events,
                             "ms": summary_ms(done),
                             "not_caught_up_in_10_s": [r for r in runs if r["seconds"] is None],
                             "missed_each": sorted({r["missed"] for r in runs})}

    await finish(driver, target, peers, result, log_start)
    return result


async def finish(driver: Driver, target: Target, peers: list[Peer], result: dict[str, Any],
                 log_start: dict[str, int]) -> None:
    """Records errors and closes the client saw, closes every socket, and reads the
    servers' logs of the run and of the shutdown of the sockets into `result`."""
    result["server_errors_seen_by_client"] = dict(driver.errors)
    result["unexpected_closes"] = dict(driver.closed_unexpectedly)
    result["reconnects"] = driver.reconnects
    result["servers_alive"] = all(s.alive() for s in target.servers)
    offsets = {s.name: s.log_offset() for s in target.servers}
    await driver.close_all(peers)
    gc.unfreeze()
    await asyncio.sleep(1)
    result["server_log"] = {s.name: {"run": s.log_summary(log_start[s.name], offsets[s.name]),
                                     "shutdown": s.log_summary(offsets[s.name])}
                            for s in target.servers}


# -- orchestration ------------------------------------------------------------------------


def server_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith("ATTUNE_")}
    env.update({
        "ATTUNE_REGISTER_PER_MINUTE": "1000000",
        "ATTUNE_LOGIN_PER_MINUTE": "1000000",
        "ATTUNE_SOCKET_COMMANDS_PER_SECOND": "1000",
        "ATTUNE_PERSON_WRITES_PER_MINUTE": "1000000",
        # The benchmark lifts every pause it times, far faster than a person would.
        "ATTUNE_SIGNAL_EASING_BURST": "1000000",
        "ATTUNE_SIGNAL_EASING_PER_MINUTE": "1000000",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


Measure = Callable[[Target, argparse.Namespace], Awaitable[dict[str, Any]]]


async def run_relay(args: argparse.Namespace, workdir: Path, how: Measure = measure, *,
                    durable: bool = False) -> dict[str, Any]:
    """Starts the bare relay (`durable`: the relay that commits each frame to SQLite
    first) and runs `how` against it."""
    port = free_port()
    name = "durable relay" if durable else "relay"
    command = [sys.executable, str(RELAY), "--host", "127.0.0.1", "--port", str(port)]
    if durable:
        command += ["--durable", str(workdir / "durable-relay.db")]
    relay = ServerProcess(name, command, server_env({}), port,
                          workdir / f"{name.replace(' ', '-')}.log")
    relay.start()
    try:
        await relay.wait_ready()
        url = f"ws://127.0.0.1:{port}/ws"
        target = Target(name=name, servers=[relay], ws_urls=(url, url), stored=False,
                        tokens=[(f"{i}:a", f"{i}:b") for i in range(args.pairs)])
        return await how(target, args)
    finally:
        relay.stop()


async def run_service(args: argparse.Namespace, workdir: Path, how: Measure = measure, *,
                      redis_url: str | None = None,
                      extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Starts the service (one embedded instance, or two on PostgreSQL + Redis), sets up
    the pairs over REST and runs `how` against it."""
    redis_url = redis_url or args.redis_url or DEFAULT_REDIS
    db_url: str | None = None
    servers: list[ServerProcess] = []
    try:
        if args.mode == "embedded":
            data = workdir / "data"
            data.mkdir()
            port = free_port()
            servers.append(ServerProcess(
                "service", [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port",
                            str(port)],
                server_env({"ATTUNE_DATA_DIR": str(data), **(extra_env or {})}), port,
                workdir / "service.log"))
        else:
            db_url = await create_database(args.postgres_admin_url)
            log(f"created database {db_url.rsplit('/', 1)[1]}")
            for k in (1, 2):
                port = free_port()
                servers.append(ServerProcess(
                    f"instance{k}", [sys.executable, "-m", "api", "--host", "127.0.0.1",
                                     "--port", str(port)],
                    # One data folder for both: they must share the keyring (keys.json),
                    # as a deployment shares ATTUNE_KEYS_FILE; with a keyring each, an
                    # instance cannot read the other's events back from the log.
                    server_env({"DATABASE_URL": db_url, "REDIS_URL": redis_url,
                                "ATTUNE_DATA_DIR": str(workdir / "data"),
                                **(extra_env or {})}),
                    port, workdir / f"instance{k}.log"))
        # One after the other: both run migrations at start-up.
        for server in servers:
            server.start()
            await server.wait_ready()
        bases = (servers[0].base, servers[-1].base)
        log(f"service: setting up {args.pairs} pairs over REST "
            f"({args.setup_concurrency} in flight)")
        started = perf()
        tokens = await make_pairs(bases, args.pairs, args.setup_concurrency)
        setup_seconds = perf() - started
        log(f"service: set-up took {setup_seconds:.1f} s")
        ws = tuple(f"ws://127.0.0.1:{s.port}/api/v1/ws" for s in (servers[0], servers[-1]))
        target = Target(name="service", servers=servers, ws_urls=(ws[0], ws[1]), stored=True,
                        tokens=tokens, redis_url=redis_url if args.mode == "scaleout" else None)
        result = await how(target, args)
        result["setup_seconds"] = setup_seconds
        return result
    finally:
        for server in servers:
            server.stop()
        if db_url is not None:
            with contextlib.suppress(Exception):
                await drop_database(args.postgres_admin_url, db_url)
                log(f"dropped database {db_url.rsplit('/', 1)[1]}")


async def run_both(args: argparse.Namespace, workdir: Path, how: Measure = measure,
                   ) -> dict[str, Any]:
    """The bare relay, then the service, with the same client code: the `load` scenario."""
    return {"relay": await run_relay(args, workdir, how),
            "service": await run_service(args, workdir, how)}


def header_lines(args: argparse.Namespace, out: dict[str, Any], title: str) -> None:
    """The first lines of every scenario's report: what ran, on which code, how."""
    print()
    print(title)
    code = out["code"]
    print(f"command: {out['command']}")
    print(f"{out['date']}; code {code['commit']} + {code['uncommitted_files']} uncommitted "
          f"files in api/ and schemas/ (source {code['source_sha256']}); data on "
          f"{out['workdir_filesystem']}; {out['cpus']} CPUs shared by client and server(s)")


def health_lines(out: dict[str, Any]) -> None:
    """Sockets closed, errors, and warnings in the server logs, per target."""
    for name in ("service", "relay", "durable relay"):
        res = out.get(name)
        if res is None:
            continue
        print(f"{name}: servers alive at the end: {res['servers_alive']}; sockets the server "
              f"closed on the client: {res['unexpected_closes'] or 'none'}; reconnects: "
              f"{res['reconnects']}; error frames / connect retries: "
              f"{res['server_errors_seen_by_client'] or 'none'}")
        for server, spans in res["server_log"].items():
            for span, found in spans.items():
                if found.get("problems"):
                    print(f"  {server} log, {span}: {found['problems']}")


def goal_line(label: str, ok: bool | None) -> str:
    mark = "n/a" if ok is None else ("met" if ok else "NOT met")
    return f"  {label:<58} {mark}"


def report(args: argparse.Namespace, out: dict[str, Any]) -> None:
    service, relay = out["service"], out["relay"]
    sp, rp = service["pause"]["latency_ms"], relay["pause"]["latency_ms"]
    header_lines(args, out, f"Attune pause latency, scenario load - mode {args.mode}, "
                 f"{args.pairs} pairs ({2 * args.pairs} sockets), {args.samples} pauses at "
                 f"{args.rate:g}/s")
    print(f"background: {round(args.pairs * args.background_fraction)} pairs, one slow/resume "
          f"each every {args.background_period:g} s "
          f"(~{service['background_commands_per_second']:.0f} commands/s)")
    if "setup_seconds" in service:
        print(f"set-up over REST (not part of any figure): {service['setup_seconds']:.1f} s")
    print()
    header = f"{'':<28}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>9}  {'samples':>7}{'lost':>6}"
    print(header + "   (ms)")
    print("-" * len(header))

    def row(label: str, s: dict[str, float], extra: str = "") -> None:
        print(f"{label:<28}{s['p50']:>8.2f}{s['p95']:>8.2f}{s['p99']:>8.2f}{s['max']:>9.2f}"
              f"  {extra}")

    row("pause A->B, service", sp, f"{sp['count']:>7}{service['pause']['lost']:>6}")
    row("pause A->B, bare relay", rp, f"{rp['count']:>7}{relay['pause']['lost']:>6}")
    ratio = {q: sp[q] / rp[q] for q in ("p50", "p95", "p99")}
    print(f"{'ratio service / relay':<28}" + "".join(f"{ratio[q]:>7.1f}x" for q in ratio))
    if service["pause"]["ack_ms"]:
        row("ack back to A, service", service["pause"]["ack_ms"])
    print()
    for name, res in (("service", service), ("relay", relay)):
        parts = ", ".join(f"{k} {v['kib_per_socket']:.1f} KiB "
                          f"({(v['rss_after_kib'] - v['rss_before_kib']) / 1024:.1f} MiB "
                          f"for {v['sockets']:.0f})" for k, v in res["memory"].items())
        print(f"idle memory per socket, {name}: {parts}")
    if "catchup" in service:
        c = service["catchup"]
        print(f"catch-up after {c['events']} missed events ({c['clients']} clients, reconnect "
              f"+ hello + replay): p50 {c['ms']['p50']:.1f} ms, max {c['ms']['max']:.1f} ms")
        for failed in c["not_caught_up_in_10_s"]:
            print(f"  NOT caught up within 10 s: reconnected with last_seq "
                  f"{failed['last_seq_sent']}, still missing seqs {failed['still_missing']}")
    print(f"CPU during the timed pauses: {cpu_line(service['cpu_percent'])} (relay run: "
          f"{cpu_line(relay['cpu_percent'])}); 100% = one core")
    warning = busy_warning(service["cpu_percent"], relay["cpu_percent"])
    if warning:
        print(warning)
    for server, p99 in service["event_loop_lag_p99"].items():
        print(f"server event-loop lag p99 during the timed pauses ({LAG_METRIC}), "
              f"{server}: {lag_text(p99)}")
    for server, handled in service.get("pause_handling", {}).items():
        print(f"pause handling in the server ({HANDLING_METRIC}), {server}: "
              f"p50 {lag_text(handled['p50'])}, p99 {lag_text(handled['p99'])}")
    ll = service["client_loop_lag_ms"]
    print(f"client event-loop lag during service run: p50 {ll['p50']:.2f} ms, "
          f"p99 {ll['p99']:.2f} ms, max {ll['max']:.2f} ms")
    print()
    health_lines(out)
    print()
    print("goals (issue 15):")
    mem = max(v["kib_per_socket"] for v in service["memory"].values())
    if args.mode == "embedded":
        print(goal_line(f"pause p99 < 10 ms (measured {sp['p99']:.2f} ms)", sp["p99"] < 10))
        print(goal_line(f"  stretch: pause p99 < 5 ms (measured {sp['p99']:.2f} ms)",
                        sp["p99"] < 5))
        print(goal_line(f"pause max < 50 ms (measured {sp['max']:.2f} ms)", sp["max"] < 50))
        lags = [p99["seconds"] for p99 in service["event_loop_lag_p99"].values()
                if p99 is not None and p99["observations"]]
        print(goal_line("event-loop lag p99 < 5 ms (measured "
                        + (f"{max(lags) * 1000:.1f} ms)" if lags else "n/a)"),
                        max(lags) < 0.005 if lags else None))
    else:
        print(goal_line(f"pause p99 < 15 ms through two instances and Redis "
                        f"(measured {sp['p99']:.2f} ms)", sp["p99"] < 15))
    print(goal_line(f"lost 0 (measured {service['pause']['lost']})",
                    service["pause"]["lost"] == 0))
    print(goal_line(f"idle memory < 64 KiB per socket (measured {mem:.1f} KiB)", mem < 64))
    if "catchup" in service:
        c = service["catchup"]
        failed = len(c["not_caught_up_in_10_s"])
        cmax = c["ms"]["max"]
        print(goal_line(f"caught up < 2 s after reconnecting (max {cmax:.0f} ms"
                        + (f", {failed} never" if failed else "") + ")",
                        cmax < 2000 and not failed))


@dataclass(frozen=True)
class Scenario:
    """One benchmark: how to run it (relay and service, returns both results) and report it."""

    run: Callable[[argparse.Namespace, Path], Awaitable[dict[str, Any]]]
    report: Callable[[argparse.Namespace, dict[str, Any]], None]


def scenarios() -> dict[str, Scenario]:
    """Every scenario by name: `load` here, the others in bench/scenarios.py."""
    import scenarios as more  # it imports this module back (see the end of this file)

    return {"load": Scenario(run=run_both, report=report), **more.SCENARIOS}


async def amain(args: argparse.Namespace, workdir: Path, about: dict[str, Any]) -> int:
    nofile = raise_nofile(max(65536, 4 * args.pairs + 1024))
    log(f"open-file limit {nofile}; event loop {type(asyncio.get_running_loop()).__module__}")
    log(f"server logs and data in {workdir}")
    out: dict[str, Any] = {
        "benchmark": "pause_latency",
        "scenario": args.scenario,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": args.mode,
        "args": vars(args),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "uvloop": "uvloop" in type(asyncio.get_running_loop()).__module__,
        "workdir": str(workdir),
        **about,
    }
    scenario = scenarios()[args.scenario]
    out.update(await scenario.run(args, workdir))
    scenario.report(args, out)
    if not args.no_json:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = RESULTS / f"pause_latency-{args.scenario}-{args.mode}-{stamp}.json"
        path.write_text(json.dumps(out, indent=2, default=str))
        print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0


DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Per scenario: the defaults of the options left unset on the command line.
SCENARIO_DEFAULTS: dict[str, dict[str, Any]] = {
    "load": {"mode": "embedded", "pairs": 1000, "samples": 2000, "rate": 20.0,
             "warmup": 100},
    "idle-pair": {"mode": "embedded", "pairs": 1, "samples": 2000, "rate": 0.0,
                  "warmup": 100},
    "redis-pause": {"mode": "scaleout", "pairs": 50, "samples": 0, "rate": 20.0,
                    "warmup": 50, "before_seconds": 5.0, "after_seconds": 5.0},
    "compact": {"mode": "embedded", "pairs": 100, "samples": 0, "rate": 50.0,
                "warmup": 100, "before_seconds": 10.0, "after_seconds": 3.0},
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except those a scenario fills in (the help says them)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=HelpFormatter)
    p.add_argument("--scenario", choices=list(SCENARIO_DEFAULTS), default="load",
                   help="load: N pairs with background edits (+ memory, catch-up); "
                        "idle-pair: one pair, one pause at a time; redis-pause: Redis paused "
                        "for a few seconds under two instances; compact: `python -m api "
                        "compact` beside the server")
    p.add_argument("--mode", choices=["embedded", "scaleout"], default=None,
                   help="default: scaleout for redis-pause, embedded otherwise")
    p.add_argument("--pairs", type=int, default=None,
                   help="default: load 1000, idle-pair 1, redis-pause 50, compact 100")
    p.add_argument("--samples", type=int, default=None,
                   help="timed pauses (load, idle-pair: default 2000); the timed scenarios "
                        "(redis-pause, compact) run by the clock instead")
    p.add_argument("--warmup", type=int, default=None, help="untimed pauses first")
    p.add_argument("--rate", type=float, default=None,
                   help="timed pauses per second, over all measured pairs (each is followed "
                        "by an untimed resume, so twice as many commands); default: load and "
                        "redis-pause 20, compact 50; idle-pair sends back to back")
    p.add_argument("--background-fraction", type=float, default=0.1,
                   help="share of pairs sending slow/resume all the time (load, compact)")
    p.add_argument("--background-period", type=float, default=5.0,
                   help="seconds between two commands of one background pair")
    p.add_argument("--catchup-clients", type=int, default=10)
    p.add_argument("--catchup-events", type=int, default=50)
    p.add_argument("--idle-seconds", type=float, default=5.0,
                   help="wait after connecting before reading RSS")
    p.add_argument("--connect-concurrency", type=int, default=32)
    p.add_argument("--setup-concurrency", type=int, default=8, help="pairs set up at once")
    p.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--redis-url", default=None,
                   help=f"the Redis of scale-out mode (default {DEFAULT_REDIS}); redis-pause "
                        "starts a private redis-server unless this is given, since it pauses "
                        "every client of that Redis")
    timed = p.add_argument_group("redis-pause and compact")
    timed.add_argument("--before-seconds", type=float, default=None,
                       help="timed pauses before Redis is paused / compact starts "
                            "(default: redis-pause 5, compact 10)")
    timed.add_argument("--after-seconds", type=float, default=None,
                       help="timed pauses after Redis is back / compact ended "
                            "(default: redis-pause 5, compact 3)")
    timed.add_argument("--redis-pause-seconds", type=float, default=3.0,
                       help="redis-pause: length of `CLIENT PAUSE ... ALL`")
    timed.add_argument("--same-instance-fraction", type=float, default=0.5,
                       help="redis-pause: share of pairs with both partners on one instance "
                            "(the rest have A and B on different instances)")
    timed.add_argument("--history-pairs", type=int, default=5,
                       help="compact: pairs that first store a long log for compact to drop")
    timed.add_argument("--history-events", type=int, default=3000,
                       help="compact: events each history pair stores first")
    timed.add_argument("--compact-keep", type=int, default=100,
                       help="compact: `python -m api compact --keep N` (it keeps at least 100)")
    timed.add_argument("--compact-env", action="append", default=[], metavar="NAME=VALUE",
                       help="compact: extra environment for the server and the compact "
                            "command (e.g. a retention setting); repeatable")
    p.add_argument("--workdir", default=None,
                   help="parent folder of the run's temporary folder (SQLite file, logs); "
                        "default: the system's temp folder")
    p.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    p.add_argument("--no-json", action="store_true", help="do not write bench/results/*.json")
    args = p.parse_args(argv)
    for name, value in SCENARIO_DEFAULTS[args.scenario].items():
        if getattr(args, name, None) is None:
            setattr(args, name, value)
    if args.scenario == "load" and (args.pairs < 2 or args.samples < 1 or args.rate <= 0):
        p.error("load needs --pairs >= 2, --samples >= 1 and --rate > 0")
    if args.scenario == "idle-pair" and (args.pairs < 1 or args.samples < 1):
        p.error("idle-pair needs --pairs >= 1 and --samples >= 1")
    if args.scenario == "redis-pause" and (args.mode != "scaleout" or args.pairs < 2):
        p.error("redis-pause runs in --mode scaleout with --pairs >= 2")
    if args.scenario == "compact" and args.pairs < args.history_pairs + 2:
        p.error("compact needs --pairs >= --history-pairs + 2")
    if args.scenario in ("redis-pause", "compact") and args.rate <= 0:
        p.error("need --rate > 0")
    if any("=" not in item for item in args.compact_env):
        p.error("--compact-env takes NAME=VALUE")
    return args


def main() -> int:
    args = parse_args()
    try:
        import uvloop
    except ImportError:
        runner: Callable[[Any], Any] = asyncio.run
    else:
        runner = uvloop.run
    workdir = Path(tempfile.mkdtemp(prefix="attune-bench-", dir=args.workdir))
    ok = False
    try:
        python = (os.path.relpath(sys.executable, ROOT)
                  if sys.executable.startswith(str(ROOT)) else sys.executable)
        about = {"command": " ".join([python, *sys.argv]), "code": code_version(),
                 "workdir_filesystem": filesystem_of(workdir.resolve())}
        code = int(runner(amain(args, workdir, about)))
        ok = True
        return code
    finally:
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept server logs and data in {workdir}")


if __name__ == "__main__":
    # bench/scenarios.py imports this file as `pause_latency`: let it find this very
    # module instead of loading a second copy of it.
    sys.modules.setdefault("pause_latency", sys.modules[__name__])
    sys.exit(main())
