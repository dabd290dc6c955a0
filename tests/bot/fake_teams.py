"""A small Bot Connector and Entra ID on 127.0.0.1 for tests: signs what it sends, records what it gets.

What Teams' side does for a bot, over real HTTP, so the Bot Framework SDK runs unchanged:

- it signs every activity it posts to the bot with its own RSA key (a JWT with the issuer, our
  app id as audience, the serviceUrl claim), and serves the OpenID metadata and JWKS (with the
  `msteams` endorsement) the SDK fetches to check that signature;
- it hands out client-credentials tokens at `/<tenant>/oauth2/v2.0/token` for the app id and
  secret it was given, and refuses connector calls without one of them;
- it answers `POST /v3/conversations` (a new channel post, a personal chat) and
  `POST /v3/conversations/{id}/activities[/{activityId}]` (send, reply) and records every
  message, with its Adaptive Cards checked as Teams would: schema version, element and action
  types, Action.Submit data, at most 6 actions in a row, and the 28 KB message limit. What Teams
  would refuse is answered 400 and kept in `violations`.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
MESSAGE_BYTES = 28 * 1024  # Teams refuses a message larger than about 28 KB
CARD_VERSIONS = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
ELEMENTS = {
    "TextBlock",
    "RichTextBlock",
    "Image",
    "Container",
    "ColumnSet",
    "FactSet",
    "ImageSet",
    "ActionSet",
    "Input.Text",
    "Input.Number",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Input.ChoiceSet",
}
ACTIONS = {"Action.Submit", "Action.OpenUrl", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute"}
MAX_ACTIONS = 6
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Posted:
    """One message the bot sent: where, how, and what its cards say."""

    conversation: str
    how: str  # "create" (a new post or chat), "send" or "reply"
    activity: dict[str, Any]
    reply_to: str | None = None

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.activity.get("attachments") or [] if a.get("contentType") == CARD]

    @property
    def text(self) -> str:
        return "\n".join(_texts(c) for c in self.cards)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every action of the cards: {"type", "title", "data"} (a ShowCard's own Submit inside it)."""
        return [a for c in self.cards for a in _actions(c)]


@dataclass
class Conversation:
    id: str
    kind: str  # "channel" or "personal"
    members: list[str] = field(default_factory=list)  # object ids, for a personal chat
    channel: str = ""


def _texts(card: dict[str, Any]) -> str:
    out = []
    for el in card.get("body") or []:
        if el.get("type") == "TextBlock":
            out.append(str(el.get("text", "")))
        for inner in el.get("items") or []:
            if inner.get("type") == "TextBlock":
                out.append(str(inner.get("text", "")))
    return "\n".join(out)


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for el in [*(card.get("body") or []), {"type": "ActionSet", "actions": card.get("actions") or []}]:
        if el.get("type") != "ActionSet":
            continue
        for action in el.get("actions") or []:
            found.append(action)
            if action.get("type") == "Action.ShowCard":
                found.extend(_actions(action.get("card") or {}))
    return found


def card_problems(card: Any, *, nested: bool = False) -> list[str]:
    """What Teams would refuse or not show of one Adaptive Card."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    problems: list[str] = []
    if not nested and card.get("version") not in CARD_VERSIONS:
        problems.append(f"version {card.get('version')!r}")
    body = card.get("body") or []
    if not isinstance(body, list) or (not body and not nested):
        problems.append("no body")
        body = []

    def actions(row: Any, where: str) -> None:
        if not isinstance(row, list):
            problems.append(f"{where}: actions is no list")
            return
        if len(row) > MAX_ACTIONS:
            problems.append(f"{where}: {len(row)} actions (Teams shows {MAX_ACTIONS})")
        for a in row:
            kind = a.get("type") if isinstance(a, dict) else None
            if kind not in ACTIONS:
                problems.append(f"{where}: action type {kind!r}")
                continue
            if not str(a.get("title", "")).strip():
                problems.append(f"{where}: an action without title")
            if kind == "Action.Submit" and not isinstance(a.get("data"), dict):
                problems.append(f"{where}: Action.Submit data must be an object (it comes back as `value`)")
            if kind == "Action.ShowCard":
                problems.extend(card_problems(a.get("card"), nested=True))

    for el in body:
        kind = el.get("type") if isinstance(el, dict) else None
        if kind not in ELEMENTS:
            problems.append(f"element type {kind!r}")
        elif kind == "TextBlock" and not (isinstance(el.get("text"), str) and el["text"].strip()):
            problems.append("a TextBlock without text")
        elif kind == "ActionSet":
            actions(el.get("actions"), "ActionSet")
        elif kind.startswith("Input.") and not el.get("id"):
            problems.append(f"{kind} without id")
    if "actions" in card:
        actions(card["actions"], "card")
    return problems


def activity_problems(activity: Any) -> list[str]:
    if not isinstance(activity, dict) or activity.get("type") != "message":
        return ["not a message activity"]
    problems = []
    size = len(json.dumps(activity, ensure_ascii=False).encode())
    if size > MESSAGE_BYTES:
        problems.append(f"message of {size} bytes (Teams takes about {MESSAGE_BYTES})")
    attachments = activity.get("attachments") or []
    if not attachments and not str(activity.get("text") or "").strip():
        problems.append("an empty message")
    for a in attachments:
        if a.get("contentType") != CARD:
            problems.append(f"attachment {a.get('contentType')!r}")
        else:
            problems.extend(card_problems(a.get("content")))
    return problems


@dataclass
class FakeTeams:
    """Teams' Bot Connector and the tenant's token endpoint, for one bot registration."""

    app_id: str = "00000000-0000-4000-8000-00000000b075"
    app_password: str = "fake-teams-client-secret-3f9a"
    tenant: str = "11111111-2222-4333-8444-555555555555"
    team: str = "19:team-ridderkerk@thread.tacv2"
    posted: list[Posted] = field(default_factory=list)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    refused_tokens: int = 0
    refusals: list[int] = field(default_factory=list)  # statuses for the next connector calls (`refuse`)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-teams-key-1"
        self._tokens: set[str] = set()

    # -- serving ------------------------------------------------------------------------------

    async def start(self) -> FakeTeams:
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/login/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.base}/"

    def settings(self) -> dict[str, Any]:
        """The Settings fields that point wijkbot's Teams transport at this fake."""
        return {
            "teams_app_id": self.app_id,
            "teams_app_password": self.app_password,
            "teams_tenant_id": self.tenant,
            "teams_api_url": self.service_url,
            "teams_login_url": f"{self.base}/login",
            "teams_openid_metadata_url": f"{self.base}/openid",
            "teams_token_issuer": ISSUER,
        }

    async def _openid(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": f"{self.base}/keys", "id_token_signing_alg_values_supported": ["RS256"]}
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        return web.json_response({"keys": [jwk]})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        ok = (
            request.match_info["tenant"] == self.tenant
            and form.get("grant_type") == "client_credentials"
            and form.get("client_id") == self.app_id
            and form.get("client_secret") == self.app_password
            and form.get("scope") == "https://api.botframework.com/.default"
        )
        if not ok:
            self.refused_tokens += 1
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"connector-token-{uuid.uuid4().hex}"
        self._tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    def refuse(self, status: int, *, times: int = 1) -> None:
        """Answer the next `times` conversation calls with `status` (403: the bot was removed, 500: an outage)."""
        self.refusals.extend([status] * times)

    def _refused(self) -> web.Response | None:
        if not self.refusals:
            return None
        status = self.refusals.pop(0)
        return web.json_response({"error": {"code": "Refused", "message": f"HTTP {status}"}}, status=status)

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and token in self._tokens

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        if (refused := self._refused()) is not None:
            return refused
        body = await request.json()
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        tenant = body.get("tenantId") or ((body.get("channelData") or {}).get("tenant") or {}).get("id")
        if tenant != self.tenant:
            return self._bad(f"create conversation: tenant {tenant!r}")
        if channel:
            cid = f"{channel};messageid={next(self._ids)}"
            self.conversations[cid] = Conversation(cid, "channel", channel=channel)
        else:
            members = [str(m.get("id")) for m in body.get("members") or []]
            if len(members) != 1:
                return self._bad(f"a personal chat needs one member, got {members}")
            cid = next((c.id for c in self.conversations.values() if c.members == members), "")
            if not cid:
                cid = f"a:personal-{members[0]}"
                self.conversations[cid] = Conversation(cid, "personal", members=members)
        activity = body.get("activity")
        activity_id = ""
        if activity is not None:
            problems = activity_problems(activity)
            if problems:
                return self._bad(f"{problems}")
            activity_id = str(next(self._ids))
            self.posted.append(Posted(cid, "create", activity))
        return web.json_response({"id": cid, "activityId": activity_id, "serviceUrl": self.service_url}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        if (refused := self._refused()) is not None:
            return refused
        cid, aid = request.match_info["cid"], request.match_info.get("aid")
        activity = await request.json()
        problems = activity_problems(activity)
        if problems:
            return self._bad(f"{problems}")
        self.posted.append(Posted(cid, "reply" if aid else "send", activity, reply_to=aid))
        return web.json_response({"id": str(next(self._ids))}, status=201)

    def _bad(self, problem: str) -> web.Response:
        self.violations.append(problem)
        return web.json_response({"error": {"code": "BadArgument", "message": problem}}, status=400)

    # -- what Teams sends to the bot ----------------------------------------------------------

    def sign(self, *, service_url: str | None = None, audience: str | None = None, key: Any = None) -> str:
        """The Authorization header the Bot Connector sends with an activity."""
        now = int(time.time())  # clock-ok: the SDK checks the token's exp/nbf against the real time
        claims = {
            "iss": ISSUER,
            "aud": audience or self.app_id,
            "serviceurl": service_url or self.service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
        }
        token = jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": self.kid})
        return f"Bearer {token}"

    def activity(
        self,
        text: str = "",
        *,
        user: str,
        name: str = "",
        channel: str | None = None,
        value: dict[str, Any] | None = None,
        mention: bool = True,
        tenant: str | None = None,
    ) -> dict[str, Any]:
        """A message as Teams posts it: in a team's channel (with the bot's @mention) or a personal chat."""
        n = next(self._ids)
        bot = {"id": f"28:{self.app_id}", "name": "wijkbot"}
        tenant = tenant or self.tenant
        activity: dict[str, Any] = {
            "type": "message",
            "id": f"{1700000000000 + n}",
            "timestamp": "2026-12-01T09:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{user}", "name": name or user, "aadObjectId": user},
            "recipient": bot,
            "textFormat": "plain",
            "locale": "nl-NL",
        }
        if channel is not None:
            activity["conversation"] = {
                "id": f"{channel};messageid={activity['id']}",
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": tenant,
            }
            activity["channelData"] = {
                "teamsChannelId": channel,
                "teamsTeamId": self.team,
                "channel": {"id": channel},
                "team": {"id": self.team},
                "tenant": {"id": tenant},
            }
        else:
            activity["conversation"] = {"id": f"a:personal-{user}", "conversationType": "personal", "tenantId": tenant}
            activity["channelData"] = {"tenant": {"id": tenant}}
        if value is not None:
            activity["value"] = value
            activity["text"] = ""
        elif channel is not None and mention:
            tag = "<at>wijkbot</at>"
            activity["text"] = f"{tag} {text}"
            activity["entities"] = [{"type": "mention", "text": tag, "mentioned": bot}]
        else:
            activity["text"] = text
        return activity

    def posted_to(self, conversation_prefix: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation.startswith(conversation_prefix)]
