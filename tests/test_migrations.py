"""Migrations build an empty database on SQLite and PostgreSQL, matching the models."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from api.config import Settings
from api.crypto import Keyring
from api.db import make_engine, migrate
from api.models import UTCDateTime
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

                def where_am_i() -> int:
                    seen.append(threading.get_ident())
                    return 1

                raw.driver_connection._conn.create_function(  # type: ignore[union-attr]
                    "where_am_i", 0, where_am_i)
                await conn.execute(sa.text("SELECT where_am_i()"))
                return seen[0], threading.get_ident()
        finally:
            await engine.dispose()

    ran_on, loop_thread = asyncio.run(run())
    assert ran_on == loop_thread  # no hand-off to a worker thread and back


def _insert(conn: sa.Connection, table: str, **values: object) -> None:
    """A row in the shape of an older schema, typed the way the models store it."""
    def kind(value: object) -> sa.types.TypeEngine[Any]:
        if isinstance(value, uuid.UUID):
            return sa.Uuid()
        if isinstance(value, datetime):
            return UTCDateTime()
        if isinstance(value, list | dict):
            return sa.JSON()
        return sa.types.NullType()
    shape = sa.table(table, *(sa.column(name, kind(v)) for name, v in values.items()))
    conn.execute(sa.insert(shape).values(**values))


def test_the_dated_trail_of_yes_is_migrated_away(empty_database: Settings) -> None:
    """Rows written before rule 7: only creation and stricter moves stay dated, events
    that recorded an agreement are redacted in place, green answers of ended sessions go."""
    keyring = Keyring.generate()
    ids = {name: uuid.uuid4() for name in ("a", "b", "pair", "item", "session", "checkin")}
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    def sealed_event(seq: int, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        body = keyring.encrypt(json.dumps(data), aad=f"event:{ids['pair']}:{seq}")
        return {"pair_id": ids["pair"], "seq": seq, "id": uuid.uuid4(), "type": type_,
                "actor_id": ids["a"], "at": at(seq), "body": body}

    item = {"id": str(ids["item"]), "label": "Massage", "category": "touch",
            "version": 1, "created_by": str(ids["a"]), "created_at": t0.isoformat(),
            "catalogue_key": None}

    def old_rows(conn: sa.Connection) -> None:
        for person in ("a", "b"):
            _insert(conn, "account", id=ids[person], username=person * 3,
                    display_name=person, password_hash="x", created_at=t0)
        _insert(conn, "pair", id=ids["pair"], created_at=t0, last_seq=6, last_review_at=at(3))
        for person in ("a", "b"):
            _insert(conn, "pair_member", account_id=ids[person], pair_id=ids["pair"],
                    joined_at=t0)
        _insert(conn, "boundary", id=ids["item"], pair_id=ids["pair"],
                label=keyring.encrypt("Massage", aad=f"boundary:{ids['item']}:label"),
                label_digest="d", category="touch", created_by=ids["a"], created_at=t0,
                version=5, state="no", state_changed_at=at(5))
        for person, answer in (("a", "yes"), ("b", "no")):
            _insert(conn, "boundary_answer", boundary_id=ids["item"], account_id=ids[person],
                    answer=answer, answered_at=at(5))
        for n, state in enumerate(["open", "agreed", "maybe", "agreed", "no"]):
            _insert(conn, "boundary_history", boundary_id=ids["item"], state=state,
                    at=at(n * 2))
        for row in (
            sealed_event(1, "boundary.added",
                         {"item": {**item, "state": "open", "state_changed_at": "x"}}),
            sealed_event(2, "boundary.changed", {"item": {**item, "state": "agreed",
                                                          "state_changed_at": "x"},
                                                 "previous_state": "open"}),
            sealed_event(3, "review.finished", {"changed": [
                {"label": "Massage", "state": "agreed", "changed_at": "x"}]}),
            sealed_event(4, "checkin.answered", {"answer": "green"}),
            sealed_event(5, "boundary.changed", {"item": {**item, "state": "no",
                                                          "state_changed_at": "x"},
                                                 "previous_state": "agreed"}),
            sealed_event(6, "pause", {"state": "paused"}),
        ):
            _insert(conn, "event", **row)
        _insert(conn, "practice_session", id=ids["session"], pair_id=ids["pair"],
                proposed_by=ids["a"], status="ended", length_seconds=600, scope=[],
                created_at=t0)
        _insert(conn, "checkin", id=ids["checkin"], session_id=ids["session"], round=1,
                prompted_at=at(1))
        for person, answer in (("a", "green"), ("b", "red")):
            _insert(conn, "checkin_answer", checkin_id=ids["checkin"],
                    account_id=ids[person], answer=answer, at=at(1))

    async def run() -> tuple[Any, ...]:
        engine = make_engine(empty_database)
        try:
            await migrate(engine, "0006")
            async with engine.begin() as conn:
                await conn.run_sync(old_rows)
            with pytest.raises(RuntimeError, match="keyring"):
                await migrate(engine)  # never half-done without the keyring
            await migrate(engine, keyring=keyring)
            async with engine.connect() as conn:
                history = (await conn.execute(sa.text(
                    "SELECT state FROM boundary_history ORDER BY at"))).scalars().all()
                limited = (await conn.execute(sa.select(
                    sa.column("limited_at", UTCDateTime()),
                    sa.column("reviewed_state", sa.String()))
                    .select_from(sa.table("boundary")))).one()
                answers = (await conn.execute(sa.text(
                    "SELECT answer FROM checkin_answer ORDER BY answer"))).scalars().all()
                events = (await conn.execute(sa.select(
                    sa.column("seq", sa.Integer()), sa.column("type", sa.String()),
                    sa.column("body", sa.String()),
                    sa.column("actor_id", sa.Uuid())).select_from(sa.table("event"))
                    .order_by(sa.column("seq")))).all()
                columns = await conn.run_sync(lambda c: {
                    t: {col["name"] for col in sa.inspect(c).get_columns(t)}
                    for t in ("boundary", "boundary_answer", "checkin_answer")})
            return history, limited, answers, events, columns
        finally:
            await engine.dispose()

    history, limited, answers, events, columns = asyncio.run(run())
    assert history == ["open", "maybe", "no"]  # added, then each stricter move only
    assert limited == (at(8), "agreed")  # the last stricter move; what they saw at review
    assert answers == ["red"]  # the ended session's green answer is gone
    assert "state_changed_at" not in columns["boundary"]
    assert "answered_at" not in columns["boundary_answer"] and "at" not in columns[
        "checkin_answer"]
    data = {seq: json.loads(keyring.decrypt(body, aad=f"event:{ids['pair']}:{seq}"))
            for seq, _, body, _ in events}
    assert [(seq, type_) for seq, type_, _, _ in events] == [
        (1, "boundary.added"), (2, "redacted"), (3, "review.finished"), (4, "redacted"),
        (5, "boundary.changed"), (6, "pause")]  # still gap-free
    assert data[2] == data[3] == data[4] == {}
    assert [actor for seq, _, _, actor in events if seq in (2, 4)] == [None, None]
    assert data[5]["item"]["limited_at"] == at(5).isoformat()
    assert "state_changed_at" not in json.dumps(data)


def test_the_keyring_check_trusts_only_the_keyring_the_data_was_sealed_with(
    empty_database: Settings, tmp_path: Path,
) -> None:
    """An older database (sealed values, no check yet) gets its check only from a
    keyring that opens what it holds; then only that keyring (and, after a rotation,
    the rotated one) opens it."""
    from api.crypto import KeyringMismatch
    from api.db import Database
    from api.services import keys

    ring, other = Keyring.generate(), Keyring.generate()
    account_id = uuid.uuid4()

    async def run() -> None:
        engine = make_engine(empty_database)
        db = Database(engine, serialize_writes=empty_database.is_sqlite)
        try:
            await migrate(engine, "0008", keyring=ring)
            async with engine.begin() as conn:
                await conn.run_sync(lambda c: _insert(
                    c, "account", id=account_id, username="ann", password_hash="x",
                    display_name=ring.encrypt("Ann", aad=f"account:{account_id}:display_name"),
                    created_at=datetime(2026, 1, 1, tzinfo=UTC)))
            await migrate(engine, keyring=other)  # the migration only makes the table
            with pytest.raises(KeyringMismatch):
                await keys.check_keyring(db=db, keyring=other)  # it cannot open Ann's name
            await keys.check_keyring(db=db, keyring=ring)  # writes the check
            await keys.check_keyring(db=db, keyring=ring)
            same_keys_other_index = Keyring(current=ring.current, keys=ring.keys,
                                            index_key=other.index_key)
            for wrong in (other, same_keys_other_index):
                with pytest.raises(KeyringMismatch):
                    await keys.check_keyring(db=db, keyring=wrong)
            rotated, _ = await keys.rotate(db=db, keyring=ring, save_to=tmp_path / "k.json")
            await keys.check_keyring(db=db, keyring=rotated)
            with pytest.raises(KeyringMismatch):
                await keys.check_keyring(db=db, keyring=ring)  # lacks the new key
        finally:
            await engine.dispose()

    asyncio.run(run())
