"""The app factory: `create_app(settings)`; the lifespan owns the engine and the hub."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api import errors
from api.config import Settings, get_settings
from api.crypto import Keyring, load_keyring
from api.db import Checkpointer, Database, make_engine, migrate
from api.deps import Services
from api.errors import BY_STATUS
from api.metrics import Metrics, RequestMetrics
from api.middleware import Guard
from api.ratelimit import Limits
from api.realtime.hub import Hub, RedisHub
from api.realtime.protocol import LiveContext, SweepResult, sweep_database
from api.routes import (
    accounts,
    aftercare,
    boundaries,
    debriefs,
    pairing,
    phrases,
    push,
    safety,
    sessions,
    signals,
    solo,
    summaries,
)
from api.security import Hasher
from api.services import keys
from api.services.push import Pusher, endpoint_pattern, load_vapid
from api.services.scheduler import Scheduler
from api.shell import WORKER, worker_script
from schemas.problems import Problem

log = structlog.get_logger(__name__)


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """Every error answer, as documented in the OpenAPI document: problem+json."""
    content = {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"description": kind.about, "content": content}
            for status, kind in BY_STATUS.items() if status not in (405, 415)}


def _documented(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI document, with the rules this instance's operator sets stated as this
    instance enforces them (shortest session, where a push may go), and the problem
    body every error answer refers to."""
    if app.openapi_schema:
        return app.openapi_schema
    document = FastAPI.openapi(app)
    models = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    models.update(problem.pop("$defs", {}))
    models["Problem"] = problem
    session = models["SessionIn"]["properties"]
    session["length_seconds"]["minimum"] = settings.min_session_seconds
    for field, least in (("checkin_every_seconds", settings.min_checkin_seconds),
                         ("grace_seconds", settings.min_grace_seconds)):
        session[field]["anyOf"][0]["minimum"] = least
    endpoint = models["PushSubscriptionIn"]["properties"]["endpoint"]
    endpoint["pattern"] = f"^{endpoint_pattern(settings.push_services)}$"
    app.openapi_schema = document
    return document


# How uvicorn serves the live channel; `python -m api` and the tests' live server both
# use it. The channel keeps its own heartbeat (a ping every heartbeat_seconds, closed when
# silent past dead_after_seconds), so uvicorn's protocol pings, which would only repeat
# it with a timer and a waiter per socket, are off.
WEBSOCKET_OPTIONS: dict[str, Any] = {
    "ws": "websockets-sansio",
    "ws_per_message_deflate": False,
    "ws_max_size": 65536,
    "ws_ping_interval": None,
    "ws_ping_timeout": None,
}


def settle_the_heap() -> None:
    """Keeps Python's full garbage collections off the pause's way.

    A full collection walks every object that lives long; with 2,000 sockets open it
    held the loop 300-360 ms every ~20 s, and that was the whole tail of the pause's
    latency (bench/README.md). What start-up made (modules, models, routes, the app)
    lives as long as the process: frozen, the collector never walks it again. Full
    collections then wait for a hundred times more survivors than Python's default
    (the youngest generations still run as usual, and reference counting frees all
    but cycles at once), so they come rarely and are small.
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1_000)


def _hub(settings: Settings, db: Database, keyring: Keyring) -> Hub:
    async def sweeper(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> SweepResult:
        return await sweep_database(db, pairs, devices)

    if url := settings.resolved_redis_url:
        return RedisHub(url=url, keyring=keyring, sweeper=sweeper,
                        sweep_seconds=settings.sweep_seconds,
                        heartbeat_seconds=settings.heartbeat_seconds,
                        sockets_per_device=settings.sockets_per_device)
    return Hub(sweeper=sweeper, sweep_seconds=settings.sweep_seconds,
               heartbeat_seconds=settings.heartbeat_seconds,
               sockets_per_device=settings.sockets_per_device)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the service; nothing connects until the lifespan starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keyring = load_keyring(settings.keyring_path,
                               create=settings.environment != "production")
        # Migrations may wait for a maintenance command's lock; serving never does.
        migrating = make_engine(settings)
        try:
            await migrate(migrating, keyring=keyring)
        finally:
            await migrating.dispose()
        engine = make_engine(settings, wait_for_lock_ms=0, on_commit=metrics.commits.observe)
        db = Database(engine, serialize_writes=settings.is_sqlite)
        await keys.check_keyring(db=db, keyring=keyring)
        limits = Limits.from_settings(settings, digest=keyring.digest)
        hub = _hub(settings, db, keyring)
        hasher = Hasher(settings.hash_workers)
        pusher = Pusher(db=db, settings=settings, vapid=load_vapid(
            settings.vapid_path, create=settings.environment != "production"))
        hub.listeners.append(pusher.on_event)
        hub.listeners.append(lambda _pair, frame: metrics.events.labels(frame["type"]).inc())
        app.state.services = Services(settings=settings, db=db, hub=hub, hasher=hasher,
                                      keyring=keyring, pusher=pusher, limits=limits)
        app.state.live = LiveContext(db=db, hub=hub, keyring=keyring, settings=settings,
                                     metrics=metrics)
        scheduler = Scheduler(db=db, hub=hub, keyring=keyring, settings=settings)
        checkpointer = Checkpointer(settings.sqlite_path) if settings.is_sqlite else None
        await hub.start()
        await scheduler.start()
        if checkpointer is not None:
            checkpointer.start()
        watcher = asyncio.create_task(metrics.watch_loop(), name="loop-lag")
        settle_the_heap()
        log.info("started", database=engine.dialect.name,
                 hub="redis" if settings.redis_url else "memory")
        try:
            yield
        finally:
            watcher.cancel()
            await scheduler.stop()
            await hub.stop()
            if checkpointer is not None:
                await checkpointer.stop()
            await pusher.stop()
            await limits.close()
            hasher.close()
            await db.dispose()

    production = settings.environment == "production"
    app = FastAPI(
        title="Attune",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None if production else "/api/v1/docs",
        redoc_url=None,
    )
    app.openapi = lambda: _documented(app, settings)  # type: ignore[method-assign]
    errors.install(app)
    for module in (accounts, pairing, signals, boundaries, phrases, sessions, aftercare,
                   safety, debriefs, solo, summaries, push):
        app.include_router(module.router, prefix="/api/v1", responses=problem_responses())

    metrics = Metrics()
    app.state.metrics = metrics

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        services = app.state.services
        metrics.open_sockets.set(services.hub.connection_count)
        metrics.hub_degraded.set(1 if services.hub.degraded else 0)
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        await app.state.services.db.ping()
        return JSONResponse({"status": "ready"})

    frontend = settings.frontend_dir
    if (frontend / WORKER).is_file():
        worker_script(frontend)  # a sw.js without its slots stops the start, not a phone

        @app.get(f"/{WORKER}", include_in_schema=False)
        def service_worker() -> Response:
            """The service worker, carrying the shell's files and version as they are now."""
            return Response(worker_script(frontend), media_type="text/javascript",
                            headers={"Cache-Control": "no-cache"})

    if frontend.is_dir() and any(frontend.iterdir()):
        app.mount("/", StaticFiles(directory=frontend, html=True), name="frontend")
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes)
    return app
