"""Database tables. Only table models live here; wire shapes live in `schemas`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite too."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def _ts(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class Account(SQLModel, table=True):
    """A person. The username is stored case-folded."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=32, unique=True)
    display_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed
    password_hash: str = Field(max_length=255)
    created_at: datetime = _ts(default_factory=utcnow)


class DeviceSession(SQLModel, table=True):
    """One login on one device; only the SHA-256 of its token is kept."""

    __tablename__ = "device_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    token_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary(32), unique=True, nullable=False))
    created_at: datetime = _ts(default_factory=utcnow)
    last_used_at: datetime = _ts(default_factory=utcnow)
    expires_at: datetime = _ts()


class Invite(SQLModel, table=True):
    """A person's one live pairing code, stored hashed."""

    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    code_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary(32), unique=True, nullable=False))
    expires_at: datetime = _ts()


class Pair(SQLModel, table=True):
    """Two partners; `last_seq` is the seq of the pair's newest event."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = _ts(default_factory=utcnow)
    last_seq: int = 0
    review_every_days: int | None = None
    last_review_at: datetime | None = _ts(default=None, nullable=True)
    review_started_at: datetime | None = _ts(default=None, nullable=True)
    # The pause's neutral name in discreet mode, agreed by both; and one suggested.
    discreet_label: str | None = Field(default=None, sa_column=sa.Column(sa.Text))  # sealed
    discreet_proposed: str | None = Field(default=None, sa_column=sa.Column(sa.Text))  # sealed
    discreet_proposed_by: uuid.UUID | None = None


class Membership(SQLModel, table=True):
    """A person's place in a pair: the unique account id keeps them in at most one."""

    __tablename__ = "pair_member"

    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    pair_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("pair.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    joined_at: datetime = _ts(default_factory=utcnow)
    # The step on the gradual path this person would go back to after a setback; the
    # pair goes back to the gentler of the two choices. Never shown to the partner.
    baseline: str = Field(default="closeness", sa_column=sa.Column(
        sa.String(24), nullable=False, server_default="closeness"))


class Event(SQLModel, table=True):
    """The pair's durable, gap-free event log; the source of truth for the live channel."""

    pair_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("pair.id", ondelete="CASCADE"), primary_key=True)
    )
    seq: int = Field(primary_key=True)
    id: uuid.UUID = Field(index=False)
    type: str = Field(max_length=40)
    actor_id: uuid.UUID | None = None
    at: datetime = _ts(default_factory=utcnow)
    # The event's data as JSON, sealed with the keyring (it may hold labels and phrases).
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))

    __table_args__ = (sa.UniqueConstraint("pair_id", "id", name="uq_event_pair_id_id"),)


class CommandAlias(SQLModel, table=True):
    """A command id answered by an existing event (a pause repeated while already paused)."""

    __tablename__ = "command_alias"

    pair_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("pair.id", ondelete="CASCADE"), primary_key=True)
    )
    id: uuid.UUID = Field(primary_key=True)
    type: str = Field(max_length=40)
    seq: int
    # Whose command it was: the same id from anyone else is refused, never acked.
    actor_id: uuid.UUID | None = None


class SignalState(SQLModel, table=True):
    """One partner's own signal and how far the partner's device has confirmed it."""

    __tablename__ = "signal_state"

    pair_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("pair.id", ondelete="CASCADE"), primary_key=True)
    )
    account_id: uuid.UUID = Field(primary_key=True)
    state: str = Field(max_length=10)
    seq: int
    set_at: datetime = _ts(default_factory=utcnow)
    receipt: str = Field(default="sent", max_length=10)
    # What set it: button / phrase / checkin / silence; both partners are told honestly.
    cause: str = Field(default="button", max_length=10)


def _pair_fk(**column: Any) -> Any:
    return Field(sa_column=sa.Column(sa.Uuid, sa.ForeignKey("pair.id", ondelete="CASCADE"),
                                     nullable=False, **column))


class Boundary(SQLModel, table=True):
    """An activity on the pair's list; `state` is the combined answer of both."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk(index=True)
    label: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed
    label_digest: str = Field(max_length=64)  # keyed digest of the folded label
    category: str = Field(max_length=24)
    catalogue_key: str | None = Field(default=None, max_length=40)
    created_by: uuid.UUID | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    version: int = 1
    state: str = Field(default="open", max_length=8)
    # When a limit on it last became stricter; never when anyone agreed (rule 7).
    limited_at: datetime | None = _ts(default=None, nullable=True)
    # Its state when the two last looked at the list together, to show what moved since.
    reviewed_state: str | None = Field(default=None, max_length=8)
    # Made not now for both by a step back, until neither answer is no: meanwhile no one
    # moves it back up while a session is proposed or running.
    stepped_back: bool = Field(default=False, sa_column=sa.Column(
        sa.Boolean, nullable=False, server_default=sa.false()))

    __table_args__ = (
        sa.UniqueConstraint("pair_id", "label_digest", name="uq_boundary_pair_label"),
    )


class BoundaryAnswer(SQLModel, table=True):
    """One partner's own answer to one activity; never shown to the other."""

    __tablename__ = "boundary_answer"

    boundary_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("boundary.id", ondelete="CASCADE"), primary_key=True
        )
    )
    account_id: uuid.UUID = Field(primary_key=True)
    answer: str = Field(max_length=5)


class BoundaryHistory(SQLModel, table=True):
    """When an activity was added and each time its limits became stricter, without who
    moved it; never a move toward yes (rule 7: no dated trail of agreeing)."""

    __tablename__ = "boundary_history"

    id: int | None = Field(default=None, primary_key=True)
    boundary_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("boundary.id", ondelete="CASCADE"), index=True,
            nullable=False,
        )
    )
    state: str = Field(max_length=8)
    at: datetime = _ts(default_factory=utcnow)


class Phrase(SQLModel, table=True):
    """A consent phrase; active only once the partner who did not propose it agrees."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk(index=True)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed
    text_digest: str = Field(max_length=64)
    moment: str = Field(max_length=8)  # before / during / after
    kind: str = Field(max_length=10)  # question / answer / request
    tone: str | None = Field(default=None, max_length=6)  # green / yellow / red
    status: str = Field(default="proposed", max_length=10)  # proposed / active / withdrawn
    proposed_by: uuid.UUID | None = None
    catalogue_key: str | None = Field(default=None, max_length=40)
    created_at: datetime = _ts(default_factory=utcnow)
    version: int = 1


class CoolingOffHold(SQLModel, table=True):
    """Someone said no to a topic: until `until`, only they can raise it again."""

    __tablename__ = "cooling_off"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk(index=True)
    topic: str = Field(max_length=80)  # item:<digest> / phrase:<digest> / session / ...
    held_by: uuid.UUID
    until: datetime = _ts()


class Aftercare(SQLModel, table=True):
    """A person's own aftercare wishes and what helps if they freeze; shared with the partner."""

    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    wishes: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed JSON
    updated_at: datetime = _ts(default_factory=utcnow)


class SafetyPlan(SQLModel, table=True):
    """A person's own safety plan (sealed JSON) and which parts their partner may see.

    It belongs to the person, not the pair: it stays with them when a pair ends (and
    everything shared from it is unshared then)."""

    __tablename__ = "safety_plan"

    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed JSON
    # The parts shared with the partner, space-separated names ("" when none).
    shared: str = Field(default="", max_length=60)
    version: int = 1
    updated_at: datetime = _ts(default_factory=utcnow)


class PracticeSession(SQLModel, table=True):
    """A paced time together: proposed by one, started only when the other accepts."""

    __tablename__ = "practice_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk(index=True)
    proposed_by: uuid.UUID
    status: str = Field(default="proposed", max_length=10)
    length_seconds: int
    checkin_every_seconds: int | None = None
    grace_seconds: int | None = None
    scope: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))
    created_at: datetime = _ts(default_factory=utcnow)
    started_at: datetime | None = _ts(default=None, nullable=True)
    ends_at: datetime | None = _ts(default=None, nullable=True)
    ended_at: datetime | None = _ts(default=None, nullable=True)
    ended_by: uuid.UUID | None = None
    end_reason: str | None = Field(default=None, max_length=12)
    start_seq: int | None = None
    end_seq: int | None = None
    extension_by: uuid.UUID | None = None
    extension_seconds: int | None = None
    # The check-in job carrying this token is the live one; a pause lifted starts a new
    # token, so an older job finds itself superseded and does nothing.
    checkin_token: uuid.UUID | None = None
    # The proposer's time zone (IANA), for "not again today" after a decline.
    timezone: str | None = Field(default=None, max_length=64)


class Checkin(SQLModel, table=True):
    """One check-in prompt of a session; silence past its grace becomes a pause."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    session_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("practice_session.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    round: int
    prompted_at: datetime = _ts(default_factory=utcnow)
    grace_until: datetime | None = _ts(default=None, nullable=True)


class CheckinAnswer(SQLModel, table=True):
    """A partner's answer, or `silent` when the grace ran out; no time is kept, and a
    green one is forgotten when the session ends (rule 7)."""

    __tablename__ = "checkin_answer"

    checkin_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("checkin.id", ondelete="CASCADE"),
                            primary_key=True)
    )
    account_id: uuid.UUID = Field(primary_key=True)
    answer: str = Field(max_length=6)


class ScheduledJob(SQLModel, table=True):
    """Work due at a time (a check-in, its grace, a session's end, the next-day note).

    Due jobs are claimed with FOR UPDATE SKIP LOCKED and done in the same transaction
    as their effect, so each fires exactly once whatever the number of instances, and
    a job outlives the restart of the instance that scheduled it.
    """

    __tablename__ = "scheduled_job"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk()
    session_id: uuid.UUID | None = None
    kind: str = Field(max_length=16)
    ref: uuid.UUID | None = None
    due_at: datetime = _ts()
    done_at: datetime | None = _ts(default=None, nullable=True)

    __table_args__ = (sa.Index("ix_scheduled_job_due", "done_at", "due_at"),)


class NextDayNote(SQLModel, table=True):
    """A person's private answer to the next day's gentle check-in."""

    __tablename__ = "next_day_note"

    # Owned by the person, not the pair: it stays theirs if the pair ends.
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
        )
    )
    session_id: uuid.UUID = Field(primary_key=True)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed JSON
    at: datetime = _ts(default_factory=utcnow)


class DebriefRound(SQLModel, table=True):
    """One debrief, of a session or of a pause; revealed to both at once, or never."""

    __tablename__ = "debrief_round"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    pair_id: uuid.UUID = _pair_fk(index=True)
    session_id: uuid.UUID | None = None
    pause_seq: int | None = None
    created_at: datetime = _ts(default_factory=utcnow)
    revealed_at: datetime | None = _ts(default=None, nullable=True)
    # Ended with a skip: the round is over and nothing was shown to anyone.
    closed_at: datetime | None = _ts(default=None, nullable=True)

    __table_args__ = (
        sa.UniqueConstraint("pair_id", "session_id", name="uq_debrief_session"),
        sa.UniqueConstraint("pair_id", "pause_seq", name="uq_debrief_pause"),
    )


class DebriefEntry(SQLModel, table=True):
    """One partner's reflection: a private draft until both have decided."""

    __tablename__ = "debrief_entry"

    round_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("debrief_round.id", ondelete="CASCADE"),
                            primary_key=True)
    )
    account_id: uuid.UUID = Field(primary_key=True)
    status: str = Field(default="draft", max_length=10)  # draft / submitted / skipped
    body: str | None = Field(default=None, sa_column=sa.Column(sa.Text))  # sealed JSON
    updated_at: datetime = _ts(default_factory=utcnow)


class Reflection(SQLModel, table=True):
    """A person's own debrief words, kept when their pair ended: theirs, never the other's."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    about: str = Field(max_length=8)  # session / pause
    status: str = Field(max_length=10)  # draft / submitted / skipped, as it stood
    written_at: datetime = _ts()
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed JSON


class JournalEntry(SQLModel, table=True):
    """A person's own notes, never shared with anyone."""

    __tablename__ = "journal_entry"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class PushSubscription(SQLModel, table=True):
    """A device's Web Push subscription; the partner's pause reaches it when locked."""

    __tablename__ = "push_subscription"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    # Signing out of the device (or being signed out) ends its pushes too.
    device_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("device_session.id", ondelete="CASCADE"),
                            nullable=False)
    )
    endpoint: str = Field(sa_column=sa.Column(sa.Text, nullable=False, unique=True))
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
    created_at: datetime = _ts(default_factory=utcnow)


class KeyringCheck(SQLModel, table=True):
    """One row: a value sealed with the keyring, so that a start with another keyring is
    refused at once instead of failing on every sealed value it reads."""

    __tablename__ = "keyring_check"

    id: int = Field(default=1, sa_column=sa.Column(sa.Integer, primary_key=True,
                                                   autoincrement=False))
    sealed: str = Field(sa_column=sa.Column(sa.Text, nullable=False))


class SoloAnswer(SQLModel, table=True):
    """A person's own answer to an activity, kept for themselves alone (before a pair, or
    beside one). It is never the pair's: it reaches the pair's list only when its owner
    brings it in, item by item, as their own answer there. No time is kept (rule 7)."""

    __tablename__ = "solo_answer"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    catalogue_key: str | None = Field(default=None, max_length=40)
    label: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # sealed
    label_digest: str = Field(max_length=64)  # keyed digest of the folded label
    category: str = Field(max_length=24)
    answer: str = Field(max_length=5)

    __table_args__ = (
        sa.UniqueConstraint("account_id", "label_digest", name="uq_solo_answer_label"),
    )


class Summary(SQLModel, table=True):
    """A summary a person makes to share with someone who supports them: which parts it
    holds. Its content is read when it is shown, never stored. The pair's parts show
    only while the partner's yes to this summary stands; no time of that yes is kept."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("account.id", ondelete="CASCADE"),
                            index=True, nullable=False)
    )
    # The parts chosen, space-separated names.
    parts: str = Field(max_length=80)
    # The pair asked about the pair's parts; it goes (and the partner's yes with it) when
    # the pair ends.
    pair_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(
        sa.Uuid, sa.ForeignKey("pair.id", ondelete="SET NULL"), index=True, nullable=True))
    # The partner's answer about the pair's parts: asked / agreed / declined (null: not asked).
    partner_answer: str | None = Field(default=None, max_length=8)
    created_at: datetime = _ts(default_factory=utcnow)
