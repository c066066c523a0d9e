"""Shared building blocks of the wire models."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


class Inbound(BaseModel):
    """A body a client sends: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Outbound(BaseModel):
    """A body the server sends."""

    model_config = ConfigDict(extra="forbid")


# What free text may not hold, as character classes that Python and a JSON Schema
# validator read alike (so the OpenAPI document states exactly the rule enforced here):
# control characters, lone surrogates, private use, and the bidirectional overrides and
# isolates that make text read as something else ("U+202E" turns a name around).
# Lone surrogates are refused too, though only here: they are not Unicode text, so a
# JSON Schema pattern cannot name them (and a JSON parser may not even let them in).
_REST = "\\ue000-\\uf8ff\\u202a-\\u202e\\u2066-\\u2069"
_ONE_LINE = "\\u0000-\\u001f\\u007f-\\u009f" + _REST
_LINES = "\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f" + _REST  # \n, \r kept
# What a person cannot see: spaces, and the characters Unicode marks as ignorable
# (zero-width spaces and joiners, soft hyphens, variation selectors...). Zero-width
# joiners stay allowed, emoji need them; they just don't count as something to see.
_UNSEEN = ("\\u0000-\\u0020\\u007f-\\u00a0\\u00ad\\u034f\\u061c\\u115f\\u1160\\u1680"
           "\\u17b4\\u17b5\\u180b-\\u180f\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f"
           "\\u3000\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufffb" + _REST)


def _pattern(forbidden: str) -> str:
    """Allowed characters only, and at least one a person can see."""
    return f"^[^{forbidden}]*[^{_UNSEEN}][^{forbidden}]*$"


ONE_LINE_PATTERN = _pattern(_ONE_LINE)
LINES_PATTERN = _pattern(_LINES)
_SURROGATES = "\\ud800-\\udfff"
_forbidden = {False: re.compile(f"[{_ONE_LINE}{_SURROGATES}]"),
              True: re.compile(f"[{_LINES}{_SURROGATES}]")}
_seen = re.compile(f"[^{_UNSEEN}]")
_direction = re.compile("[\u202a-\u202e\u2066-\u2069]")


def plain_text(value: str, *, lines: bool = False) -> str:
    """Visible text of any script: NFC-normalised, trimmed, no control characters (but
    line breaks where `lines`), no direction overrides, and at least one character a
    person can see."""
    # Checked as sent, before anything is trimmed, like the documented pattern.
    if _direction.search(value):
        raise ValueError("must not contain text-direction controls")
    if _forbidden[lines].search(value):
        raise ValueError("must not contain control characters")
    if not _seen.search(value):
        raise ValueError("must have at least one visible character")
    value = unicodedata.normalize("NFC", value).strip()
    if lines:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def paragraphs(value: str) -> str:
    """Text a person writes in a box of several lines: plain text, line breaks kept."""
    return plain_text(value, lines=True)


def one_line(max_length: int) -> Any:
    """The Field of a free text of one line: its length, and its rule stated as a pattern
    in the JSON Schema (enforced by `plain_text`)."""
    return Field(min_length=1, max_length=max_length,
                 json_schema_extra={"pattern": ONE_LINE_PATTERN})


def several_lines(max_length: int) -> Any:
    """The Field of a free text of several lines (enforced by `paragraphs`)."""
    return Field(min_length=1, max_length=max_length,
                 json_schema_extra={"pattern": LINES_PATTERN})


DisplayName = Annotated[str, one_line(64), AfterValidator(plain_text)]

def _a_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number, not text or true/false")
    return value


# Numbers and yes/no on the wire are JSON numbers and booleans, never "5" or "true": a
# client that sends text has a bug worth hearing about. (5.0 is the number 5, as in
# JSON Schema; 5.5 is not a whole number.) NUMBER_ONLY comes after an int's bounds, so
# the JSON Schema still states them.
NUMBER_ONLY = BeforeValidator(_a_number)
Flag = Annotated[bool, Field(strict=True)]
# A pair's event number or a thing's version as a client may name it: a 32-bit integer.
MAX_SEQ = 2**31 - 1
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ), NUMBER_ONLY]
Version = Annotated[int, Field(ge=1, le=MAX_SEQ), NUMBER_ONLY]
