"""The pause signal: each partner's own clear / slow / paused, and its receipts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal, get_args

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import CommandAlias, Event, SignalState, utcnow
from api.realtime.hub import Hub
from api.services import events, pacing
from api.services.work import Member, member_work
from schemas.signals import MySignal, SignalCause, SignalOut, TheirSignal

log = structlog.get_logger(__name__)

SignalCommand = Literal["pause", "slow", "resume"]
SIGNAL_COMMANDS = frozenset(get_args(SignalCommand))
_STATE_OF = {"pause": "paused", "slow": "slow"}
_STRENGTH = {"clear": 0, "slow": 1, "paused": 2}
_BUTTON = SignalCause(kind="button")
_RECEIPT_RANK = {"sent": 0, "delivered": 1, "seen": 2}


@dataclass(frozen=True, slots=True)
class Accepted:
    """The answer to a signal command: the seq that stands for it."""

    seq: int
    new: bool


def combine(states: dict[uuid.UUID, str]) -> tuple[str, list[uuid.UUID]]:
    """The pair's state (the strongest own signal) and who holds it."""
    strongest = max(states.values(), key=_STRENGTH.__getitem__, default="clear")
    if strongest == "clear":
        return "clear", []
    return strongest, sorted(uid for uid, state in states.items() if state == strongest)


async def _own_states(session: AsyncSession, pair_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    rows = await session.execute(
        sa.select(col(SignalState.account_id), col(SignalState.state), col(SignalState.seq),
                  col(SignalState.set_at), col(SignalState.receipt), col(SignalState.cause))
        .where(col(SignalState.pair_id) == pair_id))
    return {row.account_id: row for row in rows}


def _view(states: dict[uuid.UUID, Any], account_id: uuid.UUID) -> SignalOut:
    state, by = combine({uid: row.state for uid, row in states.items()})
    mine = states.get(account_id)
    theirs = next((row for uid, row in states.items() if uid != account_id), None)
    return SignalOut(
        state=state,
        by=by,
        mine=MySignal(state=mine.state, seq=mine.seq, set_at=mine.set_at, receipt=mine.receipt,
                      cause=mine.cause) if mine else None,
        theirs=TheirSignal(state=theirs.state, seq=theirs.seq, set_at=theirs.set_at,
                           cause=theirs.cause) if theirs else None,
    )


async def get_signal(*, db: Database, member: Member) -> SignalOut:
    """The pair's signal as the caller sees it."""
    async with db.read() as session:
        return _view(await _own_states(session, member.pair_id), member.account_id)


Use = tuple[str, int, uuid.UUID | None]  # an earlier use of a command id: type, seq, actor


def _answered(use: Use | None, command: str, actor_id: uuid.UUID) -> int | None:
    """The seq a command id was answered with before, if any."""
    if use is None:
        return None
    type_, seq, actor = use
    # Someone else's id must never earn their ack: that would report a pause as stored
    # that never was.
    if actor != actor_id:
        raise Conflict("That id was already used; send your command with a new id.")
    if type_ != command:
        raise Conflict("That id was already used for a different command.")
    return int(seq)


@dataclass(frozen=True, slots=True)
class _Decision:
    """What a signal command comes to, from both partners' own signals before it:
    answered already (`seq`, nothing to store), already so (`seq`, store an alias of the
    command id), or a new event (`data`)."""

    seq: int | None = None
    alias: bool = False
    data: dict[str, Any] | None = None


def _decide(states: dict[uuid.UUID, tuple[str, int]], used: Use | None, command: str,
            actor_id: uuid.UUID, cause: SignalCause) -> tuple[_Decision, bool]:
    """The rules of a signal command, with no storage; and whether it lifts the last
    pause that stood (a running session's check-ins then start again)."""
    seq = _answered(used, command, actor_id)
    if seq is not None:
        return _Decision(seq=seq), False
    mine = states.get(actor_id)
    if command == "resume" and mine is None:
        raise Forbidden("You have no pause or slow-down of your own to lift.")
    if mine is not None and command != "resume" and mine[0] == _STATE_OF[command]:
        # Already so: acknowledge with the standing event instead of growing the log.
        return _Decision(seq=mine[1], alias=True), False
    own = {uid: state for uid, (state, _) in states.items()}
    if command == "resume":
        own.pop(actor_id, None)
    else:
        own[actor_id] = _STATE_OF[command]
    state, by = combine(own)
    data: dict[str, Any] = {"state": own.get(actor_id, "clear"),
                            "signal": {"state": state, "by": [str(uid) for uid in by]}}
    if command != "resume":
        data["cause"] = cause.model_dump(mode="json", exclude_none=True)
    lifted = mine is not None and mine[0] == "paused" and "paused" not in own.values()
    return _Decision(data=data), lifted


# The signal's statements are built once, with bound parameters: building SQLAlchemy
# statements afresh cost more than running them (py-spy on the idle-pair benchmark).
_P_PAIR, _P_COMMAND, _P_ACTOR = (sa.bindparam(name, type_=sa.Uuid())
                                 for name in ("p_pair", "p_command", "p_actor"))
_USES = sa.union_all(
    sa.select(col(Event.type), col(Event.seq), col(Event.actor_id))
    .where(col(Event.pair_id) == _P_PAIR, col(Event.id) == _P_COMMAND),
    sa.select(col(CommandAlias.type), col(CommandAlias.seq), col(CommandAlias.actor_id))
    .where(col(CommandAlias.pair_id) == _P_PAIR, col(CommandAlias.id) == _P_COMMAND),
)
_uses = _USES.subquery()
_STATES_AND_USE = sa.union_all(
    sa.select(col(SignalState.account_id).label("account_id"),
              col(SignalState.state).label("state"), col(SignalState.seq).label("seq"),
              col(SignalState.set_at).label("set_at"), col(SignalState.receipt).label("receipt"),
              col(SignalState.cause).label("cause"), sa.literal(False).label("used"))
    .where(col(SignalState.pair_id) == _P_PAIR),
    sa.select(_uses.c.actor_id, _uses.c.type, _uses.c.seq, sa.null(), sa.null(), sa.null(),
              sa.literal(True)),
)
_OWN_ROW = (col(SignalState.pair_id) == _P_PAIR, col(SignalState.account_id) == _P_ACTOR)
_DROP_OWN = sa.delete(SignalState).where(*_OWN_ROW)
_SET_OWN = sa.update(SignalState).where(*_OWN_ROW).values(
    state=sa.bindparam("v_state"), seq=sa.bindparam("v_seq"), set_at=sa.bindparam("v_at"),
    receipt="sent", cause=sa.bindparam("v_cause"))
_ADD_OWN = sa.insert(SignalState).values(
    pair_id=_P_PAIR, account_id=_P_ACTOR, state=sa.bindparam("v_state"),
    seq=sa.bindparam("v_seq"), set_at=sa.bindparam("v_at"), receipt="sent",
    cause=sa.bindparam("v_cause"))


async def _already_answered(session: AsyncSession, pair_id: uuid.UUID, command_id: uuid.UUID,
                            command: str, actor_id: uuid.UUID) -> int | None:
    """The seq a command id was answered with before, if the same person sent it."""
    found = (await session.execute(_USES, {"p_pair": pair_id, "p_command": command_id})
             ).first()
    return _answered(found and (found.type, found.seq, found.actor_id), command, actor_id)


async def _states_and_use(session: AsyncSession, pair_id: uuid.UUID, command_id: uuid.UUID,
                          ) -> tuple[dict[uuid.UUID, Any], Use | None]:
    """Both partners' own signals, and the earlier use of the command id if any: one
    statement for what a signal needs to read."""
    # Straight on the connection: the ORM session's execute costs several times more
    # Python than these plain statements need.
    conn = await session.connection()
    rows = (await conn.execute(_STATES_AND_USE,
                               {"p_pair": pair_id, "p_command": command_id})).all()
    used = next(((row.state, row.seq, row.account_id) for row in rows if row.used), None)
    return {row.account_id: row for row in rows if not row.used}, used


async def send_signal(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                      command_id: uuid.UUID, command: SignalCommand) -> Accepted:
    """Sets or lifts the member's own signal; idempotent on the command id."""
    try:
        accepted = await _send_on_driver(db, hub, keyring, member, command_id, command)
        if accepted is None:
            async with member_work(db, hub, keyring, member, lock=False) as work:
                accepted, frame = await store_signal(
                    work.session, keyring=keyring, pair_id=member.pair_id,
                    actor_id=member.account_id, command_id=command_id, command=command)
                if frame is not None:
                    work.announce(frame)
    except IntegrityError:
        # The same id raced in through another socket or instance: answer as it was.
        async with db.read() as session:
            seq = await _already_answered(session, member.pair_id, command_id, command,
                                          member.account_id)
        if seq is None:
            raise
        return Accepted(seq=seq, new=False)
    if accepted.new:
        log.info("signal", pair_id=str(member.pair_id), type=command, seq=accepted.seq)
    return accepted


# The signal's statements on the driver's connection (`Database.raw_write`): the same
# rows the ORM's unit (`store_signal`) writes.
_LOCK_PAIR = "SELECT 1 FROM pair WHERE id = :pair FOR UPDATE"
_STATES_AND_USE_SQL = (
    "SELECT account_id, state, seq, 0 FROM signal_state WHERE pair_id = :pair "
    "UNION ALL SELECT actor_id, type, seq, 1 FROM event WHERE pair_id = :pair AND id = :cmd "
    "UNION ALL SELECT actor_id, type, seq, 1 FROM command_alias "
    "WHERE pair_id = :pair AND id = :cmd")
_NEXT_SEQ_SQL = "UPDATE pair SET last_seq = last_seq + 1 WHERE id = :pair RETURNING last_seq"
_ADD_EVENT_SQL = ("INSERT INTO event (pair_id, seq, id, type, actor_id, at, body) "
                  "VALUES (:pair, :seq, :cmd, :type, :actor, :at, :body)")
_ADD_ALIAS_SQL = ("INSERT INTO command_alias (pair_id, id, type, seq, actor_id) "
                  "VALUES (:pair, :cmd, :type, :seq, :actor)")
_DROP_OWN_SQL = "DELETE FROM signal_state WHERE pair_id = :pair AND account_id = :actor"
_SET_OWN_SQL = ("UPDATE signal_state SET state = :state, seq = :seq, set_at = :at, "
                "receipt = 'sent', cause = :cause WHERE pair_id = :pair AND account_id = :actor")
_ADD_OWN_SQL = ("INSERT INTO signal_state (pair_id, account_id, state, seq, set_at, receipt, "
                "cause) VALUES (:pair, :actor, :state, :seq, :at, 'sent', :cause)")
_SESSION_RUNNING_SQL = ("SELECT 1 FROM practice_session WHERE pair_id = :pair "
                        "AND status = 'active' LIMIT 1")


class _UseTheOrm(Exception):
    """Rolls a driver-level unit back: the command lifts the last pause during a running
    session, and the ORM's unit (which reschedules its check-ins) does it all."""


async def _send_on_driver(db: Database, hub: Hub, keyring: Keyring, member: Member,
                          command_id: uuid.UUID, command: SignalCommand) -> Accepted | None:
    """`store_signal` on the driver's own connection, then announced. None when the
    signal lifts the last pause during a running session: nothing was stored here, and
    `store_signal` is to do it."""
    try:
        async with db.raw_write() as lane:
            pair = lane.store_uuid(member.pair_id)
            if lane.locks_rows and not await lane.rows(_LOCK_PAIR, {"pair": pair}):
                raise NotFound("You are not paired with anyone right now.")
            actor, cmd = lane.store_uuid(member.account_id), lane.store_uuid(command_id)
            rows = await lane.rows(_STATES_AND_USE_SQL, {"pair": pair, "cmd": cmd})
            used = next(((row[1], row[2], lane.read_uuid(row[0]) if row[0] else None)
                         for row in rows if row[3]), None)
            states = {lane.read_uuid(row[0]): (row[1], row[2]) for row in rows if not row[3]}
            decision, lifted = _decide(states, used, command, member.account_id, _BUTTON)
            if decision.seq is not None:
                if decision.alias:
                    await lane.run(_ADD_ALIAS_SQL, {"pair": pair, "cmd": cmd, "type": command,
                                                    "seq": decision.seq, "actor": actor})
                return Accepted(seq=decision.seq, new=False)
            if lifted and await lane.rows(_SESSION_RUNNING_SQL, {"pair": pair}):
                raise _UseTheOrm
            next_seq = await lane.rows(_NEXT_SEQ_SQL, {"pair": pair})
            if not next_seq:
                raise NotFound("You are not paired with anyone right now.")
            seq = next_seq[0][0]
            at, text = utcnow(), json.dumps(decision.data, separators=(",", ":"))
            await lane.run(_ADD_EVENT_SQL, {
                "pair": pair, "seq": seq, "cmd": cmd, "type": command, "actor": actor,
                "at": lane.store_time(at),
                "body": keyring.encrypt(text, aad=events.aad(member.pair_id, seq))})
            whose = {"pair": pair, "actor": actor}
            if command == "resume":
                await lane.run(_DROP_OWN_SQL, whose)
            else:
                await lane.run(_SET_OWN_SQL if member.account_id in states else _ADD_OWN_SQL, {
                    **whose, "state": _STATE_OF[command], "seq": seq, "at": lane.store_time(at),
                    "cause": "button"})
    except _UseTheOrm:
        return None
    try:
        hub.publish_event(member.pair_id, {
            "type": command, "seq": seq, "id": str(command_id), "actor": str(member.account_id),
            "at": at.isoformat(), "data": json.loads(text)})
    except Exception as exc:  # stored already: the sweep brings it to every socket
        log.error("publish_failed", pair_id=str(member.pair_id), error=type(exc).__name__)
    return Accepted(seq=seq, new=True)


async def store_signal(session: AsyncSession, *, keyring: Keyring, pair_id: uuid.UUID,
                       actor_id: uuid.UUID, command_id: uuid.UUID, command: SignalCommand,
                       cause: SignalCause | None = None,
                       ) -> tuple[Accepted, dict[str, Any] | None]:
    """Records a signal inside the caller's unit of work, the pair already locked.

    `cause` says honestly what set it (the button when not given): both partners'
    screens name it. Returns the frame to publish once committed, or None when nothing
    new was stored (the id was seen before, or the actor's signal already is what was
    asked).
    """
    cause = cause or _BUTTON
    states, used = await _states_and_use(session, pair_id, command_id)
    decision, lifted = _decide({uid: (row.state, row.seq) for uid, row in states.items()},
                               used, command, actor_id, cause)
    if decision.seq is not None:
        if decision.alias:
            await session.execute(sa.insert(CommandAlias).values(
                pair_id=pair_id, id=command_id, type=command, seq=decision.seq,
                actor_id=actor_id))
        return Accepted(seq=decision.seq, new=False), None
    assert decision.data is not None
    appended = await events.append(
        session, keyring=keyring, pair_id=pair_id, type=command, actor_id=actor_id,
        event_id=command_id, data=decision.data)
    event = appended.event
    whose = {"p_pair": pair_id, "p_actor": actor_id}
    conn = await session.connection()
    if command == "resume":
        await conn.execute(_DROP_OWN, whose)
    else:
        await conn.execute(_SET_OWN if actor_id in states else _ADD_OWN, {
            **whose, "v_state": _STATE_OF[command], "v_seq": event.seq, "v_at": event.at,
            "v_cause": cause.kind})
    if lifted:
        await pacing.checkins_after_lift(session, pair_id, event.at)
    return Accepted(seq=event.seq, new=True), appended.frame


async def record_receipt(*, db: Database, hub: Hub, pair_id: uuid.UUID, account_id: uuid.UUID,
                         seq: int, status: Literal["delivered", "seen"]) -> None:
    """Relays a receipt for a stop signal (pause, slow) to the one who sent it, and keeps
    it while that signal stands. Receipts for anything else are taken and go nowhere:
    nobody is told that their partner has read or opened something (rule 7)."""
    async with db.read() as session:
        event = await session.get(Event, (pair_id, seq))
    if event is None:
        raise Invalid("seq", "there is no event with that seq")
    if event.actor_id == account_id or event.actor_id is None:
        raise Invalid("seq", "receipts are for your partner's events")
    if event.type not in _STATE_OF:
        return
    lower = [name for name, rank in _RECEIPT_RANK.items() if rank < _RECEIPT_RANK[status]]
    async with db.write() as session:
        await session.execute(
            sa.update(SignalState)
            .where(col(SignalState.pair_id) == pair_id,
                   col(SignalState.account_id) == event.actor_id,
                   col(SignalState.seq) == seq, col(SignalState.receipt).in_(lower))
            .values(receipt=status)
        )
    hub.send_to_user(event.actor_id, {"type": "receipt", "seq": seq, "status": status,
                                            "by": str(account_id)})
