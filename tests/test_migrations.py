"""Migrations build an empty database on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from api.config import Settings
from api.db import make_engine, migrate
from tests.support import drop_postgres_database, fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    url = fresh_postgres_database()
    try:
        yield Settings(database_url=url)
    finally:
        drop_postgres_database(url)


def _differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_build_the_models_and_go_back_down(empty_database: Settings) -> None:
    async def run() -> None:
        engine = make_engine(empty_database)
        try:
            await migrate(engine)
            async with engine.connect() as conn:
                assert await conn.run_sync(_differences) == []
                tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            assert {"account", "pair", "event", "signal_state"} <= tables
            await migrate(engine, "base", down=True)
            async with engine.connect() as conn:
                tables = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
            assert tables <= {"alembic_version"}
            await migrate(engine)  # and up again, idempotently
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_sqlite_is_tuned_for_durability(tmp_path: Path) -> None:
    async def run() -> list[object]:
        engine = make_engine(Settings(data_dir=tmp_path))
        try:
            async with engine.connect() as conn:
                return [
                    (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
                ]
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == ["wal", 2, 1, 10000]


def test_sqlite_statements_run_on_the_event_loops_own_thread(tmp_path: Path) -> None:
    import threading

    async def run() -> tuple[int, int]:
        engine = make_engine(Settings(data_dir=tmp_path))
        try:
            async with engine.connect() as conn:
                raw = await conn.get_raw_connection()
                seen: list[int] = []
                raw.driver_connection._conn.create_function(  # type: ignore[union-attr]
                    "where_am_i", 0, lambda: seen.append(threading.get_ident()) or 1)
                await conn.execute(sa.text("SELECT where_am_i()"))
                return seen[0], threading.get_ident()
        finally:
            await engine.dispose()

    ran_on, loop_thread = asyncio.run(run())
    assert ran_on == loop_thread  # no hand-off to a worker thread and back
