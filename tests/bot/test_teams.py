"""wijkbot in Microsoft Teams for real: the Starlette app served by uvicorn on 127.0.0.1, activities
signed by tests/bot/fake_teams.py (the Bot Connector) and checked by the Bot Framework SDK, and
every reply and outbox message posted back to the fake as Adaptive Cards."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import col, select

from bot.core import Clock, Wijkbot
from bot.http import create_http_app, server_config
from bot.settings import Settings
from bot.teams import CARD_BYTES, TeamsTransport, cards, message_activities
from handlers import directory
from handlers.base import Button
from schedules import console_runner
from storage import identity
from storage.db import transaction
from storage.models import OutboxMessage
from tests.bot.fake_teams import MESSAGE_BYTES, FakeTeams, Posted, activity_problems
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts

# Entra object ids of the Ridderkerk example's people in the fake tenant, and Bolnes' channel.
ANNA = "aaaaaaaa-0000-4000-8000-0000000a0001"
PIET = "aaaaaaaa-0000-4000-8000-0000000a0002"
STRANGER = "aaaaaaaa-0000-4000-8000-0000000a0099"
BOLNES = "19:bolnes-kanaal@thread.tacv2"
ELSEWHERE = "19:algemeen@thread.tacv2"


@dataclass
class TeamsWorld:
    fake: FakeTeams
    bot: Wijkbot
    transport: TeamsTransport
    http: httpx.AsyncClient
    base: str

    async def post(self, activity: dict[str, Any], *, auth: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Authorization": self.fake.sign() if auth is None else auth}
        if not headers["Authorization"]:
            del headers["Authorization"]
        return await self.http.post(f"{self.base}/teams/messages", content=json.dumps(activity), headers=headers)

    async def say(self, text: str, *, user: str = ANNA, channel: str | None = BOLNES, **kw: Any) -> list[Posted]:
        """A message to the bot as Teams posts it; what the bot posted while handling it."""
        before = len(self.fake.posted)
        resp = await self.post(self.fake.activity(text, user=user, channel=channel, **kw))
        assert resp.status_code == 200, resp.text
        assert not self.fake.violations, self.fake.violations
        return self.fake.posted[before:]

    async def tap(self, button: dict[str, Any], *, user: str = ANNA, channel: str | None = BOLNES) -> list[Posted]:
        """Tap an Action.Submit: Teams posts a message whose `value` is the button's data."""
        assert button["type"] == "Action.Submit", button
        return await self.say("", user=user, channel=channel, value=dict(button["data"]))


def _count(bot: Wijkbot, table: str) -> int:
    return table_counts(bot.engine)[table]


@pytest.fixture
async def teams(db_url: str) -> AsyncIterator[TeamsWorld]:
    fake = await FakeTeams().start()
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(NOW))
    bot.job_runner = console_runner
    with transaction(bot.engine) as session:
        for key, aad in (("anna", ANNA), ("piet", PIET)):
            person = identity.person_with_key(session, key)
            assert person is not None
            identity.bind(session, person, "teams", aad, how="config", actor_id=None, now=NOW)
    directory.bind_channel(bot.engine, "teams", BOLNES, "lbt-bolnes", now=NOW)
    transport = TeamsTransport(bot, Settings(**fake.settings()))
    bot.notifiers.append(transport.notifier)
    await transport.start()
    app = create_http_app(transport.routes(), lambda: {"ok": True})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield TeamsWorld(fake, bot, transport, http, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await serving
        await transport.stop()
        await fake.stop()
        bot.engine.dispose()


def _button(posted: list[Posted], action: str) -> dict[str, Any]:
    found = [b for p in posted for b in p.buttons if (b.get("data") or {}).get("action") == action]
    assert found, [p.buttons for p in posted]
    return found[0]


async def test_a_signaal_and_an_actiepunt_with_a_button_in_the_team_channel(teams: TeamsWorld) -> None:
    posted = await teams.say("signaal Losliggende stoeptegel bij de school #openbare-ruimte")
    assert [p.how for p in posted] == ["reply"]
    assert posted[0].conversation.startswith(BOLNES)
    assert "Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes" in posted[0].text

    posted = await teams.say("/actie Folder rondbrengen @piet vrijdag")
    here = [p for p in posted if p.conversation.startswith(BOLNES)]
    assert "Actiepunt A-1 vastgelegd: Folder rondbrengen. Eigenaar @piet" in here[0].text
    told = [p for p in posted if p.conversation == f"a:personal-{PIET}"]  # the outbox tells the owner
    assert "Anna de Vries heeft actiepunt A-1 van Leefbaarheidsteam Bolnes aan u gegeven" in told[0].text
    done = _button(here, "actie_gedaan")
    assert done["data"] == {"action": "actie_gedaan", "value": "A-1"}
    assert done["title"] == "Gedaan"

    posted = await teams.tap(done, user=PIET)
    assert "Actiepunt A-1 is gedaan" in posted[0].text
    assert "gedaan" in (await teams.say("actie A-1"))[0].text


async def test_a_button_that_asks_for_more_opens_a_text_field_and_runs_the_command(teams: TeamsWorld) -> None:
    posted = await teams.say("actie Buurtschouw plannen @anna vrijdag")
    move = next(b for b in posted[0].buttons if b["type"] == "Action.ShowCard")
    assert move["title"] == "Verplaats"
    inner = move["card"]
    assert inner["body"][0]["type"] == "Input.Text"
    submit = inner["actions"][0]
    value = {**submit["data"], inner["body"][0]["id"]: "1 december"}
    posted = await teams.say("", value=value)
    assert "A-1" in posted[0].text
    assert "1 dec" in posted[0].text


async def test_an_overdue_actiepunt_reaches_the_owner_in_a_personal_chat(teams: TeamsWorld) -> None:
    await teams.say("actie Folder rondbrengen @piet morgen")
    before = len(teams.fake.posted)
    await teams.bot.advance(timedelta(days=3))
    dms = [p for p in teams.fake.posted[before:] if p.conversation == f"a:personal-{PIET}"]
    assert dms, [(p.conversation, p.text) for p in teams.fake.posted[before:]]
    chat = teams.fake.conversations[f"a:personal-{PIET}"]
    assert chat.kind == "personal"
    assert chat.members == [PIET]
    assert "A-1" in dms[0].text
    assert "te laat" in dms[0].text
    # tapped in the personal chat, it is done all the same
    posted = await teams.tap(_button(dms, "actie_gedaan"), user=PIET, channel=None)
    assert posted[0].conversation == f"a:personal-{PIET}"
    assert "Actiepunt A-1 is gedaan" in posted[0].text


async def test_commands_in_a_personal_chat_with_or_without_a_slash(teams: TeamsWorld) -> None:
    await teams.say("actie Folder rondbrengen @anna vrijdag")
    for text in ("actie lijst mijn", "/actie lijst mijn"):
        posted = await teams.say(text, channel=None)
        assert posted[0].conversation == f"a:personal-{ANNA}"
        assert "A-1" in posted[0].text


async def test_an_unknown_user_is_refused_in_one_sentence_and_nothing_is_stored(teams: TeamsWorld) -> None:
    counts = table_counts(teams.bot.engine)
    for channel in (BOLNES, None):
        posted = await teams.say("signaal Iets gezien", user=STRANGER, channel=channel)
        assert len(posted) == 1
        assert posted[0].text.startswith("Uw Teams-account is nog niet aan een persoon in wijkbot gekoppeld")
        assert STRANGER in posted[0].text
    assert table_counts(teams.bot.engine) == counts
    assert directory.person_key(teams.bot.engine, "teams", STRANGER) is None


async def test_a_channel_of_no_group_says_so_and_help_still_works(teams: TeamsWorld) -> None:
    posted = await teams.say("signaal Iets gezien", channel=ELSEWHERE)
    assert "hoort (nog) bij geen team of groep" in posted[0].text
    assert ELSEWHERE in posted[0].text
    assert _count(teams.bot, "signaal") == 0
    assert "/signaal" in (await teams.say("help", channel=ELSEWHERE))[0].text


async def test_a_private_answer_in_a_channel_goes_to_the_personal_chat(teams: TeamsWorld) -> None:
    posted = await teams.say("actie Folder rondbrengen")  # no owner: an error only the asker should see
    assert posted, "no answer"
    assert all(p.conversation == f"a:personal-{ANNA}" for p in posted), [p.conversation for p in posted]
    assert _count(teams.bot, "actiepunt") == 0


async def test_requests_that_are_not_from_the_connector_are_refused(teams: TeamsWorld) -> None:
    fake = teams.fake
    activity = fake.activity("signaal Nep", user=ANNA, channel=BOLNES)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "": 401,  # no token at all
        "Bearer not-a-jwt": 401,
        fake.sign(key=other_key): 401,  # signed by someone else
        fake.sign(audience="another-app"): 401,  # for another bot
        fake.sign(service_url="http://127.0.0.1:1/"): 401,  # the serviceUrl was changed
    }
    for auth, status in cases.items():
        assert (await teams.post(activity, auth=auth)).status_code == status, auth
    other_tenant = fake.activity(
        "signaal Nep", user=ANNA, channel=BOLNES, tenant="99999999-0000-4000-8000-000000000000"
    )
    assert (await teams.post(other_tenant)).status_code == 403
    assert (await teams.post({"type": 3}, auth=fake.sign())).status_code == 400
    assert fake.posted == []
    assert _count(teams.bot, "signaal") == 0


def test_a_long_answer_is_split_into_cards_within_the_teams_limit() -> None:
    lines = "\n".join(
        f"S-{n} Losliggende stoeptegel bij de school aan de Dorpsstraat {n} [openbare-ruimte]" for n in range(900)
    )
    buttons = [Button(f"Sluit S-{n}", "signaal_sluit", f"S-{n}") for n in range(12)]
    activities = message_activities(lines, buttons)
    assert len(activities) > 2
    for a in activities:
        body = a.serialize()
        assert activity_problems(body) == []
        assert len(json.dumps(body, ensure_ascii=False).encode()) <= MESSAGE_BYTES
    shown = [b["text"] for c in cards(lines, buttons) for b in c["body"] if b["type"] == "TextBlock"]
    assert shown == lines.split("\n")  # nothing dropped, in order
    assert all(len(json.dumps(c).encode()) <= CARD_BYTES for c in cards(lines, buttons))


async def test_an_answer_teams_refuses_is_logged_and_the_command_is_not_run_again(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    teams.fake.refuse(500)
    posted = await teams.say("signaal Losliggende stoeptegel bij de school")  # 200 all the same: no retry
    assert posted == []
    assert "an answer could not be sent" in caplog.text
    assert _count(teams.bot, "signaal") == 1


async def test_the_outbox_retries_an_outage_and_parks_what_teams_refuses(teams: TeamsWorld) -> None:
    teams.fake.refuse(500)
    await teams.say("actie Folder rondbrengen @piet vrijdag")  # the owner is told by the outbox: refused once
    assert not teams.fake.posted_to("a:personal-" + PIET)
    teams.bot.clock.advance(timedelta(minutes=10))
    await teams.bot.flush()
    assert "aan u gegeven" in teams.fake.posted_to("a:personal-" + PIET)[0].text
    teams.fake.refuse(403)  # the bot was removed from the team, the person left: for good
    await teams.say("actie Stoep vegen @piet vrijdag")
    with transaction(teams.bot.engine) as session:
        parked = session.exec(select(OutboxMessage).where(col(OutboxMessage.parked_at).is_not(None))).all()
        assert [(m.destination, m.park_reason) for m in parked] == [("piet", "teams_403")]
