"""Shared building blocks of the wire models."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Inbound(BaseModel):
    """A body a client sends: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Outbound(BaseModel):
    """A body the server sends."""

    model_config = ConfigDict(extra="forbid")


def plain_text(value: str) -> str:
    """Visible text of any script: NFC-normalised, trimmed, no control characters."""
    value = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in value):
        raise ValueError("must not contain control characters")
    if not value:
        raise ValueError("must not be blank")
    return value


DisplayName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(plain_text)]
