"""My safety plan: what can bring it back for me, and what helps when it does.

Each person has their own plan. It is private unless its owner shares a part of it
with their partner, part by part; unsharing is instant and needs nobody else. What is
shared is what the partner's "when I'm triggered" card shows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from schemas.base import Flag, Inbound, Outbound, Version, paragraphs, several_lines

PlanPart = Literal["triggers", "helps", "avoid", "grounding", "topics"]
PLAN_PARTS: tuple[PlanPart, ...] = ("triggers", "helps", "avoid", "grounding", "topics")
Help = Literal["longer-transitions", "slower-pacing", "change-position", "change-room",
               "being-held", "being-given-space"]
PlanText = Annotated[str, several_lines(1000), AfterValidator(paragraphs)]


class SafetyPlanIn(Inbound):
    """My whole plan, as I want it now (a part left out is emptied)."""

    triggers: PlanText | None = Field(default=None, description="what can bring it back for me")
    helps: list[Help] = Field(default_factory=list, max_length=6,
                              description="what helps me when it does")
    helps_words: PlanText | None = Field(default=None,
                                         description="what helps, in my own words")
    avoid: PlanText | None = Field(default=None, description="what not to do")
    grounding: PlanText | None = Field(default=None, description="words that ground me")
    topics: PlanText | None = Field(default=None,
                                    description="safe things to talk about together")
    version: Version | None = Field(
        default=None, description="the version I last saw: a stale one is refused (409)")


class SharingIn(Inbound):
    """Share one part of my plan with my partner, or stop sharing it.

    Sharing (`shared: true`) needs the version I last saw, so nothing is shared that I
    have not seen; stopping (`shared: false`) is never refused: it is instant.
    """

    part: PlanPart
    shared: Flag
    version: Version | None = None


class PlanParts(Outbound):
    """The parts of a plan as sent (a part not written is null, or empty for `helps`)."""

    triggers: str | None
    helps: list[Help]
    helps_words: str | None
    avoid: str | None
    grounding: str | None
    topics: str | None


class SafetyPlanOut(PlanParts):
    """My own plan, every part, and which parts my partner can see."""

    user_id: uuid.UUID
    shared: list[PlanPart]
    version: int = Field(description="counts changes to what is written (not to sharing)")
    updated_at: datetime | None


class SafetyCardOut(PlanParts):
    """My partner's "when I'm triggered" card: only the parts they chose to share (every
    other part is null or empty, exactly as if they had written nothing)."""

    user_id: uuid.UUID
    shared: list[PlanPart]
