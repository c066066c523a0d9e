"""The pause signal, REST view; commands go over the live channel."""

from __future__ import annotations

import contextlib

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api.deps import PairMember, Svc
from api.realtime.protocol import LiveContext, serve_socket
from api.services import signals
from schemas.signals import SignalOut

log = structlog.get_logger(__name__)
router = APIRouter(tags=["signals"])


@router.get("/signal")
async def get_signal(member: PairMember, services: Svc) -> SignalOut:
    """The pair's current signal: clear, slow or paused, and who set it."""
    return await signals.get_signal(db=services.db, pair_id=member.pair_id,
                                    account_id=member.account_id)


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    """The live channel; see schemas/README.md for the protocol."""
    services = websocket.app.state.services
    try:
        await serve_socket(websocket, LiveContext(db=services.db, hub=services.hub,
                                                  keyring=services.keyring,
                                                  settings=services.settings,
                                                  metrics=websocket.app.state.metrics))
    except WebSocketDisconnect:
        return  # the client went away: nothing to do
    except Exception as exc:  # log the type only: a traceback may quote stored data
        log.error("socket_failed", error=type(exc).__name__)
        with contextlib.suppress(Exception):
            await websocket.close(1011)
