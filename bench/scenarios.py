"""The pause-latency scenarios beyond the default load, run through bench/pause_latency.py:

    .venv/bin/python bench/pause_latency.py --scenario idle-pair
    .venv/bin/python bench/pause_latency.py --scenario redis-pause
    .venv/bin/python bench/pause_latency.py --scenario compact

Each runs the bare relay (bench/relay_server.py) first with the same client code, pairs
and pacing, then the service, and prints both side by side:

- idle-pair: one pair, one pause at a time: A sends pause, B has it, A sends resume, B
  has that, then the next. Nothing else on the server.
- redis-pause: two instances on PostgreSQL + Redis, some pairs with both partners on
  one instance and some across. Pauses run at a fixed rate while Redis is held still
  by `CLIENT PAUSE <ms> ALL` (a brownout: connections stay open, every command waits).
  Same-instance latency inside the window vs outside it; for cross-instance pauses
  sent inside the window, how long after Redis came back they were delivered.
- compact: a few pairs first store a long log; then pauses on the other pairs run at a
  fixed rate while `python -m api compact` drops the old events beside the server.
  Latency while compact runs vs before it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import resource
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from pause_latency import (
    HANDLING_METRIC,
    LAG,
    LAG_METRIC,
    PAUSES_HANDLED,
    ROOT,
    CpuMeter,
    Driver,
    PairRef,
    Sample,
    Scenario,
    Target,
    busy_warning,
    cpu_line,
    finish,
    free_port,
    freeze_heap,
    goal_line,
    header_lines,
    health_lines,
    lag_p99,
    lag_text,
    log,
    perf,
    run_relay,
    run_service,
    scrape,
    scrape_lag,
    slower_than,
    summary_ms,
)

# Timed scenarios send pauses until told to stop; this only bounds the loop.
UNBOUNDED = 10**9


# -- shared pieces ------------------------------------------------------------------------


def latency_stats(samples: list[Sample]) -> dict[str, Any]:
    """Latency A -> B and ack back to A (ms), and how many B never got."""
    got = [s.t_recv - s.t_send for s in samples if s.t_recv is not None]
    acks = [s.t_ack - s.t_send for s in samples if s.t_ack is not None]
    return {"latency_ms": summary_ms(got), "ack_ms": summary_ms(acks),
            "sent": len(samples), "lost": len(samples) - len(got)}


def split_by_time(samples: list[Sample], start: float, end: float) -> dict[str, list[Sample]]:
    """Samples by when they were sent: before `start`, in [start, end), from `end` on."""
    return {"before": [s for s in samples if s.t_send < start],
            "during": [s for s in samples if start <= s.t_send < end],
            "after": [s for s in samples if s.t_send >= end]}


async def connect(driver: Driver, target: Target, pairs: list[PairRef],
                  args: argparse.Namespace) -> dict[str, int]:
    """Connects every socket, then keeps the client's own full collections out of the way
    (as the load scenario does); returns where each server's log stood before."""
    await asyncio.sleep(1)
    log_start = {s.name: s.log_offset() for s in target.servers}
    peers = [p for ref in pairs for p in (ref.a, ref.b)]
    log(f"{target.name}: connecting {len(peers)} sockets")
    await driver.connect_all(peers, args.connect_concurrency)
    freeze_heap()
    await asyncio.sleep(1)
    return log_start


def peers_of(pairs: list[PairRef]) -> list[Any]:
    return [p for ref in pairs for p in (ref.a, ref.b)]


TABLE_HEAD = (f"{'':<40}{'p50':>8}{'p95':>8}{'p99':>9}{'max':>9}{'sent':>7}{'lost':>6}"
              f"{'ack p99':>10}")


def table_head() -> None:
    print(TABLE_HEAD + "   (ms)")
    print("-" * len(TABLE_HEAD))


def table_row(label: str, stats: dict[str, Any]) -> None:
    s, ack = stats["latency_ms"], stats["ack_ms"]
    ack_text = f"{ack['p99']:>10.2f}" if ack["count"] else f"{'-':>10}"
    print(f"{label:<40}{s['p50']:>8.2f}{s['p95']:>8.2f}{s['p99']:>9.2f}{s['max']:>9.2f}"
          f"{stats['sent']:>7}{stats['lost']:>6}{ack_text}")


def ratio_row(label: str, top: dict[str, Any], bottom: dict[str, Any]) -> None:
    a, b = top["latency_ms"], bottom["latency_ms"]
    cells = "".join(f"{a[q] / b[q]:>{w}.1f}x" if b[q] > 0 else f"{'-':>{w + 1}}"
                    for q, w in (("p50", 7), ("p95", 7), ("p99", 8)))
    print(f"{label:<40}{cells}")


def handled_lines(service: dict[str, Any], what: str) -> None:
    """How many pauses each server took more than 10 ms to handle (read, commit, ack
    queued), before and during `what`: was a late pause late in its sender's server?"""
    for span, by_server in service.get("pauses_handled_over_10ms", {}).items():
        for server, counts in by_server.items():
            said = "n/a" if counts is None else f"{counts[0]} of {counts[1]}"
            print(f"pauses handled in more than 10 ms ({HANDLING_METRIC}), {server}, "
                  f"{span} {what}: {said}")


def cpu_lines(label: str, service: dict[str, float], relay: dict[str, float]) -> None:
    print(f"CPU {label}: {cpu_line(service)} (relay run: {cpu_line(relay)}); 100% = one core")
    warning = busy_warning(service, relay)
    if warning:
        print(warning)


# -- idle-pair: one pair, one pause at a time ---------------------------------------------


async def measure_idle_pair(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """Pair 0 sends pauses back to back; any other pairs stay connected and idle."""
    driver = Driver(stored=target.stored)
    pairs = target.pair_refs()
    log_start = await connect(driver, target, pairs, args)
    pair = pairs[0]
    if args.warmup:
        await driver.back_to_back(pair, count=args.warmup)
    result: dict[str, Any] = {"target": target.name}
    lag_before = await scrape_lag(target.servers) if target.stored else {}
    cpu = CpuMeter(target.servers)
    log(f"{target.name}: {args.samples} pauses back to back on one pair")
    started = perf()
    samples = await driver.back_to_back(pair, count=args.samples)
    result["seconds"] = perf() - started
    result["cpu_percent"] = cpu.percent(data_servers=args.mode == "scaleout" and target.stored)
    if target.stored:
        result["event_loop_lag_p99"] = lag_p99(lag_before, await scrape_lag(target.servers))
    result["pause"] = latency_stats(samples)
    await finish(driver, target, peers_of(pairs), result, log_start)
    return result


async def run_idle_pair(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    return {"relay": await run_relay(args, workdir, measure_idle_pair),
            "durable relay": await run_relay(args, workdir, measure_idle_pair, durable=True),
            "service": await run_service(args, workdir, measure_idle_pair)}


def report_idle_pair(args: argparse.Namespace, out: dict[str, Any]) -> None:
    service, relay, durable = out["service"], out["relay"], out["durable relay"]
    where = ("A on instance 1, B on instance 2" if args.mode == "scaleout"
             else "one embedded instance")
    header_lines(args, out, f"Attune pause latency, scenario idle-pair - mode {args.mode} "
                 f"({where}), {args.samples} pauses back to back on one pair"
                 + (f", {args.pairs - 1} more pairs connected and idle" if args.pairs > 1
                    else ""))
    print()
    table_head()
    table_row("pause A->B, service", service["pause"])
    table_row("pause A->B, bare relay", relay["pause"])
    table_row("pause A->B, durable relay", durable["pause"])
    ratio_row("ratio service / relay", service["pause"], relay["pause"])
    ratio_row("ratio service / durable relay", service["pause"], durable["pause"])
    ratio_row("ratio durable relay / relay", durable["pause"], relay["pause"])
    print("(durable relay: the relay plus one SQLite commit per frame, made as the "
          "service makes a pause's)")
    print()
    for name, res in (("service", service), ("relay", relay), ("durable relay", durable)):
        per = res["seconds"] / max(1, res["pause"]["sent"]) * 1000
        print(f"{name}: {res['seconds']:.2f} s for {res['pause']['sent']} pause + resume "
              f"round trips ({per:.2f} ms each)")
    cpu_lines("during the timed pauses", service["cpu_percent"], relay["cpu_percent"])
    for server, p99 in service["event_loop_lag_p99"].items():
        print(f"server event-loop lag p99 ({LAG_METRIC}), {server}: {lag_text(p99)}")
    print()
    health_lines(out)
    print()
    sp, rp, dp = service["pause"]["latency_ms"], relay["pause"]["latency_ms"], \
        durable["pause"]["latency_ms"]
    print("goals (issue 15):")
    for q, times in (("p50", 3), ("p99", 5)):
        print(goal_line(f"pause {q} within {times}x the relay's (measured "
                        f"{sp[q] / rp[q]:.1f}x)", sp[q] <= times * rp[q]))
        print(goal_line(f"  the same, against the durable relay (measured "
                        f"{sp[q] / dp[q]:.1f}x)", sp[q] <= times * dp[q]))


# -- redis-pause: a Redis brownout under two instances ------------------------------------


def start_redis_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """redis-server on loopback, nothing saved to disk, its log in the run's folder."""
    with (workdir / "redis.log").open("ab") as out:
        return subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@contextlib.asynccontextmanager
async def private_redis(workdir: Path) -> AsyncIterator[str]:
    """A redis-server of our own on a free port, so that pausing it holds up nobody else."""
    port = free_port()
    proc = start_redis_server(port, workdir)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = aioredis.Redis.from_url(url)
        try:
            for _ in range(100):
                with contextlib.suppress(aioredis.ConnectionError):
                    if await client.ping():
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("the private redis-server did not answer")
        finally:
            await client.aclose()
        log(f"private redis-server on port {port}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def pause_redis(url: str, seconds: float) -> tuple[float, float]:
    """`CLIENT PAUSE <ms> ALL` on that Redis. Returns when it was sent and when Redis
    answered again: a PING on a second connection, sent at once, waits out the pause."""
    control = aioredis.Redis.from_url(url)
    probe = aioredis.Redis.from_url(url, socket_timeout=seconds + 30)
    try:
        await control.ping()
        await probe.ping()
        paused_at = perf()
        await control.execute_command(  # type: ignore[no-untyped-call]
            "CLIENT", "PAUSE", str(round(seconds * 1000)), "ALL")
        await probe.ping()
        back_at = perf()
    finally:
        await control.aclose()
        await probe.aclose()
    return paused_at, back_at


async def measure_redis_pause(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """Pauses at a fixed rate over every pair; Redis paused in the middle (service only:
    the relay runs the same timeline with nothing paused)."""
    driver = Driver(stored=target.stored)
    one, two = target.instance_ws[0], target.instance_ws[-1]
    same = round(args.pairs * args.same_instance_fraction)

    def place(i: int) -> tuple[str, str]:
        # Same-instance pairs alternate between the instances; cross-instance pairs
        # alternate their direction (A on 1 -> B on 2, and A on 2 -> B on 1).
        if i < same:
            return (one, one) if i % 2 == 0 else (two, two)
        return (one, two) if i % 2 == 0 else (two, one)

    pairs = target.pair_refs(place)
    log_start = await connect(driver, target, pairs, args)
    if args.warmup:
        await driver.run_pauses(pairs, count=args.warmup, rate=args.rate, measured=False,
                                grace=10)
    driver.sent.clear()
    result: dict[str, Any] = {"target": target.name, "same_instance_pairs": same,
                              "cross_instance_pairs": args.pairs - same}
    stop = asyncio.Event()
    lag_before, handling_before = (await scrape(target.servers, LAG, PAUSES_HANDLED)
                                   if target.stored else ({}, {}))
    cpu = CpuMeter(target.servers)
    log(f"{target.name}: pauses at {args.rate:g}/s; {args.before_seconds:g} s, then Redis "
        f"paused {args.redis_pause_seconds:g} s, then {args.after_seconds:g} s")
    pauses = asyncio.create_task(driver.run_pauses(
        pairs, count=UNBOUNDED, rate=args.rate, measured=True,
        grace=args.redis_pause_seconds + 15, stop=stop))
    await asyncio.sleep(args.before_seconds)
    if target.redis_url is not None:
        lag_start, handling_start = await scrape(target.servers, LAG, PAUSES_HANDLED)
        paused_at, back_at = await pause_redis(target.redis_url, args.redis_pause_seconds)
        lag_end, handling_end = await scrape(target.servers, LAG, PAUSES_HANDLED)
        result["event_loop_lag_p99"] = {"outside": lag_p99(lag_before, lag_start),
                                        "during": lag_p99(lag_start, lag_end)}
        # Was a late pause late in its sender's server (read, commit, ack queued)?
        result["pauses_handled_over_10ms"] = {
            "before": slower_than(0.01, handling_before, handling_start),
            "during": slower_than(0.01, handling_start, handling_end)}
        log(f"{target.name}: Redis answered again {back_at - paused_at:.2f} s after the pause")
    else:  # the relay: the same timeline, nothing to pause
        paused_at = perf()
        await asyncio.sleep(args.redis_pause_seconds)
        back_at = perf()
    await asyncio.sleep(args.after_seconds)
    stop.set()
    run = await pauses
    result["cpu_percent"] = cpu.percent(data_servers=target.stored)
    result["skipped_no_free_pair"] = run["skipped_no_free_pair"]
    result["redis_paused_seconds"] = back_at - paused_at

    samples = driver.sent
    result["all"] = latency_stats(samples)
    for kind, chosen in (("same", [s for s in samples if s.pair.index < same]),
                         ("cross", [s for s in samples if s.pair.index >= same])):
        spans = split_by_time(chosen, paused_at, back_at)
        result[kind] = {span: latency_stats(group) for span, group in spans.items()}
        result[kind]["outside"] = latency_stats(spans["before"] + spans["after"])
        # Sent while Redis was paused: how long after it came back did B have it?
        during = spans["during"]
        late = [max(0.0, s.t_recv - back_at) * 1000 for s in during if s.t_recv is not None]
        result[kind]["window"] = {
            "sent": len(during),
            "delivered_before_redis_back": sum(1 for s in during
                                               if s.t_recv is not None and s.t_recv < back_at),
            "max_ms_after_redis_back": max(late) if late else None,
            "lost": sum(1 for s in during if s.t_recv is None),
        }
    # Every pause as sent, to place a late one against the Redis pause: seconds from
    # the pause's start, ms to B and to the ack, the pair, and the instances of A and B.
    result["raw"] = [[*s.timings(paused_at), s.pair.index,
                      *("1" if ws == one else "2" for ws in place(s.pair.index))]
                     for s in samples]
    await finish(driver, target, peers_of(pairs), result, log_start)
    return result


async def run_redis_pause(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    relay = await run_relay(args, workdir, measure_redis_pause)
    if args.redis_url:
        log(f"pausing the given Redis {args.redis_url}: every client of it waits")
        service = await run_service(args, workdir, measure_redis_pause)
        redis = args.redis_url
    else:
        async with private_redis(workdir) as url:
            service = await run_service(args, workdir, measure_redis_pause, redis_url=url)
        redis = "a private redis-server started for this run"
    return {"relay": relay, "service": service, "redis": redis}


def report_redis_pause(args: argparse.Namespace, out: dict[str, Any]) -> None:
    service, relay = out["service"], out["relay"]
    header_lines(args, out, f"Attune pause latency, scenario redis-pause - two instances on "
                 f"PostgreSQL + Redis ({out['redis']}); {args.pairs} pairs: "
                 f"{service['same_instance_pairs']} with both partners on one instance, "
                 f"{service['cross_instance_pairs']} across; pauses at {args.rate:g}/s")
    print(f"timeline: {args.before_seconds:g} s, then `CLIENT PAUSE "
          f"{round(args.redis_pause_seconds * 1000)} ALL` (Redis answered again after "
          f"{service['redis_paused_seconds']:.2f} s), then {args.after_seconds:g} s; "
          "'during' = sent while Redis was paused")
    print()
    table_head()
    for kind, label in (("same", "same instance"), ("cross", "cross-instance")):
        for span in ("before", "during", "after", "outside"):
            table_row(f"pause A->B, {label}, {span}", service[kind][span])
    table_row("pause A->B, bare relay (nothing paused)", relay["all"])
    ratio_row("same instance, during / outside", service["same"]["during"],
              service["same"]["outside"])
    ratio_row("same instance, outside / relay", service["same"]["outside"], relay["all"])
    print()
    for kind, label in (("same", "same-instance"), ("cross", "cross-instance")):
        w = service[kind]["window"]
        late = w["max_ms_after_redis_back"]
        late_text = "n/a (none delivered)" if late is None else f"{late:.1f} ms"
        print(f"{label} pauses sent while Redis was paused: {w['sent']}; delivered before "
              f"Redis came back: {w['delivered_before_redis_back']}; all delivered within "
              f"{late_text} after Redis came back (max of max(0, delivered - back)); "
              f"lost: {w['lost']}")
    print(f"pauses not sent because every pair still waited for its last one: "
          f"{service['skipped_no_free_pair']} (relay: {relay['skipped_no_free_pair']})")
    cpu_lines("over the timed part", service["cpu_percent"], relay["cpu_percent"])
    for span, by_server in service.get("event_loop_lag_p99", {}).items():
        for server, p99 in by_server.items():
            print(f"server event-loop lag p99 ({LAG_METRIC}), {server}, {span} the pause: "
                  f"{lag_text(p99)}")
    handled_lines(service, "the pause")
    print()
    health_lines(out)


# -- compact: `python -m api compact` beside the server -----------------------------------


async def make_history(driver: Driver, pairs: list[PairRef], events: int,
                       batch: int = 20) -> dict[str, Any]:
    """Each pair's A stores `events` signal events (pause, resume, ...), `batch` in flight
    at a time per pair (under the socket's burst limit), every pair at once."""
    started = perf()
    done = 0

    async def one(pair: PairRef) -> None:
        nonlocal done
        sent = 0
        while sent < events:
            kinds = ["pause" if (sent + k) % 2 == 0 else "resume"
                     for k in range(min(batch, events - sent))]
            await driver.command_acked(pair.a, kinds, 120)
            sent += len(kinds)
            done += len(kinds)
            if done % 2000 < len(kinds):
                log(f"  history: {done}/{events * len(pairs)} events stored "
                    f"({perf() - started:.0f} s)")

    await asyncio.gather(*(one(p) for p in pairs))
    return {"pairs": len(pairs), "events_each": events, "seconds": perf() - started}


async def run_compact_command(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """`python -m api compact --keep N` with the server's own settings; timed from start to
    exit (start-up and migrations included: that is what an operator runs)."""
    env = dict(target.servers[0].env)
    env.update(item.split("=", 1) for item in args.compact_env)
    argv = [sys.executable, "-m", "api", "compact", "--keep", str(args.compact_keep)]
    started = perf()
    proc = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await proc.communicate()
    ended = perf()
    text = stdout.decode(errors="replace")
    found = re.search(r"compacted (\d+) events", text)
    return {"command": " ".join(["python", *argv[1:]]), "returncode": proc.returncode,
            "started": started, "ended": ended, "seconds": ended - started,
            "dropped": int(found.group(1)) if found else None,
            "stdout_tail": text[-500:], "stderr_tail": stderr.decode(errors="replace")[-2000:]}


def children_cpu_seconds() -> float:
    """CPU of this process's children that have exited (the compact command)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def measure_compact(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    """History pairs store a long log; background pairs send slow/resume; pauses on the
    remaining pairs at a fixed rate, before, while and after compact runs (service only:
    the relay runs the same pauses without compact)."""
    driver = Driver(stored=target.stored)
    pairs = target.pair_refs()
    history, rest = pairs[:args.history_pairs], pairs[args.history_pairs:]
    n_bg = min(round(len(rest) * args.background_fraction), len(rest) - 1)
    background, measured = rest[:n_bg], rest[n_bg:]
    log_start = await connect(driver, target, pairs, args)
    result: dict[str, Any] = {"target": target.name, "measured_pairs": len(measured),
                              "background_pairs": len(background)}
    if target.stored:
        log(f"{target.name}: {len(history)} pairs store {args.history_events} events each")
        result["history"] = await make_history(driver, history, args.history_events)
    driver.start_background(background, args.background_period)
    if args.warmup:
        await driver.run_pauses(measured, count=args.warmup, rate=args.rate, measured=False,
                                grace=10)
    driver.sent.clear()
    stop = asyncio.Event()
    log(f"{target.name}: pauses at {args.rate:g}/s; {args.before_seconds:g} s, then "
        + ("compact" if target.stored else "nothing (relay)") + f", then {args.after_seconds:g} s")
    lag_before, handling_before = (await scrape(target.servers, LAG, PAUSES_HANDLED)
                                   if target.stored else ({}, {}))
    cpu = CpuMeter(target.servers)
    pauses = asyncio.create_task(driver.run_pauses(measured, count=UNBOUNDED, rate=args.rate,
                                                   measured=True, grace=10, stop=stop))
    await asyncio.sleep(args.before_seconds)
    result["cpu_percent"] = {"before": cpu.percent(data_servers=args.mode == "scaleout")}
    if target.stored:
        lag_start, handling_start = await scrape(target.servers, LAG, PAUSES_HANDLED)
        cpu, children_before = CpuMeter(target.servers), children_cpu_seconds()
        log(f"{target.name}: running python -m api compact --keep {args.compact_keep}")
        compact = await run_compact_command(target, args)
        window = cpu.percent(data_servers=args.mode == "scaleout")
        # The compact command is a child of this process: its CPU is not "everything else".
        window["compact command"] = (100 * (children_cpu_seconds() - children_before)
                                     / compact["seconds"])
        window["everything else"] = max(0.0, window["everything else"]
                                        - window["compact command"])
        result["cpu_percent"]["during"] = window
        lag_end, handling_end = await scrape(target.servers, LAG, PAUSES_HANDLED)
        result["event_loop_lag_p99"] = {"before": lag_p99(lag_before, lag_start),
                                        "during": lag_p99(lag_start, lag_end)}
        result["pauses_handled_over_10ms"] = {
            "before": slower_than(0.01, handling_before, handling_start),
            "during": slower_than(0.01, handling_start, handling_end)}
        result["compact"] = compact
        started, ended = compact["started"], compact["ended"]
        log(f"{target.name}: compact took {compact['seconds']:.2f} s, "
            f"dropped {compact['dropped']} events")
    else:
        started = ended = perf()
    await asyncio.sleep(args.after_seconds)
    stop.set()
    run = await pauses
    result["skipped_no_free_pair"] = run["skipped_no_free_pair"]
    result["all"] = latency_stats(driver.sent)
    spans = split_by_time(driver.sent, started, ended)
    result.update({span: latency_stats(group) for span, group in spans.items()})
    # Every pause as sent: seconds from compact's start, ms to B and to the ack.
    result["raw"] = [s.timings(started) for s in driver.sent]
    await finish(driver, target, peers_of(pairs), result, log_start)
    return result


async def run_compact(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    extra = dict(item.split("=", 1) for item in args.compact_env)
    return {"relay": await run_relay(args, workdir, measure_compact),
            "service": await run_service(args, workdir, measure_compact, extra_env=extra)}


def report_compact(args: argparse.Namespace, out: dict[str, Any]) -> None:
    service, relay = out["service"], out["relay"]
    compact, history = service["compact"], service["history"]
    header_lines(args, out, f"Attune pause latency, scenario compact - mode {args.mode}; "
                 f"{service['measured_pairs']} pairs timed at {args.rate:g} pauses/s, "
                 f"{service['background_pairs']} sending slow/resume every "
                 f"{args.background_period:g} s, {history['pairs']} with a long log")
    print(f"first: {history['pairs']} pairs x {history['events_each']} events stored over the "
          f"live channel ({history['seconds']:.1f} s, not timed)")
    print(f"then: {args.before_seconds:g} s of pauses, `{compact['command']}` beside the "
          f"server ({compact['seconds']:.2f} s from start to exit, exit code "
          f"{compact['returncode']}, dropped {compact['dropped']} events), "
          f"{args.after_seconds:g} s more")
    if compact["returncode"] != 0:
        print(f"COMPACT FAILED: {compact['stderr_tail'][-800:]}")
    elif not compact["dropped"]:
        print("WARNING: compact dropped nothing - check --compact-keep / --compact-env "
              "against what `python -m api compact` deletes now")
    if args.compact_env:
        print(f"extra environment for server and compact: {' '.join(args.compact_env)}")
    print()
    table_head()
    for span in ("before", "during", "after"):
        table_row(f"pause A->B, service, {span} compact", service[span])
    table_row("pause A->B, bare relay (no compact)", relay["all"])
    ratio_row("service during / before compact", service["during"], service["before"])
    ratio_row("service before compact / relay", service["before"], relay["all"])
    ratio_row("service during compact / relay", service["during"], relay["all"])
    print()
    print(f"pauses not sent because every pair still waited for its last one: "
          f"{service['skipped_no_free_pair']} (relay: {relay['skipped_no_free_pair']})")
    for span, cpu in service["cpu_percent"].items():
        print(f"CPU {span} compact: {cpu_line(cpu)}; 100% = one core")
    print(f"CPU of the relay run: {cpu_line(relay['cpu_percent']['before'])}")
    warning = busy_warning(service["cpu_percent"]["before"], relay["cpu_percent"]["before"],
                           service["cpu_percent"]["during"])
    if warning:
        print(warning)
    for span, by_server in service["event_loop_lag_p99"].items():
        for server, p99 in by_server.items():
            print(f"server event-loop lag p99 ({LAG_METRIC}), {server}, {span} compact: "
                  f"{lag_text(p99)}")
    handled_lines(service, "compact")
    print()
    health_lines(out)


SCENARIOS = {
    "idle-pair": Scenario(run=run_idle_pair, report=report_idle_pair),
    "redis-pause": Scenario(run=run_redis_pause, report=report_redis_pause),
    "compact": Scenario(run=run_compact, report=report_compact),
}
