"""Builds real servers: the embedded default (SQLite) and PostgreSQL, both under uvicorn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api import security
from api.config import Settings
from api.logs import configure
from tests.inprocess import InProcess
from tests.support import (
    LOG_DIR,
    OPEN_CLIENTS,
    SECRETS,
    LiveServer,
    drop_postgres_database,
    fresh_postgres_database,
    server_settings,
)

# The servers in this process hash with argon2id at a small cost: a test registers ~2,000
# people, and at production's cost (19 MiB, 2 passes: ~50 ms each) that was a tenth of the
# suite's CPU. Stored hashes carry their own parameters, so verifying is unchanged.
# Server processes (ProcessServer) keep production's cost, and
# tests/test_faults.py::test_a_real_server_hashes_at_the_owasp_minimum checks it.
security._passwords = security._passwords.copy(argon2__memory_cost=1024, argon2__time_cost=1)


class _Capture(logging.Handler):
    """Keeps every log line of the run, rendered as production renders it."""

    lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a record that cannot render is still scanned raw
            self.lines.append(repr(record.__dict__))


def pytest_configure(config: pytest.Config) -> None:
    """Logs go through the same structured pipeline as in production, and are kept."""
    config.addinivalue_line(
        "markers", "live: needs the real server (sockets, its loop or database), not the "
        "app in process")
    configure(level=logging.INFO)  # what production logs, and so what must be clean
    capture = _Capture()
    capture.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(capture)


def _scan() -> tuple[int, int, list[str]]:
    """This process's log lines (and its server processes'): how many, how many secrets
    were looked for, and the start of each secret found in one."""
    lines = list(_Capture.lines)
    if LOG_DIR.exists():
        for path in LOG_DIR.glob("*.log"):
            lines.extend(path.read_text(errors="replace").splitlines())
    leaks = sorted({secret[:12] + "…" for secret in SECRETS for line in lines
                    if secret in line})
    return len(lines), len(SECRETS), leaks


# Under pytest-xdist the tests, their logs and their secrets are in the workers: each
# sends its scan to the controller, which adds them up and fails the run on a leak.
_WORKER_SCANS: list[tuple[int, int, list[str]]] = []


def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist, in the controller: keeps a worker's scan."""
    scan = getattr(node, "workeroutput", {}).get("log_scan")
    if scan is None:
        _WORKER_SCANS.append((0, 0, ["(a worker ended before it could scan its logs)"]))
    else:
        _WORKER_SCANS.append(tuple(json.loads(scan)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fails the run if any log line, in process or from a server process, holds a
    password, a token, or a text a person wrote."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller judges
        workeroutput["log_scan"] = json.dumps(_scan())
        return
    scans = _WORKER_SCANS or [_scan()]
    lines = sum(scan[0] for scan in scans)
    secrets = sum(scan[1] for scan in scans)
    leaks = sorted({leak for scan in scans for leak in scan[2]})
    print(f"\nlog scan: {lines} lines, {secrets} secrets, {len(leaks)} leaked")
    if leaks:
        print("log scan: these appear in logs: " + ", ".join(leaks))
        session.exitstatus = 1


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL, dropped at the end."""
    url = fresh_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every test that takes a server runs on the embedded default and on PostgreSQL."""
    return str(request.param)


def _settings(backend: str, request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The app in process and the real server share one database per backend, so they
    # share its keyring too (a start with another keyring is refused).
    overrides: dict[str, Any] = {
        "data_dir": tmp_path_factory.mktemp("data"),
        "keys_file": tmp_path_factory.getbasetemp() / f"keys-{backend}.json"}
    if backend == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    return server_settings(**overrides)


@pytest.fixture(scope="session")
def live_server(backend: str, request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server (uvicorn, sockets) per backend for the whole run."""
    live = LiveServer(_settings(backend, request, tmp_path_factory)).start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def in_process(backend: str, request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """One app per backend in this process, called without a socket (tests/inprocess.py)."""
    app = InProcess(_settings(backend, request, tmp_path_factory)).start()
    yield app
    app.stop()


@pytest.fixture
def server(request: pytest.FixtureRequest, backend: str) -> LiveServer | InProcess:
    """The app a test's people use: in this process for the rules (fast), the real
    server for tests marked `live` (the live channel, the server's own loop or database,
    faults). Tests use fresh people for isolation."""
    live = request.node.get_closest_marker("live") is not None
    app: LiveServer | InProcess = request.getfixturevalue(
        "live_server" if live else "in_process")
    return app


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Starts an extra SQLite server with its own settings; stopped after the test."""
    started: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        overrides.setdefault("data_dir", tmp_path / f"data{len(started)}")
        live = LiveServer(server_settings(**overrides)).start()
        started.append(live)
        return live

    yield make
    for live in started:
        live.stop()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running on the
    main thread while it lives, and other tests call asyncio.run(). Of the others, the
    slow ones start first, so that none of them is the last to start and the other
    workers wait for it (xdist hands out tests in this order)."""
    items.sort(key=lambda item: ("browser" in item.path.parts,
                                 item.get_closest_marker("slow") is None))
