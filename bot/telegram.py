"""Telegram for wijkambassadeurs: python-telegram-bot v22 behind the Adapter port of bot/transports.py.

A thin adapter: PTB receives the updates, each private message or tap becomes a neutral event
(handlers/resident_flow.py: a command, text, a tap, a photo, a location) that the bot handles in
one transaction with `now` from its clock; the replies (text and Buttons) are rendered here as
messages with an inline keyboard. The half-told signaal is a draft in the database
(storage/drafts.py), so it survives a restart without PTB persistence. Status messages to
ambassadors leave through the outbox (TelegramNotifier). Groups and channels are left with one
explanation: the bot works only in private chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, CallbackQuery, Chat, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core import Wijkbot
from bot.settings import Settings
from bot.telegram_messages import bot_commands, escape_html, markup, split_text, tapped
from bot.transports import Transport, register
from handlers import ambassadeur
from handlers.base import Reply
from handlers.notify import Notifier, PermanentError, RateLimited
from handlers.resident_flow import FAILED, Command, Event, Input, Location, Other, Photo, Tap, Text
from storage.config import ConfigError

log = logging.getLogger(__name__)

TRANSPORT = "telegram"
AMBASSADEUR = "ambassadeur"  # PersonKind.ambassadeur: on Telegram, wijkbot speaks with residents only
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# what Telegram accepts as setWebhook's secret_token
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
BAD_WEBHOOK_SECRET = (
    "TELEGRAM_WEBHOOK_SECRET is ongeldig: Telegram accepteert 1 tot 256 tekens en alleen letters A-Z en a-z, "
    "cijfers, _ en -; kies bijvoorbeeld 40 willekeurige letters en cijfers (of laat het weg, dan maakt wijkbot er een)."
)
PRIVATE = filters.ChatType.PRIVATE


def file_url(api_url: str) -> str:
    """Bot API files live on the same host under /file/bot (as with a self-hosted Bot API server)."""
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/file/bot"


IN_A_GROUP = (
    "Ik werk alleen in een privégesprek met wijkambassadeurs, niet in een groep, dus ik verlaat deze groep; "
    "wilt u iets melden of een uitnodiging gebruiken, stuur mij dan een privébericht: @{name}."
)


async def send_text(
    bot: Bot, chat_id: int, text: str, *, markup: InlineKeyboardMarkup | None = None, as_html: bool = False
) -> None:
    """Send `text` as one message, or several cut between lines when it is too long; buttons under the last."""
    pieces = split_text(text, escape=escape_html if as_html else lambda t: t)
    for n, piece in enumerate(pieces, start=1):
        await bot.send_message(
            chat_id=chat_id,
            text=escape_html(piece) if as_html else piece,
            parse_mode=ParseMode.HTML if as_html else None,
            reply_markup=markup if n == len(pieces) else None,
        )


class _Outgoing(Protocol):
    """What the notifier reads of an outbox message."""

    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


class _Recipient(Protocol):
    """What the notifier reads of the person a direct message is for."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    def address(self, transport: str) -> str | None: ...


class TelegramNotifier:
    """Delivers outbox direct messages to wijkambassadeurs who are linked on Telegram."""

    name = "telegram"

    def __init__(self, transport: TelegramTransport) -> None:
        self.transport = transport
        self.interval = transport.settings.wijkbot_outbox_pace  # Telegram: about one message a second per chat

    def _chat_id(self, recipient: _Recipient) -> int | None:
        address = recipient.address(TRANSPORT)
        return int(address) if address and address.lstrip("-").isdigit() else None

    def handles(self, msg: _Outgoing, recipient: _Recipient | None) -> bool:
        return (
            msg.kind == "dm"
            and recipient is not None
            and recipient.kind == AMBASSADEUR
            and self._chat_id(recipient) is not None
        )

    async def send(self, msg: _Outgoing, recipient: _Recipient | None) -> None:
        """Send it; 403 (blocked, gone) and a 400 that plain text does not cure raise PermanentError.

        A send that timed out may have arrived; the Bot API cannot tell (there is no history to look
        in), so the outbox sends it again and counts that as a possible double (docs/telegram.md).
        """
        assert recipient is not None
        chat_id = self._chat_id(recipient)
        if chat_id is None:
            raise PermanentError("telegram_400", "geen Telegram-adres")
        bot = self.transport.application.bot
        try:
            try:
                await send_text(bot, chat_id, msg.text, as_html=True)
            except BadRequest as exc:
                if not any(hint in str(exc).lower() for hint in ("parse entities", "too long")):
                    raise
                log.warning("Telegram: outbox %s refused (400); trying once as plain text", msg.id)
                await send_text(bot, chat_id, msg.text)
        except RetryAfter as exc:  # the rate limiter's own retries ran out: wait, not a failure
            wait = exc.retry_after
            raise RateLimited(wait.total_seconds() if isinstance(wait, timedelta) else float(wait)) from exc
        except TimedOut as exc:  # a NetworkError to the library; to the outbox: no answer in time
            raise TimeoutError("Telegram gaf geen antwoord binnen de tijd") from exc
        except Forbidden as exc:
            raise PermanentError("telegram_403") from exc
        except BadRequest as exc:  # chat not found, user deactivated, ...; BadRequest is a NetworkError
            raise PermanentError("telegram_400") from exc


class TelegramTransport:
    """Long polling by default; a webhook at POST /telegram/webhook when TELEGRAM_WEBHOOK_URL is set."""

    name = "telegram"

    def __init__(self, bot: Wijkbot, settings: Settings, *, retry_delay: float = 5.0) -> None:
        self._listen = True  # start(listen=False): a worker's copy only sends
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.bot = bot
        self.settings = settings
        self.retry_delay = retry_delay  # seconds before the first retry when Telegram is unreachable
        self._retrying: asyncio.Task[None] | None = None
        self.webhook_url = settings.telegram_webhook_url
        # Telegram echoes the secret we give it in setWebhook; without one configured we make one up.
        given = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        if given and not WEBHOOK_SECRET.fullmatch(given):
            raise ConfigError(BAD_WEBHOOK_SECRET)  # setWebhook would refuse it at every try
        self.secret = given or secrets.token_urlsafe(32)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .base_file_url(file_url(settings.telegram_api_url))
            .rate_limiter(AIORateLimiter(max_retries=2))
            # every Bot API call has a deadline (getUpdates has its own, longer one for long polling)
            .connect_timeout(settings.telegram_timeout)
            .read_timeout(settings.telegram_timeout)
            .write_timeout(settings.telegram_timeout)
            .pool_timeout(settings.telegram_timeout)
            .build()
        )
        # groups first: the bot works only in private chats, so anywhere else it explains and leaves
        self.application.add_handler(ChatMemberHandler(self.added_somewhere, ChatMemberHandler.MY_CHAT_MEMBER))
        self.application.add_handler(MessageHandler(~PRIVATE & ~filters.StatusUpdate.ALL, self.in_a_group))
        # everything a resident does in a private chat: one neutral event each (handlers/resident_flow.py)
        self.application.add_handler(CallbackQueryHandler(self.on_tap))
        self.application.add_handler(MessageHandler(PRIVATE, self.on_message))
        self.application.add_error_handler(self.on_error)
        self.notifier: Notifier = TelegramNotifier(self)

    # --- the Transport port ---------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if not self.webhook_url:
            return []
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    async def start(self, *, listen: bool = True) -> None:
        """Connect now; when Telegram cannot be reached, keep trying in the background (Slack runs on).

        `listen=False` (a worker or scheduler process): only getMe, for sending; no webhook, no polling."""
        self._listen = listen
        try:
            await self._connect()
        except InvalidToken:
            log.error(
                "Telegram weigert TELEGRAM_BOT_TOKEN; Telegram draait niet (vraag een nieuw token bij @BotFather)"
            )
            await self._disconnect()
        except Exception as exc:  # noqa: BLE001 - unreachable, 5xx, 429, or an answer that is no Bot API
            log.warning("Telegram is niet bereikbaar (%s); ik probeer het opnieuw", type(exc).__name__)
            await self._disconnect()
            self._retrying = asyncio.create_task(self._connect_later())

    async def _connect(self) -> None:
        await self.application.initialize()  # getMe: tells us the bot's username
        if not self._listen:
            return  # sending only: the web process sets the menu and the webhook, or polls
        await asyncio.to_thread(ambassadeur.store_bot_name, self.bot.engine, self.application.bot.username)
        try:
            await self.application.bot.set_my_commands(bot_commands())
        except TelegramError as exc:  # the menu is a convenience: never a reason not to run
            log.warning("Telegram: het commandomenu is niet ingesteld (%s)", type(exc).__name__)
        await self.application.start()
        if self.webhook_url:
            await self.application.bot.set_webhook(
                url=self.webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("Telegram: webhook op %s", self.webhook_url)
        else:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram: long polling als @%s", self.application.bot.username)

    async def _connect_later(self) -> None:
        delay = self.retry_delay
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                log.info("Telegram is weer bereikbaar")
                return
            except InvalidToken:
                log.error("Telegram weigert TELEGRAM_BOT_TOKEN; Telegram draait niet")
                await self._disconnect()
                return
            except Exception as exc:  # noqa: BLE001 - whatever it is, try again later
                log.warning("Telegram is nog niet bereikbaar (%s)", type(exc).__name__)
                await self._disconnect()
                delay = min(delay * 2, 300.0)

    async def stop(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
            self._retrying = None
        await self._disconnect()

    async def _disconnect(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()  # handles what is queued (the drafts are in the database)
        await self.application.shutdown()

    async def webhook(self, request: Request) -> Response:
        """Telegram posts each update here; the secret header proves it is Telegram."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, self.application.bot) if _plausible_update(data) else None
        except Exception:  # noqa: BLE001 - PTB trips over many shapes (AttributeError too): not an update
            update = None
        if update is None:
            return PlainTextResponse("bad request", status_code=400)
        if set(data) - {"update_id"} <= set(ALLOWED_UPDATES):  # other kinds we never asked Telegram for
            # into the inbox before the 200 (a worker runs it: `process`); Telegram sends an update
            # again until it gets one, and the same update is one row (its id and its content:
            # ids start again at random after a quiet week)
            raw = json.dumps(data, ensure_ascii=False, sort_keys=True)
            key = f"{TRANSPORT}:update:{data['update_id']}:{hashlib.sha256(raw.encode()).hexdigest()[:16]}"
            new = await self.bot.receive(transport=TRANSPORT, kind="update", dedupe_key=key, body=raw)
            if new is not None:
                self.bot.received()
        return Response(status_code=200)

    # --- the inbox Processor protocol (bot/inbox.py) ----------------------------------------

    async def process(self, kind: str, body: dict[str, Any]) -> None:
        """Run an update from the inbox through PTB's handlers, as if it had just arrived."""
        if kind == "update":
            await self.application.process_update(Update.de_json(body, self.application.bot))

    async def apologise(self, kind: str, body: dict[str, Any]) -> None:
        """An update that failed every time: tell the resident nothing was stored."""
        chat = ((body.get("message") or {}).get("chat") or {}).get("id") or (
            ((body.get("callback_query") or {}).get("message") or {}).get("chat") or {}
        ).get("id")
        if chat:
            with contextlib.suppress(Exception):
                await self.application.bot.send_message(chat_id=chat, text=FAILED)

    # --- residents: one neutral event per update ----------------------------------------------

    def now(self) -> datetime:
        return self.bot.clock.now()

    async def on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        await self._converse(update, _input_of(message))

    async def on_tap(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        action, value = tapped(query.data or "")
        await self._converse(update, Tap(action, value))

    async def _converse(self, update: Update, given: Input) -> None:
        user = update.effective_user
        assert user is not None
        event = Event(TRANSPORT, str(user.id), self.now(), given, name=user.first_name or "")
        replies = await self.bot.converse(event)
        await self._say(update, replies)

    @staticmethod
    async def _say(update: Update, replies: list[Reply]) -> None:
        """Answer in the chat; a tapped button is acknowledged and its keyboard taken away first."""
        query = update.callback_query
        if query is not None:
            await query.answer()
            await _dropkeyboard(query)
        chat = update.effective_chat
        if chat is None:  # a button under an inline message has no chat to answer in
            return
        for reply in replies:
            await send_text(chat.get_bot(), chat.id, reply.text, markup=markup(reply.buttons))

    # --- groups: explained once, then left -------------------------------------------------------

    async def added_somewhere(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Added to a group or channel (or its rights changed there): explain and leave."""
        change = update.my_chat_member
        assert change is not None
        gone = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
        if change.chat.type == ChatType.PRIVATE or change.new_chat_member.status in gone:
            return  # a resident (un)blocking the bot, or the leaving we did ourselves
        await self._leave(change.chat)

    async def in_a_group(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group the bot is still in (`/start@bot <code>` too): explain and leave."""
        if update.effective_chat is not None:
            await self._leave(update.effective_chat)

    async def _leave(self, chat: Chat) -> None:
        if chat.type != ChatType.CHANNEL:  # in a channel the bot is no one to speak
            with contextlib.suppress(TelegramError):  # it may not be allowed to write there
                await send_text(chat.get_bot(), chat.id, IN_A_GROUP.format(name=chat.get_bot().username))
        with contextlib.suppress(TelegramError):
            await chat.leave()
        log.info("Telegram: uit een %s gegaan; wijkbot werkt alleen in privégesprekken", chat.type)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await send_text(
                    update.get_bot(),
                    update.effective_chat.id,
                    FAILED,
                )
            except Exception:  # noqa: BLE001 - telling the user is best effort
                log.warning("could not tell the user about the error")


def _input_of(message: Message) -> Input:
    """A private message as the neutral input: a command, a photo, a location, text or something else."""
    text = message.text or ""
    first = message.entities[0] if message.entities else None
    if text and first is not None and first.type == MessageEntity.BOT_COMMAND and first.offset == 0:
        name = text[1 : first.length].split("@", 1)[0]
        return Command(name, text[first.length :])
    if message.photo:
        return Photo(message.photo[-1].file_id)  # the largest size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):  # a photo sent "as a file"
        return Photo(document.file_id)
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    if text:
        return Text(text)
    return Other("document" if document is not None else "")


def _plausible_update(data: Any) -> bool:
    """The fields the Bot API always sends in an update of the kinds we ask for (PTB does not check)."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return False
    message, query, member = data.get("message"), data.get("callback_query"), data.get("my_chat_member")
    if message is not None and not _plausible_message(message):
        return False
    if member is not None and not _plausible_member_change(member):
        return False
    return query is None or (
        isinstance(query, dict)
        and isinstance(query.get("id"), str)
        and _plausible_user(query.get("from"))
        and (query.get("message") is None or _plausible_message(query["message"]))
    )


def _plausible_message(m: Any) -> bool:
    return (
        isinstance(m, dict)
        and isinstance(m.get("message_id"), int)
        and isinstance(m.get("date"), int)
        and isinstance(m.get("chat"), dict)
        and isinstance(m["chat"].get("id"), int)
        and isinstance(m["chat"].get("type"), str)
        and (m.get("from") is None or _plausible_user(m["from"]))
    )


def _plausible_member_change(c: Any) -> bool:
    return (
        isinstance(c, dict)
        and _plausible_message({"message_id": 0, **c})  # a chat, a date and who did it, as a message has
        and _plausible_user(c.get("from"))
        and all(
            isinstance(c.get(k), dict) and isinstance(c[k].get("status"), str) and _plausible_user(c[k].get("user"))
            for k in ("old_chat_member", "new_chat_member")
        )
    )


def _plausible_user(u: Any) -> bool:
    return isinstance(u, dict) and isinstance(u.get("id"), int) and isinstance(u.get("first_name"), str)


async def _dropkeyboard(query: CallbackQuery) -> None:
    if query.inline_message_id is None and (query.message is None or not query.message.is_accessible):
        return  # a button under a message older than 48 hours: Telegram lets nobody edit it
    with contextlib.suppress(BadRequest):  # the message is gone or has no keyboard any more
        await query.edit_message_reply_markup(reply_markup=None)


register(
    Transport(
        "telegram", switch="TELEGRAM_BOT_TOKEN", enabled=lambda s: bool(s.telegram_bot_token), build=TelegramTransport
    )
)
