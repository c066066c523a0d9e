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


# Bidirectional overrides and isolates make text read as something else ("U+202E" turns
# a name around); zero-width joiners and the like stay allowed, emoji need them.
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters, marks on a letter, numbers, punctuation and symbols (emoji are symbols).
_VISIBLE = ("L", "N", "P", "S")


def plain_text(value: str, *, lines: bool = False) -> str:
    """Visible text of any script: NFC-normalised, trimmed, no control characters (but
    line breaks where `lines`), no direction overrides, and at least one character a
    person can see."""
    value = unicodedata.normalize("NFC", value).strip()
    if lines:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and not (lines and ch == "\n")
           for ch in value):
        raise ValueError("must not contain control characters")
    if any(ch in _DIRECTION_CONTROLS for ch in value):
        raise ValueError("must not contain text-direction controls")
    if not any(unicodedata.category(ch)[0] in _VISIBLE for ch in value):
        raise ValueError("must have at least one visible character")
    return value


def paragraphs(value: str) -> str:
    """Text a person writes in a box of several lines: plain text, line breaks kept."""
    return plain_text(value, lines=True)


DisplayName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(plain_text)]

# A pair's event number as a client may name it: stored as a 32-bit integer.
MAX_SEQ = 2**31 - 1
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
