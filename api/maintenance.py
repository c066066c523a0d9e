"""Maintenance: a consistent copy of the embedded database, and moving up to PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

import api.models  # noqa: F401  (registers the tables)
from api.config import Settings
from api.crypto import load_keyring
from api.db import make_engine, migrate


def backup_sqlite(settings: Settings, target: Path) -> int:
    """Copies the embedded database while it runs, with SQLite's online backup API,
    a few pages at a time so live writers are never held up for long. Returns pages."""
    if not settings.is_sqlite:
        raise ValueError("backup is for the embedded SQLite file; use pg_dump for PostgreSQL")
    source_path = settings.resolved_database_url.split(":///", 1)[1]
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=10)
    copy = sqlite3.connect(target)
    copied = 0

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal copied
        copied = total - remaining
        time.sleep(0.001)  # let writers in between steps

    try:
        with copy:
            source.backup(copy, pages=64, progress=progress)
        result = copy.execute("PRAGMA integrity_check").fetchone()
        if result is None or result[0] != "ok":
            raise RuntimeError("the copy failed its integrity check")
    finally:
        source.close()
        copy.close()
    return copied


async def move_to_postgres(settings: Settings, target_url: str) -> dict[str, int]:
    """Copies every row of the embedded database into an empty, migrated PostgreSQL.

    Sealed values are copied as they are: point the new installation at the same
    keyring (ATTUNE_KEYS_FILE). Refuses a target that already holds accounts.
    """
    if not settings.is_sqlite:
        raise ValueError("the source must be the embedded SQLite database")
    target_settings = Settings(database_url=target_url, data_dir=settings.data_dir)
    if target_settings.is_sqlite:
        raise ValueError("the target must be a postgresql:// URL")
    source, target = make_engine(settings), make_engine(target_settings)
    counts: dict[str, int] = {}
    try:
        await migrate(source, keyring=load_keyring(settings.keyring_path, create=False))
        await migrate(target)
        async with source.connect() as read, target.begin() as write:
            if await write.scalar(sa.text("SELECT count(*) FROM account")):
                raise ValueError("the target database is not empty")
            for table in SQLModel.metadata.sorted_tables:
                rows = [dict(r._mapping) for r in await read.execute(sa.select(table))]
                if rows:
                    await write.execute(sa.insert(table), rows)
                counts[table.name] = len(rows)
    finally:
        await source.dispose()
        await target.dispose()
    return counts
