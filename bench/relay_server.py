"""The floor for bench/pause_latency.py: a bare websocket relay, nothing else.

`python bench/relay_server.py --host 127.0.0.1 --port P` serves `/ws` and `/healthz`
under uvicorn with the same websocket options as `python -m api`. A client says
`{"type": "hello", "token": "<pair>:<a|b>"}`, gets `{"type": "welcome"}`, and from then
on every text frame it sends is written, unchanged, to the other socket of its pair
(dropped when that socket is not connected). No auth, no storage, no queue, no
heartbeat: whatever the service costs beyond this is the service's own work.

`--durable FILE` adds one thing: before a frame is passed on, it is written to a SQLite
file and committed as the service commits a pause (WAL, `synchronous=FULL`, BEGIN
IMMEDIATE; the row written on the loop, the commit's fsync on a thread of its own), one
writer at a time. That is the floor for "after exactly one durable commit": whatever
the service costs beyond it is neither the socket nor the disk.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

Send = Any
_pairs: dict[str, dict[str, Send]] = {}
_WELCOME = '{"type":"welcome"}'


class _Durable:
    """One durable commit per frame, made the way the service makes a pause's."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE IF NOT EXISTS frame (body TEXT NOT NULL)")
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._lock = asyncio.Lock()

    async def store(self, text: str) -> None:
        """Writes the frame and commits it; returns once the commit is on the disk."""
        async with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT INTO frame (body) VALUES (?)", (text,))
            await asyncio.get_running_loop().run_in_executor(self._thread, self._db.commit)


_durable_path: str | None = None
_durable: _Durable | None = None


async def app(scope: dict[str, Any], receive: Any, send: Send) -> None:
    """The whole relay, as a plain ASGI app."""
    global _durable  # one per process, made on the loop at start-up
    kind = scope["type"]
    if kind == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if _durable_path is not None:
                    _durable = _Durable(_durable_path)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if kind == "http":
        ok = scope["path"] == "/healthz"
        await send({"type": "http.response.start", "status": 200 if ok else 404,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok" if ok else b""})
        return
    if kind != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    message = await receive()
    if message["type"] != "websocket.receive":
        return
    try:
        key, side = str(json.loads(message.get("text") or "{}")["token"]).rsplit(":", 1)
    except (ValueError, KeyError):
        await send({"type": "websocket.close", "code": 4400})
        return
    other = "b" if side == "a" else "a"
    peers = _pairs.setdefault(key, {})
    peers[side] = send
    await send({"type": "websocket.send", "text": _WELCOME})
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is not None and _durable is not None:
                await _durable.store(text)
            target = peers.get(other)
            if text is not None and target is not None:
                # The partner may have gone away meanwhile.
                with contextlib.suppress(Exception):
                    await target({"type": "websocket.send", "text": text})
    finally:
        if peers.get(side) is send:
            del peers[side]
        if not peers and _pairs.get(key) is peers:
            del _pairs[key]


def main() -> None:
    """Runs the relay with the service's uvicorn websocket options."""
    parser = argparse.ArgumentParser(description="Bare websocket relay (benchmark floor).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--durable", metavar="FILE",
                        help="commit each frame to this SQLite file before passing it on")
    args = parser.parse_args()
    global _durable_path
    _durable_path = args.durable
    uvicorn.run(app, host=args.host, port=args.port, ws="websockets-sansio",
                ws_per_message_deflate=False, ws_max_size=65536, log_config=None,
                access_log=False, timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
