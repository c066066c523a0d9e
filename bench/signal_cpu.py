"""The CPU one signal costs the service: pause and resume on one pair, in this process,
on the embedded default, with no sockets and no client.

It measures what a busy machine disturbs least: the CPU time (not the wall time) of
`signals.send_signal`, the unit of work a pause is (store, commit, announce), per
call. `--profile` prints where it goes.

    .venv/bin/python bench/signal_cpu.py
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from api.config import Settings
from api.main import create_app
from api.services import signals
from api.services.work import Member


async def _pair(app: Any) -> tuple[Member, Member]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench/api/v1") as http:
        tokens = []
        for name in ("a", "b"):
            account = {"username": f"{name}{uuid.uuid4().hex[:8]}",
                       "password": "a long enough pass phrase"}
            (await http.post("/auth/register", json=account)).raise_for_status()
            got = await http.post("/auth/login", json=account)
            got.raise_for_status()
            tokens.append(got.json()["token"])
        code = (await http.post("/pair/invites", headers={
            "Authorization": f"Bearer {tokens[0]}"})).json()["code"]
        (await http.post("/pair/join", json={"code": code},
                         headers={"Authorization": f"Bearer {tokens[1]}"})).raise_for_status()
        members = []
        for token in tokens:
            me = (await http.get("/me", headers={"Authorization": f"Bearer {token}"})).json()
            members.append(Member(account_id=uuid.UUID(me["id"]),
                                  pair_id=uuid.UUID(me["pair_id"])))
    return members[0], members[1]


async def run(samples: int, warmup: int, profile: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), trusted_proxies=["127.0.0.1"])
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            services = app.state.services
            a, _ = await _pair(app)

            async def one(command: signals.SignalCommand) -> None:
                await signals.send_signal(db=services.db, hub=services.hub,
                                          keyring=services.keyring, member=a,
                                          command_id=uuid.uuid4(), command=command)

            for _ in range(warmup):
                await one("pause")
                await one("resume")
            cpu, wall = [], []
            profiler = cProfile.Profile() if profile else None
            for _ in range(samples):
                for command in ("pause", "resume"):
                    c0, w0 = time.process_time(), time.perf_counter()
                    if profiler:
                        profiler.enable()
                    await one(command)
                    if profiler:
                        profiler.disable()
                    cpu.append(time.process_time() - c0)
                    wall.append(time.perf_counter() - w0)
            if profiler and profile:
                pstats.Stats(profiler).sort_stats(profile).print_stats(35)
    return {"cpu": cpu, "wall": wall}


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if q < 100 else max(
        values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000,
                        help="pause + resume pairs timed (default 2000)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--profile", choices=["cumulative", "tottime"],
                        help="print a cProfile summary, sorted so")
    args = parser.parse_args()
    result = asyncio.run(run(args.samples, args.warmup, args.profile))
    code = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()
    print(f"signal CPU, one pair, embedded, {len(result['cpu'])} signals at {code}")
    print("                 p50      p90      p99   (ms)")
    for name in ("cpu", "wall"):
        values = result[name]
        print(f"{name:>8}  {_ms(values, 50):8.3f} {_ms(values, 90):8.3f} {_ms(values, 99):8.3f}")


if __name__ == "__main__":
    main()
