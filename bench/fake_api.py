"""A fake Slack Web API and response_url endpoint on 127.0.0.1 for the load test, in its own process.

    python -m bench.fake_api CHANNELS_JSON [PACE]   # prints its base URL, serves until SIGTERM

Like tests/support/fake_slack.py (the same answers for what wijkbot calls), but it keeps only
counters, so thousands of calls cost nothing, and it says how many response_url posts arrived
and when the last one did (`GET /stats`, `POST /reset`). With PACE (seconds) it enforces Slack's
rule for chat.postMessage, about one message a second per channel: a post sooner than PACE after
the channel's last one gets 429 with Retry-After, as Slack answers.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web


class FakeApi:
    def __init__(self, channels: dict[str, str], pace: float = 0.0) -> None:
        self.channels = channels
        self.pace = pace
        self.calls: Counter[str] = Counter()
        self.responses = 0
        self.last_response_at = 0.0
        self.posted_at: dict[str, float] = {}  # channel → when it last took a post (monotonic)
        self.posts = self.refused = 0
        self.first_post_at = self.last_post_at = 0.0

    async def body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        found: dict[str, Any] = dict(request.query)  # slack_sdk sends some methods as GET
        if request.content_type == "application/json" and raw:
            found.update(json.loads(raw))
        elif raw:
            found.update(parse_qsl(raw))
        return found

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self.body(request)
        self.calls[method] += 1
        if method == "chat.postMessage":
            refused = self.paced(str(body.get("channel")))
            if refused is not None:
                return refused
        ts = f"{1700000000 + sum(self.calls.values())}.000100"
        if method == "auth.test":
            answer = {"ok": True, "team": "Bench", "team_id": "T0BENCH", "user_id": "U0BOT", "bot_id": "B0BOT"}
        elif method in ("chat.postMessage", "chat.postEphemeral"):
            answer = {"ok": True, "channel": body.get("channel"), "ts": ts, "message_ts": ts}
        elif method in ("views.open", "views.publish", "views.update"):
            answer = {"ok": True, "view": {"id": "V1"}}
        elif method == "conversations.info":
            name = self.channels.get(str(body.get("channel")))
            ch = {"id": body.get("channel"), "name": name, "is_channel": True}
            answer = {"ok": True, "channel": ch} if name else {"ok": False, "error": "channel_not_found"}
        elif method == "conversations.list":
            chans = [{"id": cid, "name": n, "is_channel": True} for cid, n in self.channels.items()]
            answer = {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}}
        elif method == "conversations.open":
            answer = {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).split(",")[0]}}
        else:
            answer = {"ok": True}
        return web.json_response(answer)

    def paced(self, channel: str) -> web.Response | None:
        """A 429 when the channel took a post less than `pace` ago; else the post is counted."""
        now = time.monotonic()
        if self.pace > 0 and now - self.posted_at.get(channel, -self.pace) < self.pace:
            self.refused += 1
            wait = max(1, math.ceil(self.pace - (now - self.posted_at[channel])))
            body = {"ok": False, "error": "ratelimited"}
            return web.json_response(body, status=429, headers={"Retry-After": str(wait)})
        self.posted_at[channel] = now
        self.posts += 1
        self.first_post_at = self.first_post_at or now
        self.last_post_at = now
        return None

    async def response(self, request: web.Request) -> web.Response:
        await request.read()
        self.responses += 1
        self.last_response_at = time.time()
        return web.Response(text="ok")

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "responses": self.responses,
                "last_response_at": self.last_response_at,
                "calls": dict(self.calls),
                "posts": self.posts,
                "refused": self.refused,
                "first_post_at": self.first_post_at,
                "last_post_at": self.last_post_at,
            }
        )

    async def reset(self, _request: web.Request) -> web.Response:
        self.calls.clear()
        self.responses, self.last_response_at = 0, 0.0
        self.posted_at.clear()
        self.posts = self.refused = 0
        self.first_post_at = self.last_post_at = 0.0
        return web.json_response({"ok": True})


async def serve(channels: dict[str, str], pace: float = 0.0) -> None:
    fake = FakeApi(channels, pace)
    app = web.Application()
    app.router.add_route("*", "/api/{method}", fake.api)
    app.router.add_post("/response/{rid}", fake.response)
    app.router.add_get("/stats", fake.stats)
    app.router.add_post("/reset", fake.reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(
        serve(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}, float(sys.argv[2]) if len(sys.argv) > 2 else 0)
    )
