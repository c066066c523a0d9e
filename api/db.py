"""The database: engine, units of work, and the migrations runner."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

import aiosqlite
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings
from api.crypto import Keyring

MIGRATIONS = Path(__file__).parent / "migrations"
# Any 64-bit number; it only has to be the same for every instance.
_MIGRATION_LOCK = 0x41_74_74_75_6E_65


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite, except that each call runs at once on the event loop's own thread.

    Why: aiosqlite hands every call (execute, fetch, close, commit...) to a worker
    thread and back; a pause took about 57 such hand-offs, ~7.5 ms here, while the SQL
    itself takes microseconds and a commit's fsync ~0.3 ms. Run inline, a statement
    costs what SQLite costs. The price: a call blocks the loop while it runs, so
    another process holding the write lock (see busy_timeout) would stall it; this
    process's own writers never wait on SQLite, they queue on Database's lock.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_sqlite(path: str) -> Any:
    async def connect() -> aiosqlite.Connection:
        # Made on aiosqlite's thread, used on the loop's: hence check_same_thread off.
        connection = InlineSQLite(
            lambda: sqlite3.connect(path, timeout=10, check_same_thread=False), 64)
        return await connection

    return connect


def keep_private(database: Path) -> None:
    """The embedded database readable by this user only: its folder 0700, the file and
    its journals 0600 (SQLite gives the journals the database file's own mode).

    A folder owned by someone else, or shared and sticky like /tmp, is left as it is.
    """
    folder = database.parent
    folder.mkdir(parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX:
        folder.chmod(0o700)
    os.close(os.open(database, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if file.exists():
            file.chmod(0o600)


def make_engine(settings: Settings) -> AsyncEngine:
    """An engine for the configured database, with SQLite tuned for durability."""
    url = settings.resolved_database_url
    if not settings.is_sqlite:
        return create_async_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
        )
    path = url.split(":///", 1)[1]
    keep_private(Path(path))
    engine = create_async_engine(url, async_creator=_inline_sqlite(path), hide_parameters=True)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged pause must survive a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return engine


class Database:
    """Opens units of work; on SQLite, writers in this process queue on one lock."""

    def __init__(self, engine: AsyncEngine, *, serialize_writes: bool) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing here is fairer and faster than its
        # busy-wait, and keeps read-then-write units from failing on a stale snapshot.
        self._write_lock = asyncio.Lock() if serialize_writes else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only; nothing is committed."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends without an error."""
        async with self._write_lock or nullcontext(), self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> None:
        """Raises when the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        await self.engine.dispose()


def alembic_config() -> Config:
    """The Alembic configuration, found inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False,
                  keyring: Keyring | None = None) -> None:
    """Brings the schema up (or down) to `revision`; instances starting together take turns.

    A migration that rewrites sealed values gets the keyring; without one it refuses to
    touch a database that holds such values.
    """

    def run(connection: sa.Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["keyring"] = keyring
        (command.downgrade if down else command.upgrade)(config, revision)

    async with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a column by copying the table and dropping the old one; with
            # foreign keys on, that drop would delete every row that refers to it (the
            # cascade). Off for the migration (it only works outside a transaction), and
            # the result is checked before it is committed.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                if not sqlite:
                    await conn.execute(
                        sa.text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
                await conn.run_sync(run)
                if sqlite and (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first():
                    raise RuntimeError("a migration left rows pointing at nothing")
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
