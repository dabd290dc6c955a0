"""The commands' happy paths, as conversations with the bot."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from handlers.buttons import button_command
from storage.models import Actiepunt, Attendance, Bijeenkomst, Meeting, Signaal
from tests.conftest import TZ
from tests.support.addresses import give_address
from tests.support.talk import TalkingBot


async def test_signaal_with_category_gets_a_reference(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    assert reply == "Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes: Hangjongeren bij de Vlietkade [jeugd]"
    assert [b.label for b in bot.last[0].buttons] == ["Maak actie", "Sluit"]
    assert "S-1 [jeugd] Hangjongeren bij de Vlietkade (open)" in await bot.say("/signaal lijst")
    assert "Geen open signalen in #zorg" in await bot.say("/signaal lijst #zorg")


async def test_signaal_text_starting_with_a_number_is_not_a_reference(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal 12 jongeren bij de school")
    assert reply.startswith("Signaal S-1 vastgelegd")
    assert "12 jongeren bij de school [overig]" in reply


async def test_actie_without_deadline_is_due_at_next_meeting(bot: TalkingBot) -> None:
    reply = await bot.say("/actie Buurtgesprek plannen @fatima")
    assert reply.endswith("deadline do 3 dec 2026 10:00 (volgend overleg).")


async def test_deadline_without_time_is_end_of_that_day(bot: TalkingBot) -> None:
    await bot.say("/actie Bellen met Wooncompas @marieke over twee weken")
    with Session(bot.bot.engine) as s:
        act = s.exec(select(Actiepunt)).one()
    assert act.deadline.astimezone(TZ) == datetime(2026, 12, 7, 23, 59, tzinfo=TZ)


async def test_references_accept_number_and_prefix(bot: TalkingBot) -> None:
    await bot.say("/actie Bellen @piet vrijdag")
    for ref in ("1", "A-1", "a-1", "A1"):
        assert (await bot.say(f"/actie {ref}")).startswith("A-1 Bellen | @piet")


async def test_mention_by_first_name_resolves_within_group(bot: TalkingBot) -> None:
    reply = await bot.say("/actie Bellen @Piet vrijdag")
    assert "Eigenaar @piet" in reply


async def test_overdue_actiepunten_are_marked_and_listed_first(bot: TalkingBot) -> None:
    await bot.say("/actie Later @piet 20 december")
    await bot.say("/actie Eerder @piet morgen")
    await bot.advance(timedelta(days=3))
    listing = await bot.say("/actie lijst")
    lines = listing.splitlines()
    assert lines[0] == "2 open actiepunten in Leefbaarheidsteam Bolnes, waarvan 1 te laat:"
    assert lines[1].startswith("• TE LAAT A-2 Eerder")
    assert (await bot.say("/actie lijst te-laat")).count("•") == 1
    assert (await bot.say("/actie lijst @piet")).count("•") == 2
    assert "Geen open actiepunten van u" in await bot.say("/actie lijst mijn")


async def test_cancel_and_reopen_actiepunt(bot: TalkingBot) -> None:
    await bot.say("/actie Bellen @piet vrijdag")
    assert await bot.say("/actie vervallen A-1 niet meer nodig") == "Actiepunt A-1 is vervallen: niet meer nodig."
    assert await bot.say("/actie heropen A-1") == "Actiepunt A-1 is heropend."
    assert "vervallen" in await bot.say("/actie A-1")


async def test_close_and_reopen_signaal(bot: TalkingBot) -> None:
    await bot.say("/signaal Graffiti op de muur #openbare-ruimte")
    assert await bot.say("/signaal S-1 sluit Verwijderd door de gemeente") == (
        "Signaal S-1 gesloten. Toelichting: Verwijderd door de gemeente"
    )
    assert "Geen open signalen" in await bot.say("/signaal lijst")
    assert "1 signaal voor" in await bot.say("/signaal lijst alle")
    assert await bot.say("/signaal S-1 heropen") == "Signaal S-1 is heropend."
    with Session(bot.bot.engine) as s:
        assert s.exec(select(Signaal.status)).one() == "open"


async def test_overleg_shows_next_meeting_with_agenda(bot: TalkingBot) -> None:
    await bot.say("/signaal Hangjongeren #jeugd")
    await bot.say("/actie Bellen @piet vrijdag")
    await bot.say("/bijeenkomst 14 januari 19:30 Bewonersavond in De Fakkel")
    reply = await bot.say("/overleg")
    assert reply.splitlines()[0] == (
        "Volgend overleg van Leefbaarheidsteam Bolnes: do 3 dec 2026 10:00, Ontmoetingscentrum Bolnes"
    )
    assert "Actielijst: 1 open, waarvan 1 over de deadline" in reply
    assert "S-1 [jeugd] Hangjongeren" in reply
    assert "do 14 jan 2027 19:30: Bewonersavond in De Fakkel" in reply
    assert "Jaarplan" not in reply  # December is not the year's first meeting


async def test_overleg_plan_creates_a_series_in_local_time(bot: TalkingBot) -> None:
    asked = await bot.say("/overleg plan 10 december 14:00 elke 6 weken locatie Wijkcentrum")
    assert "vervangt 7 geplande overleggen" in asked  # the configured series: it asks before replacing it
    confirm = bot.last[0].buttons[0]
    reply = await bot.say(button_command(confirm.action, confirm.value) or "")
    assert reply.startswith(
        "Overleg van Leefbaarheidsteam Bolnes gepland op do 10 dec 2026 14:00 (Wijkcentrum), daarna elke 6 weken."
    )
    with Session(bot.bot.engine) as s:
        starts = s.exec(
            select(Meeting.starts_at)
            .where(Meeting.group_id == 1, Meeting.status == "gepland")
            .order_by(col(Meeting.starts_at))
        ).all()
    local = [m.astimezone(TZ) for m in starts]
    assert local[0] == datetime(2026, 12, 10, 14, 0, tzinfo=TZ)
    # across the DST change in March the wall-clock time stays 14:00
    assert all(m.hour == 14 and m.minute == 0 for m in local)
    assert local[1] - local[0] == timedelta(weeks=6)
    assert "do 10 dec 2026 14:00" in await bot.say("/overleg")


async def test_afmelden_tells_the_chair(bot: TalkingBot) -> None:
    reply = await bot.say("/afmelden volgende ziek vervanger @marieke", as_="piet")
    assert reply == (
        "U bent afgemeld voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00. "
        "Vervanger: Marieke Kok. De voorzitter (Anna de Vries) is op de hoogte gebracht."
    )
    assert bot.posted_to("@anna") == [
        "Piet Verhoeven meldt zich af voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00. "
        "Reden: ziek. Vervanger: Marieke Kok."
    ]
    with Session(bot.bot.engine) as s:
        att = s.exec(select(Attendance)).one()
    assert att.status == "afgemeld"
    assert att.reason == "ziek"


async def test_afmelden_for_a_meeting_by_date(bot: TalkingBot) -> None:
    reply = await bot.say("/afmelden 3 december op vakantie", as_="fatima")
    assert "op do 3 dec 2026 10:00" in reply
    assert "Reden: op vakantie" in bot.posted_to("@anna")[0]


async def test_bijeenkomst_list(bot: TalkingBot) -> None:
    await bot.say("/bijeenkomst 14 januari 19:30 Bewonersavond")
    await bot.say("/bijeenkomst 2 februari Schoonmaakactie Bolnes")
    listing = await bot.say("/bijeenkomst lijst")
    assert listing.splitlines()[1:] == [
        "• do 14 jan 2027 19:30: Bewonersavond",
        "• di 2 feb 2027 09:00: Schoonmaakactie Bolnes",
    ]
    with Session(bot.bot.engine) as s:
        assert len(s.exec(select(Bijeenkomst)).all()) == 2


async def test_help_lists_every_command_with_an_example(bot: TalkingBot) -> None:
    text = await bot.say("/help")
    for cmd in ("/signaal", "/actie", "/afmelden", "/overleg", "/bijeenkomst", "/help"):
        assert cmd in text


async def test_a_wijkambassadeur_is_never_matched_as_owner(bot: TalkingBot) -> None:
    from storage.models import Membership, Person

    with Session(bot.bot.engine) as s:
        amb = Person(key="amb-1", name="Zeynep", kind="ambassadeur", created_at=bot.bot.clock.now())
        give_address(s, amb, "telegram", 42, now=bot.bot.clock.now())
        s.add(Membership(group_id=1, person_id=amb.id or 0, role="ambassadeur"))
        s.commit()
    assert (await bot.say("/actie Bellen @zeynep vrijdag")).startswith("Ik ken @zeynep niet.")


async def test_owner_marks_an_actiepunt_done_from_a_direct_chat(bot: TalkingBot) -> None:
    await bot.say("/actie Bellen @piet vrijdag")
    assert await bot.say("/actie gedaan A-1", as_="piet", in_="@piet") == "Actiepunt A-1 is gedaan: Bellen."
    refused = await bot.say("/actie heropen A-1", as_="mehmet", in_="@mehmet")
    assert refused == "A-1 hoort bij Leefbaarheidsteam Bolnes; u kunt alleen items van uw eigen groep bekijken."
