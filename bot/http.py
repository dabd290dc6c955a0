"""The ASGI app of `wijkbot run`: /healthz plus the routes each transport brings.

Hygiene for a public port: a request body is at most MAX_BODY bytes (413) and must arrive within
BODY_TIMEOUT (408); a client gets HEADER_TIMEOUT to send a request's headers, after which the
connection is closed (a slowloris client holds nothing); idle keep-alive connections close after
KEEP_ALIVE seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_BODY = 1024 * 1024  # Slack and Telegram payloads are a few KiB; 1 MiB is far beyond any
BODY_TIMEOUT = 10.0  # seconds for the whole body once the headers are in
HEADER_TIMEOUT = 10.0  # seconds for a request's headers, from connect or the previous response
KEEP_ALIVE = 5  # seconds an idle connection stays open
MAX_HEADERS = 16 * 1024  # bytes of request line and headers (h11's incomplete-event limit)


def create_http_app(routes: Sequence[BaseRoute], health: Callable[[], dict[str, object]]) -> Starlette:
    """Starlette app with `GET /healthz` and the transports' routes (/slack/events, /telegram/webhook)."""

    async def healthz(_request: Request) -> JSONResponse:
        info = health()
        return JSONResponse(info, status_code=200 if info.get("ok") else 503)

    return Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), *routes],
        middleware=[Middleware(BodyLimit)],
    )


class BodyLimit:
    """Read the whole body first, at most `limit` bytes within `timeout` seconds, then pass it on."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY, timeout: float = BODY_TIMEOUT) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0").decode("latin-1")
        if not declared.isdigit():
            await PlainTextResponse("bad request", status_code=400)(scope, receive, send)
            return
        if int(declared) > self.limit:
            await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limit:  # chunked, or more than Content-Length said
                        await PlainTextResponse("request body too large", status_code=413)(scope, receive, send)
                        return
                    chunks.append(chunk)
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            await PlainTextResponse("request body too slow", status_code=408)(scope, receive, send)
            return
        body, given = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only a disconnect can come

        await self.app(scope, replay, send)


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request headers (uvicorn has none of its own)."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this connection gets the same time for its headers

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _expired(self) -> None:
        waiting = self.cycle is None or self.cycle.response_complete  # no request begun since arming
        if waiting and not self.transport.is_closing():
            self.transport.close()


def server_config(app: ASGIApp, *, host: str, port: int, header_timeout: float = HEADER_TIMEOUT) -> uvicorn.Config:
    """The uvicorn settings of `wijkbot run` (the tests serve with the same)."""
    protocol = type("HeaderDeadline", (HeaderDeadline,), {"header_timeout": header_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        http=protocol,
        timeout_keep_alive=KEEP_ALIVE,
        h11_max_incomplete_event_size=MAX_HEADERS,
    )


def retry_after(headers: Any, default: float = 1.0) -> float:
    """A 429's Retry-After in seconds (Slack, the Bot Framework): any case, `default` when absent or odd."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            values = value if isinstance(value, list) else [value]
            with contextlib.suppress(ValueError, TypeError, IndexError):
                return max(0.0, float(values[0]))
    return default
