"""Consent phrases: short scripts for before, during and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from schemas.base import Flag, Inbound, Outbound, Seq, one_line, plain_text

Moment = Literal["before", "during", "after"]
Kind = Literal["question", "answer", "request"]
Tone = Literal["green", "yellow", "red"]
PhraseStatus = Literal["proposed", "active", "withdrawn"]
PhraseText = Annotated[str, one_line(140), AfterValidator(plain_text)]


class PhraseIn(Inbound):
    """Propose a phrase; it becomes active when your partner agrees."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["tone"], "properties": {"kind": {"const": "answer"},
                                              "tone": {"type": "string"}}},
        {"properties": {"kind": {"enum": ["question", "request"]}, "tone": {"type": "null"}}}]})
    text: PhraseText
    moment: Moment
    kind: Kind
    tone: Tone | None = Field(default=None, description="answers only: green, yellow or red")

    @model_validator(mode="after")
    def _tone_for_answers(self) -> PhraseIn:
        if (self.kind == "answer") != (self.tone is not None):
            raise ValueError("an answer has a tone (green, yellow or red); others have none")
        return self


class PhraseOut(Outbound):
    """A phrase of the pair's deck."""

    id: uuid.UUID
    text: str
    moment: Moment
    kind: Kind
    tone: Tone | None
    status: PhraseStatus
    proposed_by: uuid.UUID | None
    awaiting_me: bool = Field(description="proposed by my partner, waiting for my yes")
    catalogue_key: str | None
    created_at: datetime
    version: int


class PhraseList(Outbound):
    """The deck."""

    items: list[PhraseOut]


class StarterPhrase(Outbound):
    """A phrase of the starter deck; `added` when the pair has it."""

    key: str
    text: str
    moment: Moment
    kind: Kind
    tone: Tone | None
    added: bool


class StarterDeck(Outbound):
    """The starter deck, offered, never forced."""

    items: list[StarterPhrase]


class StarterTake(Inbound):
    """Propose some (`keys`) or all of the starter deck."""

    keys: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list,
                                                              max_length=100)
    all: Flag = False


class SayIn(Inbound):
    """Say an active phrase to the partner now; `id` makes it idempotent."""

    id: uuid.UUID
    reply_to: Seq | None = Field(default=None, description="the seq of what I answer")


class SaidOut(Outbound):
    """Where the phrase stands in the pair's log, and the pause a red answer made."""

    seq: int
    pause_seq: int | None
