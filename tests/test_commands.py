"""One command table and a grammar that never turns a mistake into data (issue 11)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from handlers import commands
from storage.figures import flows
from storage.models import Actiepunt, Attendance, OutboxMessage, Signaal, Wijziging
from tests.conftest import NOW
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parent.parent


def counts(bot: TalkingBot) -> dict[str, int]:
    with Session(bot.bot.engine) as s:
        return {
            t.__name__: int(s.exec(select(func.count()).select_from(t)).one())
            for t in (Signaal, Actiepunt, Wijziging, Attendance, OutboxMessage)
        }


async def seed(bot: TalkingBot) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    await bot.say("/actie Bellen met Wooncompas @piet vrijdag")


# --- the examples of the issue --------------------------------------------------------------


async def test_signaal_sluit_with_the_reference_after_it_closes_the_signaal(bot: TalkingBot) -> None:
    await seed(bot)
    assert await bot.say("/signaal sluit S-1") == "Signaal S-1 gesloten."
    assert bot.rows(Signaal) == 1


async def test_signaal_zoek_searches_instead_of_recording(bot: TalkingBot) -> None:
    await seed(bot)
    await bot.say("/signaal Zwerfvuil bij de school #woonomgeving")
    reply = await bot.say("/signaal zoek vlietkade")
    assert reply.splitlines() == [
        "1 signaal met 'vlietkade' in Leefbaarheidsteam Bolnes (nieuwste eerst):",
        "• S-1 [jeugd] Hangjongeren bij de Vlietkade (open)",
    ]
    assert bot.rows(Signaal) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/signaal list", "Bedoelt u /signaal lijst, of wilt u een signaal 'list' vastleggen?"),
        ("/signaal zoek", "Bedoelt u /signaal zoek, of wilt u een signaal 'zoek' vastleggen?"),
        ("/signaal sluiten", "Bedoelt u /signaal sluit, of wilt u een signaal 'sluiten' vastleggen?"),
        ("/signaal klaar", "Bedoelt u /signaal sluit, of wilt u een signaal 'klaar' vastleggen?"),
        ("/signaal lisjt", "Bedoelt u /signaal lijst, of wilt u een signaal 'lisjt' vastleggen?"),
        ("/actie done", "Bedoelt u /actie gedaan, of wilt u een actiepunt 'done' vastleggen?"),
        ("/actie list", "Bedoelt u /actie lijst, of wilt u een actiepunt 'list' vastleggen?"),
    ],
)
async def test_one_word_that_looks_like_a_command_asks_before_storing(
    bot: TalkingBot, text: str, expected: str
) -> None:
    await seed(bot)
    before = counts(bot)
    reply = await bot.say(text)
    assert reply.startswith(expected)
    assert "/nieuw" not in reply
    assert " nieuw " in reply
    assert bot.last[0].private
    assert bot.last[0].extra["error"] == "user"
    assert counts(bot) == before


async def test_the_question_offers_both_as_buttons_and_nieuw_records_the_word(bot: TalkingBot) -> None:
    await bot.say("/signaal list")
    assert [(b.label, b.action, b.value) for b in bot.last[0].buttons] == [
        ("/signaal lijst", "signaal_lijst", ""),
        ("Nieuw signaal", "signaal_nieuw", "list"),
    ]
    recorded = await bot.say("/signaal nieuw list")
    assert recorded == "Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes: list [overig]"


@pytest.mark.parametrize("text", ["/signaal help", "/signaal ?", "/afmelden help", "/actie help", "/overleg help"])
async def test_help_after_a_command_shows_its_forms_and_stores_nothing(bot: TalkingBot, text: str) -> None:
    await seed(bot)
    before = counts(bot)
    reply = await bot.say(text)
    family = commands.find(text.split()[0][1:])
    assert family is not None
    assert reply.splitlines()[0] == f"/{family.name}: {family.title}"
    assert all(s.usage in reply for s in family.subs if not s.hidden)
    assert counts(bot) == before  # /afmelden help registers no absence and messages nobody


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/signaal S-1.5", "'S-1.5' is geen verwijzing naar een signaal; bedoelt u S-1 of S-15?"),
        ("/signaal A-1", "A-1 hoort bij /actie; gebruik /actie A-1."),
        ("/actie S-1 gedaan", "S-1 hoort bij /signaal; gebruik /signaal S-1."),
        ("/signaal S-1 slut", "Bedoelt u /signaal sluit? Schrijf: /signaal S-1 sluit [toelichting]."),
        ("/actie gedan A-1", "Bedoelt u /actie gedaan? Schrijf: /actie gedaan A-12 [toelichting]"),
        ("/signaal S-1 verplaats", "Wat wilt u met S-1 doen? Kies uit: actie, oppakken, sluit, heropen"),
        ("/overleg plna 3 december 10:00", "Bedoelt u /overleg plan?"),
        ("/overleg banaan", "/overleg banaan ken ik niet; kies uit lijst, plan, kom"),
        ("/acite lijst", "/acite ken ik niet; bedoelt u /actie?"),
        ("/afmelden 45 ziek", "45 is geen dag van de maand"),
    ],
)
async def test_a_mistake_is_explained_and_stores_nothing(bot: TalkingBot, text: str, expected: str) -> None:
    await seed(bot)
    before = counts(bot)
    reply = await bot.say(text)
    assert expected in reply, reply
    assert "\n" not in reply
    assert bot.last[0].extra["error"] == "user"
    assert counts(bot) == before


async def test_actie_reference_before_the_word_does_the_same_as_after(bot: TalkingBot) -> None:
    await seed(bot)
    await bot.say("/actie Tweede actie @piet vrijdag")
    assert await bot.say("/actie A-1 gedaan") == "Actiepunt A-1 is gedaan: Bellen met Wooncompas."
    assert await bot.say("/actie gedaan A-2") == "Actiepunt A-2 is gedaan: Tweede actie."
    assert await bot.say("/actie 1 heropen") == "Actiepunt A-1 is heropend."
    done = await bot.say("/actie A-1 klaar gebeld")
    assert done == "Actiepunt A-1 is gedaan: Bellen met Wooncompas. Toelichting: gebeld"
    assert await bot.say("/signaal S-1 sluiten") == "Signaal S-1 gesloten."
    assert bot.rows(Actiepunt) == 2
    assert bot.rows(Signaal) == 1


async def test_a_bare_number_after_afmelden_is_a_day_not_a_meeting_number(bot: TalkingBot) -> None:
    reply = await bot.say("/afmelden 3 ziek", as_="piet")  # 23 November: the 3rd is 3 December
    assert reply.startswith("U bent afgemeld voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00.")
    with Session(bot.bot.engine) as s:
        assert s.exec(select(Attendance.reason)).one() == "ziek"


async def test_actie_lijst_takes_several_owners(bot: TalkingBot) -> None:
    await bot.say("/actie Bellen @piet vrijdag")
    await bot.say("/actie Mailen @fatima vrijdag")
    await bot.say("/actie Schouwen @marieke vrijdag")
    reply = await bot.say("/actie lijst @fatima @piet")
    assert reply.splitlines()[0] == "2 open actiepunten van @fatima en @piet in Leefbaarheidsteam Bolnes:"
    assert "Schouwen" not in reply
    assert (await bot.say("/actie list all")).startswith("3 actiepunten in Leefbaarheidsteam Bolnes")


@pytest.mark.parametrize("text", ["/afmelden ¹", "/overleg kom ²", "/afmelden ١٢ ziek", "/ambassadeur verwijder ³"])
async def test_unicode_digits_never_crash(bot: TalkingBot, text: str) -> None:
    reply = await bot.say(text)
    assert reply
    assert "Traceback" not in reply


async def test_ordinary_short_texts_are_stored_as_they_are(bot: TalkingBot) -> None:
    assert (await bot.say("/signaal Buurtschouw organiseren")).endswith(": Buurtschouw organiseren [overig]")
    assert (await bot.say("/actie Buurtschouw organiseren @piet vrijdag")).startswith(
        "Actiepunt A-1 vastgelegd: Buurtschouw organiseren."
    )
    assert (await bot.say("/signaal 12 jongeren bij de school")).endswith(": 12 jongeren bij de school [overig]")
    assert (await bot.say("/signaal Lantaarnpaal")).endswith(": Lantaarnpaal [overig]")


# --- corrections, withdrawal, search -----------------------------------------------------------


async def test_correcting_text_and_category_is_audited_without_the_old_text(bot: TalkingBot) -> None:
    await seed(bot)
    reply = await bot.say("/signaal S-1 tekst Hangjongeren bij de Vlietkade, veel lawaai")
    assert reply == "Signaal S-1 aangepast: Hangjongeren bij de Vlietkade, veel lawaai [jeugd]"
    assert await bot.say("/signaal S-1 categorie overlast") == "Signaal S-1 staat nu in #overlast (was #jeugd)."
    assert await bot.say("/actie A-1 tekst Bellen met Wooncompas over de lift") == (
        "Actiepunt A-1 aangepast: Bellen met Wooncompas over de lift."
    )
    shown = await bot.say("/signaal S-1")
    assert "tekst gecorrigeerd (door Anna de Vries)" in shown
    assert "categorie gewijzigd: #jeugd → #overlast" in shown
    with Session(bot.bot.engine) as s:
        details = [w.detail for w in s.exec(select(Wijziging)).all()]
    assert not any("Vlietkade" in d for d in details)  # the text may have held personal data


async def test_a_corrected_text_with_personal_data_asks_first(bot: TalkingBot) -> None:
    await seed(bot)
    reply = await bot.say("/signaal S-1 tekst Bel 06-12345678")
    assert bot.last[0].extra.get("pii") == ["telefoon"]
    assert "nog niets opgeslagen" in reply
    token = bot.last[0].extra["pii_token"]
    assert (await bot.say(f"/pii bevestig {token}")).startswith("Signaal S-1 aangepast: Bel 06-12345678")


async def test_withdrawn_items_stay_in_the_history_and_count_nowhere(bot: TalkingBot) -> None:
    await seed(bot)
    await bot.say("/signaal Zwerfvuil bij de school")
    await bot.say("/actie Zaal huren @piet vrijdag")
    assert await bot.say("/signaal S-2 intrekken dubbel gemeld") == (
        "Signaal S-2 is ingetrokken: het staat alleen nog in de geschiedenis en telt nergens mee."
    )
    assert (await bot.say("/actie A-2 intrekken")).startswith("Actiepunt A-2 is ingetrokken")
    assert "S-2" not in await bot.say("/signaal lijst alle")
    assert "A-2" not in await bot.say("/actie lijst alle")
    assert "Geen signalen met 'school'" in await bot.say("/signaal zoek school")
    shown = await bot.say("/signaal S-2")
    assert "(ingetrokken)" in shown
    assert "ingetrokken: dubbel gemeld (door Anna de Vries)" in shown
    assert "(ingetrokken)" in await bot.say("/actie A-2")
    with Session(bot.bot.engine) as s:
        flow = flows(s, [1], NOW - timedelta(days=1), NOW + timedelta(days=1), now=NOW + timedelta(hours=1))[1]
    assert sum(flow.new_signalen.values()) == 1
    assert flow.acties_opened == 1
    assert "ingetrokken" in await bot.say("/signaal S-2 sluit")  # nothing more to change


async def test_withdrawing_is_for_the_creator_or_chair_within_24_hours(bot: TalkingBot) -> None:
    await bot.say("/signaal Iets van Piet", as_="piet")
    await bot.say("/signaal Iets van Anna")
    refused = await bot.say("/signaal S-2 intrekken", as_="piet")
    assert refused == "Alleen wie S-2 vastlegde of de voorzitter van Leefbaarheidsteam Bolnes kan het intrekken."
    assert (await bot.say("/signaal S-1 intrekken")).startswith("Signaal S-1 is ingetrokken")  # anna chairs
    await bot.advance(timedelta(hours=25))
    late = await bot.say("/signaal S-2 intrekken")
    assert late.startswith("S-2 is meer dan 24 uur geleden vastgelegd, dus intrekken kan niet meer")
    with Session(bot.bot.engine) as s:
        assert s.exec(select(Signaal.status).where(Signaal.id == 2)).one() == "open"


async def test_a_signaal_with_an_actiepunt_is_withdrawn_after_its_actiepunt(bot: TalkingBot) -> None:
    await seed(bot)
    await bot.say("/signaal S-1 actie Gesprek @piet vrijdag")
    assert "trek dat eerst in met /actie A-2 intrekken" in await bot.say("/signaal S-1 intrekken")
    await bot.say("/actie A-2 intrekken")
    assert "(open)" in (await bot.say("/signaal S-1")).splitlines()[0]  # no action left: open again
    assert (await bot.say("/signaal S-1 intrekken")).startswith("Signaal S-1 is ingetrokken")


async def test_search_needs_every_word_and_stays_in_the_group(bot: TalkingBot) -> None:
    await bot.say("/actie Buurtgesprek plannen @piet vrijdag")
    await bot.say("/actie Buurtgesprek verslag @piet vrijdag")
    await bot.say("/actie Buurtgesprek plannen @mehmet vrijdag", as_="ingrid", in_="lbt-oost")
    await bot.say("/actie 100% zeker @piet vrijdag")
    reply = await bot.say("/actie zoek buurtgesprek PLANNEN")
    head = "1 actiepunt met 'buurtgesprek PLANNEN' in Leefbaarheidsteam Bolnes (nieuwste eerst):"
    assert reply.splitlines()[0] == head
    assert (await bot.say("/actie zoek %")).startswith("1 actiepunt met '%'")  # LIKE wildcards are literal
    assert (await bot.say("/actie zoek buurtgesprek")).startswith("2 actiepunten")


# --- one table -------------------------------------------------------------------------------------


async def test_help_is_generated_from_the_table(bot: TalkingBot) -> None:
    text = await bot.say("/help")
    assert text == commands.help_text()
    for family in commands.FAMILIES:
        if not family.hidden:
            assert all(s.usage in text for s in family.subs if not s.hidden), family.name
    assert "/pii" not in text


def test_readme_command_table_is_the_table() -> None:
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- commands:begin -->", "<!-- commands:end -->"
    assert start in readme, "README.md lacks the command table markers"
    assert end in readme, "README.md lacks the command table markers"
    table = readme.split(start, 1)[1].split(end, 1)[0].strip()
    assert table == commands.markdown_table(), "README.md is out of date; paste `python -m handlers.commands`"


def test_every_word_of_a_family_means_one_form() -> None:
    for family in commands.FAMILIES:
        words = [w for s in family.subs for w in s.words]
        assert len(words) == len(set(words)), family.name
        assert family.handle is not None
    names = commands.names()
    assert len(names) == len(set(names))


async def test_withdrawn_items_fall_under_the_retention_periods(bot: TalkingBot) -> None:
    from storage.config import RetentionConfig
    from storage.retention import ANONYMISED, apply_retention

    await bot.say("/signaal Per ongeluk vastgelegd")
    await bot.say("/actie Per ongeluk vastgelegd @piet vrijdag")
    await bot.say("/signaal S-1 intrekken")
    await bot.say("/actie A-1 intrekken")
    with Session(bot.bot.engine) as s:
        done = apply_retention(s, RetentionConfig(), now=NOW + timedelta(days=370))
        s.commit()
    assert done["signalen_geanonimiseerd"] == 1
    assert done["actiepunten_verwijderd"] == 1
    with Session(bot.bot.engine) as s:
        assert s.exec(select(Signaal.text)).one() == ANONYMISED
        assert s.exec(select(func.count()).select_from(Actiepunt)).one() == 0


async def test_a_dutch_word_that_resembles_a_command_word_is_the_text(bot: TalkingBot) -> None:
    # "Losse" is close to the alias "close" (sluit), but no reference follows: it is a signaal
    reply = await bot.say("/signaal Losse stoeptegel #openbare-ruimte")
    assert reply.startswith("Signaal S-1 vastgelegd")
    assert "Losse stoeptegel" in reply
    reply = await bot.say("/signaal Losse S-1")  # with a reference it was the command, misspelt
    assert reply.startswith("Bedoelt u /signaal sluit?")
