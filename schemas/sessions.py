"""Paced sessions together: length, check-ins, scope, aftercare, the next day."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from schemas.aftercare import AftercareOut
from schemas.base import NUMBER_ONLY, Inbound, Outbound, paragraphs, several_lines
from schemas.boundaries import State

SessionStatus = Literal["proposed", "active", "ended", "declined", "cancelled"]
CheckinAnswer = Literal["red", "yellow", "unsure", "green"]


class SessionIn(Inbound):
    """Propose a session; it starts only when your partner accepts."""

    length_seconds: Annotated[int, Field(ge=1, le=8 * 3600), NUMBER_ONLY]
    checkin_every_seconds: Annotated[int, Field(ge=1, le=3600), NUMBER_ONLY] | None = None
    grace_seconds: Annotated[int, Field(ge=1, le=600), NUMBER_ONLY] | None = Field(
        default=60,
        description="an unanswered check-in becomes a pause after this; null turns it off")
    scope: list[uuid.UUID] = Field(default_factory=list, max_length=100,
                                   description="agreed activities in scope")
    timezone: str | None = Field(
        default=None, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$",
        description="my IANA time zone (e.g. Europe/Berlin): if my partner says not now, "
        "I can propose again tomorrow, counted where I live")


class ExtendIn(Inbound):
    """Ask for more time; it counts only when your partner agrees."""

    seconds: Annotated[int, Field(ge=60, le=4 * 3600), NUMBER_ONLY]


class CheckinAnswerIn(Inbound):
    """Red: a pause. Yellow: a slow-down. Not sure: a slow-down too. Green: all good.
    A check-in is answered once; only the live (latest) one can be answered."""

    answer: CheckinAnswer


class ScopeItem(Outbound):
    """An activity in scope, with its combined state now."""

    id: uuid.UUID
    label: str
    state: State | Literal["removed"]


class CheckinOut(Outbound):
    """The latest check-in and my own answer to it (never my partner's); silence is
    never consent."""

    id: uuid.UUID
    round: int
    prompted_at: datetime
    grace_until: datetime | None
    my_answer: Literal["red", "yellow", "unsure", "green", "silent"] | None


class SessionOut(Outbound):
    """A session as both partners see it."""

    id: uuid.UUID
    status: SessionStatus
    proposed_by: uuid.UUID
    length_seconds: int
    checkin_every_seconds: int | None
    grace_seconds: int | None
    scope: list[ScopeItem]
    created_at: datetime
    started_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    elapsed_seconds: float | None
    remaining_seconds: float | None
    extension: dict[str, Any] | None
    checkin: CheckinOut | None
    aftercare: list[AftercareOut]


class CurrentSession(Outbound):
    """The pair's proposed or running session, if any."""

    session: SessionOut | None


class SessionList(Outbound):
    """Past and present sessions, newest first."""

    items: list[SessionOut]


class Timeline(Outbound):
    """A session's events, in order, for the debrief."""

    items: list[dict[str, Any]]


NoteText = Annotated[str, several_lines(2000), AfterValidator(paragraphs)]


class NextDayIn(Inbound):
    """How I feel about it the next day; private to me."""

    feeling: Annotated[int, Field(ge=1, le=5), NUMBER_ONLY]
    words: NoteText | None = None


class NextDayOut(Outbound):
    """My private next-day note."""

    session_id: uuid.UUID
    feeling: int
    words: str | None
    at: datetime
