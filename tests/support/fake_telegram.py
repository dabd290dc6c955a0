"""A small Telegram Bot API on 127.0.0.1: serves updates as Telegram would and records every call.

The bot under test talks real HTTP to it through python-telegram-bot (base_url), exactly as it
would to api.telegram.org; tests feed updates (`send_text`, `send_photo`, `send_location`,
`click`) and read what the bot sent (`calls`, `say`, `sent_to`).

Every request is checked against the Bot API's limits (`check_limits`: text and caption length,
callback data bytes, the shape of reply_markup, commands, the webhook secret) and refused with 400
as Telegram would; what was refused is kept in `violations`, and `close()` fails the test if any.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web
from telegram.constants import BotCommandLimit, InlineKeyboardButtonLimit, MessageLimit

BOT_ID = 4242
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# what Telegram sends with each ChatMember status besides user and status
_RIGHTS = (
    "manage_chat",
    "delete_messages",
    "manage_video_chats",
    "restrict_members",
    "promote_members",
    "change_info",
    "invite_users",
    "post_stories",
    "edit_stories",
    "delete_stories",
    "post_messages",
)
MEMBER_FIELDS: dict[str, dict[str, Any]] = {
    "kicked": {"until_date": 0},
    "administrator": {
        "can_be_edited": False,
        "is_anonymous": False,
        **{f"can_{r}": r != "promote_members" for r in _RIGHTS},
    },
}
BUTTON_KINDS = {"callback_data", "url", "web_app", "login_url", "switch_inline_query", "copy_text", "pay"}
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


class BadEntities(Exception):
    """Telegram refuses HTML it cannot parse (an unsupported tag such as <script>)."""


class _TelegramHtml(HTMLParser):
    """The text a person reads of a message sent with parse_mode HTML (Telegram's small tag set)."""

    TAGS = frozenset(
        {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.TAGS and not tag.startswith("tg-"):
            raise BadEntities(f'Unsupported start tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def render_html(text: str) -> str:
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _markup_problems(raw: Any) -> list[str]:
    try:
        markup = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return ["reply_markup is no JSON"]
    if not isinstance(markup, dict):
        return ["reply_markup is no object"]
    if "inline_keyboard" not in markup:
        return [] if set(markup) & {"keyboard", "remove_keyboard", "force_reply"} else ["reply_markup of no known kind"]
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        return ["inline_keyboard is no list of rows"]
    problems = []
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
            problems.append(f"button without text: {button!r}")
            continue
        if len(set(button) & BUTTON_KINDS) != 1:
            problems.append(f"button {button['text']!r} needs exactly one action")
        data = button.get("callback_data")
        if data is not None and not (
            isinstance(data, str)
            and InlineKeyboardButtonLimit.MIN_CALLBACK_DATA
            <= len(data.encode("utf-8"))
            <= InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
        ):
            problems.append(f"BUTTON_DATA_INVALID: {data!r}")
    return problems


def check_limits(method: str, p: dict[str, Any]) -> list[str]:
    """What Telegram would refuse in this request (measured on what was sent, before entity parsing)."""
    problems: list[str] = []
    if "text" in p and method.startswith(("send", "edit")):
        text = str(p["text"])
        if not text.strip():
            problems.append("message text is empty")
        elif _utf16(text) > MessageLimit.MAX_TEXT_LENGTH:
            problems.append(f"message is too long ({_utf16(text)} > {MessageLimit.MAX_TEXT_LENGTH})")
    if "caption" in p and _utf16(str(p["caption"])) > MessageLimit.CAPTION_LENGTH:
        problems.append(f"message caption is too long ({_utf16(str(p['caption']))} > {MessageLimit.CAPTION_LENGTH})")
    if p.get("reply_markup"):
        problems += _markup_problems(p["reply_markup"])
    if method == "setMyCommands":
        commands = json.loads(p["commands"]) if isinstance(p.get("commands"), str) else p.get("commands")
        if not isinstance(commands, list) or len(commands) > BotCommandLimit.MAX_COMMAND_NUMBER:
            problems.append("commands must be a list of at most 100")
        else:
            for c in commands:
                name, description = str(c.get("command", "")), str(c.get("description", ""))
                if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                    problems.append(f"BOT_COMMAND_INVALID: {name!r}")
                if not 1 <= len(description) <= BotCommandLimit.MAX_DESCRIPTION:
                    problems.append(f"command description length: {name!r}")
    if method == "setWebhook" and "secret_token" in p and not WEBHOOK_SECRET.fullmatch(str(p["secret_token"])):
        problems.append("secret token contains unallowed characters")
    return problems


@dataclass(frozen=True)
class TgUser:
    id: int
    first_name: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": "nl"}

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None

    def json(self, name: str) -> Any:
        """A parameter PTB sent JSON-encoded (reply_markup, allowed_updates, ...)."""
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value


@dataclass
class FakeTelegram:
    token: str = "4242:TEST-token"
    username: str = "wijkbot_test_bot"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    long_poll_cap: float = 0.5  # seconds a getUpdates may hang (Telegram: up to `timeout`)

    def __post_init__(self) -> None:
        self._next_update = 1
        self._next_message = 1
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sent: list[dict[str, Any]] = []  # messages the bot sent, as Telegram stored them
        self._errors: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # method → canned error answers
        self.violations: list[tuple[str, str]] = []  # (method, what Telegram would refuse)
        self.left: list[int] = []  # chats the bot left (leaveChat)
        self.commands: list[dict[str, Any]] = []  # the menu from the last setMyCommands

    # --- server ---------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (a free port unless one is given)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop serving; a request beyond the Bot API's limits during the test fails it here."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.violations:
            raise AssertionError(f"requests Telegram would refuse: {self.violations}")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for k, v in form.items():
                params[k] = v if isinstance(v, str) else getattr(v, "filename", "file")
        return params

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        if method != "getUpdates":
            self.calls.append(call)
        problems = check_limits(method, params)
        if problems:
            self.violations += [(method, p) for p in problems]
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: {problems[0]}"}
            return web.json_response(body, status=400)
        if self._errors.get(method):
            status, body = self._errors[method].pop(0)
            return web.json_response(body, status=status)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"fake: {method} not implemented"}, status=400
            )
        try:
            call.result = await handler(params)
        except BadEntities as exc:
            body = {"ok": False, "error_code": 400, "description": f"Bad Request: can't parse entities: {exc}"}
            return web.json_response(body, status=400)
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": call.result})

    async def _file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        return web.Response(body=self.files.get(path, TINY_JPEG), content_type="image/jpeg")

    def refuse(self, method: str, *, times: int = 1, status: int = 500, retry_after: int | None = None) -> None:
        """Answer the next `times` calls of `method` with an error (429 with `retry_after`: flood control)."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": f"fake: {method} refused"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self._errors.setdefault(method, []).extend([(status, body)] * times)

    # --- Bot API methods ------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Wijkbot", "username": self.username}

    async def _m_getMe(self, _p: dict[str, Any]) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are gone
        wait = min(float(p.get("timeout") or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        async with self._changed:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout=deadline - time.monotonic())
                except TimeoutError:
                    break
        return self.updates[: int(p.get("limit") or 100)]

    def _store_sent(self, p: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        message: dict[str, Any] = {
            "message_id": self._next_message,
            "date": int(time.time()),  # clock-ok: the Bot API stamps updates with the real time
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user(),
            **content,
        }
        self._next_message += 1
        if p.get("reply_markup"):
            message["reply_markup"] = json.loads(p["reply_markup"])
        self.sent.append(message)
        return message

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        text = str(p.get("text", ""))
        if p.get("parse_mode") == "HTML":
            text = render_html(text)  # what the person reads; raises BadEntities as Telegram answers 400
        return self._store_sent(p, text=text)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        size = {"file_id": "sent-photo", "file_unique_id": "sent-photo", "width": 1, "height": 1}
        return self._store_sent(p, photo=[size], caption=p.get("caption", ""))

    async def _m_getFile(self, p: dict[str, Any]) -> Any:
        file_id = p["file_id"]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": 22,
            "file_path": f"photos/{file_id}.jpg",
        }

    def _find_sent(self, p: dict[str, Any]) -> dict[str, Any] | None:
        return next(
            (
                m
                for m in self.sent
                if m["chat"]["id"] == int(p.get("chat_id") or 0) and m["message_id"] == int(p.get("message_id") or 0)
            ),
            None,
        )

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        message = self._find_sent(p)
        if message is None:
            return True
        message.pop("reply_markup", None)
        if p.get("reply_markup"):
            message["reply_markup"] = json.loads(p["reply_markup"])
        return message

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        message = self._find_sent(p)
        if message is None:
            return True
        message["text"] = p.get("text", "")
        return message

    async def _m_answerCallbackQuery(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_setWebhook(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_deleteWebhook(self, _p: dict[str, Any]) -> Any:
        return True

    async def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        commands = p.get("commands")
        self.commands = json.loads(commands) if isinstance(commands, str) else list(commands or [])
        return True

    async def _m_leaveChat(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        self.left.append(chat_id)
        # Telegram tells the bot it is gone, as it does for real
        await self.enqueue(self.member_update(self.bot_member_chat(chat_id), "member", "left", by=None))
        return True

    # --- updates, as Telegram sends them --------------------------------------------------------

    def user(self, user_id: int, first_name: str) -> TgUser:
        return TgUser(user_id, first_name)

    def _message(self, user: TgUser, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": self._next_message,
            "date": int(time.time()),  # clock-ok: the platform stamps its own time
            "chat": chat or user.chat(),
            "from": user.as_json(),
            **content,
        }
        self._next_message += 1
        return message

    def update(self, **content: Any) -> dict[str, Any]:
        """A raw update (for webhook tests), numbered as Telegram would."""
        update = {"update_id": self._next_update, **content}
        self._next_update += 1
        return update

    async def enqueue(self, update: dict[str, Any]) -> int:
        self.updates.append(update)
        async with self._changed:
            self._changed.notify_all()
        return int(update["update_id"])

    def text_update(self, user: TgUser, text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.update(message=self._message(user, chat, **content))

    async def send_text(self, user: TgUser, text: str, chat: dict[str, Any] | None = None) -> int:
        return await self.enqueue(self.text_update(user, text, chat))

    async def send_document(self, user: TgUser, file_id: str, mime_type: str, file_name: str) -> int:
        """A file sent as a file (for a photo: "Send as file", uncompressed)."""
        document = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": file_name,
                    "mime_type": mime_type, "file_size": 2_400_000}  # fmt: skip
        return await self.enqueue(self.update(message=self._message(user, document=document)))

    # --- groups ---------------------------------------------------------------------------------

    @staticmethod
    def group(chat_id: int, title: str, kind: str = "supergroup") -> dict[str, Any]:
        assert chat_id < 0, "group and channel ids are negative"
        return {"id": chat_id, "type": kind, "title": title}

    def bot_member_chat(self, chat_id: int) -> dict[str, Any]:
        return self.group(chat_id, "groep", "supergroup")

    def member_update(self, chat: dict[str, Any], old: str, new: str, *, by: TgUser | None) -> dict[str, Any]:
        """my_chat_member: the bot's own membership of `chat` changed from `old` to `new`."""
        bot = {**self.bot_user(), "is_bot": True}
        actor = by.as_json() if by else bot
        change = {
            "chat": chat,
            "from": actor,
            "date": int(time.time()),  # clock-ok: the platform stamps its own time
            "old_chat_member": {"user": bot, "status": old, **MEMBER_FIELDS.get(old, {})},
            "new_chat_member": {"user": bot, "status": new, **MEMBER_FIELDS.get(new, {})},
        }
        return self.update(my_chat_member=change)

    async def add_to_group(self, user: TgUser, chat: dict[str, Any]) -> None:
        """`user` adds the bot to `chat`: Telegram sends my_chat_member and a service message, as it does."""
        await self.enqueue(self.member_update(chat, "left", "member", by=user))
        joined = {**self.bot_user(), "is_bot": True}
        await self.enqueue(self.update(message=self._message(user, chat, new_chat_members=[joined])))

    def sent_to_chat(self, chat_id: int) -> list[str]:
        return [c.params.get("text", "") for c in self.calls_to("sendMessage") if int(c.params["chat_id"]) == chat_id]

    async def send_photo(self, user: TgUser, file_id: str, caption: str | None = None) -> int:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-s", "width": 90, "height": 67},
            {"file_id": file_id, "file_unique_id": f"{file_id}-l", "width": 1280, "height": 960, "file_size": 99000},
        ]
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        return await self.enqueue(self.update(message=self._message(user, photo=sizes, **extra)))

    async def send_location(self, user: TgUser, latitude: float, longitude: float) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return await self.enqueue(self.update(message=self._message(user, location=location)))

    async def click(self, user: TgUser, data: str) -> int:
        """Tap the button with callback `data` on the newest bot message in the user's chat that has it."""
        for message in reversed(self.sent):
            if message["chat"]["id"] != user.id:
                continue
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            if any(b.get("callback_data") == data for row in rows for b in row):
                break
        else:
            raise AssertionError(f"no button {data!r} in the chat with {user.first_name}")
        query = {
            "id": f"cq-{self._next_update}",
            "from": user.as_json(),
            "chat_instance": f"ci-{user.id}",
            "data": data,
            "message": {**message, "chat": user.chat()},
        }
        return await self.enqueue(self.update(callback_query=query))

    # --- what the bot did -----------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, user: TgUser) -> list[str]:
        """Texts of every message the bot sent in the user's chat, oldest first."""
        return [c.params.get("text", "") for c in self.calls_to("sendMessage") if int(c.params["chat_id"]) == user.id]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("the bot did not do what was expected in time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=left)

    async def next_message(self, user: TgUser, send: Callable[[], Any]) -> str:
        """Do `send` (an update from the user) and return the bot's next message to them."""
        before = len(self.sent_to(user))
        await send()
        await self.wait_for(lambda: len(self.sent_to(user)) > before)
        return self.sent_to(user)[before]

    async def say(self, user: TgUser, text: str) -> str:
        return await self.next_message(user, lambda: self.send_text(user, text))

    async def tap(self, user: TgUser, data: str) -> str:
        return await self.next_message(user, lambda: self.click(user, data))
