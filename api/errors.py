"""Domain errors and the one place that turns every error into problem+json."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas.realtime import ErrorCode

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    """An expected refusal. Each subclass is one row of the table of problems: its HTTP
    status, its stable problem type (`slug`), its title, the `code` a websocket error
    frame carries, and what it means (`about`, stated in the OpenAPI document)."""

    status = 400
    slug = "bad-request"
    title = "Bad request"
    code: ErrorCode = "invalid"
    about = "The request could not be read."

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        detail = detail or self.about
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        """The problem+json body (RFC 9457)."""
        return {"type": f"/problems/{self.slug}", "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}


class NotAuthenticated(DomainError):
    status, slug, title, code = 401, "not-authenticated", "Not signed in", "not_allowed"
    about = "Not signed in, or the sign-in has ended."

    def __init__(self, detail: str = "Sign in to continue.") -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status, slug, title, code = 403, "forbidden", "Not allowed", "not_allowed"
    about = "Signed in, but this is not yours to do."


class WrongPassword(Forbidden):
    """The account's own password, asked again before something that cannot be undone,
    was not right; `errors` names the field so a form can say where."""

    slug, title = "wrong-password", "Wrong password"

    def __init__(self, field: str) -> None:
        message = "That password doesn't match."
        super().__init__(message, errors=[{"field": field, "message": message}])


class NotFound(DomainError):
    status, slug, title, code = 404, "not-found", "Not found", "not_found"
    about = "No such thing, or not yours."


class MethodNotAllowed(DomainError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"
    about = "This address does not take that method."


class Conflict(DomainError):
    status, slug, title, code = 409, "conflict", "Conflict", "conflict"
    about = "A conflict: a stale version, or already so."


class CoolingOff(Conflict):
    """The partner said no to this a moment ago; it can be raised again from `opens_at`."""

    slug, title = "cooling-off", "Not yet"

    def __init__(self, what: str, *, opens_at: datetime) -> None:
        super().__init__(f"Your partner said not now to {what}. It can be brought up again "
                         "later; they can always bring it up themselves.",
                         opens_at=opens_at.isoformat())


class TooLarge(DomainError):
    status, slug, title = 413, "too-large", "Request too large"
    about = "The body is too large."


class UnsupportedMediaType(DomainError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"
    about = "The body is not JSON."


class Invalid(DomainError):
    """A 422 about named fields, for the rules the OpenAPI document states but a body's
    schema cannot enforce alone (a password too easy to guess, a session shorter than
    this instance allows)."""

    status, slug, title, code = 422, "invalid", "Invalid request", "invalid"
    about = "A field is invalid; `errors` names each one."

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])

    @classmethod
    def fields(cls, errors: list[dict[str, str]]) -> Invalid:
        """One refusal naming every invalid field."""
        named = ", ".join(sorted({e["field"] for e in errors}))
        return _of_kind(cls, f"Check these fields: {named}.", errors=errors)


class RateLimited(DomainError):
    status, slug, title, code = 429, "rate-limited", "Too many requests", "rate_limited"
    about = "Too many requests; see Retry-After."

    def __init__(self, retry_after: float,
                 detail: str = "Please wait a moment and try again.") -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after + 0.999))
        self.headers = {"Retry-After": str(self.retry_after)}


class Internal(DomainError):
    status, slug, title = 500, "internal", "Something went wrong"
    about = "Something went wrong on our side; nothing was changed."


class Unavailable(DomainError):
    status, slug, title, code = 503, "unavailable", "Temporarily unavailable", "unavailable"
    about = "Storage is unreachable; nothing was changed."


E = TypeVar("E", bound=DomainError)

# The table of problems by HTTP status: what the OpenAPI document lists for every
# operation, and what an error raised below the app (Starlette's) is rendered as.
BY_STATUS: dict[int, type[DomainError]] = {kind.status: kind for kind in (
    NotAuthenticated, Forbidden, NotFound, MethodNotAllowed, Conflict, TooLarge,
    UnsupportedMediaType, Invalid, RateLimited, Internal, Unavailable)}


def _of_kind(kind: type[E], detail: str | None, *,
             headers: dict[str, str] | None = None, **extra: Any) -> E:
    """An error of that kind with this detail, whatever its own constructor asks for."""
    error = kind.__new__(kind)
    DomainError.__init__(error, detail, **extra)
    error.headers = headers or {}
    return error


def problem(error: DomainError) -> JSONResponse:
    """The problem+json response of an error."""
    return JSONResponse(error.body(), status_code=error.status, media_type=PROBLEM_JSON,
                        headers=error.headers or None)


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


def _unreadable() -> DomainError:
    return Invalid("body", "the body is not valid JSON")


def install(app: FastAPI) -> None:
    """Registers the handlers that render every error as problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": _validation_message(e)}
            for e in exc.errors()
        ]
        return problem(Invalid.fields(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # A body that is not UTF-8, or JSON nested deeper than a parser goes: the
            # body is unreadable, as with any other JSON that does not parse.
            return problem(_unreadable())
        kind = BY_STATUS.get(exc.status_code, DomainError)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem(_of_kind(kind, detail, headers=dict(exc.headers or {})))

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
        return problem(_of_kind(Unavailable, "The service cannot reach its storage; nothing "
                                "was changed. Try again.", headers={"Retry-After": "2"}))
