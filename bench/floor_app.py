"""The floor: a bare slack-bolt AsyncApp that acknowledges `/actie` and posts a fixed reply.

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... PORT=... python -m bench.floor_app

Served the way `wijkbot run` serves wijkbot (Starlette, Bolt's Starlette adapter, uvicorn with the
same settings), so the difference between the two is what wijkbot itself does.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

REPLY = "Actiepunt A-1 vastgelegd: Bench. Eigenaar @iemand, deadline vr 27 nov 2026."


def create_app() -> Starlette:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"], process_before_response=False)

    @app.command(re.compile(r"^/.+"))
    async def command(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        await ack()
        await respond(text=REPLY, response_type="in_channel")

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    routes = [Route("/healthz", healthz, methods=["GET"]), Route("/slack/events", events, methods=["POST"])]
    return Starlette(routes=routes)


async def main() -> None:
    port = int(os.environ["PORT"])
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serve = asyncio.create_task(server.serve())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.should_exit = True
    await serve


if __name__ == "__main__":
    asyncio.run(main())
