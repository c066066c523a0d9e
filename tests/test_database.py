"""How the embedded database shares the event loop and its one writer, as rules."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.config import Settings
from api.db import Database, WriteTurns, make_engine


def test_a_read_lets_the_loop_run_before_each_statement_and_a_unit_of_work_does_not(
        tmp_path: Path) -> None:
    async def run() -> list[str]:
        engine = make_engine(Settings(data_dir=tmp_path), wait_for_lock_ms=0)
        db = Database(engine, serialize_writes=True)
        order: list[str] = []

        async def statements(unit: Any, name: str) -> None:
            order.append(f"{name} begins")
            async with unit() as session:
                for _ in range(3):
                    await session.execute(sa.text("SELECT 1"))
                    order.append(name)

        async def others() -> None:  # everything else the loop has to do meanwhile
            while True:
                order.append("other")
                await asyncio.sleep(0)

        try:
            await statements(db.read, "warm")  # the pool's first connection made
            ticking = asyncio.create_task(others())
            await statements(db.read, "read")
            await statements(db.write, "write")
            ticking.cancel()
        finally:
            await engine.dispose()
        return order

    order = [step for step in asyncio.run(run()) if not step.startswith("warm")]
    reads = [i for i, step in enumerate(order) if step == "read"]
    assert all("other" in order[a:b] for a, b in itertools.pairwise(reads)), order
    # A unit of work holds SQLite's write lock from its BEGIN: it runs without a break.
    begins = order.index("write begins")
    assert order[begins:begins + 4] == ["write begins"] + ["write"] * 3, order


def test_a_signal_waits_for_the_unit_writing_and_goes_before_every_other_unit_waiting(
        tmp_path: Path) -> None:
    async def run() -> list[str]:
        engine = make_engine(Settings(data_dir=tmp_path), wait_for_lock_ms=0)
        db = Database(engine, serialize_writes=True)
        order: list[str] = []
        writing_now, done_editing = asyncio.Event(), asyncio.Event()

        async def edit(name: str, until: asyncio.Event | None = None) -> None:
            async with db.write() as session:
                await session.execute(sa.text("SELECT 1"))
                order.append(name)
                if until is not None:
                    writing_now.set()
                    await until.wait()

        async def signal() -> None:
            async with db.raw_write() as lane:
                await lane.rows("SELECT 1", {})
                order.append("signal")

        try:
            writing = asyncio.create_task(edit("writing", until=done_editing))
            await writing_now.wait()
            waiting = [asyncio.create_task(edit("edit 1")),
                       asyncio.create_task(edit("edit 2")), asyncio.create_task(signal())]
            for _ in range(3):
                await asyncio.sleep(0)  # all three queued behind the unit writing
            assert order == ["writing"]
            done_editing.set()
            await asyncio.gather(writing, *waiting)
        finally:
            await db.dispose()
        return order

    assert asyncio.run(run()) == ["writing", "signal", "edit 1", "edit 2"]


def test_a_unit_given_up_while_it_waits_never_keeps_the_turn_from_the_next() -> None:
    async def run() -> list[str]:
        turns, order = WriteTurns(), []

        async def unit(name: str) -> None:
            async with turns.turn(signal=False):
                order.append(name)

        async with turns.turn(signal=False):
            given_up, handed_then_given_up, last = (
                asyncio.create_task(unit(name)) for name in ("given up", "handed", "last"))
            await asyncio.sleep(0)  # all three waiting
            given_up.cancel()  # while it waits
            await asyncio.sleep(0)
        handed_then_given_up.cancel()  # the turn was just handed to it, not yet taken
        await asyncio.gather(given_up, handed_then_given_up, last, return_exceptions=True)
        async with turns.turn(signal=True):  # and the turn is free again after
            order.append("after")
        return order

    assert asyncio.run(run()) == ["last", "after"]


def traced(tmp_path: Path, patience: float, seen: Callable[[str], None]) -> Database:
    """A database on a new file whose connections tell `seen` each statement SQLite
    runs, on the thread that runs it; the loop waits `patience` s for each commit."""
    engine = make_engine(Settings(data_dir=tmp_path), wait_for_lock_ms=0,
                         commit_patience=patience)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection._connection.set_trace_callback(seen)

    return Database(engine, serialize_writes=True)


@pytest.mark.parametrize("patience", [0.0, 60.0])
def test_the_loop_waits_for_a_commit_only_as_long_as_its_patience(
        tmp_path: Path, patience: float) -> None:
    async def run() -> tuple[list[str], set[bool]]:
        loop_thread, on_loop, order = threading.get_ident(), set(), []

        def seen(sql: str) -> None:
            if sql == "COMMIT":
                on_loop.add(threading.get_ident() == loop_thread)
                order.append("commit")

        db = traced(tmp_path, patience, seen)

        async def others() -> None:  # everything else the loop has to do meanwhile
            while True:
                order.append("other")
                await asyncio.sleep(0)

        try:
            async with db.raw_write() as lane:
                await lane.run("CREATE TABLE t (x)", {})
            ticking = asyncio.create_task(others())
            for _ in range(2):
                async with db.raw_write() as lane:
                    await lane.run("INSERT INTO t VALUES (1)", {})
                    order.append("written")
                order.append("committed")
                async with db.write() as session:
                    await session.execute(sa.text("INSERT INTO t VALUES (2)"))
                    order.append("written")
                order.append("committed")
            ticking.cancel()
        finally:
            await db.dispose()
        return order, on_loop

    order, on_loop = asyncio.run(run())
    assert on_loop == {False}  # the fsync never on the loop's thread
    units = [order[i:order.index("committed", i) + 1]
             for i, step in enumerate(order) if step == "written"]
    assert len(units) == 4 and all("commit" in unit for unit in units), order
    if patience:  # the loop waited: nothing else ran between the write and its commit
        assert all("other" not in unit for unit in units), order
    else:  # the loop awaited each commit and served the rest meanwhile
        assert all("other" in unit for unit in units), order


def test_a_unit_given_up_during_its_commit_rolls_back_only_after_the_commit(
        tmp_path: Path) -> None:
    async def run() -> tuple[list[str], int]:
        statements: list[str] = []
        # No patience: every commit is awaited, so the unit can be given up meanwhile.
        db = traced(tmp_path, 0.0, statements.append)
        try:
            async with db.raw_write() as lane:
                await lane.run("CREATE TABLE t (x)", {})
            written = asyncio.Event()

            async def unit() -> None:
                async with db.raw_write() as lane:
                    await lane.run("INSERT INTO t VALUES (1)", {})
                    written.set()

            given_up = asyncio.create_task(unit())
            await written.wait()  # the unit is now waiting for its commit
            given_up.cancel()
            await asyncio.gather(given_up, return_exceptions=True)
            assert given_up.cancelled()
            async with db.raw_write() as lane:  # and the connection works on
                (count,), = await lane.rows("SELECT count(*) FROM t", {})
        finally:
            await db.dispose()
        return statements, count

    statements, count = asyncio.run(run())
    insert = statements.index("INSERT INTO t VALUES (1)")
    assert statements[insert + 1] == "COMMIT" and "ROLLBACK" not in statements, statements
    assert count == 1  # what was committed stays committed
