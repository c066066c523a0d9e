"""The error body every 4xx/5xx answer carries (RFC 9457 problem+json)."""

from __future__ import annotations

from typing import Any

from schemas.base import Outbound


class FieldError(Outbound):
    """One offending field of a 422."""

    field: str
    message: str


class Problem(Outbound):
    """application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    current: dict[str, Any] | None = None
