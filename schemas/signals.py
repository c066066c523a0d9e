"""The pause signal: each partner's own clear / slow / paused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from schemas.base import Outbound

SignalState = Literal["clear", "slow", "paused"]
ReceiptStatus = Literal["sent", "delivered", "seen"]


class MySignal(Outbound):
    """The caller's own current signal and how far the partner's device confirmed it."""

    state: Literal["slow", "paused"]
    seq: int
    set_at: datetime
    receipt: ReceiptStatus


class TheirSignal(Outbound):
    """The partner's own standing signal: since when, and the seq to mark as seen."""

    state: Literal["slow", "paused"]
    seq: int
    set_at: datetime


class SignalOut(Outbound):
    """The pair's signal: the stronger of the two, and who holds it; then each own one."""

    state: SignalState
    by: list[uuid.UUID]
    mine: MySignal | None = None
    theirs: TheirSignal | None = None
