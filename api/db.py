"""The database: engine, units of work, and the migrations runner."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import stat
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, closing, nullcontext, suppress
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import sqlalchemy as sa
import structlog
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings
from api.crypto import Keyring
from api.models import Event

log = structlog.get_logger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any 64-bit number; it only has to be the same for every instance.
_MIGRATION_LOCK = 0x41_74_74_75_6E_65


# How long the loop waits for a commit on aiosqlite's thread, the GIL let go, before it
# serves everything else and awaits the commit instead (InlineSQLite._commit).
COMMIT_PATIENCE = 0.002


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite, except that every call but the commit runs at once on the loop's thread.

    Why: aiosqlite hands every call (execute, fetch, close, commit...) to a worker
    thread and back; a pause took about 57 such hand-offs, ~7.5 ms here, while the SQL
    itself takes microseconds and a commit's fsync well under a millisecond. Run
    inline, a statement costs what SQLite costs; only the commit goes to aiosqlite's
    thread, and the loop waits for it a moment (`_commit`). What could make a call
    wait is kept off the loop: the server's connections never wait for a lock
    (busy_timeout 0: a unit of work takes the write lock with BEGIN IMMEDIATE and,
    while another process holds it, tries again after an asynchronous sleep, see
    Database.write), and WAL checkpoints run on a thread of their own (Checkpointer),
    not inside a commit.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], patience: float,
                 on_commit: Callable[[float], None] | None) -> None:
        super().__init__(connector, 64)
        self._patience, self._on_commit = patience, on_commit

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if fn == self._connection.commit:
            return await self._commit(fn)
        if (fn.__name__ == "execute" and not self._connection.in_transaction
                and not args[0].startswith("BEGIN")):
            # A read outside any unit of work (which holds no lock) first lets the loop
            # serve every other socket: a page or a reconnect that reads a dozen times
            # would otherwise hold a pause back for all of them at once. A unit of work
            # never gives the loop away while it holds the write lock (from its BEGIN).
            await asyncio.sleep(0)
        return fn(*args, **kwargs)

    async def _commit(self, commit: Callable[[], None]) -> None:
        """The commit on aiosqlite's thread. The loop first waits for it, up to
        `patience` seconds with the GIL let go, so the thread starts and hands back at
        once; a commit that takes longer (a disk that stalls) is awaited, and the loop
        serves everything else meanwhile.

        Why: a commit (its fsync, `synchronous=FULL`) takes 0.15 ms p50 and 0.36 ms p99
        on this disk. Handed over and awaited, it took 0.7 ms p50 and 9 ms p99 in the
        soak (bench/README.md), while its unit held SQLite's one writer: the thread
        waited for the GIL from a loop busy running Python (up to Python's 5 ms switch
        interval), once to start and once to hand back.
        """
        loop = asyncio.get_running_loop()
        handover, finished, later = threading.Lock(), threading.Event(), loop.create_future()
        outcome: list[BaseException | None] = []  # the thread's, under `handover`
        awaited = False  # the loop stopped waiting: the thread must wake it

        def run() -> None:
            began = time.perf_counter()
            try:
                commit()
                error = None
            except BaseException as exc:  # handed to the unit of work, below
                error = exc
            took = time.perf_counter() - began
            with handover:
                outcome.append(error)
                finished.set()
                if awaited:
                    loop.call_soon_threadsafe(later.set_result, None)
            if self._on_commit is not None:
                self._on_commit(took)

        self._tx.put_nowait((None, run))
        if not finished.wait(self._patience):
            with handover:
                awaited = not outcome
            if awaited:
                await _seen_through(later)
        if outcome[0] is not None:
            raise outcome[0]


async def _seen_through(commit: asyncio.Future[None]) -> None:
    """Waits for a commit even if the unit waiting is given up meanwhile (its socket
    dropped), and only then lets it go: its rollback must never run on the connection
    while the commit does, on another thread."""
    given_up: asyncio.CancelledError | None = None
    while not commit.done():
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError as exc:
            given_up = exc
    if given_up is not None:
        raise given_up


def _inline_sqlite(path: str, patience: float,
                   on_commit: Callable[[float], None] | None) -> Any:
    async def connect() -> aiosqlite.Connection:
        # Made on aiosqlite's thread, used on the loop's: hence check_same_thread off.
        connection = InlineSQLite(
            lambda: sqlite3.connect(path, timeout=0, check_same_thread=False), patience,
            on_commit)
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


def make_engine(settings: Settings, *, wait_for_lock_ms: int = 10_000,
                commit_patience: float = COMMIT_PATIENCE,
                on_commit: Callable[[float], None] | None = None) -> AsyncEngine:
    """An engine for the configured database, with SQLite tuned for durability.

    `wait_for_lock_ms`: how long a SQLite statement may wait for another connection's
    lock. The server passes 0 (its loop must never wait inside SQLite, see
    Database.write); commands run from the shell may wait. `commit_patience`: how
    long the loop waits for a commit before it awaits it (InlineSQLite._commit);
    `on_commit` is told each SQLite commit's seconds, on the thread that made it.
    """
    url = settings.resolved_database_url
    if not settings.is_sqlite:
        return create_async_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
        )
    path = settings.sqlite_path
    keep_private(Path(path))
    connect = _inline_sqlite(path, commit_patience, on_commit)
    engine = create_async_engine(url, async_creator=connect, hide_parameters=True)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by us (below), not by the driver before a write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: an acknowledged pause must survive a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(wait_for_lock_ms)}")
        if wait_for_lock_ms == 0:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's work
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # A unit of work takes the write lock first (IMMEDIATE), so it never fails half
        # way on a lock; reads take no transaction (each statement sees the latest).
        begin = conn.get_execution_options().get(_BEGIN, "BEGIN")
        if begin:
            conn.exec_driver_sql(begin)

    return engine


_BEGIN = "attune_sqlite_begin"
# While another process holds SQLite's write lock, a unit of work tries again after
# these sleeps (then every 5 ms: a try costs microseconds and the loop is free between
# them), for up to _LOCK_PATIENCE seconds.
_LOCK_BACKOFF = (0.0005, 0.001, 0.002, 0.005)
_LOCK_PATIENCE = 10.0


def _locked(exc: OperationalError) -> bool:
    return "locked" in str(exc.orig) or "busy" in str(exc.orig)


async def _begin_immediate(raw: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE on a driver connection, waiting asynchronously (as `write` does)
    while another process holds the lock."""
    deadline = time.monotonic() + _LOCK_PATIENCE
    for attempt in itertools.count():
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(_LOCK_BACKOFF[min(attempt, len(_LOCK_BACKOFF) - 1)])


class Checkpointer:
    """Copies the embedded database's write-ahead log into the database file on a
    thread of its own, every second (PASSIVE: it never holds a writer back). With
    SQLite's automatic checkpoints, a commit now and then did this copy itself, and
    held the event loop for as long as it took."""

    def __init__(self, path: str, every: float = 1.0) -> None:
        self._path = path
        self._every = every
        self._task: asyncio.Task[None] | None = None

    def _checkpoint(self) -> None:
        with closing(sqlite3.connect(self._path, timeout=1)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error as exc:
                log.warning("checkpoint_failed", error=type(exc).__name__)

    def start(self) -> None:
        """Starts checkpointing in the background."""
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpoint")

    async def stop(self) -> None:
        """Stops, after one last checkpoint."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            await asyncio.to_thread(self._checkpoint)


class Lane(Protocol):
    """A unit of work straight on the database driver's connection, for the few fixed
    statements of a signal: SQL with `:name` parameters, values in the forms the ORM
    stores, rows as tuples."""

    locks_rows: bool  # True where the unit must lock the pair's row (not SQLite's)

    async def rows(self, sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]: ...
    async def run(self, sql: str, params: Mapping[str, Any]) -> None: ...
    def store_uuid(self, value: uuid.UUID) -> Any: ...
    def store_time(self, value: datetime) -> Any: ...
    def read_uuid(self, stored: Any) -> uuid.UUID: ...


_SQLITE = sqlite_dialect()
_EVENT = Event.__table__.c  # type: ignore[attr-defined]
# How SQLite stores a UUID (32 hex digits) and a time (SQLAlchemy's text), from the
# columns' own types: what the driver-level statements write reads back through the
# ORM unchanged, and what they look up matches what the ORM wrote.
SQLITE_UUID = _EVENT.id.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)
SQLITE_TIME = _EVENT.at.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)


class _SQLiteLane:
    """sqlite3 inline on the loop (see InlineSQLite): a statement costs what SQLite
    costs."""

    locks_rows = False
    store_uuid = staticmethod(SQLITE_UUID)
    store_time = staticmethod(SQLITE_TIME)

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def rows(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        return self._raw.execute(sql, params).fetchall()

    async def run(self, sql: str, params: Mapping[str, Any]) -> None:
        self._raw.execute(sql, params)

    def read_uuid(self, stored: Any) -> uuid.UUID:
        return uuid.UUID(stored)


class _PostgresLane:
    """asyncpg's own connection: each statement prepared once per connection and sent
    in one round trip, without SQLAlchemy's statement machinery (which cost a signal on
    PostgreSQL several times the CPU of the statements themselves)."""

    locks_rows = True

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    async def rows(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        numbered, names = _numbered(sql)
        return list(await self._driver.fetch(numbered, *(params[n] for n in names)))

    async def run(self, sql: str, params: Mapping[str, Any]) -> None:
        numbered, names = _numbered(sql)
        await self._driver.execute(numbered, *(params[n] for n in names))

    @staticmethod
    def store_uuid(value: uuid.UUID) -> uuid.UUID:
        return value

    @staticmethod
    def store_time(value: datetime) -> datetime:
        return value

    def read_uuid(self, stored: Any) -> uuid.UUID:
        return uuid.UUID(bytes=stored.bytes)


@lru_cache(maxsize=64)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`:name` parameters as PostgreSQL's `$n`, and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return re.sub(r"(?<!:):(\w+)", number, sql), tuple(names)


class WriteTurns:
    """SQLite's one writer, taken in turns: a signal's unit goes before every other unit
    that is waiting (in the order each came), so a pause waits for at most the one unit
    already writing, never for a queue of page edits."""

    def __init__(self) -> None:
        self._busy = False
        self._signals: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self, *, signal: bool) -> AsyncIterator[None]:
        """Holds the writer's turn for the block."""
        if self._busy:
            waiting = asyncio.get_running_loop().create_future()
            queue = self._signals if signal else self._others
            queue.append(waiting)
            try:
                await waiting
            except asyncio.CancelledError:
                if waiting.cancelled():
                    with suppress(ValueError):  # unless a hand-over passed it by already
                        queue.remove(waiting)
                else:  # the turn came just as this was cancelled: pass it on
                    self._pass_on()
                raise
        self._busy = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in (self._signals, self._others):
            while queue:
                waiting = queue.popleft()
                if not waiting.done():
                    waiting.set_result(None)
                    return  # still busy: the turn went straight to the next
        self._busy = False


class Database:
    """Opens units of work; on SQLite, writers in this process take turns for the one
    writer, signals first (WriteTurns)."""

    def __init__(self, engine: AsyncEngine, *, serialize_writes: bool) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time; queueing here is fairer and faster than its
        # busy-wait, and keeps read-then-write units from failing on a stale snapshot.
        self._turns = WriteTurns() if serialize_writes else None
        # raw_write's own connection, taken from the pool once and kept.
        self._lane: tuple[AsyncConnection, InlineSQLite, sqlite3.Connection] | None = None

    @property
    def one_writer(self) -> bool:
        """True where a unit of work holds the whole database's write lock (SQLite)."""
        return self._turns is not None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only; nothing is committed (on SQLite, no transaction:
        each statement reads the latest committed state)."""
        async with self._sessions() as session:
            if self._turns is not None:
                await session.connection(execution_options={_BEGIN: None})
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends without an error.

        On SQLite it holds the write lock from its first statement (BEGIN IMMEDIATE),
        taken without ever blocking the loop: see `_begin_write`.
        """
        session: AsyncSession | None = None
        try:
            async with self._turns.turn(signal=False) if self._turns else nullcontext():
                session = await self._begin_write()
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        finally:
            # Closed after the turn, and at once: the session's own `async with` closes
            # in a task of its own, a turn or two of a busy loop while others wait.
            if session is not None:
                await session.close()

    async def _begin_write(self) -> AsyncSession:
        session = self._sessions()
        if self._turns is None:  # PostgreSQL: its locks are waited for asynchronously
            return session
        deadline = time.monotonic() + _LOCK_PATIENCE
        for attempt in itertools.count():
            try:
                await session.connection(execution_options={_BEGIN: "BEGIN IMMEDIATE"})
                return session
            except OperationalError as exc:
                await session.close()
                if not _locked(exc) or time.monotonic() > deadline:
                    raise
            # Another process (a maintenance command) holds the lock: wait without
            # holding the loop, then try again.
            await asyncio.sleep(_LOCK_BACKOFF[min(attempt, len(_LOCK_BACKOFF) - 1)])
            session = self._sessions()
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def raw_write(self) -> AsyncIterator[Lane]:
        """A unit of work straight on the driver's connection, for the few fixed
        statements of a signal (SQLAlchemy's session and statement machinery cost
        several times what the database does for them). Like `write`: committed when
        the block ends without an error, rolled back otherwise, and the driver's errors
        come out as SQLAlchemy's. On SQLite this process's writers take turns, the write
        lock is taken with BEGIN IMMEDIATE without ever blocking the loop, and the
        commit's fsync runs on aiosqlite's thread (InlineSQLite._commit).
        """
        if self._turns is None:
            async with self._postgres_write() as lane:
                yield lane
            return
        async with self._turns.turn(signal=True):
            inline, raw = await self._signal_lane()
            try:
                await _begin_immediate(raw)
                try:
                    yield _SQLiteLane(raw)
                    await inline.commit()
                except BaseException:
                    raw.rollback()
                    raise
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(None, None, exc) from exc
            except sqlite3.Error as exc:
                await self._drop_lane()  # a connection that failed is not trusted again
                raise OperationalError(None, None, exc) from exc

    @asynccontextmanager
    async def _postgres_write(self) -> AsyncIterator[Lane]:
        import asyncpg

        async with self.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            if driver is None:
                raise OperationalError(None, None, ConnectionError("no connection"))
            try:
                async with driver.transaction():
                    yield _PostgresLane(driver)
            except asyncpg.IntegrityConstraintViolationError as exc:
                raise IntegrityError(None, None, exc) from exc
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                with suppress(Exception):  # the pool must not hand this connection out again
                    await conn.invalidate()
                raise OperationalError(None, None, exc) from exc

    async def _signal_lane(self) -> tuple[InlineSQLite, sqlite3.Connection]:
        """The connection raw_write keeps (its pragmas set by the engine, like every
        other): a checkout and return through the pool for each unit of work cost more
        Python than the unit's own SQL."""
        if self._lane is None:
            conn = await self.engine.connect()
            self._lane = (conn, *await _driver_connection(conn))
        return self._lane[1], self._lane[2]

    async def _drop_lane(self) -> None:
        lane, self._lane = self._lane, None
        if lane is not None:
            with suppress(Exception):  # closing what already failed may fail too
                await lane[0].close()

    @asynccontextmanager
    async def raw_read(self) -> AsyncIterator[sqlite3.Connection]:
        """SQLite only: the driver's connection for a few fixed reads, outside any
        transaction (each statement reads the latest committed state), for reads the
        hub makes over many pairs at a time (see `sweep_database`)."""
        if self._turns is None:
            raise RuntimeError("raw_read is for the embedded SQLite database")
        async with self.engine.connect() as conn:
            _, raw = await _driver_connection(conn)
            try:
                yield raw
            except sqlite3.Error as exc:
                raise OperationalError(None, None, exc) from exc

    async def ping(self) -> None:
        """Raises when the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        """Closes every pooled connection."""
        await self._drop_lane()
        await self.engine.dispose()


async def _driver_connection(conn: AsyncConnection) -> tuple[InlineSQLite, sqlite3.Connection]:
    adapted = await conn.get_raw_connection()
    inline: InlineSQLite = adapted.driver_connection  # type: ignore[assignment]
    raw = inline._connection  # the driver's own sqlite3 connection
    if raw is None:
        raise OperationalError(None, None, sqlite3.OperationalError("closed"))
    return inline, raw


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
            await conn.execution_options(**{_BEGIN: None})  # a pragma outside any transaction
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
            await conn.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})
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
                await conn.execution_options(**{_BEGIN: None})
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
