"""Accounts and device sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field, WithJsonSchema

from schemas.base import DisplayName, Inbound, Outbound

USERNAME_PATTERN = r"^[a-z0-9_.-]{3,32}$"


def _casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


# The document states the input form (any case); the pattern is checked after folding.
Username = Annotated[
    str,
    BeforeValidator(_casefold),
    Field(pattern=USERNAME_PATTERN),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z0-9_.-]{3,32}$",
                    "description": "3-32 of a-z 0-9 _ . - (case-insensitive)"}),
]
Password = Annotated[str, Field(min_length=10, max_length=256)]


class RegisterIn(Inbound):
    """Create an account."""

    username: Username
    password: Password
    display_name: DisplayName | None = None


class LoginIn(Inbound):
    """Sign in on this device."""

    username: Annotated[str, BeforeValidator(_casefold), Field(min_length=1, max_length=64),
                        WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64})]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class DeleteMeIn(Inbound):
    """Confirm deleting the account with its password."""

    password: Annotated[str, Field(min_length=1, max_length=256)]


class PasswordChangeIn(Inbound):
    """A new password; every other device is signed out."""

    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


class AccountOut(Outbound):
    """A new account."""

    id: uuid.UUID
    username: str
    display_name: str


class TokenOut(Outbound):
    """A bearer token for this device, shown once."""

    token: str
    expires_at: datetime


class MeOut(Outbound):
    """Who is signed in."""

    id: uuid.UUID
    username: str
    display_name: str
    pair_id: uuid.UUID | None


class DeviceOut(Outbound):
    """One signed-in device."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class ExportOut(Outbound):
    """Everything this person owns, as JSON."""

    format: str = "attune-export/1"
    exported_at: datetime
    account: AccountOut
    created_at: datetime
    devices: list[DeviceOut]
    pair: dict[str, object] | None
    signals: list[dict[str, object]]
    boundary_answers: list[dict[str, object]]
    aftercare: dict[str, object]
    safety_plan: dict[str, object] | None = Field(
        default=None, description="my own safety plan and which parts I share")
    journal: list[dict[str, object]]
    debriefs: list[dict[str, object]]
    reflections: list[dict[str, object]] = Field(
        default_factory=list, description="my own debrief words kept from a pair that ended")
    next_day_notes: list[dict[str, object]] = Field(default_factory=list)
    checkin_answers: list[dict[str, object]] = Field(
        default_factory=list, description="my own answers to check-ins, without times")
    solo_answers: list[dict[str, object]] = Field(
        default_factory=list, description="my own answers to the list, kept for myself")
    summaries: list[dict[str, object]] = Field(
        default_factory=list, description="the summaries I made: their parts, not content")
