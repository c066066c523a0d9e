"""ASGI middleware: body size limit, last-resort 500, security headers."""

from __future__ import annotations

import json

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM_JSON, DomainError, Internal, TooLarge

log = structlog.get_logger(__name__)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        b"form-action 'self'",
    ),
]


class Guard:
    """Refuses bodies over the limit with 413 and turns any unhandled error into a bare 500.

    It sits outside the app so that no traceback (which may quote stored data) ever
    reaches a log or a response: only the error's type is logged.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        refused = False

        async def send_once(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if scope["path"].startswith("/api/") and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https":  # behind TLS (the proxy says so)
                    headers.append((b"strict-transport-security",
                                    b"max-age=63072000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        async def refuse(error: DomainError) -> None:
            nonlocal refused, started
            body = json.dumps(error.body()).encode()
            await send_once(
                {
                    "type": "http.response.start",
                    "status": error.status,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send_once({"type": "http.response.body", "body": body})
            refused = True

        too_large = TooLarge(f"A request body may be at most {self.max_body_bytes} bytes.")
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await refuse(too_large)
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    await refuse(too_large)
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, counted_receive, send_once)
        except Exception as exc:
            log.error("unhandled_error", path=scope["path"], error=type(exc).__name__)
            if not started:
                await refuse(Internal())
