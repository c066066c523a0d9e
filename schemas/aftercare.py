"""Aftercare: what helps each person afterwards, and if they freeze."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from schemas.base import Inbound, Outbound, paragraphs, several_lines

Wish = Literal["closeness", "quiet", "talk", "water", "space", "blanket", "food", "music",
               "shower", "alone-time"]
FreeText = Annotated[str, several_lines(1000), AfterValidator(paragraphs)]


class AftercareIn(Inbound):
    """My wishes; my partner sees them during a session and after any pause."""

    wishes: list[Wish] = Field(default_factory=list, max_length=10)
    in_my_words: FreeText | None = None
    if_i_freeze: FreeText | None = Field(
        default=None, description="what helps if I freeze or drift away")


class AftercareOut(Outbound):
    """A person's aftercare wishes."""

    user_id: uuid.UUID
    wishes: list[Wish]
    in_my_words: str | None
    if_i_freeze: str | None
    updated_at: datetime | None
