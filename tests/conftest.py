"""Builds real servers: the embedded default (SQLite) and PostgreSQL, both under uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.logs import configure
from tests.support import (
    OPEN_CLIENTS,
    LiveServer,
    drop_postgres_database,
    fresh_postgres_database,
    server_settings,
)


def pytest_configure(config: pytest.Config) -> None:
    """Logs go through the same structured pipeline as in production."""
    configure()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL, dropped at the end."""
    url = fresh_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[LiveServer]:
    """One real server per backend for the whole run; tests use fresh people for isolation."""
    overrides: dict[str, Any] = {"data_dir": tmp_path_factory.mktemp("data")}
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    live = LiveServer(server_settings(**overrides)).start()
    yield live
    live.stop()


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
