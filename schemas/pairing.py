"""Pairing two accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from schemas.base import Inbound, Outbound, one_line, plain_text


class InviteOut(Outbound):
    """A short-lived code to read aloud to the partner."""

    code: str = Field(description='8 symbols, e.g. "7KQ2-M9XD"')
    expires_at: datetime


class JoinIn(Inbound):
    """Join the partner's invite."""

    code: Annotated[str, Field(min_length=1, max_length=32)]


class PartnerOut(Outbound):
    """The partner as the other person sees them."""

    id: uuid.UUID
    display_name: str


class JoinOut(Outbound):
    """The new pair."""

    pair_id: uuid.UUID
    partner: PartnerOut


class PairOut(Outbound):
    """The current pair."""

    pair_id: uuid.UUID
    partner: PartnerOut
    created_at: datetime


class DiscreetIn(Inbound):
    """A neutral name for the pause in discreet mode (it is still the pause)."""

    label: Annotated[str, one_line(24), AfterValidator(plain_text)]


class DiscreetOut(Outbound):
    """The pause's name in discreet mode, and a suggestion waiting, if any."""

    label: str = Field(description='the agreed name, or "Hold on" until you agree on one')
    agreed: bool
    proposed: str | None
    proposed_by_me: bool | None
