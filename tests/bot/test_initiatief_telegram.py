"""Issue 16 acceptance on Telegram: a wijkambassadeur's street party from triage to the grant, for real
(python-telegram-bot polling the fake Bot API on 127.0.0.1), the team on the console side."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.telegram import TelegramTransport
from storage.models import Initiatief, InitiatiefNotitie, Signaal, Wijziging
from tests.bot.test_telegram import linked, start_telegram, stop_telegram
from tests.support.fake_telegram import FakeTelegram, TgUser
from tests.support.talk import TalkingBot

INTERNAL = [
    "Eerst de Volksfeesten-regeling proberen",  # an internal note
    "sceptisch",
    "Tent reserveren bij de verhuurder",  # an actiepunt of the team
]
PUBLIC = {
    "gesprek": "Piet belt u deze week voor een afspraak",
    "principebesluit": "We werken graag mee; werk de begroting en planning uit",
    "plan": "Dank voor het plan, het ziet er goed uit",
    "besluit": "De gemeente draagt bij aan de tent en de muziek",
}


@pytest.fixture
async def telegram(team: TalkingBot, tg: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    transport = await start_telegram(team, tg)
    yield transport
    await stop_telegram(team, transport)


async def submit(tg: FakeTelegram, user: TgUser, text: str, place: str) -> str:
    assert "Wat wilt u melden?" in await tg.say(user, "/signaal")
    assert "Wat voor melding is het?" in await tg.say(user, text)
    assert "Heeft u een foto?" in await tg.tap(user, "soort:initiatief")
    assert "Waar is het?" in await tg.tap(user, "foto:geen")
    return await tg.say(user, place)


def everything_telegram_saw(tg: FakeTelegram) -> str:
    """Every text of every call the bot made to the Bot API (messages, edits, menus), to any chat."""
    return "\n".join(str(v) for c in tg.calls for v in c.params.values())


async def test_ambassadors_street_party_goes_from_triage_to_a_grant_and_a_second_one_hits_the_street_cap(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport
) -> None:
    jan = tg.user(8801, "Jan")
    await linked(team, tg, jan)

    summary = await submit(tg, jan, "Straatfeest voor de hele Lindelaan in juni, we vragen €800 voor tent en muziek",
                           "Lindelaan")  # fmt: skip
    assert "Klopt dit?" in summary
    assert "Gevraagd bedrag: € 800,00" in summary
    thanks = await tg.tap(jan, "bevestig:ja")
    assert "I-1" in thanks
    assert "Leefbaarheidsteam Bolnes" in thanks
    assert "€ 800,00" in thanks
    with team.session() as s:
        ini = s.exec(select(Initiatief)).one()
        assert (ini.kind, ini.fase, ini.requested_cents, ini.scope, ini.source) == (
            "initiatief", "aangemeld", 80000, "buurt", "ambassadeur",
        )  # fmt: skip
        assert s.exec(select(Signaal)).first() is None  # an initiative is no team signaal
    assert any("Nieuw initiatief I-1 van een wijkambassadeur" in t for t in team.posted_to("#lbt-bolnes"))
    assert any("Nieuw initiatief I-1" in t for t in team.posted_to("@anna"))  # the chair (wijkregisseur)

    # the chair assigns the contact person: the ambassador hears name and role
    assert "contactpersoon van I-1" in await team.say("/initiatief I-1 contact @piet")
    assert any("contactpersoon gemaakt van initiatief I-1" in t for t in team.posted_to("@piet"))
    told = tg.sent_to(jan)[-1]
    assert "I-1" in told
    assert "Piet Verhoeven" in told
    assert "wijkagent" in told

    # internal work of the team, which never reaches Telegram
    await team.say(f"/initiatief I-1 notitie {INTERNAL[0]}; Piet is {INTERNAL[1]}")
    assert "A-1" in await team.say(f"/actie {INTERNAL[2]} @piet vrijdag")

    for fase, note in PUBLIC.items():
        words = f"faciliteren {note}" if fase == "principebesluit" else note
        before = len(tg.sent_to(jan))
        reply = await team.say(f"/initiatief I-1 fase {fase} {words}")
        assert "I-1 is nu in de fase" in reply, reply
        assert "initiatiefnemer krijgt" in reply, reply
        assert len(tg.sent_to(jan)) == before + 1
        assert note in tg.sent_to(jan)[-1]
        assert "I-1" in tg.sent_to(jan)[-1]
        assert "Piet Verhoeven" in tg.sent_to(jan)[-1]

    granted = await team.say("/initiatief I-1 toekennen €800")
    assert "€ 800,00 toegekend aan I-1" in granted
    assert "nog € 4.200,00 over" in granted
    assert "€ 800,00 toegekend uit het wijkbudget" in tg.sent_to(jan)[-1]

    budget = await team.say("/budget")
    assert "Wijkbudget 2026 Bolnes" in budget
    assert "Toegekend: € 800,00 (1 initiatief)" in budget
    assert "Over: € 4.200,00" in budget
    assert "I-1 Straatfeest" in budget

    mine = await tg.say(jan, "/mijnsignalen")
    assert "I-1" in mine
    assert "definitief besluit" in mine
    assert "toegekend € 800,00" in mine
    assert PUBLIC["besluit"] in mine

    # a second request for the same street, EUR 1,500: refused against the cap for a street or spot
    await submit(tg, jan, "Tweede straatfeest Lindelaan met springkussen, €1.500", "Lindelaan")
    assert "I-2" in await tg.tap(jan, "bevestig:ja")
    for fase in ("gesprek", "principebesluit", "plan", "besluit"):
        await team.say(f"/initiatief I-2 fase {fase}")
    with team.session() as s:
        history = len(s.exec(select(Wijziging)).all())
    refused = await team.say("/initiatief I-2 toekennen €1.500")
    assert "maximaal € 1.000,00 voor een straat of plek" in refused
    assert "niets toegekend" in refused
    with team.session() as s:
        assert s.get(Initiatief, 2).granted_cents is None  # type: ignore[union-attr]
        assert len(s.exec(select(Wijziging)).all()) == history  # nothing stored
    assert "Toegekend: € 800,00 (1 initiatief)" in await team.say("/budget")

    # nothing internal ever reached Telegram, in any call to any chat
    seen = everything_telegram_saw(tg)
    for secret in INTERNAL:
        assert secret not in seen
    with team.session() as s:
        internal = s.exec(select(InitiatiefNotitie).where(InitiatiefNotitie.public == False)).all()  # noqa: E712
        assert [n.text for n in internal] == [f"{INTERNAL[0]}; Piet is {INTERNAL[1]}"]


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("klacht", "https://www.ridderkerk.nl/klachten"),
        ("burenoverlast", "https://www.ridderkerk.nl/buurtbemiddeling"),
        ("openbare-ruimte", "https://www.ridderkerk.nl/melding-openbare-ruimte"),
    ],
)
async def test_input_that_is_not_for_the_team_gets_its_link_the_chair_is_told_and_nothing_is_stored(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport, kind: str, url: str
) -> None:
    jan = tg.user(8901, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal")
    await tg.say(jan, "Mijn buurman Kees de Vries op nummer 12 is onbeschoft tegen mij")
    answer = await tg.tap(jan, f"soort:{kind}")
    assert url in answer
    assert "niet doorgestuurd" in answer
    assert team.rows(Signaal) == 0
    assert team.rows(Initiatief) == 0
    told = team.posted_to("@anna")[-1]
    assert "doorverwezen" in told
    assert "Kees" not in told
    assert "onbeschoft" not in told


@pytest.mark.parametrize(("kind", "word"), [("verzoek", "verzoek"), ("beleidswens", "beleidswens")])
async def test_a_verzoek_or_beleidswens_from_telegram_becomes_an_item_of_that_kind(
    team: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport, kind: str, word: str
) -> None:
    jan = tg.user(8950, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Een zebrapad bij de school aan de Kerkweg")
    await tg.tap(jan, f"soort:{kind}")
    await tg.tap(jan, "foto:geen")
    await tg.tap(jan, "plek:geen")
    assert "I-1" in await tg.tap(jan, "bevestig:ja")
    with team.session() as s:
        ini = s.exec(select(Initiatief)).one()
        assert (ini.kind, ini.scope) == (word, "wijk")
    assert any(f"Nieuw {word} I-1" in t for t in team.posted_to("@anna"))
