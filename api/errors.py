"""Domain errors and the one place that turns every error into problem+json."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """An expected refusal; carries its HTTP status and a stable problem type."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotAuthenticated(DomainError):
    status, slug, title = 401, "not-authenticated", "Not signed in"

    def __init__(self, detail: str = "Sign in to continue.") -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict"


class CoolingOff(Conflict):
    """The partner said no to this a moment ago; it can be raised again from `opens_at`."""

    slug, title = "cooling-off", "Not yet"

    def __init__(self, what: str, *, opens_at: datetime) -> None:
        super().__init__(f"Your partner said not now to {what}. It can be brought up again "
                         "later; they can always bring it up themselves.",
                         opens_at=opens_at.isoformat())


class Invalid(DomainError):
    """A 422 about named fields, for rules the body's schema cannot express."""

    status, slug, title = 422, "invalid", "Invalid request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])


class RateLimited(DomainError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: float,
                 detail: str = "Please wait a moment and try again.") -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after + 0.999))
        self.headers = {"Retry-After": str(self.retry_after)}


class Unavailable(DomainError):
    status, slug, title = 503, "unavailable", "Temporarily unavailable"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response (RFC 9457)."""
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_TITLES = {
    401: ("not-authenticated", "Not signed in"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_message(error: dict[str, Any]) -> str:
    # Pydantic's message never contains the input; the input itself is dropped, so a
    # rejected password or label is never echoed back.
    message = str(error.get("msg", "is not valid"))
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON"
    return message


def install(app: FastAPI) -> None:
    """Registers the handlers that render every error as problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(
            exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers or None, **exc.extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": _validation_message(e)}
            for e in exc.errors()
        ]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem(422, "invalid", "Invalid request", f"Check these fields: {fields}.",
                       errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _HTTP_TITLES.get(exc.status_code, ("error", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        return problem(exc.status_code, slug, title, detail,
                       headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
        return problem(503, "unavailable", "Temporarily unavailable",
                       "The service cannot reach its storage; nothing was changed. Try again.",
                       headers={"Retry-After": "2"})
