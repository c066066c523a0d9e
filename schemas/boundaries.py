"""The shared boundary list: activities, each answered yes / maybe / no ("not now")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from schemas.base import (
    NUMBER_ONLY,
    Flag,
    Inbound,
    Outbound,
    Version,
    one_line,
    paragraphs,
    plain_text,
    several_lines,
)

Answer = Literal["yes", "maybe", "no"]
State = Literal["agreed", "maybe", "no", "open"]
CATEGORIES = ("closeness", "touch", "affection", "kissing", "undressing", "erotic", "sex",
              "words", "other")
Category = Literal["closeness", "touch", "affection", "kissing", "undressing", "erotic", "sex",
                   "words", "other"]
Label = Annotated[str, one_line(120), AfterValidator(plain_text)]


class BoundaryIn(Inbound):
    """Add an activity to the list; adding never makes anything agreed."""

    label: Label
    category: Category = "other"


class BoundaryEdit(Inbound):
    """Rename or re-file an activity; a new label needs both answers again."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["label"], "properties": {"label": {"type": "string"}}},
        {"required": ["category"], "properties": {"category": {"type": "string"}}}]})
    label: Label | None = None
    category: Category | None = None
    version: Version

    @model_validator(mode="after")
    def _something(self) -> BoundaryEdit:
        if self.label is None and self.category is None:
            raise ValueError("give a label or a category")
        return self


class AnswerIn(Inbound):
    """My answer. A stale `version` is refused (409) for yes and maybe, never for no."""

    answer: Answer
    version: Version | None = None


class BoundaryPublic(Outbound):
    """An activity as both partners see it: the combined state, no one's answer."""

    id: uuid.UUID
    label: str
    category: Category
    state: State
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    limited_at: datetime | None = Field(
        description="when a limit on it last became stricter; nothing records when anyone "
        "agreed")
    catalogue_key: str | None
    stepped_back: bool = Field(
        default=False, description="made not now for both by a step back; moving it back up "
        "needs both answers again, and waits until no session is proposed or running")


class BoundaryOut(BoundaryPublic):
    """An activity as the caller sees it: the combined state and only their own answer."""

    my_answer: Answer | None


class BoundaryList(Outbound):
    """The whole list."""

    items: list[BoundaryOut]


class HistoryEntry(Outbound):
    """The combined state from `at` on; never who changed it."""

    state: State
    at: datetime


class HistoryOut(Outbound):
    """An activity's history, oldest first."""

    items: list[HistoryEntry]


class CatalogueCategory(Outbound):
    """A step on the gradual path."""

    key: Category
    title: str
    description: str


class CatalogueItem(Outbound):
    """A suggested activity; `added` when the pair's list already has it."""

    key: str
    category: Category
    label: str
    added: bool


class CatalogueOut(Outbound):
    """The starter list, offered, never forced."""

    categories: list[CatalogueCategory]
    items: list[CatalogueItem]


# The gradual path: the categories that are steps, gentlest first. Words and the pair's
# own items are not steps: they belong to every stage.
PATH_STEPS = ("closeness", "touch", "affection", "kissing", "undressing", "erotic", "sex")
Step = Literal["closeness", "touch", "affection", "kissing", "undressing", "erotic", "sex"]


class PathStep(Outbound):
    """One step of the path, and where the pair's own list stands on it."""

    key: Category
    title: str
    description: str
    on_list: int = Field(description="the pair's activities of this step")
    agreed: int = Field(description="of those, agreed by both")
    reached: bool = Field(description="this step and every one below it hold only "
                                      "activities both agreed (and this one holds some)")


class PathOut(Outbound):
    """The gradual path. `current` is the highest step where everything on the list, in it
    and below it, is agreed by both: where they are now, never a place to get to."""

    steps: list[PathStep]
    current: Category | None


class CatalogueTake(Inbound):
    """Take some of the starter list (`keys`), or all of it."""

    keys: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list,
                                                              max_length=200)
    all: Flag = False


class ReviewPlanIn(Inbound):
    """How often to look at the list together; null for never."""

    every_days: Annotated[int, Field(ge=1, le=365), NUMBER_ONLY] | None = None


class ReviewChange(Outbound):
    """An activity whose combined state moved since the last review."""

    id: uuid.UUID
    label: str
    state: State
    previous_state: State | None = Field(
        description="its state when you last looked together; null before the first look")


class ReviewOut(Outbound):
    """The review plan, and what changed since the last review."""

    every_days: int | None
    last_review_at: datetime | None
    due: bool
    in_progress: bool
    changed: list[ReviewChange]


# -- stepping back after a setback -----------------------------------------------------------


class BaselineIn(Inbound):
    """The step I would want us to go back to after a setback. Lowering mine counts at
    once; ours rises only when both choose higher, and never during a session."""

    step: Step


class BaselineOut(Outbound):
    """My own choice and ours: the gentler of the two choices (the partner's own choice is
    never shown)."""

    mine: Step
    ours: Step
    title: str = Field(description="the title of our step, to show")


class StepBackIn(Inbound):
    """Step back now. The optional note goes into my own journal, sealed, for me alone."""

    note: Annotated[str, several_lines(2000), AfterValidator(paragraphs)] | None = None


class StepBackOut(Outbound):
    """Where the pair now is: every activity above `baseline` is not now for both."""

    seq: int = Field(description="the `pair.stepped_back` event both screens receive")
    baseline: Step
    title: str
    stepped_back: list[uuid.UUID] = Field(description="the activities now not now")
    note_id: uuid.UUID | None = Field(description="the journal entry the note went into")
