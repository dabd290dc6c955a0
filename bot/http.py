"""The ASGI app of `wijkbot run`: /healthz plus the routes each transport brings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route


def create_http_app(routes: Sequence[BaseRoute], health: Callable[[], dict[str, object]]) -> Starlette:
    """Starlette app with `GET /healthz` and the transports' routes (/slack/events, /telegram/webhook)."""

    async def healthz(_request: Request) -> JSONResponse:
        info = health()
        return JSONResponse(info, status_code=200 if info.get("ok") else 503)

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes])
