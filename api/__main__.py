"""`python -m api [--host H] [--port P]`: run the service; `python -m api migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn
from pydantic import ValidationError

from api.config import Settings
from api.logs import configure


async def _maintain(settings: Settings, command: str, keep: int) -> None:
    from api.crypto import load_keyring
    from api.db import Database, make_engine, migrate
    from api.services import events, keys

    engine = make_engine(settings)
    try:
        ring = load_keyring(settings.keyring_path, create=settings.environment != "production")
        await migrate(engine, keyring=ring)
        db = Database(engine, serialize_writes=settings.is_sqlite)
        await keys.check_keyring(db=db, keyring=ring)
        if command == "rotate-keys":
            ring, count = await keys.rotate(db=db, keyring=ring, save_to=settings.keyring_path)
            print(f"re-sealed {count} values with key {ring.current}")
        if command == "compact":
            dropped = await events.compact(db, keep_last=max(keep, 100))
            print(f"compacted {dropped} events")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parses the command line and runs the service or a maintenance command."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Run Attune.")
    parser.add_argument("command", nargs="?", default="serve",
                        choices=["serve", "migrate", "compact", "rotate-keys", "backup",
                                 "move-to-postgres"])
    parser.add_argument("--keep", type=int, default=10_000,
                        help="compact: events to keep per pair (default 10000)")
    parser.add_argument("--to", help="backup: the copy's path; move-to-postgres: its URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        settings.resolved_database_url  # noqa: B018  (validates the URL now)
    except (ValidationError, ValueError) as exc:
        print(f"attune: bad configuration: {exc}", file=sys.stderr)
        return 2
    configure(json_lines=not settings.debug)
    if args.command == "backup":
        from pathlib import Path

        from api.maintenance import backup_sqlite

        pages = backup_sqlite(settings, Path(args.to or "attune-backup.db"))
        print(f"copied {pages} pages to {args.to or 'attune-backup.db'}")
        return 0
    if args.command == "move-to-postgres":
        from api.maintenance import move_to_postgres

        if not args.to:
            parser.error("move-to-postgres needs --to postgresql://...")
        counts = asyncio.run(move_to_postgres(settings, args.to))
        print("moved " + ", ".join(f"{n} {t}" for t, n in counts.items() if n))
        return 0
    from api.crypto import KeyringError, KeyringMismatch

    # Serving starts the same way, so that a keyring that cannot be used stops it here
    # with a message and exit code 2, before uvicorn (the lifespan checks again).
    try:
        asyncio.run(_maintain(settings, args.command, args.keep))
    except KeyringMismatch:
        print(f"attune: the keys file {settings.keyring_path} is not the keyring this "
              "database was sealed with (it cannot open its values); start with the keys "
              "file the database was sealed with", file=sys.stderr)
        return 2
    except KeyringError as exc:
        print(f"attune: {exc}", file=sys.stderr)
        return 2
    if args.command != "serve":
        return 0
    from api.main import WEBSOCKET_OPTIONS, create_app

    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        **WEBSOCKET_OPTIONS,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
