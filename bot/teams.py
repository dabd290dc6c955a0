"""Microsoft Teams: commands as messages to the bot, answers and outbox messages as Adaptive Cards.

The Bot Framework SDK (`botbuilder-core`) does the protocol: the Bot Connector posts every
activity to `POST /teams/messages` with a JWT in the Authorization header, which the SDK's own
validation checks (signature against the keys in the OpenID metadata, issuer, audience = our app
id, the serviceUrl claim, the channel's endorsement); `CloudAdapterBase` runs the turn and sends
the replies through the connector. Nothing runs for a request that does not pass.

A command is a message to the bot, with or without a leading `/`: in a team's channel (with the
bot's @mention, which is removed) it acts for the group bound to that channel; in a personal
chat it acts for the person. People are found by their Entra object id (`aadObjectId`), channels
by their Teams channel id, both through handlers.directory ("teams"). A button is an
Action.Submit whose data is the Button's action and value: a tap comes back as a message with
`value` and runs the same command a click runs in Slack (handlers.buttons.button_command).

Outbox messages to a group start a new post in its channel; to a person, a personal chat is
created with their object id in our tenant. Tokens for the connector are the app's client
credentials (OAuth2, fetched with aiohttp: MSAL is synchronous and would hold up the event loop).
Settings: TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_TENANT_ID, TEAMS_API_URL (docs/teams.md).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import time
from collections.abc import Sequence
from typing import Any

import aiohttp
from botbuilder.core import CloudAdapterBase, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    BotFrameworkAuthenticationFactory,
    ClaimsIdentity,
    PasswordServiceClientCredentialFactory,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.pipeline.async_abc import AsyncHTTPPolicy
from msrest.universal_http import ClientRequest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core import Wijkbot
from bot.http import retry_after
from bot.settings import Settings
from bot.transports import Transport, register
from handlers import directory
from handlers.base import Button, Reply
from handlers.buttons import button_command, payload_buttons
from handlers.notify import Notifier, Outgoing, PermanentError, RateLimited, Recipient

log = logging.getLogger(__name__)

NAME = "teams"
CHANNEL_ID = "msteams"
ROUTE = "/teams/messages"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"  # what Teams renders on desktop, web and mobile
# Teams refuses a message over about 28 KB; a card stays under this, the activity around it is small.
CARD_BYTES = 24 * 1024
LINE_CHARS = 2000  # one TextBlock at most; a longer line continues in the next
ACTIONS_PER_SET = 5  # Teams shows at most 6 actions in a row
BUTTON_TITLE = 40
INPUT = "invoer"  # the id of the text field under a button that asks for more (deadline, owner)
ADDRESS_TTL = 60.0  # seconds an address looked up for the outbox is used before it is asked again
TOKEN_MARGIN = 300  # seconds before its expiry a connector token is renewed
# Buttons that open a form in Slack: in Teams a text field under the button, then this command.
FORMS = {
    "modal:verplaats": ("/actie verplaats {v} {input}", "Nieuwe deadline, bijvoorbeeld vrijdag of 1 maart"),
    "modal:actie": ("/signaal {v} actie {input}", "Tekst van het actiepunt, @eigenaar en eventueel een deadline"),
}
_AT = re.compile(r"<at>(.*?)</at>", re.I | re.S)


def unknown_account(aad_object_id: str) -> str:
    """The one sentence for a Teams user who is bound to nobody in wijkbot (nothing runs)."""
    return (
        "Uw Teams-account is nog niet aan een persoon in wijkbot gekoppeld; vraag de beheerder om uw "
        f'Teams-id ({aad_object_id}) bij uw naam in de configuratie te zetten (ids = {{ teams = "…" }}).'
    )


def unbound_channel(channel_id: str) -> str:
    return (
        "Dit Teams-kanaal hoort (nog) bij geen team of groep van wijkbot; vraag de beheerder het kanaal-id "
        f'{channel_id} bij de groep in de configuratie te zetten (ids = {{ teams = "…" }}).'
    )


GROUP_CHAT = "wijkbot werkt in het kanaal van een team en in een persoonlijke chat met de bot, niet in een groepschat."
FAILED = "Er ging iets mis bij wijkbot; probeer het zo opnieuw (kijk met actie lijst of het al is vastgelegd)."


# ---------------------------------------------------------------------------------------------
# Adaptive Cards
# ---------------------------------------------------------------------------------------------


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False).encode())


def _card(body: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}


def _lines(text: str) -> list[str]:
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > LINE_CHARS:
            out.append(line[:LINE_CHARS])
            line = line[LINE_CHARS:]
        out.append(line)
    return out


def _text_blocks(text: str) -> list[dict[str, Any]]:
    """One TextBlock per line; an empty line becomes space above the next one."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in _lines(text.strip() or "…"):
        if not line.strip():
            gap = True
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": line, "wrap": True}
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    return blocks


def _action(b: Button) -> dict[str, Any]:
    title = b.label[:BUTTON_TITLE] or b.value
    data = {"action": b.action, "value": b.value}
    form = FORMS.get(button_command(b.action, b.value) or "")
    if form is None:
        return {"type": "Action.Submit", "title": title, "data": data}
    ask = {"type": "Input.Text", "id": INPUT, "placeholder": form[1], "isRequired": True, "errorMessage": form[1]}
    inner = _card([ask])
    inner.pop("$schema")
    inner["actions"] = [{"type": "Action.Submit", "title": "Verstuur", "data": data}]
    return {"type": "Action.ShowCard", "title": title, "card": inner}


def cards(text: str, buttons: Sequence[Button] = ()) -> list[dict[str, Any]]:
    """A reply as Adaptive Cards: its lines as TextBlocks, its buttons in rows, each card within
    Teams' size limit (a long list continues in the next card; the buttons come last)."""
    elements = _text_blocks(text)
    rows = [list(buttons[i : i + ACTIONS_PER_SET]) for i in range(0, len(buttons), ACTIONS_PER_SET)]
    elements += [{"type": "ActionSet", "actions": [_action(b) for b in row]} for row in rows]
    out: list[dict[str, Any]] = []
    body: list[dict[str, Any]] = []
    empty = _size(_card([]))
    used = empty
    for element in elements:
        size = _size(element) + 2  # and the ", " before it
        if body and used + size > CARD_BYTES:
            out.append(_card(body))
            body, used = [], empty
            element = {k: v for k, v in element.items() if k != "spacing"}
        body.append(element)
        used += size
    out.append(_card(body))
    return out


def card_attachment(card: dict[str, Any]) -> Attachment:
    return Attachment(content_type=CARD_TYPE, content=card)


def message_activities(text: str, buttons: Sequence[Button] = ()) -> list[Activity]:
    """What is posted for one reply or outbox message: one message per card, with the text as summary."""
    summary = " ".join(text.split())[:200]
    return [
        Activity(type=ActivityTypes.message, summary=summary, attachments=[card_attachment(c)])
        for c in cards(text, buttons)
    ]


# ---------------------------------------------------------------------------------------------
# the connector: tokens and clients
# ---------------------------------------------------------------------------------------------


class _Bearer(AsyncHTTPPolicy[ClientRequest, Any]):
    """The app's token on every call to the Bot Connector (a policy in msrest's async pipeline)."""

    def __init__(self, transport: TeamsTransport) -> None:
        super().__init__()
        self.transport = transport

    async def send(self, request: Any, **kwargs: Any) -> Any:
        request.http_request.headers["Authorization"] = f"Bearer {await self.transport.token()}"
        assert self.next is not None  # the pipeline links every policy to the next
        return await self.next.send(request, **kwargs)


class _Credentials(PasswordServiceClientCredentialFactory):  # type: ignore[misc]
    """The SDK's password credentials, but the token comes from TeamsTransport.token (async, cached)."""

    def __init__(self, transport: TeamsTransport, app_id: str) -> None:
        super().__init__(app_id=app_id, password=None, tenant_id=transport.tenant)
        self.transport = transport

    async def is_authentication_disabled(self) -> bool:
        return False  # never: every request must carry a valid token, whatever the settings say

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("Teams: een token voor een andere app gevraagd")
        return _Bearer(self.transport)


class _Adapter(CloudAdapterBase):  # type: ignore[misc]
    """The SDK's cloud adapter; wijkbot gives it the authenticated request itself (see TeamsTransport)."""

    def __init__(self, auth: BotFrameworkAuthentication) -> None:
        super().__init__(auth)
        self.on_turn_error = self._failed

    async def _failed(self, context: TurnContext, error: Exception) -> None:
        """A turn that failed (the connector refused an answer): logged; the request still gets 200,
        since a retry by the connector would run the command a second time."""
        log.warning("Teams: an answer could not be sent (%s)", type(error).__name__)


# ---------------------------------------------------------------------------------------------
# the outbox
# ---------------------------------------------------------------------------------------------


class TeamsNotifier:
    """Delivers outbox messages to groups' Teams channels and to people's personal chats."""

    name = NAME
    interval = 0.0  # the Bot Framework answers 429 with Retry-After when it wants us slower

    def __init__(self, transport: TeamsTransport) -> None:
        self.transport = transport

    def handles(self, msg: Outgoing, recipient: Recipient | None) -> bool:
        if msg.kind == "channel":
            return self.transport.channel_address(msg.destination) is not None
        return msg.kind == "dm" and recipient is not None and self.transport.person_address(recipient.key) is not None

    async def send(self, msg: Outgoing, recipient: Recipient | None) -> str | None:
        """Post it; a refusal no retry changes (403, 404, a card Teams does not take) parks it.

        The connector cannot be asked whether a send that timed out arrived: it goes again (and the
        outbox counts a possible double)."""
        t = self.transport
        activities = message_activities(msg.text, payload_buttons(msg.payload))
        try:
            if msg.kind == "channel":
                address = t.channel_address(msg.destination)
                if address is None:
                    raise PermanentError("teams_kanaal_onbekend")
                await t.post_in_channel(address, activities)
            else:
                assert recipient is not None
                person = t.person_address(recipient.key)
                if person is None:
                    raise PermanentError("teams_persoon_onbekend")
                await t.post_to_person(person, activities)
        except HttpOperationError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in (400, 401, 403, 404, 413):
                raise PermanentError(f"teams_{status}") from exc
            if status == 429 and exc.response is not None:
                raise RateLimited(retry_after(exc.response.headers)) from exc
            raise
        return None


# ---------------------------------------------------------------------------------------------
# the transport
# ---------------------------------------------------------------------------------------------


class TeamsTransport:
    """wijkbot in Microsoft Teams: a bot.transports.Adapter on the Bot Framework SDK."""

    name = NAME

    def __init__(self, bot: Wijkbot, settings: Settings) -> None:
        if not settings.teams_app_id:
            raise ValueError("TEAMS_APP_ID ontbreekt")
        if settings.teams_app_password is None or not settings.teams_app_password.get_secret_value():
            raise ValueError("TEAMS_APP_PASSWORD ontbreekt; zonder kan wijkbot geen berichten in Teams plaatsen")
        if not settings.teams_tenant_id:
            raise ValueError("TEAMS_TENANT_ID ontbreekt; wijkbot werkt alleen voor de eigen tenant")
        self.bot = bot
        self.app_id = settings.teams_app_id
        self.tenant = settings.teams_tenant_id
        self._password = settings.teams_app_password.get_secret_value()
        self.api_url = settings.teams_api_url
        self._token_url = f"{settings.teams_login_url.rstrip('/')}/{self.tenant}/oauth2/v2.0/token"
        self._timeout = settings.teams_timeout
        self.auth: BotFrameworkAuthentication = BotFrameworkAuthenticationFactory.create(
            channel_service=None,
            validate_authority=True,
            to_channel_from_bot_login_url=f"{settings.teams_login_url.rstrip('/')}/{self.tenant}",
            to_channel_from_bot_oauth_scope=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            to_bot_from_channel_token_issuer=settings.teams_token_issuer,
            oauth_url=AuthenticationConstants.OAUTH_URL,
            to_bot_from_channel_open_id_metadata_url=settings.teams_openid_metadata_url,
            to_bot_from_emulator_open_id_metadata_url=AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            caller_id="urn:botframework:azure",
            credential_factory=_Credentials(self, self.app_id),
        )
        self.adapter = _Adapter(self.auth)
        self.notifier: Notifier = TeamsNotifier(self)
        self._http: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()
        self._clients: dict[str, ConnectorClient] = {}
        self._chats: dict[str, str] = {}  # object id → personal conversation id
        self._addresses: dict[tuple[str, str], tuple[float, str | None]] = {}

    # -- the Adapter protocol ---------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [Route(ROUTE, self.messages, methods=["POST"])]

    async def start(self, *, listen: bool = True) -> None:
        self._session()
        log.info("Teams: berichten op %s", ROUTE)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # -- incoming -----------------------------------------------------------------------------

    async def messages(self, request: Request) -> Response:
        """The Bot Connector posts each activity here; the SDK checks its token before anything runs."""
        header = request.headers.get("authorization", "")
        if not header:
            return PlainTextResponse("", status_code=401)
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict) or not isinstance(body.get("type"), str):
                raise ValueError("no activity")
            activity = Activity().deserialize(body)
        except Exception:  # noqa: BLE001 - no JSON, or a shape msrest cannot read: not an activity
            return PlainTextResponse("bad request", status_code=400)
        try:
            # The SDK fetches its signing keys with blocking requests (once a day): in a thread of its own.
            result = await asyncio.to_thread(asyncio.run, self.auth.authenticate_request(activity, header))
        except Exception as exc:  # noqa: BLE001 - every refusal of the SDK (PermissionError, bad JWT, ...)
            log.warning("Teams: a request refused (%s)", type(exc).__name__)
            return PlainTextResponse("", status_code=401)
        if self._tenant_of(activity) != self.tenant:
            log.warning("Teams: a request from another tenant refused")
            return PlainTextResponse("", status_code=403)
        await self.adapter.process_activity(result, activity, self._turn)
        return JSONResponse({}, status_code=200)

    def _tenant_of(self, activity: Activity) -> str | None:
        conversation = activity.conversation
        return (conversation.tenant_id if conversation is not None else None) or _data(activity, "tenant").get("id")

    async def _turn(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.type != ActivityTypes.message or activity.from_property is None:
            return  # conversationUpdate, installationUpdate, typing, ...: nothing to answer
        kind = (activity.conversation.conversation_type if activity.conversation else None) or "personal"
        if kind == "groupChat":
            await self._reply(context, [Reply(GROUP_CHAT)])
            return
        text = self._command(activity)
        if text is None:
            return
        aad = str(activity.from_property.aad_object_id or "")
        person = await asyncio.to_thread(directory.person_key, self.bot.engine, NAME, aad) if aad else None
        if person is None:  # nobody we know: one sentence on how to be added, nothing runs
            await self._reply(context, [Reply(unknown_account(aad or "onbekend"))])
            return
        where = f"@{person}"
        if kind == "channel":
            channel_id = self._channel_id(activity)
            group = await asyncio.to_thread(directory.channel_at, self.bot.engine, NAME, channel_id)
            if group is not None:
                where = group
            elif _word(text) != "help":
                await self._reply(context, [Reply(unbound_channel(channel_id))])
                return
        msg = self.bot.message(text, person=person, channel=where, transport=NAME)
        try:
            replies = await self.bot.handle(msg)
        except Exception:
            log.exception("Teams: handling failed")
            replies = [Reply(FAILED, private=True)]
        in_channel = kind == "channel"
        await self._reply(context, [r for r in replies if not (in_channel and r.private)])
        private = [r for r in replies if in_channel and r.private]
        if private:  # Teams has no messages only one person sees in a channel: these go to their chat
            for r in private:
                await self.post_to_person(aad, message_activities(r.text, r.buttons))

    def _command(self, activity: Activity) -> str | None:
        """The command a message stands for: its text without our @mention, or the button tapped."""
        value = activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            action, ref = value["action"], str(value.get("value", ""))
            command = button_command(action, ref)
            if command is None:
                log.warning("Teams: an unknown button %s", action)
                return None
            form = FORMS.get(command)
            if form is not None:
                command = form[0].format(v=ref, input=" ".join(str(value.get(INPUT, "")).split()))
            return command
        text = _AT.sub(lambda m: "" if self._is_us(activity, m.group(0)) else m.group(1), activity.text or "")
        text = " ".join(html.unescape(text).replace("\xa0", " ").split())
        if not text:
            return None
        return "/" + text.lstrip("/")

    def _is_us(self, activity: Activity, mention: str) -> bool:
        """Whether an <at>…</at> in the text is the bot's own mention (from the mention entities)."""
        ours = activity.recipient.id if activity.recipient is not None else None
        for entity in activity.entities or []:
            extra = getattr(entity, "additional_properties", None) or {}
            if (entity.type or "").lower() == "mention" and extra.get("text") == mention:
                return (extra.get("mentioned") or {}).get("id") == ours
        return False

    def _channel_id(self, activity: Activity) -> str:
        conversation = activity.conversation.id if activity.conversation is not None else ""
        return str(_data(activity, "channel").get("id") or conversation.split(";")[0])

    async def _reply(self, context: TurnContext, replies: Sequence[Reply]) -> None:
        for r in replies:
            for activity in message_activities(r.text, r.buttons):
                await context.send_activity(activity)

    # -- outgoing -------------------------------------------------------------------------------

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        return self._http

    async def token(self) -> str:
        """The app's token for the connector (client credentials), renewed before it expires."""
        loop = asyncio.get_running_loop()
        async with self._token_lock:
            if self._token is not None and loop.time() < self._token_until:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self.app_id,
                "client_secret": self._password,
                "scope": f"{AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE}/.default",
            }
            async with self._session().post(self._token_url, data=form) as resp:
                body = await resp.json(content_type=None)
            if resp.status != 200 or not isinstance(body, dict) or not body.get("access_token"):
                error = body.get("error") if isinstance(body, dict) else None
                raise ClientRequestError(f"Teams: geen token van Entra ID (HTTP {resp.status}, {error})")
            self._token = str(body["access_token"])
            self._token_until = loop.time() + max(60, int(body.get("expires_in", 3600)) - TOKEN_MARGIN)
            return self._token

    async def client(self) -> ConnectorClient:
        """A connector client for outbox messages (the SDK's, from its connector factory)."""
        client = self._clients.get(self.api_url)
        if client is None:
            claims = ClaimsIdentity(
                {
                    AuthenticationConstants.AUDIENCE_CLAIM: self.app_id,
                    AuthenticationConstants.APP_ID_CLAIM: self.app_id,
                    AuthenticationConstants.SERVICE_URL_CLAIM: self.api_url,
                },
                True,
            )
            factory = self.auth.create_connector_factory(claims)
            client = await factory.create(self.api_url, AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE)
            client.config.connection.timeout = self._timeout
            self._clients[self.api_url] = client
        return client

    async def post_in_channel(self, channel_id: str, activities: list[Activity]) -> None:
        """A new post in a channel; the cards after the first continue in its thread."""
        client = await self.client()
        first, rest = activities[0], activities[1:]
        params = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=f"28:{self.app_id}"),
            channel_data={"channel": {"id": channel_id}, "tenant": {"id": self.tenant}},
            tenant_id=self.tenant,
            activity=first,
        )
        created = await client.conversations.create_conversation(params)
        for activity in rest:
            activity.conversation = ConversationAccount(id=created.id)
            await client.conversations.send_to_conversation(created.id, activity)

    async def post_to_person(self, aad_object_id: str, activities: list[Activity]) -> None:
        """Into the person's personal chat with the bot (created the first time)."""
        client = await self.client()
        chat = self._chats.get(aad_object_id)
        if chat is None:
            params = ConversationParameters(
                is_group=False,
                bot=ChannelAccount(id=f"28:{self.app_id}"),
                members=[ChannelAccount(id=aad_object_id, aad_object_id=aad_object_id)],
                channel_data={"tenant": {"id": self.tenant}},
                tenant_id=self.tenant,
            )
            chat = str((await client.conversations.create_conversation(params)).id)
            self._chats[aad_object_id] = chat
        for activity in activities:
            activity.conversation = ConversationAccount(id=chat)
            await client.conversations.send_to_conversation(chat, activity)

    def channel_address(self, channel: str) -> str | None:
        return self._address("channel", channel)

    def person_address(self, key: str) -> str | None:
        return self._address("person", key)

    def _address(self, kind: str, name: str) -> str | None:
        """A group's channel id or a person's object id in Teams, remembered for ADDRESS_TTL seconds."""
        now = time.monotonic()  # clock-ok: the age of a cached address, not a date
        cached = self._addresses.get((kind, name))
        if cached is not None and now - cached[0] < ADDRESS_TTL:
            return cached[1]
        engine = self.bot.engine
        found = (
            directory.channel_address(engine, name, NAME)
            if kind == "channel"
            else directory.address(engine, name, NAME)
        )
        self._addresses[(kind, name)] = (now, found)
        return found


def _data(activity: Activity, name: str) -> dict[str, Any]:
    """One object of the activity's channelData (Teams: tenant, team, channel), {} when absent."""
    data = activity.channel_data
    part = data.get(name) if isinstance(data, dict) else None
    return part if isinstance(part, dict) else {}


def _word(text: str) -> str:
    return text.lstrip("/").split(maxsplit=1)[0].lower() if text.lstrip("/") else ""


register(Transport(NAME, switch="TEAMS_APP_ID", enabled=lambda s: bool(s.teams_app_id), build=TeamsTransport))
