"""Solo answers: my own answers to the boundary list, for myself alone.

Anyone signed in can answer the starter list (and their own items) privately, paired or
not. Nothing of it reaches a pair's list unless its owner brings an answer in, one item
at a time, as their own answer there; the partner is never told that it came from here.
"""

from __future__ import annotations

import uuid

from pydantic import Field

from schemas.base import Inbound, Outbound
from schemas.boundaries import Answer, CatalogueCategory, Category, Label


class SoloAnswerIn(Inbound):
    """My own answer: yes, maybe or no ("not now"), as on a pair's list."""

    answer: Answer


class SoloItemIn(Inbound):
    """An activity of my own words, with my answer to it. A label that is already one of
    mine (or one of the suggestions) is refused (409), with the item as it is."""

    label: Label
    category: Category = "other"
    answer: Answer


class OnOurList(Outbound):
    """The same activity on my pair's list, and my own answer there (never my partner's)."""

    boundary_id: uuid.UUID
    my_answer: Answer | None


class SoloItem(Outbound):
    """An activity as I answered it for myself: a suggestion (`catalogue_key`) or one of my
    own words. `id` is null for a suggestion I have not answered."""

    id: uuid.UUID | None
    catalogue_key: str | None
    label: str
    category: Category
    answer: Answer | None
    on_our_list: OnOurList | None = Field(
        description="while I am paired, the same activity on our list (null when it is not "
        "there, or I am not paired)")


class SoloList(Outbound):
    """Every suggestion (answered or not), then my own items; and whether I am paired."""

    categories: list[CatalogueCategory]
    items: list[SoloItem]
    paired: bool
