"""Slack: slash commands, buttons, modals and the App Home on slack-bolt's AsyncApp.

Two modes: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP at `POST /slack/events`.
In both, every command, click and event is verified, written to the durable inbox and then
acknowledged; a worker (bot/inbox.py, `process` below) runs it and answers on its response_url,
so Slack always hears back within its 3 seconds and nothing acknowledged is lost. Modal submits
are answered in the acknowledgement itself (errors on the field), in the receiving process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import hmac
import json
import logging
import random
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot import slack_blocks as kit
from bot.core import Wijkbot
from bot.http import retry_after
from bot.settings import Settings
from bot.transports import Transport, register
from handlers import commands, directory, forms, home, koppel, lookups
from handlers.base import Message, Reply
from handlers.buttons import button_command, payload_buttons
from handlers.notify import (
    DOUBLE,
    FOUND,
    RESENT,
    Notifier,
    Outgoing,
    PermanentError,
    RateLimited,
    Recipient,
    is_ambassadeur,
)

log = logging.getLogger(__name__)

NAME = "slack"  # this transport's name in the identity table and the registry

# A person key that cannot exist (keys are [a-z0-9_-]): the router then explains, in Dutch,
# that this Slack user is not in wijkbot's configuration.
UNKNOWN_PERSON = "slack:onbekend"
_ENTITY = re.compile(r"<([^<>]*)>")
RESPONSE_TRIES = 3
HOME_DEBOUNCE = 0.5  # seconds to gather App Home republishes during a burst
SDK_WAIT = 3.0  # seconds of Retry-After slack_sdk may wait out itself (longer: the caller waits)
MENTIONS_TTL = 60.0  # seconds a cached person key → Slack id table is used (bindings here update it at once)
FAILED = "Er ging iets mis bij wijkbot; probeer het zo opnieuw (kijk met /actie lijst of het al is vastgelegd)."


class _ScaledJitter(Jitter):
    """Random jitter in proportion to the backoff (slack_sdk's default adds up to a whole second)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.scale


class _ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk waits out a 429 itself only when Retry-After is short; a longer one reaches the
    caller (the outbox then waits that long without counting a failure, instead of a send that
    sleeps past its timeout and counts as a possible double)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429 and retry_after(response.headers) <= SDK_WAIT


def retry_handlers(backoff: float = 0.5, server_retries: int = 2) -> list[AsyncRetryHandler]:
    """429: wait for Retry-After; 500/503 and dropped connections: a few tries with backoff."""
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=_ScaledJitter(backoff))
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=server_retries, interval_calculator=interval),
        _ShortRateLimitRetry(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=server_retries, interval_calculator=interval),
    ]


# Slack's answers that no retry can change (the message or the place is refused): the message
# is parked. For the first two, one more try as plain text (no blocks, no buttons) may get through.
PLAIN_MAY_HELP = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})
PERMANENT = PLAIN_MAY_HELP | {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "no_text",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "restricted_action",
    "too_many_attachments",
    "invalid_arguments",
}
TRUNCATED = "\n… (ingekort: het volledige bericht was te lang voor Slack)"
# Looking for a post after a timeout: its outbox id in the message metadata, in the history since
# the first timed-out attempt (minus a margin for clocks), one page.
OUTBOX_EVENT = "wijkbot_outbox"
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_LIMIT = 100


DM_HINT = (
    "Stuur mij een commando zoals in het kanaal van uw team, met of zonder /: bijvoorbeeld "
    "actie lijst mijn, overleg of help voor alle commando's."
)


@dataclass(frozen=True)
class Click:
    """A button that was clicked, and the message that held it (Slack sends its blocks along)."""

    action_id: str
    value: str
    blocks: list[Any] | None
    ephemeral: bool


class SlackNotifier:
    """Delivers outbox messages: to a group's channel, or as a direct message to a partner."""

    name = "slack"

    def __init__(self, transport: SlackTransport) -> None:
        self.transport = transport
        self.interval = transport.pace  # Slack: about one message a second per channel
        # Outbox ids whose text is in Slack but whose files are not yet: a retry sends only the files.
        self._text_sent: set[int | None] = set()

    def handles(self, msg: Outgoing, recipient: Recipient | None) -> bool:
        if msg.kind == "channel":
            return True
        # wijkambassadeurs and people never seen in Slack are Telegram's (or wait in the outbox)
        return (
            msg.kind == "dm"
            and recipient is not None
            and not is_ambassadeur(recipient)
            and recipient.address(NAME) is not None
        )

    async def send(self, msg: Outgoing, recipient: Recipient | None) -> str | None:
        """Post it; a refusal no retry can change raises PermanentError (the outbox parks it).

        Each post carries its outbox id in Slack's message metadata. When an earlier send of it
        timed out, the channel's recent history is read first: found, it is not posted again.
        """
        t = self.transport
        outcome: str | None = None
        try:
            if msg.kind == "channel":
                try:
                    channel = await t.channel_id(msg.destination)
                except LookupError:
                    raise PermanentError("channel_not_found") from None
            else:
                assert recipient is not None
                user_id = recipient.address(NAME)
                if user_id is None:
                    raise PermanentError("user_not_found")
                channel = await t.dm_channel(user_id)
            files = kit.payload_files(msg.payload)
            if msg.timed_out_at is not None and msg.id not in self._text_sent:
                copies = await self._copies_in_slack(channel, msg)
                if copies:
                    outcome = FOUND if copies == 1 else DOUBLE
                    self._text_sent.add(msg.id)  # there already: only its files (if any) still go
                elif copies == 0:
                    outcome = RESENT
            if msg.id not in self._text_sent:
                await self._post(channel, msg)
            if files:
                self._text_sent.add(msg.id)
                await t.upload(channel, files)
            self._text_sent.discard(msg.id)
        except SlackApiError as exc:
            code = _api_error(exc)
            if code in PERMANENT:
                self._text_sent.discard(msg.id)
                raise PermanentError(code) from exc
            if exc.response is not None and exc.response.status_code == 429:
                raise RateLimited(retry_after(exc.response.headers)) from exc  # slack_sdk's own retries ran out
            raise
        return outcome

    async def _copies_in_slack(self, channel: str, msg: Outgoing) -> int | None:
        """How often this outbox message is in the channel since its first timed-out send; None: cannot tell."""
        assert msg.timed_out_at is not None
        oldest = (msg.timed_out_at - HISTORY_MARGIN).timestamp()
        try:
            resp = await self.transport.client.conversations_history(
                channel=channel, oldest=f"{oldest:.6f}", include_all_metadata=True, limit=HISTORY_LIMIT
            )
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "Slack: outbox %s: could not look whether it arrived after a timeout (%s); sending it again",
                msg.id,
                _api_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__,
            )
            return None
        copies = sum(1 for m in resp.get("messages") or [] if _outbox_id(m) == msg.id)
        if not copies and resp.get("has_more"):
            log.warning("Slack: outbox %s: more than %d messages since the timeout; cannot tell", msg.id, HISTORY_LIMIT)
            return None
        return copies

    async def _post(self, channel: str, msg: Outgoing) -> None:
        meta = outbox_metadata(msg.id)
        try:
            markup = await self.transport.markup()
            await self.transport.post(channel, msg.text, payload_buttons(msg.payload), markup=markup, metadata=meta)
        except SlackApiError as exc:
            if _api_error(exc) not in PLAIN_MAY_HELP:
                raise
            log.warning("Slack: outbox %s refused (%s); trying once as plain text", msg.id, _api_error(exc))
            await self.transport.post_plain(channel, kit.plain_text_message(msg.text, note=TRUNCATED), metadata=meta)


def outbox_metadata(msg_id: int | None) -> dict[str, Any]:
    """Slack message metadata that ties a post to its outbox row (to find it after a timeout)."""
    return {"event_type": OUTBOX_EVENT, "event_payload": {"id": msg_id}}


def _outbox_id(message: dict[str, Any]) -> int | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != OUTBOX_EVENT:
        return None
    value = (meta.get("event_payload") or {}).get("id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


class SlackTransport:
    """wijkbot in Slack: a bot.transports.Adapter."""

    name = "slack"

    def __init__(self, bot: Wijkbot, settings: Settings, *, retry_backoff: float = 0.5) -> None:
        if settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN ontbreekt")
        self.bot = bot
        self.socket_mode = settings.slack_app_token is not None
        self._app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        if not secret and not self.socket_mode:
            raise ValueError("SLACK_SIGNING_SECRET ontbreekt; zonder kan wijkbot verzoeken van Slack niet controleren")
        self._backoff = retry_backoff
        self._retry = retry_handlers(retry_backoff)
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            retry_handlers=self._retry,
            timeout=settings.slack_timeout,  # seconds per Web API call: a hanging Slack never holds us for long
        )
        self._timeout = settings.slack_timeout
        self.app = AsyncApp(client=self.client, signing_secret=secret, logger=log, process_before_response=False)
        self.pace = settings.wijkbot_outbox_pace
        self.notifier: Notifier = SlackNotifier(self)
        self._secret = secret.encode()
        self._socket: Any = None  # AsyncSocketModeHandler, imported only in Socket Mode
        self._http: aiohttp.ClientSession | None = None  # one connection pool for every Web API call
        self._homes_due: set[str] = set()
        self._homes_task: asyncio.Task[None] | None = None
        self._channel_names: dict[str, str] = {}  # id → name
        self._channel_ids: dict[str, str] = {}  # name → id
        self._dms: dict[str, str] = {}  # user id → DM channel id
        self._people: dict[str, str] = {}  # user id → person key
        self._mentions: dict[str, str] | None = None  # person key → user id, for <@U…> mentions
        self._mentions_at = 0.0
        self._bot_user: str | None = None  # our own user id (auth.test), to know when we joined a channel
        # the installation whose requests are served (SLACK_TEAM_ID ...; else learnt from auth.test)
        self._team, self._app_id = settings.slack_team_id or None, settings.slack_app_id or None
        self._enterprise = settings.slack_enterprise_id or None
        # an org-wide install (only SLACK_ENTERPRISE_ID) serves every workspace of that organisation
        self._installation_known = bool(self._team or self._enterprise)
        self._installation_lock = asyncio.Lock()
        # replay marks are written outside the worker threads, so acks never queue behind commands
        self._marks = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-seen")
        self._register()

    # -- the Transport protocol -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        if self.socket_mode:
            return []

        async def events(request: Request) -> Response:
            body = await request.body()
            try:
                bolt_request = to_async_bolt_request(request, body)
                readable = _well_formed(bolt_request.body)
            except Exception:  # noqa: BLE001 - no UTF-8, no JSON, or a shape Bolt trips over
                readable = False
            if not readable or not _digits(request.headers.get("x-slack-request-timestamp", "0")):
                # Bolt would answer 500; Slack never sends this, so: 400 (or 401 when not signed)
                signed = _signed(self._secret, body, request.headers)
                return PlainTextResponse("bad request" if signed else "", status_code=400 if signed else 401)
            if not _signed(self._secret, body, request.headers):
                return PlainTextResponse("", status_code=401)  # as Bolt would answer; nothing runs
            refused = await self._refusal(bolt_request.body)
            if refused:
                return refused
            payload_type = bolt_request.body.get("type")
            signature = str(request.headers.get("x-slack-signature", ""))
            kind = _inbox_kind(bolt_request.body)
            if kind is not None:
                return await self._receive(kind, bolt_request.body, signature, request.headers)
            first = await asyncio.get_running_loop().run_in_executor(
                self._marks, lookups.first_time, self.bot.engine, _seen_key(signature), self.bot.clock.now()
            )
            if not first:
                if payload_type == "event_callback":  # the same delivery again: handled once already
                    log.info("Slack: an event delivered twice; skipped")
                    return PlainTextResponse("", status_code=200)
                log.warning("Slack: a replayed request (signature seen before) refused")
                return PlainTextResponse("", status_code=401)
            retry = request.headers.get("x-slack-retry-num")
            if retry:
                log.info("Slack retry %s (%s)", retry, request.headers.get("x-slack-retry-reason", "?"))
            return to_starlette_response(await self.app.async_dispatch(bolt_request))

        return [Route("/slack/events", events, methods=["POST"])]

    async def _write(self, kind: str, key: str, body: dict[str, Any]) -> int | None:
        """One inbox row, committed on return (grouped with the requests arriving with it)."""
        return await self.bot.receive(
            transport=NAME, kind=kind, dedupe_key=key, body=json.dumps(body, ensure_ascii=False)
        )

    async def _receive(self, kind: str, body: dict[str, Any], signature: str, headers: Any) -> Response:
        """Write a verified request to the inbox, then acknowledge: a worker runs it (bot/inbox.py).

        Its key is the event_id for an event (Slack's retries of one event are one row) and the
        signature otherwise (a replayed request is refused, as before)."""
        event_id = body.get("event_id") if kind == "event" else None
        key = f"{NAME}:event:{event_id}" if event_id else f"{NAME}:{_seen_key(signature)}"
        new = await self._write(kind, key, body)
        if new is None:
            if kind == "event":  # the same delivery again: it is in the inbox once already
                log.info("Slack: an event delivered twice; skipped")
                return PlainTextResponse("", status_code=200)
            log.warning("Slack: a replayed request (signature seen before) refused")
            return PlainTextResponse("", status_code=401)
        retry = headers.get("x-slack-retry-num")
        if retry:
            log.info("Slack retry %s (%s)", retry, headers.get("x-slack-retry-reason", "?"))
        self.bot.received()
        return PlainTextResponse("", status_code=200)  # what Bolt's ack() answers

    # -- the inbox Processor protocol (bot/inbox.py): the work after the acknowledgement --------

    async def process(self, kind: str, body: dict[str, Any]) -> None:
        """Run an acknowledged request from the inbox, as Bolt's listener would have."""
        if kind == "command":
            await self._safely(self._command(body), str(body.get("response_url", "")))
        elif kind == "action":
            actions = body.get("actions") or []
            if actions and isinstance(actions[0], dict):  # Bolt's `action`: the first of them
                await self._safely(self._button(body, actions[0]), str(body.get("response_url", "")))
        elif kind == "event":
            event = body.get("event") or {}
            listener = {
                "app_home_opened": self._on_home_opened,
                "message": self._on_message,
                "member_joined_channel": self._on_member_joined,
            }.get(str(event.get("type", "")))
            if listener is not None:
                try:
                    await listener(event)
                except Exception:
                    log.exception("Slack: handling an event failed")

    async def apologise(self, kind: str, body: dict[str, Any]) -> None:
        """A request that failed every time it was tried: say so privately (events: nothing to say)."""
        url = str(body.get("response_url", ""))
        if kind in ("command", "action") and url:
            with contextlib.suppress(Exception):
                await self._post_response(
                    url, {"response_type": "ephemeral", "text": FAILED, "replace_original": False}
                )

    async def start(self, *, listen: bool = True) -> None:
        # Reusing connections matters under a burst of commands: a new TCP connection per Web
        # API call and per response_url cost more than the work itself (see docs/performance.md).
        # slack_sdk applies its timeout only to sessions it makes itself: this one carries it
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        self.client.session = self._http
        if self.socket_mode and listen:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            await self._installation()
            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()
            log.info("Slack: verbonden via Socket Mode")

    async def stop(self) -> None:
        self._marks.shutdown(wait=False)
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._homes_task is not None:
            self._homes_task.cancel()
        if self._http is not None:
            await self._http.close()
            self._http = None

    # -- the installation we serve ------------------------------------------------------------

    async def _installation(self) -> bool:
        """Know which workspace (and organisation, app) we serve: the settings, else auth.test."""
        if self._installation_known:
            return True
        async with self._installation_lock:
            if self._installation_known:
                return True
            try:
                auth = await self.client.auth_test()
                self._team = str(auth.get("team_id") or "") or None
                self._enterprise = str(auth.get("enterprise_id") or "") or None
                if self._app_id is None and auth.get("bot_id"):
                    with contextlib.suppress(SlackApiError):
                        bot = (await self.client.bots_info(bot=str(auth["bot_id"]))).get("bot") or {}
                        self._app_id = str(bot.get("app_id") or "") or None
            except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
                log.warning("Slack: auth.test failed (%s); requests are refused until it answers", type(exc).__name__)
                return False
            self._installation_known = self._team is not None
            return self._installation_known

    async def _refusal(self, body: dict[str, Any]) -> Response | None:
        """403 for a request from another workspace, organisation or app (503 while we cannot tell)."""
        if body.get("type") == "url_verification" or body.get("ssl_check"):
            return None  # Slack checking the request URL: no workspace, nothing runs
        if not await self._installation():
            return PlainTextResponse("", status_code=503)
        mismatch = _mismatch(body, team=self._team, enterprise=self._enterprise, app=self._app_id)
        if mismatch:
            log.warning("Slack: a request from another %s refused", mismatch)
            return PlainTextResponse("", status_code=403)
        return None

    async def _same_installation(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Socket Mode: the same check as HTTP mode's, as Bolt middleware."""
        refused = await self._refusal(body)
        if refused is not None:
            return BoltResponse(status=refused.status_code, body="")
        await next()
        return None

    # -- listeners ----------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app
        if self.socket_mode:
            app.middleware(self._same_installation)
            app.middleware(self._socket_to_inbox)
        app.middleware(self._dedupe_events)
        # Every slash command goes to the router, including ones added later (/ambassadeur).
        app.command(re.compile(r"^/.+"))(self._on_command)
        app.action(re.compile(r".+"))(self._on_button)
        app.view(kit.MODAL_SIGNAAL)(self._on_submit)
        app.view(kit.MODAL_ACTIE)(self._on_submit)
        app.view(kit.MODAL_VERPLAATS)(self._on_submit)
        app.event("app_home_opened")(self._on_home_opened)
        app.event("message")(self._on_message)
        app.event("member_joined_channel")(self._on_member_joined)

    async def _socket_to_inbox(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Socket Mode: a command, click or event goes to the inbox before it is acknowledged, as
        over HTTP (the acknowledgement is this response); a worker runs it."""
        kind = _inbox_kind(body)
        if kind is None:  # a modal submit: answered in the acknowledgement itself, here
            await next()
            return None
        event_id = body.get("event_id") if kind == "event" else None
        once = (
            str(body.get("trigger_id") or "") or hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        )
        key = f"{NAME}:event:{event_id}" if event_id else f"{NAME}:socket:{once}"
        if await self._write(kind, key, body) is not None:
            self.bot.received()
        return BoltResponse(status=200, body="")

    async def _dedupe_events(self, body: dict[str, Any], next: Any) -> BoltResponse | None:
        """Slack retries an event it thinks we missed; handle each event_id once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        first = lookups.first_time
        if event_id and not await asyncio.to_thread(first, self.bot.engine, str(event_id), self.bot.clock.now()):
            log.info("Slack event %s already handled; skipped", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._safely(self._command(body), str(body.get("response_url", "")))

    async def _on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        await self._safely(self._button(body, action), str(body.get("response_url", "")))

    async def _safely(self, work: Awaitable[None], response_url: str) -> None:
        """After the ack nobody waits for us: an unexpected failure still gets a private answer."""
        try:
            await work
        except Exception:
            log.exception("Slack: handling failed")
            body = {"response_type": "ephemeral", "text": FAILED, "replace_original": False}
            with contextlib.suppress(Exception):
                await self._post_response(response_url, body)

    async def _command(self, body: dict[str, Any]) -> None:
        name = str(body.get("command", "")).lstrip("/")
        raw = str(body.get("text", ""))
        user, channel_id = str(body.get("user_id", "")), str(body.get("channel_id", ""))
        response_url = str(body.get("response_url", ""))
        if name == "koppel" and lookups.is_koppelcode(raw):
            await self._redeem(raw, user=user, response_url=response_url)
            return
        channel = await self.channel_name(channel_id, hint=str(body.get("channel_name", "")), user=user)
        wants_modal = not raw.strip() and name in ("signaal", "actie") and body.get("trigger_id")
        if wants_modal and await asyncio.to_thread(lookups.is_group_channel, self.bot.engine, channel):
            meta = {"channel": channel, "channel_id": channel_id}
            view = kit.signaal_modal(meta) if name == "signaal" else kit.actie_modal(meta)
            await self.client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        text = f"/{name} {await self.plain_text(raw)}".strip()
        await self._run(text, user=user, channel=channel, channel_id=channel_id, response_url=response_url)

    async def _redeem(self, code: str, *, user: str, response_url: str) -> None:
        """`/koppel <code>`: bind this Slack account to the person the code was made for."""
        now = self.bot.clock.now()
        wait = self.bot.state.limiter.wait(f"slack:{user}", now)  # guesses are as limited as commands
        if wait:
            text = self.bot.state.limiter.message(wait)
        else:
            key, text = await asyncio.to_thread(
                koppel.redeem, self.bot.engine, self.bot.config, code, transport=NAME, external_id=user, now=now
            )
            if key is not None:
                self._bound(user, key)
                log.info("Slack: an account was bound with a koppelcode")
        await self._post_response(response_url, {"response_type": "ephemeral", "text": kit.fallback_text(text)})

    async def _button(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))
        user = str((body.get("user") or {}).get("id", ""))
        channel_id = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
        response_url = str(body.get("response_url", ""))
        command = button_command(action_id, value)
        if command is None:
            log.warning("unknown Slack action %s", action_id)
            return
        channel = await self.channel_name(channel_id, hint=str((body.get("channel") or {}).get("name", "")), user=user)
        if channel.startswith("@"):
            # a button in a direct message (reminders): act in the channel of the item's group
            meeting = action_id.startswith("overleg_")
            group_channel = await asyncio.to_thread(lookups.channel_of_item, self.bot.engine, value, meeting=meeting)
            channel = group_channel or channel
        meta = {"channel": channel, "channel_id": channel_id, "ref": value}
        if command == "modal:actie":
            await self.client.views_open(trigger_id=body["trigger_id"], view=kit.actie_modal(meta, signaal_ref=value))
        elif command == "modal:verplaats":
            current = await asyncio.to_thread(lookups.deadline_of, self.bot.engine, value)
            view = kit.verplaats_modal(meta, value, current, self.bot.config.tz)
            await self.client.views_open(trigger_id=body["trigger_id"], view=view)
        else:
            container = body.get("container") or {}
            raw_message = body.get("message")
            message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
            click = Click(
                action_id=action_id,
                value=value,
                blocks=message.get("blocks") if isinstance(message.get("blocks"), list) else None,
                ephemeral=bool(container.get("is_ephemeral")) if isinstance(container, dict) else False,
            )
            await self._run(
                command, user=user, channel=channel, channel_id=channel_id, response_url=response_url, click=click
            )

    async def _on_submit(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """A modal was submitted: its fields as a neutral form (handlers/forms.py), errors on the field."""
        meta = kit.modal_metadata(view.get("private_metadata"))
        values = (view.get("state") or {}).get("values")
        values = values if isinstance(values, dict) else {}
        user = str((body.get("user") or {}).get("id", ""))
        form = await self._form(str(view.get("callback_id")), values, meta)
        command = forms.command(form)
        if isinstance(command, tuple):  # a field that cannot be right: said before anything else
            await ack(response_action="errors", errors=dict([command]))
            return
        person, _notice = await self._actor(user)
        if person == UNKNOWN_PERSON:
            text = koppel.unknown_account(self.bot.config, NAME)
            await ack(response_action="errors", errors={forms.field_of(text, tuple(values)): text})
            return
        # Handled before ack: the outcome decides whether the modal closes or shows an error.
        # (Delivering the outbox, which may be slow, waits until after the ack.)
        outcome = await self.bot.submit(form, person=person, channel=meta.get("channel", ""), transport="slack")
        if not outcome.accepted:
            await ack(response_action="errors", errors=outcome.errors)
            return
        await ack()
        await self.bot.outbox_changed()
        channel_id = meta.get("channel_id", "")
        markup = await self.markup()
        for r in outcome.replies:
            try:
                text = kit.without_paths(r.text, kit.files_of(r.extra))
                await self.post(channel_id, text, r.buttons, ephemeral_for=user if r.private else None, markup=markup)
            except SlackApiError as exc:
                log.warning("Slack: reply after modal not delivered: %s", _api_error(exc))
        await self._refresh_homes(outcome.replies, person)

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await self.publish_home(str(event.get("user", "")))

    async def _on_message(self, event: dict[str, Any]) -> None:
        """A direct message to the bot (Messages tab, `message.im`) is a command: `actie lijst`,
        `/actie lijst` or `help`; anything else gets one line on how to write one."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # our own messages, edits, joins: nothing to answer
        user, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
        if not user or not channel_id or user == await self._own_user():
            return
        raw = (await self.plain_text(str(event.get("text") or ""))).strip()
        word = raw.lstrip("/").split(maxsplit=1)[0].lower() if raw.lstrip("/") else ""
        if commands.find(word) is None:
            await self.post(channel_id, DM_HINT)
            return
        person, notice = await self._actor(user)
        if person == UNKNOWN_PERSON:
            await self.post(channel_id, koppel.unknown_account(self.bot.config, NAME))
            return
        if notice:
            await self.post(channel_id, notice)
        # A member of one group acts for it, as in its channel; the answers come here, and what the
        # team would have seen in its channel (a new item, a change) is posted there too.
        group_channel = await asyncio.to_thread(lookups.only_group_channel, self.bot.engine, person)
        where = group_channel or f"@{person}"
        msg = self.bot.message("/" + raw.lstrip("/"), person=person, channel=where, transport="slack")
        replies = await self.bot.handle(msg)
        markup = await self.markup()
        for r in replies:
            text = kit.without_paths(r.text, kit.files_of(r.extra))
            await self.post(channel_id, text, r.buttons, markup=markup)
            if group_channel and not r.private and not r.extra.get("error"):
                payload = {"buttons": [{"label": b.label, "action": b.action, "value": b.value} for b in r.buttons]}
                post = lookups.post_to_channel
                await asyncio.to_thread(post, self.bot.engine, group_channel, text, now=msg.now, payload=payload)
        if group_channel and any(not r.private for r in replies):
            await self.bot.outbox_changed()
        await self._share_reply_files(replies, msg, channel_id=channel_id, user=user, response_url="")
        await self._refresh_homes(replies, person)

    async def _on_member_joined(self, event: dict[str, Any]) -> None:
        """Invited to a channel that belongs to no group: say so once, kindly, and what to do."""
        channel_id = str(event.get("channel") or "")
        if not channel_id or str(event.get("user") or "") != await self._own_user():
            return
        name = await self.channel_name(channel_id)
        if not name or await asyncio.to_thread(lookups.is_group_channel, self.bot.engine, name):
            return
        text = (
            f"Dank voor de uitnodiging. #{name} hoort (nog) bij geen team of groep van wijkbot, dus hier "
            "doe ik niets: /signaal, /actie en /overleg werken in het kanaal van een groep, /help overal. "
            "Hoort dit kanaal bij een groep, vraag de beheerder dan het op te nemen in de configuratie "
            f'(channel = "{name}").'
        )
        now = self.bot.clock.now()
        welcome = f"welkom:{channel_id}"
        await asyncio.to_thread(lookups.post_to_channel, self.bot.engine, channel_id, text, now=now, dedupe_key=welcome)
        await self.bot.outbox_changed()

    async def _own_user(self) -> str:
        """The bot's own Slack user id (auth.test, asked once); '' while Slack does not answer."""
        if self._bot_user is None:
            try:
                self._bot_user = str((await self.client.auth_test()).get("user_id") or "")
            except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
                log.warning("Slack: auth.test failed (%s)", type(exc).__name__)
                return ""
        return self._bot_user

    # -- the work after the ack ----------------------------------------------------------------

    async def _run(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        channel_id: str = "",
        response_url: str,
        click: Click | None = None,
    ) -> None:
        """Dispatch a command as this Slack user and answer through the response_url; after a
        click that worked, the message that held the button shows the outcome instead of it."""
        person, notice = await self._actor(user)
        if person == UNKNOWN_PERSON:  # nobody we know: one sentence on how to be added, nothing runs
            text = koppel.unknown_account(self.bot.config, NAME)
            await self._post_response(response_url, {"response_type": "ephemeral", "text": kit.fallback_text(text)})
            return
        if notice:
            await self._post_response(response_url, {"response_type": "ephemeral", "text": kit.fallback_text(notice)})
        msg = self.bot.message(text, person=person, channel=channel, transport="slack")
        replies = await self.bot.handle(msg)
        markup = await self.markup()
        if click is not None:
            replies_left = await self._answer_click(click, replies, markup, response_url)
        else:
            replies_left = replies
        for r in replies_left:
            body = kit.reply_message(r, markup)
            body["response_type"] = "ephemeral" if r.private else "in_channel"
            if click is not None:
                body["replace_original"] = False
            await self._post_response(response_url, body)
        await self._share_reply_files(replies, msg, channel_id=channel_id, user=user, response_url=response_url)
        await self.bot.answered()  # the inbox request is answered: what follows is extra
        await self._refresh_homes(replies, person)

    async def _answer_click(
        self, click: Click, replies: list[Reply], markup: kit.Markup, response_url: str
    ) -> list[Reply]:
        """Replace the message that held the button (`replace_original`, which is `chat.update` for
        the bot's own message) once the click worked; returns the replies still to be posted.

        A public outcome, or any outcome under a private message, is shown in the message itself;
        a private outcome under a public message is posted privately, and only the used buttons go.
        A private question (the PII confirmation) that led to a public outcome is deleted."""
        if not replies or any(r.extra.get("error") for r in replies):
            return replies  # it did not work: the buttons stay, the error comes privately
        first = replies[0]
        fold = click.ephemeral or not first.private
        outcome = kit.without_paths(first.text, kit.files_of(first.extra)) if fold else ""
        body: dict[str, Any]
        if click.blocks is not None:
            blocks = kit.after_click(click.blocks, click.action_id, click.value, outcome, markup)
            body = {"replace_original": True, "text": kit.fallback_text(outcome or first.text), "blocks": blocks}
        elif click.ephemeral and first.private:
            body = {"replace_original": True, **kit.reply_message(first, markup)}
        elif click.ephemeral:
            body, fold = {"delete_original": True}, False
        else:
            return replies  # no copy of the message to rebuild (Slack sends one for every message)
        await self._post_response(response_url, body)
        # buttons of the outcome itself (e.g. a new item's) still need a message of their own
        return replies[1:] if fold and not first.buttons else replies

    async def _share_reply_files(
        self, replies: list[Reply], msg: Message, *, channel_id: str, user: str, response_url: str
    ) -> None:
        """A reply's files (`extra["files"]`) go where the reply went: the channel, or the person's DM
        for a private reply. Files the command also queued for this channel are the outbox's to send."""
        if not any(kit.files_of(r.extra) for r in replies):
            return
        payloads = await asyncio.to_thread(lookups.payloads_queued, self.bot.engine, msg.channel, msg.now)
        queued = {f for p in payloads for f in kit.payload_files(p)}
        for r in replies:
            files = [f for f in kit.files_of(r.extra) if f not in queued]
            if not files:
                continue
            try:
                target = await self.dm_channel(user) if r.private or not channel_id else channel_id
                await self.upload(target, files)
            except Exception as exc:  # noqa: BLE001 - the command is done; say the file did not arrive
                log.warning("Slack: files of a reply not uploaded: %s", type(exc).__name__)
                names = ", ".join(Path(f).name for f in files)
                text = f"Het bestand {names} kon ik niet in Slack zetten; probeer het later opnieuw."
                if not response_url:  # a direct message to the bot: answer there
                    with contextlib.suppress(Exception):
                        await self.post(channel_id, text)
                    continue
                body = {"response_type": "ephemeral", "text": kit.fallback_text(text), "replace_original": False}
                await self._post_response(response_url, body)

    async def upload(self, channel: str, paths: list[str]) -> None:
        """Share files in a channel (files_upload_v2); a file that is gone is logged and left out."""
        uploads: list[dict[str, Any]] = []
        for path in paths:
            name = Path(path).name
            try:
                data = await asyncio.to_thread(Path(path).read_bytes)
            except OSError as exc:
                log.warning("Slack: file %s not uploaded (%s); the message goes without it", name, type(exc).__name__)
                continue
            uploads.append({"content": data, "filename": name, "title": name})
        if uploads:
            await self.client.files_upload_v2(channel=channel, file_uploads=uploads)

    async def post(
        self,
        channel: str,
        text: str,
        buttons: Any = (),
        *,
        ephemeral_for: str | None = None,
        markup: kit.Markup = kit.PLAIN,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Post literally: escaped text, no name linking, no unfurling, no parsing; only the markup
        we write ourselves (`markup`: mentions of people with a Slack id, dates)."""
        blocks = kit.message_blocks(text, buttons, markup)
        options: dict[str, Any] = {"parse": "none", "link_names": False, "unfurl_links": False, "unfurl_media": False}
        if ephemeral_for:
            await self.client.chat_postEphemeral(
                channel=channel, user=ephemeral_for, text=kit.fallback_text(text), blocks=blocks, **options
            )
        else:
            if metadata is not None:
                options["metadata"] = metadata
            await self.client.chat_postMessage(channel=channel, text=kit.fallback_text(text), blocks=blocks, **options)

    async def post_plain(self, channel: str, text: str, *, metadata: dict[str, Any] | None = None) -> None:
        """Post already escaped text without blocks (the fallback when Slack refuses the blocks)."""
        await self.client.chat_postMessage(
            channel=channel,
            text=text,
            parse="none",
            link_names=False,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
        )

    async def _post_response(self, url: str, body: dict[str, Any]) -> None:
        if not _web_url(url):
            log.warning("Slack: no response_url to answer on")
            return
        client = AsyncWebhookClient(url, retry_handlers=self._retry, session=self._http, timeout=self._timeout)
        for attempt in range(RESPONSE_TRIES):
            resp = await client.send_dict(body)
            # slack_sdk's webhook client retries only 429 itself; a 5xx gets a few tries here
            if resp.status_code < 500 or attempt == RESPONSE_TRIES - 1:
                break
            await asyncio.sleep(self._backoff * 2**attempt)
        if resp.status_code != 200:
            log.warning("Slack: response_url answered %s", resp.status_code)

    async def markup(self) -> kit.Markup:
        """How our texts become mrkdwn here: mentions of the people Slack knows, our dates."""
        now = time.monotonic()
        if self._mentions is None or now - self._mentions_at > MENTIONS_TTL:
            self._mentions = await asyncio.to_thread(directory.addresses, self.bot.engine, "slack")
            self._mentions_at = now
        return kit.Markup(people=dict(self._mentions), tz=self.bot.config.tz)

    def _bound(self, user: str, key: str) -> None:
        self._people[user] = key
        if self._mentions is not None:
            self._mentions[key] = user

    async def _form(self, callback_id: str, values: dict[str, Any], meta: dict[str, str]) -> forms.Form:
        """A modal's fields as the neutral form it is: the owner as a person key ('' for nobody we know)."""
        name = kit.FORMS.get(callback_id, callback_id)
        fields = {block: kit.input_value(values, block) for block in values}
        if fields.get(kit.B_OWNER):
            key = await self.person_key(fields[kit.B_OWNER])
            fields[kit.B_OWNER] = key if key != UNKNOWN_PERSON else ""
        return forms.Form(name, fields, ref=meta.get("ref", ""))

    def _users_to_refresh(self, refs: list[str], actor: str) -> list[str]:
        """The Slack users whose App Home shows these actiepunten: their owners, and who acted."""
        keys = {*lookups.owners_of(self.bot.engine, refs), actor}
        return sorted(set(directory.addresses(self.bot.engine, "slack", keys).values()))

    async def _refresh_homes(self, replies: list[Reply], actor: str) -> None:
        """Best effort: republish the App Home of whoever's actiepunten just changed."""
        refs = [r.ref for r in replies if r.ref and r.ref.startswith("A-")]
        if not refs:
            return
        try:
            users = await asyncio.to_thread(self._users_to_refresh, refs, actor)
        except Exception:
            log.exception("Slack: App Home not republished")
            return
        # Coalesce: a burst of commands republishes each home once, shortly after.
        self._homes_due.update(users)
        if self._homes_task is None or self._homes_task.done():
            self._homes_task = asyncio.create_task(self._publish_due_homes())

    async def _publish_due_homes(self) -> None:
        await asyncio.sleep(HOME_DEBOUNCE)
        while self._homes_due:
            user = self._homes_due.pop()
            try:
                await self.publish_home(user)
            except Exception:
                log.exception("Slack: App Home not republished")

    async def homes_published(self) -> None:
        """Wait until the App Homes due for republishing have been published (tests, shutdown)."""
        while self._homes_task is not None and not self._homes_task.done():
            await asyncio.shield(self._homes_task)

    async def publish_home(self, user: str) -> None:
        """Build and publish one person's App Home."""
        key, _notice = await self._actor(user)
        known = key if key != UNKNOWN_PERSON else None
        page = await asyncio.to_thread(
            home.view, self.bot.engine, self.bot.config, known, now=self.bot.clock.now(), transport=NAME
        )
        await self.client.views_publish(user_id=user, view=kit.home_view(page, self.bot.config.tz))

    # -- Slack ids ↔ our names -----------------------------------------------------------------

    async def person_key(self, user: str) -> str:
        """Our person for a Slack user bound to one (slack_id in the configuration, a koppelcode or
        a verified e-mail); never guessed from a name."""
        if not user:
            return UNKNOWN_PERSON
        if user in self._people:
            return self._people[user]
        key = await asyncio.to_thread(directory.person_key, self.bot.engine, "slack", user)
        if key is None:
            return UNKNOWN_PERSON
        self._people[user] = key
        return key

    async def _actor(self, user: str) -> tuple[str, str | None]:
        """The person acting, and a notice when their account was bound just now: an unbound
        user whose verified workspace e-mail is a configured `email` is bound (when allowed)."""
        key = await self.person_key(user)
        if key != UNKNOWN_PERSON or not user or "email" not in self.bot.config.koppelen:
            return key, None
        email = await self._verified_email(user)
        if email is None:
            return key, None
        bound = await asyncio.to_thread(
            koppel.bind_email,
            self.bot.engine,
            self.bot.config,
            email,
            transport=NAME,
            external_id=user,
            now=self.bot.clock.now(),
        )
        if bound is None:
            return key, None
        self._bound(user, bound[0])
        log.info("Slack: an account was bound by its verified e-mail address")
        return bound

    async def _verified_email(self, user: str) -> str | None:
        """The e-mail Slack verified for a member of our own workspace (users:read.email), if any."""
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except SlackApiError as exc:
            log.warning("Slack: users.info failed: %s", _api_error(exc))
            return None
        if not isinstance(info, dict) or info.get("deleted") or info.get("is_bot"):
            return None
        if info.get("is_email_confirmed") is False or not await self._installation():
            return None
        enterprise = (info.get("enterprise_user") or {}).get("enterprise_id")
        ours = info.get("team_id") == self._team if self._team else enterprise == self._enterprise
        email = (info.get("profile") or {}).get("email")
        return email if ours and isinstance(email, str) and email else None

    async def plain_text(self, text: str) -> str:
        """Slack's markup back into what the person typed: `<@U1|piet>` → `@piet`, `&lt;` → `<`."""
        parts: list[str] = []
        last = 0
        for m in _ENTITY.finditer(text):
            parts.append(text[last : m.start()])
            parts.append(await self._entity(m.group(1)))
            last = m.end()
        parts.append(text[last:])
        return "".join(parts).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

    async def _entity(self, inner: str) -> str:
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            key = await self.person_key(target[1:])
            return f"@{key}" if key != UNKNOWN_PERSON else f"@{(label or target[1:]).replace(' ', '')}"
        if target.startswith("#"):
            return f"#{label}" if label else f"#{self._channel_names.get(target[1:], target[1:])}"
        if target.startswith("!subteam^"):
            return label or "@groep"
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return f"@{target[1:]}"  # <!here>, <!channel>: kept as text, never as a ping
        if label and label not in target:
            return f"{label} ({target})"  # a link shows where it goes
        return target.removeprefix("mailto:")

    async def channel_name(self, channel_id: str, *, hint: str = "", user: str = "") -> str:
        """The channel's name (what groups are configured with); `@person` in a direct chat."""
        if channel_id.startswith("D") or hint == "directmessage":
            return f"@{await self.person_key(user)}"
        if channel_id in self._channel_names:
            return self._channel_names[channel_id]
        try:
            info = await self.client.conversations_info(channel=channel_id)
            name = str((info.get("channel") or {}).get("name") or hint)
        except SlackApiError as exc:
            log.warning("Slack: conversations.info %s failed: %s", channel_id, _api_error(exc))
            return hint
        self._channel_names[channel_id] = name
        self._channel_ids[name] = channel_id
        return name

    async def channel_id(self, name: str) -> str:
        """A channel's id from its name (conversations.list, cached); ids pass through."""
        if kit.looks_like_channel_id(name):
            return name
        name = name.lstrip("#")
        if name not in self._channel_ids:
            cursor = None
            while True:
                page = await self.client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
                )
                for ch in page.get("channels") or []:
                    self._channel_ids[str(ch["name"])] = str(ch["id"])
                    self._channel_names[str(ch["id"])] = str(ch["name"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        if name not in self._channel_ids:
            raise LookupError(f"Slack channel #{name} not found (is the bot invited?)")
        return self._channel_ids[name]

    async def dm_channel(self, user: str) -> str:
        if user not in self._dms:
            resp = await self.client.conversations_open(users=user)
            self._dms[user] = str((resp.get("channel") or {})["id"])
        return self._dms[user]


INBOX_EVENTS = frozenset({"app_home_opened", "message", "member_joined_channel"})


def _inbox_kind(body: dict[str, Any]) -> str | None:
    """What of a verified HTTP request goes through the inbox: commands, clicks and the events we
    listen to. Modal submits are answered in the acknowledgement itself (errors on the field) and
    stay with Bolt, as do Slack's URL checks."""
    if body.get("command") and not body.get("type"):
        return "command"
    if body.get("type") == "block_actions":
        return "action"
    if body.get("type") == "event_callback":
        event = body.get("event")
        if isinstance(event, dict) and event.get("type") in INBOX_EVENTS:
            return "event"
    return None


def _signed(secret: bytes, body: bytes, headers: Any) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier needs UTF-8 and a numeric stamp)."""
    stamp, given = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
    if not secret or not _digits(stamp) or abs(time.time() - int(stamp)) > 5 * 60:
        return False
    digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), given.encode(errors="replace"))


def _seen_key(signature: str) -> str:
    """The replay mark of a signed request: its signature covers the timestamp and the body."""
    return "sig:" + hashlib.sha256(signature.encode(errors="replace")).hexdigest()


def _mismatch(body: dict[str, Any], *, team: str | None, enterprise: str | None, app: str | None) -> str | None:
    """What of the payload names another installation ("app", "organisation", "workspace"), if any."""

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) and value else None

    def nested(key: str) -> str | None:
        value = body.get(key)
        return text(value.get("id")) if isinstance(value, dict) else None

    their_app = text(body.get("api_app_id"))
    their_team = text(body.get("team_id")) or nested("team")
    their_enterprise = text(body.get("enterprise_id")) or nested("enterprise")
    if app and their_app and their_app != app:
        return "app"
    if enterprise and their_enterprise != enterprise:
        return "organisation"
    if team and their_team != team:
        return "workspace"
    return None


def _api_error(exc: SlackApiError) -> str:
    """Slack's error code; a body that is no JSON (a proxy, a 400 for a huge request) has none."""
    data = exc.response.data
    return str(data.get("error")) if isinstance(data, dict) else f"HTTP {exc.response.status_code}"


def _web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1"
        return False


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is True, and int("²") fails


def _well_formed(body: Any) -> bool:
    """The parts of a request that Bolt's matchers and our listeners index have the shape Slack sends."""
    if not _shaped(body, _TOP):
        return False
    actions = body.get("actions")
    if "actions" in body and not (isinstance(actions, list) and actions and all(_shaped(a, _ACTION) for a in actions)):
        return False
    view = body.get("view")
    if view is not None and not isinstance(view.get("type"), str):  # Bolt reads view["type"] unchecked
        return False
    return _shaped(body.get("event", {}), _EVENT) and _shaped(view or {}, _VIEW)


def _shaped(value: Any, fields: dict[str, type]) -> bool:
    return isinstance(value, dict) and all(value.get(k) is None or isinstance(value[k], t) for k, t in fields.items())


_TOP: dict[str, type] = {
    **dict.fromkeys(("event", "view", "user", "channel", "team", "container", "message", "state"), dict),
    **dict.fromkeys(("type", "command", "callback_id", "event_id"), str),
}
_ACTION: dict[str, type] = dict.fromkeys(("action_id", "block_id", "value", "type"), str)
_EVENT: dict[str, type] = {"type": str, "message": dict, "previous_message": dict}
_VIEW: dict[str, type] = {"callback_id": str, "private_metadata": str, "state": dict, "type": str}


register(Transport(NAME, switch="SLACK_BOT_TOKEN", enabled=lambda s: bool(s.slack_bot_token), build=SlackTransport))
