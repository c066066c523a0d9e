"""A summary to share with someone who supports me, like a therapist.

I choose its parts. My own parts are mine to include. The pair's parts (our agreed list,
and our steps and step backs) show only while my partner says yes to this summary; they
can take that back at any moment, and then the summary holds my own parts only. My
partner's own words are never in it. Nothing here records when anyone agreed to
anything, and Attune sends it nowhere: I print it, or save it as a PDF, myself.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from schemas.base import Inbound, Outbound
from schemas.boundaries import Category, Step
from schemas.debriefs import DebriefContent
from schemas.safety import PlanParts

OwnPart = Literal["plan", "feelings", "reflections"]
PairPart = Literal["agreed", "path"]
SummaryPart = Literal["plan", "feelings", "reflections", "agreed", "path"]
SUMMARY_PARTS: tuple[SummaryPart, ...] = ("plan", "feelings", "reflections", "agreed", "path")
PAIR_PARTS: frozenset[str] = frozenset({"agreed", "path"})
# not_asked: no pair part chosen; pair_ended: asked in a pair that has ended since.
PartnerAnswer = Literal["not_asked", "asked", "agreed", "declined", "pair_ended"]
AskAnswer = Literal["asked", "agreed", "declined"]


def _in_order(parts: list[SummaryPart]) -> list[SummaryPart]:
    """The chosen parts once each, in the summary's own order (a repeat is no error)."""
    return [part for part in SUMMARY_PARTS if part in parts]


class SummaryIn(Inbound):
    """The parts I want in it. Asking for a pair part asks my partner, who may say no."""

    parts: Annotated[list[SummaryPart], Field(min_length=1, max_length=10),
                     AfterValidator(_in_order)]


class SummaryOut(Outbound):
    """One of my summaries: its parts, and where my partner stands on the pair's parts."""

    id: uuid.UUID
    parts: list[SummaryPart]
    partner: PartnerAnswer
    created_at: datetime


class SummaryList(Outbound):
    """My summaries, newest first."""

    items: list[SummaryOut]


class FeltSafety(Outbound):
    """How safe I felt, 1 to 5, after a time together or a pause."""

    at: datetime
    feeling: int


class OwnReflection(Outbound):
    """Something I wrote looking back (never my partner's words)."""

    about: Literal["session", "pause"]
    written_at: datetime
    content: DebriefContent


class AgreedItem(Outbound):
    """An activity we both say yes to now; never when either of us said it."""

    label: str
    category: Category


class PathStepShown(Outbound):
    """A step of the gradual path, and where our list stands on it now."""

    key: Category
    title: str
    description: str
    on_list: int
    agreed: int
    reached: bool


class SteppedBackShown(Outbound):
    """A time we stepped back after a setback (limits only became stricter)."""

    at: datetime
    baseline: Step
    title: str
    activities: int


class PathShown(Outbound):
    """Our steps along the gradual path, and the times we stepped back."""

    steps: list[PathStepShown]
    current: Category | None
    step_backs: list[SteppedBackShown]


class SummaryView(Outbound):
    """What the summary shows right now: each part I chose that may be shown (`shown`);
    a pair part my partner has not said yes to (or took back) is null."""

    id: uuid.UUID
    parts: list[SummaryPart]
    partner: PartnerAnswer
    shown: list[SummaryPart]
    display_name: str = Field(description="my own name, as I chose it")
    plan: PlanParts | None
    feelings: list[FeltSafety] | None
    reflections: list[OwnReflection] | None
    agreed: list[AgreedItem] | None
    path: PathShown | None


class SummaryAsk(Outbound):
    """A summary my partner is making, as I see it: only the pair's parts they ask to put
    in it (never their own parts), and my answer."""

    id: uuid.UUID
    parts: list[PairPart]
    answer: AskAnswer


class SummaryAskList(Outbound):
    """What my partner asked to put in their summaries, newest first."""

    items: list[SummaryAsk]
