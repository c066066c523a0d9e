"""The pause signal: each partner's own clear / slow / paused."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from schemas.base import Outbound

SignalState = Literal["clear", "slow", "paused"]
ReceiptStatus = Literal["sent", "delivered", "seen"]
CauseKind = Literal["button", "phrase", "checkin", "silence"]


class SignalCause(Outbound):
    """What set a pause or slow-down, said honestly to both partners: the button, a red
    phrase, a check-in answer, or a check-in left unanswered (silence)."""

    kind: CauseKind
    checkin_id: uuid.UUID | None = Field(default=None, description="for checkin and silence")
    answer: Literal["red", "yellow", "unsure"] | None = Field(
        default=None, description="the check-in answer, for checkin")
    phrase_id: uuid.UUID | None = Field(default=None, description="for phrase")


class MySignal(Outbound):
    """The caller's own current signal and how far the partner's device confirmed it."""

    state: Literal["slow", "paused"]
    seq: int
    set_at: datetime
    receipt: ReceiptStatus
    cause: CauseKind = "button"


class TheirSignal(Outbound):
    """The partner's own standing signal: since when, and the seq to mark as seen."""

    state: Literal["slow", "paused"]
    seq: int
    set_at: datetime
    cause: CauseKind = "button"


class SignalOut(Outbound):
    """The pair's signal: the stronger of the two, and who holds it; then each own one."""

    state: SignalState
    by: list[uuid.UUID]
    mine: MySignal | None = None
    theirs: TheirSignal | None = None
