"""The app in this process, for the rules: httpx over ASGITransport, no socket.

The real app (its lifespan, database, migrations, scheduler and rules) runs on an
event loop of its own thread, as under uvicorn; a test's synchronous httpx client
hands each request to that loop. What it skips is the server: TCP, HTTP parsing,
uvicorn's threads. Tests of the live channel, of faults and of browsers keep the
real server (tests/support.LiveServer).

Each test makes its own people and pairs, so tests share one app per backend
without seeing each other's rows (the authorization matrix proves they cannot). A
rolled-back transaction per test was weighed and left: the service commits its own
units of work and its scheduler writes beside them, so one shared outer transaction
would be a different app from the one that runs.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from api.config import Settings
from api.main import create_app

BASE_URL = "http://attune.test"


async def drop_waiting_pushes(services: Any) -> None:
    """Cancels the app's push tasks before it stops.

    A pause's push, once sent, waits out its coalescing window (five seconds, for
    the next pause by the same person) and shutdown waits for that task: five seconds
    of every test server's stop after a pause. A test reads no push after its server
    stops, so nothing a test shows depends on that window running out.
    """
    for task in list(services.pusher._tasks):
        task.cancel()


class _OnLoop(httpx.BaseTransport):
    """A synchronous transport that runs each request through the app on its loop,
    from its own client address (what X-Forwarded-For is to the live server)."""

    def __init__(self, app: InProcess, address: str) -> None:
        self._app = app
        self._asgi = httpx.ASGITransport(app=app.app, client=(address, 50000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> httpx.Response:
            forwarded = httpx.Request(request.method, request.url, headers=request.headers,
                                      content=body, extensions=request.extensions)
            answer = await self._asgi.handle_async_request(forwarded)
            content = await answer.aread()
            return httpx.Response(answer.status_code, headers=answer.headers,
                                  content=content, request=request)

        answer: httpx.Response = self._app.run(call())
        return answer


class InProcess:
    """The whole app, started in this process and called without a socket."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="in-process-app")
        self._lifespan: Any = None

    def start(self) -> InProcess:
        """Runs the app's start-up (migrations, keyring, scheduler) on its loop."""
        self._thread.start()
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.run(self._lifespan.__aenter__())
        return self

    def stop(self) -> None:
        """Runs the app's shutdown, then ends its loop."""
        if self._lifespan is not None:
            self.run(drop_waiting_pushes(self.services))
            self.run(self._lifespan.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)
        self._loop.close()

    def run(self, coro: Any) -> Any:
        """Runs a coroutine on the app's loop (to call it, or to read its database)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def transport(self, address: str) -> httpx.BaseTransport:
        """A transport for a synchronous httpx client, from this client address."""
        return _OnLoop(self, address)

    @property
    def services(self) -> Any:
        """The app's shared services (the database, the hub)."""
        return self.app.state.services

    @property
    def url(self) -> str:
        """The base URL requests are addressed to (nothing listens there)."""
        return BASE_URL

    @property
    def ws_url(self) -> str:
        raise RuntimeError("the live channel needs a real server: use the live_server fixture")
