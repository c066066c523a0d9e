"""The joint debrief, revealed to both at once; and the private journal."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from schemas.base import NUMBER_ONLY, Inbound, Outbound, Seq, paragraphs, several_lines
from schemas.boundaries import Answer

Text = Annotated[str, several_lines(4000), AfterValidator(paragraphs)]
MyStatus = Literal["draft", "submitted", "skipped"]
PartnerStatus = Literal["not_finished", "finished", "skipped"]


class DebriefStart(Inbound):
    """Open the debrief of a session or of a pause (one of the two)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["session_id"], "properties": {"session_id": {"type": "string"},
                                                    "pause_seq": {"type": "null"}}},
        {"required": ["pause_seq"], "properties": {"pause_seq": {"type": "integer"},
                                                   "session_id": {"type": "null"}}}]})
    session_id: uuid.UUID | None = None
    pause_seq: Seq | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> DebriefStart:
        if (self.session_id is None) == (self.pause_seq is None):
            raise ValueError("give a session_id or a pause_seq")
        return self


class BoundaryProposal(Inbound):
    """A change I'd like: toward no applies when I submit; toward yes is a suggestion."""

    boundary_id: uuid.UUID
    answer: Answer


class DebriefDraft(Inbound):
    """My reflection; only I see it until we both have finished."""

    feeling: Annotated[int, Field(ge=1, le=5, description="how safe I feel now, 1-5"),
                       NUMBER_ONLY]
    feeling_words: Text | None = None
    felt_good: Text | None = None
    did_not: Text | None = None
    next_time: Text | None = None
    proposals: list[BoundaryProposal] = Field(default_factory=list, max_length=50)


class DebriefContent(Outbound):
    """A reflection as written."""

    feeling: int
    feeling_words: str | None
    felt_good: str | None
    did_not: str | None
    next_time: str | None
    proposals: list[dict[str, str]]


class DebriefOut(Outbound):
    """A debrief as the caller sees it: their own draft; the partner's only once revealed."""

    id: uuid.UUID
    session_id: uuid.UUID | None
    pause_seq: int | None
    created_at: datetime
    revealed_at: datetime | None = Field(
        description="when both had submitted and both saw both; never when one skipped")
    closed_at: datetime | None = Field(
        default=None, description="when it ended with a skip: nothing was shared")
    my_status: MyStatus
    mine: DebriefContent | None
    partner_status: PartnerStatus
    partner: DebriefContent | None


class DebriefList(Outbound):
    """Every debrief of the pair, newest first."""

    items: list[DebriefOut]


class FeelingPoint(Outbound):
    """One point of the felt-safety chart."""

    debrief_id: uuid.UUID
    at: datetime
    mine: int | None
    partner: int | None


class FeelingSeries(Outbound):
    """How felt safety moved over time (the partner's only from revealed debriefs)."""

    points: list[FeelingPoint]


class JournalIn(Inbound):
    """A note only I will ever see."""

    text: Text


class JournalOut(Outbound):
    """One of my notes."""

    id: uuid.UUID
    text: str
    created_at: datetime
    updated_at: datetime


class JournalList(Outbound):
    """My notes, newest first."""

    items: list[JournalOut]


class ReflectionOut(Outbound):
    """One of my own debrief reflections, kept after a pair ended."""

    id: uuid.UUID
    about: Literal["session", "pause"]
    status: MyStatus
    written_at: datetime
    content: DebriefContent


class ReflectionList(Outbound):
    """My kept reflections, newest first."""

    items: list[ReflectionOut]
