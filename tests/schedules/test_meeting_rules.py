"""Attendance, the button commands, the interval warning and the jaarplan prompts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from handlers.afmelden import MEETING_TOKEN
from schedules.meetings import attendance_flags
from storage.models import Group, Meeting, MeetingStatus, OutboxMessage
from tests.conftest import TZ
from tests.support.talk import TalkingBot


def _bolnes(tb: TalkingBot) -> Group:
    with tb.session() as s:
        return s.exec(select(Group).where(Group.key == "bolnes")).one()


async def test_member_absent_from_two_of_three_meetings_is_reported_to_the_chair_once(bot: TalkingBot) -> None:
    # Bolnes meets 3 Dec, 28 Jan, 25 Mar (every 8 weeks); marieke misses two of them
    await bot.advance(timedelta(days=11))  # after 3 December
    await bot.say("/overleg aanwezig 3-12-2026 @anna @piet @fatima")
    await bot.advance(timedelta(weeks=8))  # after 28 January
    await bot.say("/afmelden volgende op vakantie", as_="marieke")  # for 25 March
    await bot.say("/overleg aanwezig 28-1-2027 alle")
    assert bot.posted_to("@anna")[-1:] != []
    assert "Vaak afwezig" not in bot.posted_to("@anna")[-1]
    await bot.advance(timedelta(weeks=8))  # after 25 March
    reply = await bot.say("/overleg aanwezig 25-3-2027 alle")
    assert "afgemeld: @marieke" in reply
    assert "@marieke (Marieke Kok) was bij 2 van de laatste 3" in reply
    await bot.say("/overleg aanwezig 25-3-2027 alle")  # confirming again tells the chair nothing new
    told = [t for t in bot.posted_to("@anna") if t.startswith("Vaak afwezig bij Leefbaarheidsteam Bolnes")]
    assert len(told) == 1
    with bot.session() as s:
        flags = attendance_flags(s, _bolnes(bot).id or 0, bot.bot.clock.now())
        held = s.exec(select(Meeting).where(Meeting.status == MeetingStatus.gehouden)).all()
    assert [(f.person_key, f.absent, f.of) for f in flags] == [("marieke", 2, 3)]
    assert len(held) == 3


async def test_only_the_chair_confirms_attendance_and_only_after_the_meeting(bot: TalkingBot) -> None:
    assert "moet nog beginnen" in await bot.say("/overleg aanwezig 3-12-2026 @piet")
    await bot.advance(timedelta(days=11))
    assert "Alleen de voorzitter" in await bot.say("/overleg aanwezig 3-12-2026 @piet", as_="piet")
    assert "Wie waren er?" in await bot.say("/overleg aanwezig 3-12-2026")


async def test_buttons_work_from_a_direct_message_with_the_meeting_token(bot: TalkingBot) -> None:
    with bot.session() as s:
        meeting = s.exec(select(Meeting).where(Meeting.starts_at == datetime(2026, 12, 3, 10, tzinfo=TZ))).one()
    token = f"{MEETING_TOKEN}{meeting.id}"  # what the buttons carry; people never see or type it
    # "Ik kom" → /overleg kom <token>, "Ik meld me af" → /overleg afmelden <token>, clicked in a DM
    assert "u komt naar het overleg van Leefbaarheidsteam Bolnes" in await bot.say(
        f"/overleg kom {token}", as_="piet", in_="@piet"
    )
    reply = await bot.say(f"/overleg afmelden {token} ziek", as_="piet", in_="@piet")
    assert reply.startswith("U bent afgemeld voor het overleg van Leefbaarheidsteam Bolnes")
    assert any(t.startswith("Piet Verhoeven meldt zich af") for t in bot.posted_to("@anna"))
    await bot.say(f"/overleg kom {token}", as_="piet", in_="@piet")
    assert bot.posted_to("@anna")[-1].startswith("Piet Verhoeven komt toch naar het overleg")
    assert "bestaat niet" in await bot.say(f"/overleg kom {MEETING_TOKEN}999", as_="piet", in_="@piet")


async def test_chair_is_warned_once_when_no_meeting_is_planned_within_the_interval(bot: TalkingBot) -> None:
    # cancel the Bolnes series: after 3 December nothing is planned within 8 weeks
    with bot.session() as s:
        for m in s.exec(select(Meeting).where(Meeting.group_id == _bolnes(bot).id)).all():
            if m.starts_at > datetime(2026, 12, 4, tzinfo=TZ):
                m.status = MeetingStatus.geannuleerd
                s.add(m)
        from storage.models import MeetingSeries

        for series in s.exec(select(MeetingSeries).where(MeetingSeries.group_id == _bolnes(bot).id)).all():
            series.active = False
            s.add(series)
        s.commit()
    await bot.advance(timedelta(weeks=4))
    warnings = [t for t in bot.posted_to("@anna") if "moet minstens elke 8 weken vergaderen" in t]
    assert len(warnings) == 1
    assert "na het vorige overleg (do 3 dec 2026 10:00)" in warnings[0]
    assert "/overleg plan" in warnings[0]


async def test_chairs_are_asked_for_the_voortgangsrapportage_and_the_jaarplan_evaluation(db_url: str) -> None:
    tb = TalkingBot(db_url, datetime(2027, 5, 30, 9, 0, tzinfo=TZ))
    await tb.advance(timedelta(days=3))  # 1 June 09:00
    asked = [t for t in tb.posted_to("@anna") if t.startswith("Het is tijd voor de voortgangsrapportage")]
    assert len(asked) == 1
    assert "eerste halfjaar" in asked[0]
    assert "/rapportage 2027-H1 verstuur" in asked[0]
    assert len([t for t in tb.posted_to("@ingrid") if "voortgangsrapportage" in t]) == 2  # she chairs two teams
    assert [t for t in tb.posted_to("@monique") if "voortgangsrapportage" in t] == []  # regiegroep: no jaarplan
    await tb.advance(timedelta(weeks=18))  # past 1 October
    assert len([t for t in tb.posted_to("@anna") if t.startswith("Het laatste kwartaal is begonnen")]) == 1
    with tb.session() as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == "jaarplan-evaluatie:bolnes:2027")).all()
        assert len(rows) == 1
        assert rows[0].created_at.astimezone(TZ).strftime("%d-%m %H:%M") == "01-10 09:00"
