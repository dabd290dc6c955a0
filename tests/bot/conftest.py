"""wijkbot in Slack for real: the Starlette app served by uvicorn on 127.0.0.1, signed requests
sent with httpx, and the Web API answered by tests/support/fake_slack.py."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import socket
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from bot.core import Clock, Wijkbot
from bot.http import create_http_app, server_config
from bot.inbox import InboxWorker
from bot.settings import Settings
from bot.slack import SlackTransport
from storage.config import DEFAULT_CONFIG
from tests.conftest import NOW
from tests.support.fake_slack import Call, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# Slack users as the fake Web API knows them. BOUND are bound to people by a slack_id in the
# test configuration; the stranger is bound to nobody (names never bind anyone).
USERS = {
    "U0ANNA": ("Anna de Vries", "anna"),
    "U0PIET": ("Piet Verhoeven", "Piet"),
    "U0FATIMA": ("Fatima Benali", ""),
    "U0MARIEKE": ("Marieke Kok", ""),
    "U0STRANGER": ("Iemand Anders", "iemand"),
}
BOUND = {"U0ANNA": "anna", "U0PIET": "piet", "U0FATIMA": "fatima", "U0MARIEKE": "marieke"}
BOLNES = "C0BOLNES1"


def ridderkerk_with(tmp: Path, *, people: dict[str, dict[str, str]], top: str = "") -> Path:
    """The Ridderkerk example with extra keys for some people (slack_id, email) and top-level lines."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for key, extra in people.items():
        lines = "".join(f'{k} = "{v}"\n' for k, v in extra.items())

        def add(m: re.Match[str], lines: str = lines) -> str:
            return m.group(0) + lines

        text, n = re.subn(rf"^\[people\.{key}\]\n", add, text, flags=re.M)
        assert n == 1, key
    for key in re.findall(r"^(\w+)\s*=", top, flags=re.M):  # a top-level key in `top` replaces the example's
        text = re.sub(rf"^{key}\s*=.*\n", "", text, count=1, flags=re.M)
    path = tmp / "wijkbot.toml"
    path.write_text(top + "\n" + text, encoding="utf-8")
    return path


def sign(body: str, *, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    """The headers Slack sends: v0 HMAC-SHA256 over `v0:<timestamp>:<body>`."""
    stamp = str(int(time.time()) if ts is None else ts)  # clock-ok: Slack signs with the real time
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackWorld:
    """The running app, the fake Slack behind it, and helpers that act like Slack's servers."""

    fake: FakeSlack
    bot: Wijkbot
    transport: SlackTransport
    http: httpx.AsyncClient
    base: str
    _n: int = 0
    last: list[Call] = field(default_factory=list)

    async def send(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        hdrs = {"Content-Type": content_type, **(sign(body) if headers is None else headers)}
        return await self.http.post(f"{self.base}/slack/events", content=body, headers=hdrs)

    def _next(self) -> str:
        self._n += 1
        return str(self._n)

    def command_body(self, text: str, *, user: str, channel: str, trigger: bool = False) -> tuple[str, str]:
        name, _, args = text.partition(" ")
        rid = f"cmd{self._next()}"
        fields = {
            "token": "unused",
            "team_id": "T0RIDDER",
            "team_domain": "ridderkerk",
            "channel_id": channel,
            "channel_name": self.fake.channels.get(channel, "privategroup"),
            "user_id": user,
            "user_name": USERS.get(user, ("x", "x"))[1] or "x",
            "command": name,
            "text": args,
            "api_app_id": "A0WIJKBOT",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(rid),
            "trigger_id": f"trigger.{rid}" if trigger else "",
        }
        return urllib.parse.urlencode(fields), f"/response/{rid}"

    async def command(
        self, text: str, *, user: str = "U0ANNA", channel: str = BOLNES, trigger: bool = False
    ) -> tuple[httpx.Response, str]:
        """POST a slash command the way Slack does; returns the HTTP answer and its response path."""
        body, path = self.command_body(text, user=user, channel=channel, trigger=trigger)
        return await self.send(body), path

    async def replies(self, path: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Wait for what the app posted on one response_url."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(got := [c for c in self.fake.responses if c.path == path]) < count:
            if loop.time() > deadline:
                raise AssertionError(f"no answer on {path}; calls: {[(c.method, c.status) for c in self.fake.calls]}")
            await asyncio.sleep(0.01)
        return got

    async def say(self, text: str, *, user: str = "U0ANNA", channel: str = BOLNES) -> str:
        """A slash command, acknowledged, answered on its response_url: the answer's text."""
        resp, path = await self.command(text, user=user, channel=channel)
        assert resp.status_code == 200, resp.text
        self.last = await self.replies(path)
        return "\n".join(_unescape(c["text"]) for c in self.last)

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.send(body)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ANNA",
        channel: str = BOLNES,
        message: dict[str, Any] | None = None,
        ephemeral: bool = False,
    ) -> tuple[httpx.Response, str]:
        """A click as Slack sends it: with a copy of the message that held the button (`message`,
        e.g. a body the app posted), or from an ephemeral message (Slack sends no copy then)."""
        rid = f"act{self._next()}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "api_app_id": "A0WIJKBOT",
            "team": {"id": "T0RIDDER", "domain": "ridderkerk"},
            "user": {"id": user, "team_id": "T0RIDDER"},
            "channel": {"id": channel, "name": self.fake.channels.get(channel, "")},
            "container": {
                "type": "message",
                "channel_id": channel,
                "message_ts": "1700000000.000100",
                "is_ephemeral": ephemeral,
            },
            "trigger_id": f"trigger.{rid}",
            "response_url": self.fake.response_url(rid),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value, "action_ts": "1"}],
        }
        if message is not None:
            payload["message"] = {"type": "message", "ts": "1700000000.000100", **message}
        return await self.interact(payload), f"/response/{rid}"

    async def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U0ANNA") -> httpx.Response:
        """Submit a modal the app opened, with `values` as {block_id: element state}."""
        payload = {
            "type": "view_submission",
            "api_app_id": "A0WIJKBOT",
            "team": {"id": "T0RIDDER", "domain": "ridderkerk"},
            "user": {"id": user, "team_id": "T0RIDDER"},
            "trigger_id": f"trigger.{self._next()}",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view.get("private_metadata", ""),
                "state": {"values": {b: {"value": state} for b, state in values.items()}},
            },
        }
        return await self.interact(payload)

    async def event(self, event: dict[str, Any], *, event_id: str, retry: int | None = None) -> httpx.Response:
        body = json.dumps(
            {
                "token": "unused",
                "team_id": "T0RIDDER",
                "api_app_id": "A0WIJKBOT",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),  # clock-ok: Slack stamps events with the real time
                "event": event,
            }
        )
        headers = sign(body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.send(body, content_type="application/json", headers=headers)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    for uid, (real, display) in USERS.items():
        fake.add_user(uid, real, display)
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def slack_world(
    db_url: str, fake: FakeSlack, config_path: Path, *, header_timeout: float = 10.0, **settings: Any
) -> AsyncIterator[SlackWorld]:
    """wijkbot (clock at NOW) in Slack HTTP mode, served on 127.0.0.1 as `wijkbot run` serves it."""
    bot = Wijkbot.create(db_url=db_url, config_path=str(config_path), clock=Clock(NOW))
    config = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SECRET),
        slack_api_url=fake.api_url,
        **settings,
    )
    transport = SlackTransport(bot, config, retry_backoff=0.01)
    bot.notifiers.append(transport.notifier)
    app = create_http_app(transport.routes(), lambda: {"ok": True})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, header_timeout=header_timeout))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    # the work after the acknowledgement: an inbox worker in this process, as `--workers 0` runs it
    worker = InboxWorker(bot, [transport], worker="test-worker")
    bot.on_received = worker.wake
    working = asyncio.create_task(worker.run())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield SlackWorld(fake, bot, transport, http, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await serving
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working
        await transport.stop()
        bot.engine.dispose()


@pytest.fixture
def bound_config(tmp_path: Path) -> Path:
    """The Ridderkerk example in which anna, piet, fatima and marieke have their Slack ids."""
    return ridderkerk_with(tmp_path, people={key: {"slack_id": uid} for uid, key in BOUND.items()})


@pytest.fixture
async def slack(db_url: str, fake_slack: FakeSlack, bound_config: Path) -> AsyncIterator[SlackWorld]:
    """wijkbot (Ridderkerk example, BOUND users, clock at NOW) in Slack HTTP mode on 127.0.0.1."""
    async with slack_world(db_url, fake_slack, bound_config) as world:
        yield world
