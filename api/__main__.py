"""`python -m api [--host H] [--port P]`: run the service; `python -m api migrate`."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn
from pydantic import ValidationError

from api.config import Settings
from api.logs import configure


def main(argv: list[str] | None = None) -> int:
    """Parses the command line and runs the service or a maintenance command."""
    parser = argparse.ArgumentParser(prog="python -m api", description="Run Attune.")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    configure()
    try:
        settings = Settings()
        settings.resolved_database_url  # noqa: B018  (validates the URL now)
    except (ValidationError, ValueError) as exc:
        print(f"attune: bad configuration: {exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        from api.db import make_engine, migrate

        async def run() -> None:
            engine = make_engine(settings)
            await migrate(engine)
            await engine.dispose()

        asyncio.run(run())
        return 0
    from api.main import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        ws_max_size=65536,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
