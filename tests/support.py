"""Test helpers: a real uvicorn server in a thread, people, pairs and live sockets."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.sync.client import ClientConnection, connect

from api.config import Settings
from api.main import WEBSOCKET_OPTIONS, create_app
from schemas.realtime import server_frame
from tests.inprocess import InProcess, drop_waiting_pushes

PASSWORD = "a quiet walk by the river"
# Every password, token and text a person wrote in the tests; no log line may hold one.
SECRETS: set[str] = {PASSWORD}
LOG_DIR = Path(os.environ.get("ATTUNE_TEST_LOG_DIR", "/tmp")) / f"attune-test-logs-{os.getpid()}"


def sensitive(text: str) -> str:
    """Registers a text as one no log may contain; returns it."""
    SECRETS.add(text)
    return text
POSTGRES_URL = os.environ.get("ATTUNE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ATTUNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(server: str, reason: str) -> None:
    """Skips outside CI when a real server is missing; fails in CI."""
    message = f"{server} is not reachable ({reason}); start it or run the README's test command"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    """Whether something listens there."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def fresh_postgres_database() -> str:
    """Creates an empty database on the real PostgreSQL; returns its URL."""
    import asyncpg

    if not port_open("127.0.0.1", 5432):
        need("PostgreSQL", "127.0.0.1:5432")
    name = f"attune_test_{os.getpid()}_{secrets.token_hex(4)}"

    async def create() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    """Drops a database made by fresh_postgres_database."""
    import asyncpg

    name = url.rsplit("/", 1)[1]

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


class LiveServer:
    """The real app under uvicorn, on a free port, in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=0, **WEBSOCKET_OPTIONS, log_config=None,
            proxy_headers=True, forwarded_allow_ips="127.0.0.1", lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.port = 0

    def start(self) -> LiveServer:
        """Starts and waits until it accepts requests."""
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Asks uvicorn to exit and waits for it."""
        if self.server.started and self.thread.is_alive():
            self.run(drop_waiting_pushes(self.services))
        self.server.should_exit = True
        self.thread.join(timeout=15)

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The live channel's URL."""
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"

    @property
    def services(self) -> Any:
        """The app's shared services (the database, the hub)."""
        return self.app.state.services

    def run(self, coro: Any) -> Any:
        """Runs a coroutine on the server's own event loop (to read its database)."""
        loop = self.services.hub._tasks[0].get_loop()
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)


def server_settings(**overrides: Any) -> Settings:
    """Settings for a test server: believes X-Forwarded-For from loopback."""
    # Pushes may also go to a local stand-in for a push service (tests/api/test_push.py).
    values: dict[str, Any] = {"trusted_proxies": ["127.0.0.1"], "data_dir": "unused",
                              "push_services": [*Settings().push_services,
                                                "http://127.0.0.1"]}
    values.update(overrides)
    return Settings(**values)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 60.0,
               every: float = 0.05) -> Any:
    """Polls `condition` until it returns something truthy, and returns that; fails with
    `what` after `timeout` seconds (a deadline for a hang, never an expected speed)."""
    deadline = time.monotonic() + timeout
    while True:
        got = condition()
        if got:
            return got
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(every)


def random_address() -> str:
    """A distinct client address (a documentation prefix) for rate limits."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def unique_name(prefix: str = "p") -> str:
    """A fresh username."""
    return f"{prefix}{uuid.uuid4().hex[:14]}"


@dataclass
class Person:
    """A registered, signed-in person with their own HTTP client."""

    server: Server
    username: str
    id: str
    token: str
    http: httpx.Client
    display_name: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.post(path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.put(path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.patch(path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.request("DELETE", path, **kw)

    @contextmanager
    def live(self, last_seq: int = 0, hello: bool = True,
             via: LiveServer | ProcessServer | None = None) -> Iterator[Live]:
        """A websocket to the live channel (of `via`, else the person's server), said hello on."""
        url = (via or self.server).ws_url
        with connect(url, open_timeout=10, close_timeout=2) as ws:
            live = Live(ws, self)
            if hello:
                live.hello(last_seq)
            yield live


OPEN_CLIENTS: list[httpx.Client] = []


def client(server: Server, token: str | None = None, base: str = "/api/v1") -> httpx.Client:
    """An HTTP client with its own client address, for the API (or `base=""` for the
    site's root); closed after the test."""
    headers = {"X-Forwarded-For": random_address()}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # In process, the address is the transport's own (nothing reads X-Forwarded-For).
    transport = server.transport(random_address()) if isinstance(server, InProcess) else None
    # A kept-alive connection is dropped after 1 s idle, well before uvicorn closes it
    # (5 s): reusing one just as the server closes it fails the request ("Server
    # disconnected without sending a response"), which a slow, busy test run hit.
    http = httpx.Client(base_url=server.url + base, headers=headers, timeout=20,
                        transport=transport, limits=httpx.Limits(keepalive_expiry=1.0))
    OPEN_CLIENTS.append(http)
    return http


def register(server: Server, username: str | None = None,
             display_name: str | None = None) -> Person:
    """Registers and signs in a new person."""
    username = username or unique_name()
    http = client(server)
    body: dict[str, Any] = {"username": username, "password": PASSWORD}
    if display_name:
        body["display_name"] = display_name
    created = http.post("/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = http.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = sensitive(login.json()["token"])
    http.headers["Authorization"] = f"Bearer {token}"
    return Person(server, username, created.json()["id"], token, http,
                  created.json()["display_name"])


def pair_up(a: Person, b: Person) -> str:
    """Pairs two people; returns the pair id."""
    code = a.post("/pair/invites").json()["code"]
    joined = b.post("/pair/join", json={"code": code})
    assert joined.status_code == 201, joined.text
    return str(joined.json()["pair_id"])


def new_pair(server: Server) -> tuple[Person, Person]:
    """Two new people, paired."""
    a, b = register(server), register(server)
    pair_up(a, b)
    return a, b


class Live:
    """A test-side live-channel client that reads with a deadline."""

    def __init__(self, ws: ClientConnection, person: Person) -> None:
        self.ws = ws
        self.person = person
        self.welcome: dict[str, Any] = {}
        self.asked_from = 0
        self.seen: list[dict[str, Any]] = []
        self.pending: list[dict[str, Any]] = []
        self.pings = 0  # the server's heartbeats, each answered with a pong

    def send(self, frame: dict[str, Any] | str | bytes) -> None:
        self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame other than a heartbeat (frames put back by `command` first)."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + timeout
        while True:
            frame: dict[str, Any] = json.loads(
                self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            server_frame.validate_python(frame)  # every frame matches schemas/
            if frame["type"] == "ping":
                self.send({"type": "pong"})
                self.pings += 1
                continue
            self.seen.append(frame)
            return frame

    def expect(self, type_: str, timeout: float = 5.0,
               where: Callable[[dict[str, Any]], bool] | None = None,
               **match: Any) -> dict[str, Any]:
        """Reads until a frame of this type (with these field values, passing `where`)."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(max(0.01, deadline - time.monotonic()))
            if (frame["type"] == type_ and all(frame.get(k) == v for k, v in match.items())
                    and (where is None or where(frame))):
                return frame

    def read_until(self, done: Callable[[list[dict[str, Any]]], bool], what: str,
                   timeout: float = 30.0) -> list[dict[str, Any]]:
        """Every non-heartbeat frame read until `done(frames)` holds; fails with `what`
        if that does not happen within `timeout` (a deadline, not an expected speed)."""
        frames: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while not done(frames):
            left = deadline - time.monotonic()
            try:
                frames.append(self.recv(max(0.01, left)))
            except TimeoutError:
                raise AssertionError(f"waited {timeout} s for {what}; got {frames}") from None
        return frames

    def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Every non-heartbeat frame that arrives within `seconds`: only for letting time
        pass on purpose; to show that nothing arrived, use `drain` (a positive control)."""
        frames: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frames.append(self.recv(max(0.01, deadline - time.monotonic())))
            except TimeoutError:
                break
        return frames

    def drain(self) -> list[dict[str, Any]]:
        """Every frame queued before now: first the whole replay (up to the welcome's
        seq, which is read from the log asynchronously), then up to a ping's pong."""
        frames: list[dict[str, Any]] = []
        replay_to = self.welcome.get("seq", 0)
        while replay_to > self.asked_from and not any(
                f.get("seq", 0) >= replay_to for f in [*self.seen, *frames]
                if f["type"] != "welcome"):
            frames.append(self.recv())
        self.send({"type": "ping"})
        while (frame := self.recv())["type"] != "pong":
            frames.append(frame)
        return frames

    def hello(self, last_seq: int = 0) -> dict[str, Any]:
        self.asked_from = last_seq
        self.send({"type": "hello", "token": self.person.token, "last_seq": last_seq})
        self.welcome = self.expect("welcome")
        return self.welcome

    def command(self, type_: str, command_id: str | None = None) -> dict[str, Any]:
        """Sends a signal command and returns its ack (or error)."""
        command_id = command_id or str(uuid.uuid4())
        self.send({"type": type_, "id": command_id})
        deadline = time.monotonic() + 5
        others: list[dict[str, Any]] = []
        try:
            while True:
                frame = self.recv(max(0.01, deadline - time.monotonic()))
                if frame["type"] in ("ack", "error") and frame.get("id") == command_id:
                    return frame
                others.append(frame)
        finally:
            self.pending[:0] = others

    def close_code(self, timeout: float = 5.0) -> int | None:
        """Reads until the server closes; returns its close code."""
        from websockets.exceptions import ConnectionClosed

        deadline = time.monotonic() + timeout
        try:
            while True:
                self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ProcessServer:
    """`python -m api` as a real process, as it runs in production."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.env = {**os.environ, "ATTUNE_TRUSTED_PROXIES": "127.0.0.1", **env}
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ProcessServer:
        """Starts and waits for /healthz."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = (LOG_DIR / f"server-{self.port}-{secrets.token_hex(3)}.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api", "--port", str(self.port)], env=self.env,
            cwd=Path(__file__).resolve().parent.parent, stdout=log, stderr=log,
        )
        log.close()
        # A deadline for a hang, not a speed: on a loaded machine a start (imports,
        # migrations, the keyring check) has taken over 30 s.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server process exited")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop(signal.SIGKILL)  # never left running behind a failed test
        raise RuntimeError("the server process did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stops the process (SIGTERM by default) and waits for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/ws"


# Where a test's people live: the real server (uvicorn or a process) or the app in process.
Server = LiveServer | ProcessServer | InProcess


class RedisProcess:
    """A throwaway redis-server on its own port, that a test may stop and start again."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            need("Redis", "redis-server is not installed")
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
