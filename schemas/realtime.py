"""Frames of the live channel `/api/v1/ws`, discriminated on `type`.

Ordering: pair events reach a socket in `seq` order, except that signal events
(`pause`, `slow`, `resume`) may overtake events still queued for that socket, so that
a pause is never stuck behind a backlog. A client keeps, as its `last_seq`, the
highest seq up to which it has every event, and ignores a seq it already has.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from schemas.base import MAX_SEQ, NUMBER_ONLY, Inbound, Outbound, Seq
from schemas.boundaries import Answer, BoundaryPublic, State, Step
from schemas.signals import SignalCause, SignalOut, SignalState

# -- client to server ------------------------------------------------------------------


class Hello(Inbound):
    """The first frame: who I am and the last seq I have."""

    type: Literal["hello"]
    token: Annotated[str, Field(max_length=128)] | None = None
    last_seq: Annotated[int, Field(ge=0, le=MAX_SEQ), NUMBER_ONLY] = 0


class SignalCommand(Inbound):
    """Stop now / slow down / lift my own signal. `id` makes it idempotent."""

    type: Literal["pause", "slow", "resume"]
    id: uuid.UUID


class ReceiptIn(Inbound):
    """My device has (delivered) or I have acknowledged (seen) a partner's event."""

    type: Literal["receipt"]
    seq: Seq
    status: Literal["delivered", "seen"]


class Ping(Inbound):
    """A heartbeat; the other side answers `pong`. Either side may send it."""

    type: Literal["ping"]


class Pong(Inbound):
    """The answer to `ping`."""

    type: Literal["pong"]


ClientFrame = Annotated[
    Hello | SignalCommand | ReceiptIn | Ping | Pong,
    Field(discriminator="type"),
]
client_frame = TypeAdapter(ClientFrame)
CLIENT_TYPES = frozenset({"hello", "pause", "slow", "resume", "receipt", "ping", "pong"})

# -- server to client ------------------------------------------------------------------


class Welcome(Outbound):
    """The answer to hello; replay of missed events follows, then live events."""

    type: Literal["welcome"]
    pair_id: uuid.UUID
    seq: int = Field(description="the pair's latest seq")
    signal: SignalOut
    me: uuid.UUID
    partner_id: uuid.UUID
    heartbeat_seconds: float
    instance: str | None = Field(default=None, description="which server instance answered")
    token_expires_at: datetime | None = Field(
        default=None, description="when this device's sign-in runs out, to warn ahead")
    resync: bool = Field(
        default=False,
        description="events after last_seq were compacted away: reload state over REST, "
        "then apply the replay that follows",
    )


class Ack(Outbound):
    """The command with this id is stored as the event with this seq."""

    type: Literal["ack"]
    id: uuid.UUID
    seq: int


ErrorCode = Literal["invalid", "unknown_type", "not_allowed", "conflict", "rate_limited",
                    "not_found", "unavailable"]


class Error(Outbound):
    """A refused frame; nothing was changed."""

    type: Literal["error"]
    id: uuid.UUID | None = None
    code: ErrorCode
    detail: str


class ReceiptOut(Outbound):
    """The partner's device has (delivered) or the partner has acknowledged (seen) my event."""

    type: Literal["receipt"]
    seq: int
    status: Literal["delivered", "seen"]
    by: uuid.UUID


class BoundaryAnswered(Outbound):
    """To my own devices only: my answer changed (the partner never gets this)."""

    type: Literal["boundary.answered"]
    id: uuid.UUID
    my_answer: Answer
    version: int


class BoundaryRefresh(Outbound):
    """To both partners' open screens: an activity changed in a way the log does not
    keep (it became agreed, or allows more than before): read it over REST."""

    type: Literal["boundary.refresh"]
    id: uuid.UUID
    version: int


class ReviewSummary(Outbound):
    """To both partners' open screens as a review ends: what moved since the last one."""

    type: Literal["review.summary"]
    changed: list[dict[str, Any]]


class CheckinAnswered(Outbound):
    """To my own devices only: I answered this check-in (the partner is never told)."""

    type: Literal["checkin.answered"]
    session_id: uuid.UUID
    checkin_id: uuid.UUID
    answer: Literal["red", "yellow", "unsure", "green"]


class AftercareUpdated(Outbound):
    """The partner changed their aftercare wishes (read them over REST)."""

    type: Literal["aftercare.updated"]
    user_id: uuid.UUID


class SafetyPlanUpdated(Outbound):
    """A safety plan changed: sent to its owner's devices, and to the partner only when
    what their card shows changed (a part shared, unshared, or a shared part rewritten).
    Read it again over REST; a part no longer shared must leave the screen at once."""

    type: Literal["safety_plan.updated"]
    user_id: uuid.UUID


class BaselineChanged(Outbound):
    """The step the pair would go back to after a setback changed (the gentler of the two
    choices): sent to both, and only when ours moved, never when one choice did alone."""

    type: Literal["baseline.changed"]
    ours: Step


class SummaryAsked(Outbound):
    """To the partner's devices only: the other partner asks to put these shared parts in
    a summary of theirs (never which parts of their own it holds). Read it over REST
    (`GET /pair/summaries`) and answer there; nothing else asks again."""

    type: Literal["summary.asked"]
    id: uuid.UUID
    parts: list[Literal["agreed", "path"]]


class SummaryChanged(Outbound):
    """A summary changed: made or deleted (to its maker's devices, and to the partner's
    when they were asked about it), or the partner answered (to both). Read it over REST;
    a shared part no longer agreed must leave the maker's screen at once."""

    type: Literal["summary.changed"]
    id: uuid.UUID


class SessionExpired(Outbound):
    """This device's sign-in ran out: REST calls now get 401, so ask the person to sign
    in again. The socket stays open and pause, slow and resume still go through."""

    type: Literal["session.expired"]


class PingOut(Outbound):
    """Heartbeat from the server; answer with `pong`."""

    type: Literal["ping"]


class PongOut(Outbound):
    """The answer to a client's `ping`."""

    type: Literal["pong"]


class SignalData(Outbound):
    """What a signal event changed: the actor's own state and the pair's."""

    state: SignalState
    signal: dict[str, Any]
    cause: SignalCause | None = Field(
        default=None, description="what set a pause or slow-down (not on resume)")


class _Envelope(Outbound):
    seq: int
    id: uuid.UUID
    actor: uuid.UUID | None
    at: datetime


class SignalEvent(_Envelope):
    """A partner paused, slowed down, or lifted their own signal."""

    type: Literal["pause", "slow", "resume"]
    data: SignalData


class BoundaryItemData(Outbound):
    """An activity as both see it (no answers), and its state before this event."""

    item: BoundaryPublic
    previous_state: State | None = None


class BoundaryEvent(_Envelope):
    """An activity was added or changed (label, category or combined state)."""

    type: Literal["boundary.added", "boundary.changed"]
    data: BoundaryItemData


class BoundaryRemovedData(Outbound):
    """Which activity went, and its state before."""

    id: uuid.UUID
    previous_state: State


class BoundaryRemoved(_Envelope):
    """An activity was removed from the list."""

    type: Literal["boundary.removed"]
    data: BoundaryRemovedData


class ReviewEvent(_Envelope):
    """A review of the list was planned, started, joined or finished (with its summary)."""

    type: Literal["review.planned", "review.started", "review.joined", "review.finished"]
    data: dict[str, Any]


class PhraseData(Outbound):
    """A phrase as both see it; for `phrase.said`, what it answers and the pause it made."""

    phrase: dict[str, Any] | None = None
    id: uuid.UUID | None = None
    reply_to: int | None = None
    pause_seq: int | None = None


class PhraseEvent(_Envelope):
    """A phrase was proposed, became active, was withdrawn, or was said."""

    type: Literal["phrase.proposed", "phrase.activated", "phrase.withdrawn", "phrase.said"]
    data: PhraseData


class SessionData(Outbound):
    """Where a session stands (more fields on `session.proposed`)."""

    session_id: uuid.UUID
    status: Literal["proposed", "active", "ended", "declined", "cancelled"] | None = None
    started_at: datetime | None = None
    ends_at: datetime | None = None
    end_reason: str | None = None
    extension: dict[str, Any] | None = None
    length_seconds: int | None = None
    checkin_every_seconds: int | None = None
    grace_seconds: int | None = None
    scope: list[uuid.UUID] | None = None
    boundary_id: uuid.UUID | None = None
    state: str | None = None


class SessionEvent(_Envelope):
    """A session was proposed, started, declined, cancelled, extended or ended; an activity
    in scope stopped being agreed (`session.scope_changed`); a partner took an activity
    off the menu (`session.menu_changed`, with the menu that is left in `scope`); or the
    next day came."""

    type: Literal["session.proposed", "session.started", "session.declined",
                  "session.cancelled", "session.ended", "session.extension_asked",
                  "session.extended", "session.extension_declined", "session.scope_changed",
                  "session.menu_changed", "session.next_day"]
    data: SessionData


class CheckinData(Outbound):
    """A check-in prompt (with its round and grace), or a silence."""

    session_id: uuid.UUID
    checkin_id: uuid.UUID
    round: int | None = None
    grace_until: datetime | None = None
    user_id: uuid.UUID | None = None


class CheckinEvent(_Envelope):
    """`checkin.prompt` asks both; `checkin.missed` (silence: now the silent one's pause).
    Answers are not pair events: a red or yellow one is a `pause` or `slow` naming it."""

    type: Literal["checkin.prompt", "checkin.missed"]
    data: CheckinData


class DebriefData(Outbound):
    """Which debrief; for `debrief.status`, whose and how far (never what was written)."""

    debrief_id: uuid.UUID
    session_id: uuid.UUID | None = None
    pause_seq: int | None = None
    user_id: uuid.UUID | None = None
    status: Literal["not_finished", "finished", "skipped"] | None = None


class DebriefEvent(_Envelope):
    """A debrief was opened; a partner finished, skipped or took theirs back; both were
    revealed (`debrief.revealed`: read them over REST now); or it ended with a skip and
    nothing was shared (`debrief.closed`)."""

    type: Literal["debrief.opened", "debrief.status", "debrief.revealed", "debrief.closed"]
    data: DebriefData


class Redacted(_Envelope):
    """An event whose content was removed because it recorded an agreement (written
    before Attune stopped keeping any); there is nothing to do with it."""

    type: Literal["redacted"]
    data: dict[str, Any]


class DiscreetEvent(_Envelope):
    """A neutral name for the pause was suggested, or agreed (or set back to default)."""

    type: Literal["discreet.proposed", "discreet.agreed"]
    data: dict[str, Any]


class SteppedBackData(Outbound):
    """The step the pair went back to, and the activities that became not now for both.
    It does not say who stepped back, and nothing else is paused by it."""

    baseline: Step
    title: str = Field(description="the step's title, to show")
    boundary_ids: list[uuid.UUID]


class SteppedBack(_Envelope):
    """One partner stepped back after a setback (`actor` is always null): everything above
    `baseline` is not now for both, taken off any session's menu, and a review is open."""

    type: Literal["pair.stepped_back"]
    data: SteppedBackData


class PairEnded(_Envelope):
    """The pair ended; the socket closes with 4403 right after."""

    type: Literal["pair.ended"]
    data: dict[str, Any]


PairEvent = Annotated[
    SignalEvent | BoundaryEvent | BoundaryRemoved | ReviewEvent | PhraseEvent | SessionEvent
    | CheckinEvent | DebriefEvent | DiscreetEvent | SteppedBack | Redacted | PairEnded,
    Field(discriminator="type"),
]

ServerFrame = Annotated[
    Welcome | Ack | Error | ReceiptOut | BoundaryAnswered | BoundaryRefresh | ReviewSummary
    | CheckinAnswered | AftercareUpdated | SafetyPlanUpdated | BaselineChanged | SummaryAsked
    | SummaryChanged | SessionExpired
    | PingOut | PongOut | SignalEvent
    | BoundaryEvent | BoundaryRemoved | ReviewEvent | PhraseEvent | SessionEvent
    | CheckinEvent | DebriefEvent | DiscreetEvent | SteppedBack | Redacted | PairEnded,
    Field(discriminator="type"),
]
server_frame: TypeAdapter[Any] = TypeAdapter(ServerFrame)

# Close codes; 1009 (frame too big) comes from the websocket layer itself.
CLOSE_CODES = {
    1012: "the server is restarting: reconnect (to another instance) with last_seq",
    4400: "the first frame was not a hello",
    4401: "missing, wrong, expired or revoked token",
    4403: "not paired, or the pair ended",
    4408: "no hello within the time limit",
    4409: "fell too far behind: reconnect with last_seq to resync",
    4410: "nothing heard within the heartbeat window",
}
