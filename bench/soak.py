"""Soak: many pairs connected for a long time, with random edits, signals and reconnects.

    .venv/bin/python bench/soak.py --pairs 1000 --minutes 10

Starts the embedded default as a subprocess on loopback, sets up the pairs over REST,
connects both partners of every pair, then for `--minutes` each pair randomly:
sends pause / slow / resume on the live channel, adds and answers boundaries over
REST, and drops and re-opens a socket (resuming from its last_seq). Every loop is
bounded in count and time and stops by itself. At the end it reports:

- events sent vs received: every event stored in each pair's log (the pair's latest
  seq, read from a fresh welcome) against the distinct seqs each partner's sockets
  received, live or replayed; the two must be equal;
- pause latency percentiles per minute (A sends pause -> B's socket has it);
- the server's RSS at start (before any socket), after connecting, every 10 s, at the end.

The report (a table on stdout) and the whole result (bench/results/soak-*.json) also
say which command and code ran. Exit code 1 when any event is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pause_latency import (
    COMMITS,
    LAG,
    RESULTS,
    ROOT,
    CpuMeter,
    LoopLag,
    ServerProcess,
    code_version,
    cpu_line,
    free_port,
    freeze_heap,
    lag_p99,
    make_pairs,
    raise_nofile,
    scrape,
    server_env,
    slower_than,
    summary_ms,
)

perf = time.perf_counter


class Partner:
    """One partner's socket: keeps last_seq, records every seq, reconnects."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.ws_url, self.token = ws_url, token
        self.ws: ClientConnection | None = None
        self.seqs: set[int] = set()
        self.waiting: dict[str, float] = {}  # pause id -> when the partner sent it
        self.latencies: list[tuple[float, float]] = []  # (when, seconds)
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.closes: dict[int, int] = defaultdict(int)

    @property
    def last_seq(self) -> int:
        seq = 0
        while seq + 1 in self.seqs:
            seq += 1
        return seq

    async def open(self) -> None:
        for attempt in range(50):
            try:
                self.ws = await connect(self.ws_url, compression=None, open_timeout=20,
                                        max_size=2**20)
                await self.ws.send(json.dumps({"type": "hello", "token": self.token,
                                               "last_seq": self.last_seq}))
                welcome = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
                assert welcome["type"] == "welcome", welcome
                self.reader = asyncio.create_task(self._read(self.ws))
                return
            except (OSError, ConnectionClosed, TimeoutError):
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError("could not connect")

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "ping":
                    await ws.send('{"type":"pong"}')
                elif kind == "ack":
                    future = self.acks.pop(frame["id"], None)
                    if future and not future.done():
                        future.set_result(frame)
                elif "seq" in frame and kind not in ("welcome", "receipt"):
                    self.seqs.add(frame["seq"])
                    sent = self.waiting.pop(frame.get("id", ""), None)
                    if sent is not None:
                        self.latencies.append((time.time(), perf() - sent))
        except ConnectionClosed as closed:
            self.closes[closed.rcvd.code if closed.rcvd else 0] += 1
            if ws is self.ws:  # not a close we asked for: come back
                await asyncio.sleep(0.1)
                await self.open()

    async def reconnect(self) -> None:
        old, self.ws = self.ws, None
        if old is not None:
            await old.close()
        if self.reader:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        await self.open()

    async def command(self, kind: str, partner: Partner | None = None) -> None:
        command_id = str(uuid.uuid4())
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.acks[command_id] = future
        if partner is not None:
            partner.waiting[command_id] = perf()
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps({"type": kind, "id": command_id}))
            await asyncio.wait_for(future, 30)

    async def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            await ws.close()


async def pair_loop(a: Partner, b: Partner, http: httpx.AsyncClient, base: str,
                    tokens: tuple[str, str], until: float, rng: random.Random) -> dict[str, int]:
    counts = {"signals": 0, "edits": 0, "reconnects": 0}
    mine = {id(a): "clear", id(b): "clear"}
    items: list[str] = []
    while time.monotonic() < until:
        # One action every ~20 s per pair; never sleeping past the end of the run.
        await asyncio.sleep(min(rng.expovariate(1 / 20), max(0.0, until - time.monotonic())))
        if time.monotonic() >= until:
            break
        roll = rng.random()
        who, other = (a, b) if rng.random() < 0.5 else (b, a)
        token = tokens[0] if who is a else tokens[1]
        if roll < 0.6:
            kind = "resume" if mine[id(who)] != "clear" else rng.choice(["pause", "slow"])
            await who.command(kind, other if kind == "pause" else None)
            mine[id(who)] = {"pause": "paused", "slow": "slow", "resume": "clear"}[kind]
            counts["signals"] += 1
        elif roll < 0.9:
            headers = {"Authorization": f"Bearer {token}"}
            if not items or rng.random() < 0.4:
                made = await http.post(f"{base}/api/v1/boundaries", headers=headers,
                                       json={"label": f"Soak {uuid.uuid4().hex[:10]}"})
                if made.status_code == 201:
                    items.append(made.json()["id"])
            else:
                await http.put(f"{base}/api/v1/boundaries/{rng.choice(items)}/answer",
                               headers=headers,
                               json={"answer": rng.choice(["yes", "maybe", "no"])})
            counts["edits"] += 1
        else:
            await who.reconnect()
            counts["reconnects"] += 1
    return counts


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0])


async def latest_seq(ws_url: str, token: str) -> int:
    async with connect(ws_url, compression=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": token, "last_seq": 0}))
        return int(json.loads(await ws.recv())["seq"])


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    raise_nofile(args.pairs * 4 + 512)
    port = free_port()
    server = ServerProcess(
        "service", [sys.executable, "-m", "api", "--port", str(port)],
        server_env({"ATTUNE_DATA_DIR": str(workdir), "ATTUNE_PERSON_WRITES_PER_MINUTE": "100000"}),
        port, workdir / "service.log")
    server.start()
    await server.wait_ready()
    base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/api/v1/ws"
    try:
        started = perf()
        tokens = await make_pairs((base, base), args.pairs, args.setup_concurrency)
        setup_seconds = perf() - started
        partners = [(Partner(ws_url, ta), Partner(ws_url, tb)) for ta, tb in tokens]
        rss_start = rss_kib(server.pid)
        gate = asyncio.Semaphore(64)

        async def open_both(a: Partner, b: Partner) -> None:
            async with gate:
                await a.open()
                await b.open()

        await asyncio.gather(*(open_both(a, b) for a, b in partners))
        # Without this the client's own collections stalled it (full ones up to 237 ms,
        # middle ones 10-22 ms), and every pause it was timing then looked that late.
        freeze_heap()
        memory: list[tuple[float, int]] = [(0.0, rss_kib(server.pid))]
        until = time.monotonic() + args.minutes * 60
        rng = random.Random(args.seed)

        async def sample_memory() -> None:
            start = time.monotonic()
            while time.monotonic() < until:
                await asyncio.sleep(min(10.0, max(0.0, until - time.monotonic())))
                memory.append((time.monotonic() - start, rss_kib(server.pid)))

        # Who was late, minute by minute: the server's loop (its own lag histogram), its
        # disk (commits over 50 ms), this client's loop (it reads 2,000 sockets on the
        # same two cores), and the CPU each took.
        loop_lag: list[dict[str, Any]] = []
        client_lag = LoopLag()
        client_lag.start()

        async def sample_lag() -> None:
            before, cpu, seen = await scrape([server], LAG, COMMITS), CpuMeter([server]), 0
            while time.monotonic() < until:
                await asyncio.sleep(min(60.0, max(0.0, until - time.monotonic())))
                after = await scrape([server], LAG, COMMITS)
                server_p99 = lag_p99(before[0], after[0])["service"]
                loop_lag.append({
                    "server_p99_ms": None if server_p99 is None
                    else round(server_p99["seconds"] * 1000, 2),
                    # [commits over 50 ms, all commits], None when not exposed
                    "slow_commits": slower_than(0.05, before[1], after[1])["service"],
                    "client": summary_ms(client_lag.lags[seen:]),
                    "cpu_percent": cpu.percent(data_servers=False)})
                before, cpu, seen = after, CpuMeter([server]), len(client_lag.lags)

        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            samplers = [asyncio.create_task(sample_memory()),
                        asyncio.create_task(sample_lag())]
            loop_start = time.time()
            results = await asyncio.gather(*(
                pair_loop(a, b, http, base, tokens[i], until, random.Random(rng.random()))
                for i, (a, b) in enumerate(partners)))
            await asyncio.gather(*samplers)
            await client_lag.stop()
        await asyncio.sleep(3)  # let the last events land
        rss_end = rss_kib(server.pid)

        sent = received = missing = 0
        for (a, b), (ta, _tb) in zip(partners, tokens, strict=True):
            last = await latest_seq(ws_url, ta)
            sent += 2 * last  # every event goes to both partners
            for partner in (a, b):
                got = {s for s in partner.seqs if s <= last}
                received += len(got)
                missing += last - len(got)
        per_minute: dict[int, list[float]] = defaultdict(list)
        for a, b in partners:
            for partner in (a, b):
                for when, seconds in partner.latencies:
                    per_minute[int((when - loop_start) // 60)].append(seconds)
        # The pauses over the goal, with when they arrived: to line them up with the
        # server's and the client's stalls.
        late = sorted((round(when, 3), round(seconds * 1000, 2))
                      for a, b in partners for partner in (a, b)
                      for when, seconds in partner.latencies if seconds > 0.02)
        closes: dict[int, int] = defaultdict(int)
        for a, b in partners:
            for partner in (a, b):
                for code, n in partner.closes.items():
                    closes[code] += n
        for a, b in partners:
            await a.close()
            await b.close()
        totals = {k: sum(r[k] for r in results) for k in ("signals", "edits", "reconnects")}
        return {
            "pairs": args.pairs, "minutes": args.minutes, "setup_seconds": round(setup_seconds),
            "actions": totals, "events_sent_to_partners": sent,
            "events_received": received, "missing": missing,
            "pause_latency_ms_per_minute": {
                m: summary_ms(v) for m, v in sorted(per_minute.items())},
            "server_rss_mib": [(round(t), round(k / 1024, 1)) for t, k in memory],
            "server_rss_mib_at": {"start (no sockets)": round(rss_start / 1024, 1),
                                  "after connecting": round(memory[0][1] / 1024, 1),
                                  "end": round(rss_end / 1024, 1)},
            "late_pauses": late,
            "unexpected_closes": dict(closes),
            "loop_lag_per_minute": loop_lag,
        }
    finally:
        server.stop()


def report(out: dict[str, Any]) -> None:
    """The results as tables on stdout."""
    code = out["code"]
    print()
    print(f"Attune soak - {out['pairs']} pairs ({2 * out['pairs']} sockets) on the embedded "
          f"default for {out['minutes']:g} min")
    print(f"command: {out['command']}")
    print(f"{out['date']}; code {code['commit']} + {code['uncommitted_files']} uncommitted files "
          f"in api/ and schemas/ (source {code['source_sha256']}); set-up over REST "
          f"{out['setup_seconds']} s (not part of any figure)")
    actions = out["actions"]
    print(f"actions: {actions['signals']} signals, {actions['edits']} boundary edits, "
          f"{actions['reconnects']} reconnects")
    print()
    missing = out["missing"]
    print(f"events sent to partners: {out['events_sent_to_partners']}; received (live or "
          f"replayed): {out['events_received']}; missing: {missing}"
          + ("" if missing == 0 else "   <-- NOT all delivered"))
    rss = out["server_rss_mib_at"]
    print("server RSS: " + ", ".join(f"{k} {v:.1f} MiB" for k, v in rss.items()))
    print(f"sockets closed by the server: {out['unexpected_closes'] or 'none'}")
    print()
    print("pause latency A -> B per minute (ms):")
    head = (f"{'minute':>6}{'pauses':>8}{'p50':>9}{'p99':>9}{'max':>9}   "
            f"{'server lag p99':>14}{'commits > 50 ms':>16}{'client lag p99':>15}"
            f"{'client max':>11}")
    print(head)
    print("-" * len(head))
    lags = out["loop_lag_per_minute"]
    for minute, stats in out["pause_latency_ms_per_minute"].items():
        lag = lags[int(minute)] if int(minute) < len(lags) else None
        server = lag and lag["server_p99_ms"]
        slow = lag and lag["slow_commits"]
        print(f"{minute:>6}{stats['count']:>8}{stats['p50']:>9.2f}{stats['p99']:>9.2f}"
              f"{stats['max']:>9.2f}   "
              + (f"{server:>14.2f}" if server is not None else f"{'n/a':>14}")
              + (f"{f'{slow[0]} of {slow[1]}':>16}" if slow else f"{'n/a':>16}")
              + (f"{lag['client']['p99']:>15.2f}{lag['client']['max']:>11.2f}" if lag
                 else ""))
    for minute, lag in enumerate(lags):
        print(f"CPU, minute {minute}: {cpu_line(lag['cpu_percent'])}; 100% = one core")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--setup-concurrency", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the server's data and log")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    workdir = Path(tempfile.mkdtemp(prefix="attune-soak-"))
    python = (os.path.relpath(sys.executable, ROOT)
              if sys.executable.startswith(str(ROOT)) else sys.executable)
    about = {"benchmark": "soak", "command": " ".join([python, *sys.argv]),
             "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
             "code": code_version()}
    ok = False
    try:
        out = {**about, **asyncio.run(run(args, workdir))}
        ok = True
    finally:
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept the server's data and log in {workdir}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"soak-{stamp}.json"
    path.write_text(json.dumps(out, indent=2))
    report(out)
    print(f"\nJSON: {path.relative_to(ROOT)}")
    return 0 if out["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
