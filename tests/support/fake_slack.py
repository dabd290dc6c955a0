"""A small Slack Web API on 127.0.0.1 for tests: answers what wijkbot calls and records every call.

Modelled on bolt-python's tests/mock_web_api_server: a real HTTP server, so slack_sdk's own
client, retry handlers and Bolt's respond() run unchanged. The Web API lives under `/api/`
(pass `api_url` as SLACK_API_URL); `response_url(...)` gives a response_url on the same server.

Every message and view the app sends (chat.postMessage, chat.postEphemeral, chat.update, views.*,
response_url bodies) is checked as Slack would check it: each block parsed with slack_sdk's own
models (`Block.parse(...).validate_json()`, `View(...).validate_json()`) plus the limits those
models leave out (50 blocks a message, unique action ids, button and option texts, 40,000
characters of text). What Slack would refuse is recorded in `violations` and in the module's
VIOLATIONS, which tests/conftest.py turns into a failing test and a failing session.

Posted messages are kept per channel with their metadata (`history`, `posted()`) and
conversations.history answers from them (metadata only with `include_all_metadata`); a channel
in `post_then_hang` gets the message at once and the answer only later ("hang then succeed").
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# The channels of the Ridderkerk example that the tests use, plus one that belongs to no group.
CHANNELS = {
    "C0BOLNES1": "lbt-bolnes",
    "C0CENTRUM": "lbt-centrum-west",
    "C0REGIE01": "regiegroep",
    "C0RANDOM1": "random",
}


@dataclass
class Call:
    """One request the fake received."""

    method: str  # Web API method ("chat.postMessage") or "response" for a response_url
    body: dict[str, Any]
    status: int
    raw: str
    path: str = ""
    error: str = ""  # Slack's error code when it answered ok=false (HTTP 200)

    def __getitem__(self, key: str) -> Any:
        return self.body[key]


@dataclass
class Upload:
    """A file as Slack shared it: the bytes posted to the upload URL, completed into a channel."""

    file_id: str
    filename: str
    title: str
    channel: str
    data: bytes


@dataclass
class FakeSlack:
    """Slack's Web API and response_urls; switchable outages and rate limits."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=lambda: dict(CHANNELS))
    calls: list[Call] = field(default_factory=list)
    _fail_count: int = 0  # answer 500 for this many more calls (-1: until heal())
    _fail_methods: frozenset[str] = frozenset()
    # the 429s still to give: (method, channel or None for any, Retry-After), first match first
    _rate_limits: list[tuple[str, str | None, str]] = field(default_factory=list)
    # Slack's rule for chat.postMessage: about one message a second per channel. With `pace` > 0 a
    # post to a channel less than `pace` seconds after the last one it took gets 429 (Retry-After).
    pace: float = 0.0
    _last_post: dict[str, float] = field(default_factory=dict)  # channel → when it last took a post
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)  # what the app acked over Socket Mode
    delay: dict[str, float] = field(default_factory=dict)  # method → seconds to wait before answering
    url: str = ""
    # the installation auth.test and bots.info describe
    team_id: str = "T0RIDDER"
    enterprise_id: str | None = None
    app_id: str = "A0WIJKBOT"
    # channel id → seconds chat.postMessage to it hangs before answering (a slow destination)
    hang_channels: dict[str, float] = field(default_factory=dict)
    # channel id → seconds chat.postMessage to it hangs *after* posting ("hang then succeed": the
    # message is in the channel at once, the answer comes after the client gave up)
    post_then_hang: dict[str, float] = field(default_factory=dict)
    # channel id → seconds chat.postMessage to it hangs before failing without posting (lost on the way)
    lost_channels: dict[str, float] = field(default_factory=dict)
    # channel id → the messages in it, oldest first, as conversations.history shows them (with metadata)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # seconds since the epoch for a new message's ts (tests pass the bot's clock); None: a counter
    clock: Callable[[], float] | None = None
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _refusals: list[dict[str, Any]] = field(default_factory=list)  # see refuse()
    # files.getUploadURLExternal → POST /upload/<id> → files.completeUploadExternal
    _pending_files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id → name, length, bytes
    uploads: list[Upload] = field(default_factory=list)  # completed, in order
    violations: list[str] = field(default_factory=list)  # what Slack would refuse (see payload_violations)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)  # some methods are GETs
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, rid: str = "") -> str:
        return f"{self.url}/response/{rid or next(self._ids)}"

    def add_user(
        self,
        user_id: str,
        real_name: str,
        display_name: str = "",
        *,
        email: str | None = None,
        email_confirmed: bool = True,
        team_id: str | None = None,
        **fields: Any,
    ) -> None:
        """A member as users.info answers: with `email`, profile.email as with users:read.email."""
        profile: dict[str, Any] = {"real_name": real_name, "display_name": display_name}
        if email is not None:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": (display_name or real_name).lower().replace(" ", "."),
            "real_name": real_name,
            "deleted": False,
            "is_bot": False,
            "is_email_confirmed": email_confirmed,
            "profile": profile,
            **fields,
        }

    # -- Socket Mode ----------------------------------------------------------------------------

    async def socket_send(self, envelope: dict[str, Any], timeout: float = 30.0) -> None:
        """Push an envelope to the connected app, as Slack's Socket Mode server does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._sockets:
            if loop.time() > deadline:
                raise AssertionError("no Socket Mode connection")
            await asyncio.sleep(0.01)
        await self._sockets[-1].send_str(json.dumps(envelope))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        async for msg in ws:
            if msg.type.name == "TEXT":
                self.socket_acks.append(json.loads(msg.data))
        return ws

    # -- failure modes --------------------------------------------------------------------------

    def fail(self, times: int = -1, *, methods: set[str] | None = None) -> None:
        """Answer HTTP 500 for the next `times` calls (-1: until `heal()`); auth.test keeps working."""
        self._fail_count = times
        self._fail_methods = frozenset(methods or ())

    def heal(self) -> None:
        self._fail_count = 0

    def refuse(
        self,
        error: str,
        *,
        method: str = "chat.postMessage",
        channel: str | None = None,
        containing: str | None = None,
        with_blocks_only: bool = False,
    ) -> None:
        """Answer ok=false with Slack's `error` for matching calls (a channel, a text, only when blocks are sent)."""
        self._refusals.append(
            {"error": error, "method": method, "channel": channel, "text": containing, "blocks": with_blocks_only}
        )

    def _refusal(self, method: str, body: dict[str, Any]) -> str:
        for r in self._refusals:
            if r["method"] != method or (r["channel"] is not None and body.get("channel") != r["channel"]):
                continue
            if r["text"] is not None and r["text"] not in str(body.get("text", "")):
                continue
            if r["blocks"] and not body.get("blocks"):
                continue
            return str(r["error"])
        return ""

    def rate_limit_once(self, method: str, *, retry_after: int = 1, channel: str | None = None) -> None:
        """The next call of `method` (to `channel`, when given) gets 429 with Retry-After (seconds);
        called n times: n calls."""
        self._rate_limits.append((method, channel, str(retry_after)))

    # -- reading what happened ------------------------------------------------------------------

    def of(self, method: str, *, ok: bool = True) -> list[Call]:
        """Calls of one method (by default only the ones answered 200 with ok=true)."""
        return [c for c in self.calls if c.method == method and (not ok or (c.status == 200 and not c.error))]

    @property
    def responses(self) -> list[Call]:
        return self.of("response")

    async def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Poll until `count` successful calls of `method` arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.of(method)) < count:
            if loop.time() > deadline:
                seen = [(c.method, c.status) for c in self.calls]
                raise AssertionError(f"expected {count} × {method} within {timeout}s; got {seen}")
            await asyncio.sleep(0.01)
        return self.of(method)

    async def wait_for_uploads(self, count: int = 1, timeout: float = 60.0) -> list[Upload]:
        """Poll until `count` files were uploaded and shared."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.uploads) < count:
            if loop.time() > deadline:
                seen = [(c.method, c.status) for c in self.calls]
                raise AssertionError(f"expected {count} uploads within {timeout}s; got {seen}")
            await asyncio.sleep(0.01)
        return self.uploads

    # -- handlers -------------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], str]:
        raw = await request.text()
        if raw.startswith("{"):
            return json.loads(raw), raw
        body: dict[str, Any] = {**dict(request.query), **dict(parse_qsl(raw))}
        for key in ("blocks", "view"):  # form-encoded clients send these as JSON strings
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        return body, raw

    def _outage(self, method: str) -> bool:
        if method == "auth.test" or self._fail_count == 0:
            return False
        if self._fail_methods and method not in self._fail_methods:
            return False
        if self._fail_count > 0:
            self._fail_count -= 1
        return True

    def _check(self, method: str, body: dict[str, Any]) -> str:
        """Record what Slack would refuse in this body; Slack's error code for it, or ''."""
        found = payload_violations(method, body)
        for v in found:
            self.violations.append(f"{method}: {v}")
            VIOLATIONS.append(f"{method}: {v}")
        return "invalid_blocks" if found else ""

    async def _response(self, request: web.Request) -> web.Response:
        body, raw = await self._body(request)
        if self._check("response", body):  # Slack answers a response_url it cannot show with 400
            self.calls.append(Call("response", body, 400, raw, request.path, error="invalid_blocks"))
            return web.Response(status=400, text="invalid_blocks")
        status = 500 if self._outage("response") else 200
        self.calls.append(Call("response", body, status, raw, request.path))
        return web.Response(status=status, text="ok" if status == 200 else "error")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL handed out by files.getUploadURLExternal: Slack keeps the posted bytes."""
        file_id = request.match_info["file_id"]
        data = await request.read()
        status = 500 if self._outage("upload") else 200 if file_id in self._pending_files else 404
        self.calls.append(Call("upload", {"file_id": file_id, "length": len(data)}, status, "", request.path))
        if status == 200:
            self._pending_files[file_id]["data"] = data
        return web.Response(status=status, text=f"OK - {len(data)}" if status == 200 else "error")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body, raw = await self._body(request)
        if self.delay.get(method):
            await asyncio.sleep(self.delay[method])
        if method == "chat.postMessage" and self.hang_channels.get(str(body.get("channel"))):
            await asyncio.sleep(self.hang_channels[str(body["channel"])])
        if method == "chat.postMessage" and self.lost_channels.get(str(body.get("channel"))):
            await asyncio.sleep(self.lost_channels[str(body["channel"])])
            self.calls.append(Call(method, body, 503, raw, request.path))
            return web.json_response({"ok": False, "error": "service_unavailable"}, status=503)
        if method == "chat.postMessage" and self.post_then_hang.get(str(body.get("channel"))):
            hang = self.post_then_hang[str(body["channel"])]
            ts = self._keep(body)  # in the channel already; the answer is late
            self.calls.append(Call(method, body, 200, raw, request.path))
            await asyncio.sleep(hang)
            return web.json_response({"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts}})
        limited = next(
            (r for r in self._rate_limits if r[0] == method and r[1] in (None, str(body.get("channel")))), None
        )
        if limited is not None:
            self._rate_limits.remove(limited)
            self.calls.append(Call(method, body, 429, raw, request.path))
            return _ratelimited(limited[2])
        if method == "chat.postMessage" and self.pace > 0:
            channel, now = str(body.get("channel")), asyncio.get_running_loop().time()
            since = now - self._last_post.get(channel, -self.pace)
            if since < self.pace:
                self.calls.append(Call(method, body, 429, raw, request.path))
                return _ratelimited(str(max(1, math.ceil(self.pace - since))))
            self._last_post[channel] = now
        if self._outage(method):
            self.calls.append(Call(method, body, 500, raw, request.path))
            return web.json_response({"ok": False, "error": "fatal_error"}, status=500)
        refused = self._refusal(method, body) or self._check(method, body)
        if refused:
            self.calls.append(Call(method, body, 200, raw, request.path, error=refused))
            return web.json_response({"ok": False, "error": refused})
        self.calls.append(Call(method, body, 200, raw, request.path))
        return web.json_response(self._answer(method, body))

    def posted(self, channel: str, *, outbox_id: int | None = None) -> list[dict[str, Any]]:
        """The messages in a channel (oldest first); with `outbox_id`, those carrying that outbox id."""
        kept = self.history.get(channel, [])
        if outbox_id is None:
            return list(kept)
        return [m for m in kept if ((m.get("metadata") or {}).get("event_payload") or {}).get("id") == outbox_id]

    def _ts(self) -> str:
        seq = next(self._seq)
        if self.clock is None:
            return f"{1700000000 + seq}.000100"
        return f"{int(self.clock())}.{seq:06d}"  # unique, and in the order posted

    def _keep(self, body: dict[str, Any]) -> str:
        """Put a posted message in its channel's history, as Slack shows it; returns its ts."""
        ts = self._ts()
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": body.get("text", ""), "bot_id": "B0BOT"}
        meta = body.get("metadata")
        if isinstance(meta, str):
            meta = json.loads(meta)
        if meta:
            message["metadata"] = meta
        self.history.setdefault(str(body.get("channel")), []).append(message)
        return ts

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first, after `oldest` and before `latest` (exclusive), one page."""
        channel = str(body.get("channel"))
        if channel not in self.history and channel not in self.channels and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or "inf")
        limit = int(body.get("limit") or 100)
        with_meta = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in reversed(self.history.get(channel, [])) if oldest < float(m["ts"]) < latest]
        page = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in found[:limit]]
        return {"ok": True, "messages": page, "has_more": len(found) > limit, "pin_count": 0}

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ts = self._keep(body) if method == "chat.postMessage" else self._ts()
        if method == "auth.test":
            auth = {"ok": True, "team": "Ridderkerk", "team_id": self.team_id, "user_id": "U0BOT", "bot_id": "B0BOT"}
            return auth | ({"enterprise_id": self.enterprise_id} if self.enterprise_id else {})
        if method == "bots.info":
            return {"ok": True, "bot": {"id": body.get("bot"), "app_id": self.app_id, "name": "wijkbot"}}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message_ts": ts}
        if method in ("views.open", "views.publish", "views.update"):
            return {"ok": True, "view": {"id": f"V{len(self.calls)}", **(body.get("view") or {})}}
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.info":
            name = self.channels.get(str(body.get("channel")))
            if name is None:
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": body["channel"], "name": name, "is_channel": True}}
        if method == "conversations.history":
            return self._history(body)
        if method == "conversations.list":
            chans = [{"id": cid, "name": name, "is_channel": True} for cid, name in self.channels.items()]
            return {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "/socket"}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.calls):07d}"
            self._pending_files[file_id] = {"filename": body.get("filename", ""), "length": int(body.get("length", 0))}
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            return self._complete_upload(body)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(body.get("users", "")).split(",")[0]}}
        return {"ok": True}

    def _complete_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(body.get("files") or "[]")
        channel = str(body.get("channel_id") or body.get("channels") or "")
        pending = [self._pending_files.get(str(f.get("id"))) for f in files]
        if not files or any(p is None or "data" not in p for p in pending):
            return {"ok": False, "error": "file_not_found"}
        if any(len(p["data"]) != p["length"] for p in pending if p is not None):
            return {"ok": False, "error": "file_upload_size_mismatch"}
        done = []
        for f, p in zip(files, pending, strict=True):
            assert p is not None
            file_id = str(f["id"])
            del self._pending_files[file_id]
            self.uploads.append(Upload(file_id, p["filename"], str(f.get("title") or ""), channel, p["data"]))
            done.append({"id": file_id, "name": p["filename"], "title": f.get("title"), "channels": [channel]})
        return {"ok": True, "files": done}


# -- what Slack would refuse ----------------------------------------------------------------------

VIOLATIONS: list[str] = []  # every FakeSlack of this process appends here (tests/conftest.py reads it)
MESSAGE_METHODS = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage", "response"}
)
VIEW_METHODS = frozenset({"views.open", "views.publish", "views.update", "views.push"})
LIMITS = {"message_blocks": 50, "message_text": 40_000, "button_text": 75, "button_value": 2000, "action_id": 255}
LIMITS |= {"header": 150, "option_text": 75, "option_value": 150, "view_title": 24, "private_metadata": 3000}
LIMITS |= {"mrkdwn": 3000, "actions_elements": 25, "context_elements": 10}


def payload_violations(method: str, body: dict[str, Any]) -> list[str]:
    """Why Slack would refuse this message or view body ([] when it would show it)."""
    if method in MESSAGE_METHODS:
        return _message_violations(body)
    if method in VIEW_METHODS:
        view = body.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        return _view_violations(view) if isinstance(view, dict) else ["no view"]
    return []


def _message_violations(body: dict[str, Any]) -> list[str]:
    if body.get("delete_original") in (True, "true"):
        return []
    out: list[str] = []
    text, blocks = body.get("text"), body.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if isinstance(text, str) and len(text) > LIMITS["message_text"]:
        out.append(f"text of {len(text)} characters (40,000 at most)")
    if not blocks and not (isinstance(text, str) and text.strip()):
        out.append("neither text nor blocks")
    if blocks:
        if not isinstance(blocks, list):
            return [*out, "blocks is no list"]
        if len(blocks) > LIMITS["message_blocks"]:
            out.append(f"{len(blocks)} blocks (50 at most in a message)")
        out += _blocks_violations(blocks, unique_in="message")
    return out


def _view_violations(view: dict[str, Any]) -> list[str]:
    out: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        out.append(f"view: {exc}")
    title = (view.get("title") or {}).get("text", "") if isinstance(view.get("title"), dict) else ""
    if len(title) > LIMITS["view_title"]:
        out.append(f"view title of {len(title)} characters (24 at most)")
    for key in ("submit", "close"):
        part = view.get(key)
        if isinstance(part, dict) and len(str(part.get("text", ""))) > LIMITS["view_title"]:
            out.append(f"view {key} text longer than 24 characters")
    meta = view.get("private_metadata")
    if isinstance(meta, str) and len(meta) > LIMITS["private_metadata"]:
        out.append(f"private_metadata of {len(meta)} characters (3,000 at most)")
    return out + _blocks_violations(view.get("blocks") or [], unique_in="block")


def _blocks_violations(blocks: list[Any], *, unique_in: str) -> list[str]:
    """Each block as slack_sdk parses it, and action ids unique in the message (ours: Slack drops
    repeats within a block) or, in a view, in each block (a view's inputs all use "value")."""
    out: list[str] = []
    action_ids: list[str] = []
    for i, raw in enumerate(blocks):
        if unique_in == "block":
            out += _repeats(action_ids)
            action_ids = []
        if not isinstance(raw, dict):
            out.append(f"block {i} is no object")
            continue
        try:
            block = Block.parse(raw)
            if block is None:
                out.append(f"block {i}: unknown type {raw.get('type')!r}")
                continue
            block.validate_json()
        except (SlackObjectFormationError, TypeError, ValueError, KeyError) as exc:
            out.append(f"block {i} ({raw.get('type')}): {exc}")
        out += [f"block {i} ({raw.get('type')}): {v}" for v in _element_violations(raw, action_ids)]
    return out + _repeats(action_ids)


def _repeats(action_ids: list[str]) -> list[str]:
    repeated = sorted({a for a in action_ids if action_ids.count(a) > 1})
    return [f"action_id repeated: {', '.join(repeated)} (Slack drops the repeats)"] if repeated else []


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _element_violations(obj: Any, action_ids: list[str]) -> list[str]:
    """The limits slack_sdk's models do not check, anywhere inside one block."""
    out: list[str] = []
    if isinstance(obj, list):
        for item in obj:
            out += _element_violations(item, action_ids)
        return out
    if not isinstance(obj, dict):
        return out
    kind = obj.get("type")
    if "action_id" in obj and kind != "input":
        action_ids.append(str(obj["action_id"]))
        if len(str(obj["action_id"])) > LIMITS["action_id"]:
            out.append("action_id longer than 255 characters")
    if kind == "button":
        text = _text_of(obj.get("text"))
        if not 1 <= len(text) <= LIMITS["button_text"]:
            out.append(f"button text of {len(text)} characters (1 to 75)")
        if len(str(obj.get("value", ""))) > LIMITS["button_value"]:
            out.append("button value longer than 2,000 characters")
    if kind == "header" and len(_text_of(obj.get("text"))) > LIMITS["header"]:
        out.append(f"header text of {len(_text_of(obj.get('text')))} characters (150 at most)")
    if kind == "actions" and len(obj.get("elements") or []) > LIMITS["actions_elements"]:
        out.append("more than 25 elements in an actions block")
    if kind == "context" and len(obj.get("elements") or []) > LIMITS["context_elements"]:
        out.append("more than 10 elements in a context block")
    if kind in ("mrkdwn", "plain_text") and isinstance(obj.get("text"), str):
        if len(obj["text"]) > LIMITS["mrkdwn"]:
            out.append(f"{kind} text of {len(obj['text'])} characters (3,000 at most)")
        if not obj["text"]:
            out.append(f"empty {kind} text")
    for option in obj.get("options") or []:
        if isinstance(option, dict):
            if len(_text_of(option.get("text"))) > LIMITS["option_text"]:
                out.append("option text longer than 75 characters")
            if len(str(option.get("value", ""))) > LIMITS["option_value"]:
                out.append("option value longer than 150 characters")
    for key, value in obj.items():
        if key not in ("options",) and isinstance(value, dict | list):
            out += _element_violations(value, action_ids)
    return out


def _ratelimited(retry_after: str) -> web.Response:
    return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": retry_after})
