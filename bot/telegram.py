"""Telegram for wijkambassadeurs: python-telegram-bot v22 behind the Adapter port of bot/transports.py.

The PTB handlers only translate: every decision is in handlers/resident.py, called inside one
database transaction per update, with `now` from the bot's clock. Status messages to
ambassadors leave through the outbox (TelegramNotifier); answers within the conversation are
sent directly as replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, CallbackQuery, Chat, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core import Wijkbot
from bot.settings import Settings
from bot.telegram_messages import bot_commands, escape_html, keyboard, split_text
from bot.telegram_persistence import DatabasePersistence
from bot.transports import Transport, register
from handlers import ambassadeur, resident
from handlers.base import MAX_TEXT, Context
from handlers.notify import Notifier, PermanentError
from storage.config import ConfigError
from storage.db import transaction
from storage.models import OutboxMessage, Person, PersonKind

log = logging.getLogger(__name__)
T = TypeVar("T")

WHAT, KIND, PHOTO, WHERE, CONFIRM = range(5)
END = ConversationHandler.END
IDLE = timedelta(minutes=30)  # a conversation left alone this long ends
DRAFT = "signaal"  # the key of the half-told signaal in user_data
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# what Telegram accepts as setWebhook's secret_token
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
BAD_WEBHOOK_SECRET = (
    "TELEGRAM_WEBHOOK_SECRET is ongeldig: Telegram accepteert 1 tot 256 tekens en alleen letters A-Z en a-z, "
    "cijfers, _ en -; kies bijvoorbeeld 40 willekeurige letters en cijfers (of laat het weg, dan maakt wijkbot er een)."
)
PRIVATE = filters.ChatType.PRIVATE

ASK_WHAT = "Wat wilt u melden? Beschrijf in een paar zinnen wat er aan de hand is. (Stoppen kan altijd met /annuleer.)"
ASK_KIND = "Wat voor melding is het? Tik op wat het best past."
ASK_PHOTO = "Heeft u een foto? Stuur die nu, of tik op 'Geen foto'."
ASK_WHERE = "Waar is het? Stuur een locatie (via 📎 → Locatie), typ een adres of plek, of tik op 'Sla over'."
NOT_LINKED = "U bent (nog) geen wijkambassadeur, dus u kunt hier nog niets melden. " + resident.HOW_TO_BECOME
GONE_QUIET = (
    "Uw melding is gestopt omdat het 30 minuten stil bleef; er is niets doorgegeven. "
    "Begin opnieuw met /signaal wanneer het u uitkomt."
)
CANCELLED = "Gestopt; er is niets doorgegeven. Met /signaal begint u opnieuw."
TOO_LONG = f"Dat is wat lang; kunt u het in minder dan {MAX_TEXT} tekens vertellen?"


def file_url(api_url: str) -> str:
    """Bot API files live on the same host under /file/bot (as with a self-hosted Bot API server)."""
    if api_url.rstrip("/").endswith("/bot"):
        return api_url.rstrip("/")[: -len("/bot")] + "/file/bot"
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/file/bot"


KIND_KEYBOARD = keyboard(*[[(t.label, f"soort:{t.key}")] for t in resident.TRIAGE])
PHOTO_KEYBOARD = keyboard([("Geen foto", "foto:geen")])
WHERE_KEYBOARD = keyboard([("Sla over", "plek:geen")])
CONFIRM_KEYBOARD = keyboard([("Versturen", "bevestig:ja"), ("Annuleren", "bevestig:nee")])
PII_KEYBOARD = keyboard([("Toch versturen", "bevestig:ja"), ("Aanpassen", "bevestig:aanpassen")])
ASK_REWRITE = (
    "Schrijf uw bericht opnieuw, zonder namen, telefoonnummers of adressen van anderen. (Stoppen kan met /annuleer.)"
)

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


class TelegramNotifier:
    """Delivers outbox direct messages to wijkambassadeurs who are linked on Telegram."""

    name = "telegram"

    def __init__(self, transport: TelegramTransport) -> None:
        self.transport = transport

    def handles(self, msg: OutboxMessage, recipient: Person | None) -> bool:
        return (
            msg.kind == "dm"
            and recipient is not None
            and recipient.kind == PersonKind.ambassadeur
            and recipient.telegram_id is not None
        )

    async def send(self, msg: OutboxMessage, recipient: Person | None) -> None:
        """Send it; 403 (blocked, gone) and a 400 that plain text does not cure raise PermanentError.

        A send that timed out may have arrived; the Bot API cannot tell (there is no history to look
        in), so the outbox sends it again and counts that as a possible double (docs/telegram.md).
        """
        assert recipient is not None and recipient.telegram_id is not None
        bot = self.transport.application.bot
        try:
            try:
                await send_text(bot, recipient.telegram_id, msg.text, as_html=True)
            except BadRequest as exc:
                if not any(hint in str(exc).lower() for hint in ("parse entities", "too long")):
                    raise
                log.warning("Telegram: outbox %s refused (400); trying once as plain text", msg.id)
                await send_text(bot, recipient.telegram_id, msg.text)
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
        self.persistence = DatabasePersistence(bot.engine, bot.clock.now, stale_after=IDLE)
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
            .persistence(self.persistence)
            .build()
        )
        # groups first: the bot works only in private chats, so anywhere else it explains and leaves
        self.application.add_handler(ChatMemberHandler(self.added_somewhere, ChatMemberHandler.MY_CHAT_MEMBER))
        self.application.add_handler(MessageHandler(~PRIVATE & ~filters.StatusUpdate.ALL, self.in_a_group))
        self.application.add_handler(self._conversation())
        for name, callback in (
            ("start", self.cmd_start),
            ("mijnsignalen", self.cmd_my_signalen),
            ("stop", self.cmd_stop),
            ("help", self.cmd_help),
            ("annuleer", self.cmd_nothing_to_cancel),
        ):
            self.application.add_handler(CommandHandler(name, callback, filters=PRIVATE))
        self.application.add_handler(CallbackQueryHandler(self.stale_button))
        self.application.add_handler(MessageHandler(PRIVATE, self.anything_else))
        self.application.add_error_handler(self.on_error)
        self.notifier: Notifier = TelegramNotifier(self)

    # --- the Transport port ---------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if not self.webhook_url:
            return []
        return [Route("/telegram/webhook", self.webhook, methods=["POST"])]

    async def start(self) -> None:
        """Connect now; when Telegram cannot be reached, keep trying in the background (Slack runs on)."""
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
        await asyncio.to_thread(self._remember_bot_name, self.application.bot.username)
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

    def _remember_bot_name(self, username: str) -> None:
        """Invitation links are made in any process (Slack, the console): they read the name from the database."""
        with transaction(self.bot.engine) as session:
            ambassadeur.remember_bot_name(session, username)

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
            await self.application.stop()  # handles what is queued, then saves the conversations
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
            await self.application.update_queue.put(update)
        return Response(status_code=200)

    # --- plumbing -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.bot.clock.now()

    async def _db(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in one transaction (off the event loop), then let the outbox go."""

        def work() -> T:
            with transaction(self.bot.engine) as session:
                return fn(session)

        result = await asyncio.to_thread(work)
        await self.bot.outbox_changed()
        return result

    def _ambassador(self, session: Session, telegram_id: int) -> Context | None:
        return resident.ambassador_context(session, self.bot.config, telegram_id=telegram_id, now=self.now())

    async def _is_linked(self, telegram_id: int) -> bool:
        return await self._db(lambda s: self._ambassador(s, telegram_id) is not None)

    @staticmethod
    async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Answer in the chat; a tapped button is acknowledged and its keyboard taken away first."""
        query = update.callback_query
        if query is not None:
            await query.answer()
            await _dropkeyboard(query)
        chat = update.effective_chat
        if chat is not None:  # a button under an inline message has no chat to answer in
            await send_text(chat.get_bot(), chat.id, text, markup=markup)

    async def _draft(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
        """The half-told signaal, or None (and a word to the user) when it has gone stale or they left."""
        assert context.user_data is not None and update.effective_user is not None
        draft = context.user_data.get(DRAFT)
        now = self.now()
        if not isinstance(draft, dict) or datetime.fromisoformat(draft["touched"]) + IDLE < now:
            context.user_data.pop(DRAFT, None)
            await self._say(update, GONE_QUIET)
            return None
        if not await self._is_linked(update.effective_user.id):
            context.user_data.pop(DRAFT, None)
            await self._say(update, NOT_LINKED)
            return None
        draft["touched"] = now.isoformat()
        return draft

    # --- /signaal: the conversation -------------------------------------------------------------

    def _conversation(self) -> ConversationHandler[Any]:
        def remind(text: str, markup: InlineKeyboardMarkup | None) -> MessageHandler[Any, Any]:
            async def callback(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
                await self._say(update, text, markup)  # the state stays as it is

            return MessageHandler(PRIVATE & ~filters.COMMAND, callback)

        text_only = PRIVATE & filters.TEXT & ~filters.COMMAND
        with warnings.catch_warnings():
            # per_message=False is what we want: one conversation per chat, buttons included
            warnings.filterwarnings("ignore", message=".*per_message.*")
            return ConversationHandler(
                entry_points=[CommandHandler("signaal", self.signaal_begin, filters=PRIVATE)],
                states={
                    WHAT: [
                        MessageHandler(text_only, self.signaal_what),
                        remind("Beschrijf eerst in een paar woorden wat er aan de hand is; een foto kan daarna.", None),
                    ],
                    KIND: [
                        CallbackQueryHandler(self.signaal_kind, pattern=r"^soort:"),
                        remind("Tik op een van de knoppen: " + ASK_KIND, KIND_KEYBOARD),
                    ],
                    PHOTO: [
                        # a photo sent "as a file" (uncompressed) is a document with an image type
                        MessageHandler(PRIVATE & (filters.PHOTO | filters.Document.IMAGE), self.signaal_photo),
                        CallbackQueryHandler(self.signaal_no_photo, pattern=r"^foto:geen$"),
                        remind("Dat is geen foto. " + ASK_PHOTO, PHOTO_KEYBOARD),
                    ],
                    WHERE: [
                        MessageHandler(PRIVATE & filters.LOCATION, self.signaal_where),
                        MessageHandler(text_only, self.signaal_where),
                        CallbackQueryHandler(self.signaal_where, pattern=r"^plek:geen$"),
                        remind(ASK_WHERE, WHERE_KEYBOARD),
                    ],
                    CONFIRM: [
                        CallbackQueryHandler(self.signaal_confirm, pattern=r"^bevestig:"),
                        MessageHandler(PRIVATE & ~filters.COMMAND, self.signaal_confirm_reminder),
                    ],
                    ConversationHandler.TIMEOUT: [TypeHandler(Update, self.signaal_timed_out)],
                },
                fallbacks=[
                    CommandHandler("annuleer", self.signaal_cancel, filters=PRIVATE),
                    CommandHandler("stop", self.cmd_stop, filters=PRIVATE),
                    CommandHandler("start", self.cmd_start, filters=PRIVATE),
                    CommandHandler("mijnsignalen", self.cmd_my_signalen, filters=PRIVATE),
                    CommandHandler("help", self.cmd_help, filters=PRIVATE),
                ],
                allow_reentry=True,  # /signaal halfway starts afresh
                conversation_timeout=IDLE,
                name="signaal",
                persistent=True,
            )

    async def signaal_begin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_user is not None and context.user_data is not None
        if not await self._is_linked(update.effective_user.id):
            await self._say(update, NOT_LINKED)
            return END
        draft: dict[str, Any] = {"touched": self.now().isoformat()}
        context.user_data[DRAFT] = draft
        text = " ".join(context.args or [])
        if text and len(text) <= MAX_TEXT:
            draft["text"] = text
            await self._say(update, ASK_KIND, KIND_KEYBOARD)
            return KIND
        await self._say(update, ASK_WHAT)
        return WHAT

    async def signaal_what(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        assert update.effective_message is not None
        text = " ".join((update.effective_message.text or "").split())
        if len(text) > MAX_TEXT:
            await self._say(update, TOO_LONG)
            return WHAT
        draft["text"] = text
        if draft.pop("rewriting", False) and "triage" in draft:  # back from Aanpassen: the rest is known
            return await self._confirm_step(update, draft)
        await self._say(update, ASK_KIND, KIND_KEYBOARD)
        return KIND

    async def signaal_kind(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        assert update.callback_query is not None and context.user_data is not None
        triage = resident.TRIAGE_BY_KEY.get((update.callback_query.data or "").removeprefix("soort:"))
        if triage is None:
            await self._say(update, ASK_KIND, KIND_KEYBOARD)
            return KIND
        if triage.route is not None:  # not for the team (public space, the municipality, neighbours): nothing stored
            context.user_data.pop(DRAFT, None)
            telegram_id = update.effective_user.id if update.effective_user else 0

            def tell(session: Session) -> None:
                ctx = self._ambassador(session, telegram_id)
                if ctx is not None:
                    resident.tell_chair_redirected(ctx, triage)

            await self._db(tell)
            await self._say(update, resident.redirect_answer(self.bot.config, triage))
            return END
        draft["triage"] = triage.key
        await self._say(update, ASK_PHOTO, PHOTO_KEYBOARD)
        return PHOTO

    async def signaal_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        message = update.effective_message
        assert message is not None
        if message.photo:
            draft["photo"] = message.photo[-1].file_id  # the largest size
        else:
            assert message.document is not None
            draft["photo"] = message.document.file_id
        await self._say(update, "Dank u, de foto is erbij. " + ASK_WHERE, WHERE_KEYBOARD)
        return WHERE

    async def signaal_no_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        draft.pop("photo", None)
        await self._say(update, ASK_WHERE, WHERE_KEYBOARD)
        return WHERE

    async def signaal_where(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        message = update.message
        if message is not None and message.location is not None:
            draft["location"] = resident.location_text(message.location.latitude, message.location.longitude)
        elif message is not None and message.text:
            draft["location"] = " ".join(message.text.split())[: resident.MAX_LOCATION]
        else:
            draft.pop("location", None)
        return await self._confirm_step(update, draft)

    async def _confirm_step(self, update: Update, draft: dict[str, Any]) -> int:
        """The last check; with a gentle question first when the text seems to hold personal data."""
        warning = resident.pii_warning(draft)
        if warning is None:
            await self._say(update, resident.summary(draft), CONFIRM_KEYBOARD)
        else:
            await self._say(update, f"{resident.summary(draft)}\n\n{warning}", PII_KEYBOARD)
        return CONFIRM

    async def signaal_confirm_reminder(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        draft = (context.user_data or {}).get(DRAFT)
        if isinstance(draft, dict) and resident.pii_warning(draft):
            await self._say(update, "Tik op Toch versturen om uw melding door te geven, of op Aanpassen.", PII_KEYBOARD)
        else:
            await self._say(update, "Tik op Versturen om uw melding door te geven, of op Annuleren.", CONFIRM_KEYBOARD)

    async def signaal_confirm(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        draft = await self._draft(update, context)
        if draft is None:
            return END
        assert update.callback_query is not None and context.user_data is not None
        assert update.effective_user is not None
        if update.callback_query.data == "bevestig:aanpassen":
            draft["rewriting"] = True
            await self._say(update, ASK_REWRITE)
            return WHAT
        context.user_data.pop(DRAFT, None)
        if update.callback_query.data != "bevestig:ja":
            await self._say(update, CANCELLED)
            return END
        telegram_id = update.effective_user.id

        def record(session: Session) -> str:
            ctx = self._ambassador(session, telegram_id)
            if ctx is None:
                return NOT_LINKED
            return resident.report(ctx, draft)[0]

        await self._say(update, await self._db(record))
        return END

    async def signaal_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert context.user_data is not None
        context.user_data.pop(DRAFT, None)
        await self._say(update, CANCELLED)
        return END

    async def signaal_timed_out(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.user_data is not None:
            context.user_data.pop(DRAFT, None)
        if update.effective_chat is not None:
            await send_text(update.get_bot(), update.effective_chat.id, GONE_QUIET)

    # --- the other commands ---------------------------------------------------------------------

    async def cmd_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        assert user is not None
        code = context.args[0] if context.args else ""
        text = await self._db(
            lambda s: resident.link(
                s,
                self.bot.config,
                code=code,
                telegram_id=user.id,
                first_name=user.first_name or "",
                now=self.now(),
            )
        )
        await self._say(update, text)

    async def cmd_my_signalen(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None
        telegram_id = update.effective_user.id

        def mine(session: Session) -> str:
            ctx = self._ambassador(session, telegram_id)
            return resident.my_signalen(ctx) if ctx else NOT_LINKED

        await self._say(update, await self._db(mine))

    async def cmd_stop(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_user is not None
        telegram_id = update.effective_user.id

        def leave(session: Session) -> str | None:
            ctx = self._ambassador(session, telegram_id)
            return resident.leave(ctx) if ctx else None

        text = await self._db(leave)
        context.application.drop_user_data(telegram_id)  # the draft, in memory and in the database
        await self._say(update, text or "U bent geen wijkambassadeur; er is niets over u opgeslagen.")
        return END

    async def cmd_help(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None
        linked = await self._is_linked(update.effective_user.id)
        await self._say(update, resident.HELP if linked else resident.HELP + "\n\n" + resident.HOW_TO_BECOME)

    async def cmd_nothing_to_cancel(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say(update, "Er is niets om te annuleren. Met /signaal meldt u iets over uw wijk.")

    async def stale_button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say(update, "Die melding is al afgerond of gestopt. Met /signaal begint u een nieuwe.")

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

    async def anything_else(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._say(update, "Wilt u iets melden? Stuur /signaal. Met /help ziet u wat ik nog meer kan.")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await send_text(
                    update.get_bot(),
                    update.effective_chat.id,
                    "Er ging iets mis aan mijn kant; er is niets doorgegeven. Probeer het zo opnieuw.",
                )
            except Exception:  # noqa: BLE001 - telling the user is best effort
                log.warning("could not tell the user about the error")


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
