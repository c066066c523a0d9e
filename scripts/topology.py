"""The scale-out shape on one machine: N instances on PostgreSQL + Redis behind a
small TCP load balancer (round robin, skips instances that fail /readyz).

    python scripts/topology.py [--port 8080] [--instances 2]

DATABASE_URL and REDIS_URL default to this machine's servers. Tests and the
two-instance benchmark use the Topology class directly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


class Instance:
    """One `python -m api` process."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.port, self.log_dir = env, free_port(), log_dir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Starts it and waits until it is ready."""
        log = (self.log_dir / f"api-{self.port}.log").open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "api", "--port", str(self.port)],
                                     env=self.env, cwd=ROOT, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 30
        while not _ready(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"instance on port {self.port} did not start")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stops it (SIGTERM: sockets get 1012 and in-flight writes finish)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Topology:
    """Instances plus the load balancer, which runs in its own thread."""

    def __init__(self, *, instances: int = 2, port: int | None = None,
                 database_url: str | None = None, redis_url: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="attune-topology-"))
        shared = {
            **os.environ,
            "DATABASE_URL": database_url or os.environ.get(
                "DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
            "REDIS_URL": redis_url or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            # One keyring and VAPID key for all, as compose secrets would be.
            "ATTUNE_KEYS_FILE": str(self.workdir / "keys.json"),
            "ATTUNE_VAPID_KEY_FILE": str(self.workdir / "vapid.pem"),
            "ATTUNE_DATA_DIR": str(self.workdir),
            "ATTUNE_TRUSTED_PROXIES": "127.0.0.1",
            **(env or {}),
        }
        self.instances = [Instance(shared, self.workdir) for _ in range(instances)]
        self.port = port or free_port()
        self._turn = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None

    def start(self) -> Topology:
        """Starts every instance (the first alone, so migrations run once), then the LB."""
        for instance in self.instances:
            instance.start()
        import threading

        started = threading.Event()
        threading.Thread(target=self._serve, args=(started,), daemon=True).start()
        started.wait(10)
        return self

    def restart(self, index: int) -> None:
        """A rolling restart of one instance."""
        self.instances[index].stop()
        self.instances[index].start()

    def stop(self) -> None:
        """Stops the LB and every instance."""
        if self._loop and self._server:
            self._loop.call_soon_threadsafe(self._server.close)
        for instance in self.instances:
            instance.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    # -- the load balancer ---------------------------------------------------------------

    def _serve(self, started: object) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
            started.set()  # type: ignore[attr-defined]
            async with self._server:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

        asyncio.run(main())

    async def _relay(self, client_r: asyncio.StreamReader,
                     client_w: asyncio.StreamWriter) -> None:
        first = next(self._turn)
        for attempt in range(len(self.instances)):
            instance = self.instances[(first + attempt) % len(self.instances)]
            try:
                backend_r, backend_w = await asyncio.open_connection("127.0.0.1", instance.port)
                break
            except OSError:
                continue  # that one is down (restarting): try the next
        else:
            client_w.close()
            return

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    writer.close()

        await asyncio.gather(pipe(client_r, backend_w), pipe(backend_r, client_w))


def main() -> int:
    """Runs the topology until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--instances", type=int, default=2)
    args = parser.parse_args()
    topology = Topology(instances=args.instances, port=args.port).start()
    ports = ", ".join(str(i.port) for i in topology.instances)
    print(f"load balancer on {topology.url} -> instances on {ports}; logs in {topology.workdir}")
    stop = asyncio.Event()
    with contextlib.suppress(KeyboardInterrupt):
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            time.sleep(0.5)
    topology.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
