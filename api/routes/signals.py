"""The pause signal, REST view; commands go over the live channel."""

from __future__ import annotations

import contextlib

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api.deps import Db, PairMember
from api.realtime.protocol import LiveContext, serve_socket
from api.services import signals
from schemas.signals import SignalOut

log = structlog.get_logger(__name__)
router = APIRouter(tags=["signals"])


@router.get("/signal")
async def get_signal(member: PairMember, db: Db) -> SignalOut:
    """The pair's current signal: clear, slow or paused, and who set it."""
    return await signals.get_signal(db=db, member=member)


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    """The live channel; see schemas/README.md for the protocol."""
    context: LiveContext = websocket.app.state.live
    try:
        await serve_socket(websocket, context)
    except WebSocketDisconnect:
        return  # the client went away: nothing to do
    except Exception as exc:  # log the type only: a traceback may quote stored data
        log.error("socket_failed", error=type(exc).__name__)
        with contextlib.suppress(Exception):
            await websocket.close(1011)
