"""Storage owns the queries (issue #13): one definition of "members of a group", of "which meeting
the user means", audit rows written by the storage write functions, refusals from the transition tables."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from storage import org
from storage.meetings import attendance_flags
from storage.models import Attendance, AttendanceStatus, Group, Meeting, MeetingStatus, Person
from tests.support.talk import TalkingBot


def _id(row: Meeting | Person) -> int:
    """The key of a row read back from the database (so it has one)."""
    assert row.id is not None
    return row.id


def _bolnes(s: Session) -> Group:
    return s.exec(select(Group).where(Group.key == "bolnes")).one()


def _deactivate(bot: TalkingBot, key: str) -> None:
    with bot.session() as s:
        p = s.exec(select(Person).where(Person.key == key)).one()
        p.active = False
        s.add(p)
        s.commit()


# --- members of a group --------------------------------------------------------------------------


async def test_members_are_the_active_people_with_role_lid(bot: TalkingBot) -> None:
    with bot.session() as s:
        bolnes = _bolnes(s)
        assert [p.key for p in org.members(s, bolnes.id or 0)] == ["anna", "fatima", "marieke", "piet"]
    _deactivate(bot, "marieke")
    with bot.session() as s:
        bolnes = _bolnes(s)
        marieke = s.exec(select(Person).where(Person.key == "marieke")).one()
        assert [p.key for p in org.members(s, bolnes.id or 0)] == ["anna", "fatima", "piet"]
        assert not org.is_member(s, bolnes.id or 0, marieke.id)
        assert org.is_member(s, bolnes.id or 0, s.exec(select(Person).where(Person.key == "piet")).one().id)
        assert org.member_group_ids(s, marieke.id) == [bolnes.id]  # the membership itself stays


async def test_the_members_of_many_groups_at_once_are_those_of_each(bot: TalkingBot) -> None:
    _deactivate(bot, "marieke")
    with bot.session() as s:
        ids = [_id_of(g) for g in s.exec(select(Group)).all()]
        at_once = org.members_of_groups(s, [*ids, 99999])
        assert {gid: [p.key for p in people] for gid, people in at_once.items()} == {
            **{gid: [p.key for p in org.members(s, gid)] for gid in ids},
            99999: [],
        }
        assert any(at_once[gid] for gid in ids)


def _id_of(group: Group) -> int:
    assert group.id is not None
    return group.id


async def test_an_inactive_member_is_neither_marked_afwezig_nor_flagged(bot: TalkingBot) -> None:
    await bot.advance(timedelta(weeks=18))  # past the first three Bolnes meetings
    now = bot.bot.clock.now()
    with bot.session() as s:
        bolnes = _bolnes(s)
        people = {p.key: p for p in s.exec(select(Person)).all()}
        held = s.exec(
            select(Meeting)
            .where(Meeting.group_id == bolnes.id, Meeting.starts_at <= now)
            .order_by(col(Meeting.starts_at))
        ).all()
        for meeting in held:
            meeting.status = MeetingStatus.gehouden
            s.add(meeting)
            s.add(
                Attendance(meeting_id=_id(meeting), person_id=_id(people["piet"]), status="afwezig", responded_at=now)
            )
        s.commit()
        assert [f.person_key for f in attendance_flags(s, bolnes.id or 0, now)] == ["piet"]
    _deactivate(bot, "piet")
    with bot.session() as s:
        assert attendance_flags(s, _bolnes(s).id or 0, now) == []
    reply = await bot.say("/overleg aanwezig alle")  # the last meeting (25 March): piet is no member now
    assert "vastgelegd" in reply
    assert "@piet" not in reply
    assert "@fatima" in reply


# --- which meeting the user means ----------------------------------------------------------------


async def test_afmelden_and_overleg_mean_the_same_meeting_by_date(bot: TalkingBot) -> None:
    """One rule: a day's meeting that was held is found (was: /afmelden looked only at planned ones
    and said there was no meeting that day); a cancelled one is not, for both commands."""
    bot.bot.clock.set(bot.bot.clock.now() + timedelta(days=11))  # 4 December 2026, after the 3 December meeting
    assert (await bot.say("/overleg aanwezig 3-12-2026 alle")).startswith("Aanwezigheid bij het overleg")
    reply = await bot.say("/afmelden 3-12-2026 ziek", as_="piet")
    assert reply == "Dat overleg is al begonnen; afmelden kan alleen vooraf."
    assert (await bot.say("/overleg kom 3-12-2026", as_="piet")).startswith("Het overleg van do 3 dec 2026 10:00 is al")
    await bot.say("/overleg afzeggen 28 januari te weinig punten")
    assert "heeft geen overleg op 28-01-2027" in await bot.say("/afmelden 28 januari ziek", as_="piet")
    assert "heeft geen overleg op do 28 jan 2027" in await bot.say("/overleg kom 28 januari", as_="piet")


async def test_meeting_meant_reads_days_in_order_and_defaults_to_next_or_last(bot: TalkingBot) -> None:
    from datetime import date

    from storage.meetings import meeting_meant

    tz = bot.bot.config.tz
    bot.bot.clock.set(bot.bot.clock.now() + timedelta(days=11))  # 4 December 2026
    now = bot.bot.clock.now()
    with bot.session() as s:
        gid = _bolnes(s).id or 0
        last = meeting_meant(s, gid, now=now, tz=tz, past=True)
        nxt = meeting_meant(s, gid, now=now, tz=tz)
        assert last is not None
        assert last.starts_at.astimezone(tz).date() == date(2026, 12, 3)
        assert nxt is not None
        assert nxt.starts_at.astimezone(tz).date() == date(2027, 1, 28)
        # the days in the order given: the first that has a meeting wins
        days = [date(2026, 12, 4), date(2027, 1, 28), date(2026, 12, 3)]
        found = meeting_meant(s, gid, now=now, tz=tz, days=days)
        assert found is not None
        assert found.id == nxt.id
        assert meeting_meant(s, gid, now=now, tz=tz, days=[date(2026, 12, 4)]) is None


# --- every write function writes its own audit row -----------------------------------------------


async def test_meeting_writes_are_audited_by_storage_itself(bot: TalkingBot) -> None:
    from storage import invitations, meetings
    from storage.models import Wijziging

    now = bot.bot.clock.now()
    with bot.session() as s:
        group = _bolnes(s)
        anna = s.exec(select(Person).where(Person.key == "anna")).one()
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        meeting = meetings.next_meeting(s, group.id or 0, now=now)
        assert meeting is not None
        meetings.record_attendance(
            s, meeting, piet.id or 0, status=AttendanceStatus.afgemeld, reason="ziek", substitute_id=None,
            now=now,
        )  # fmt: skip
        item = meetings.add_agenda_item(s, meeting, "Vlietkade", added_by_id=anna.id, guest_id=None, now=now)
        meetings.remove_agenda_item(s, meeting, item, actor_id=anna.id, now=now)
        meetings.move_meeting(s, meeting, meeting.starts_at + timedelta(hours=1), actor_id=anna.id, now=now)
        meetings.cancel_meeting(s, meeting, actor_id=anna.id, now=now, reason="geen punten")
        b = meetings.record_bijeenkomst(
            s, group.id or 0, now + timedelta(days=9), "Avond", created_by_id=anna.id, now=now
        )
        inv = invitations.create(s, group, "hash", created_by_id=anna.id, now=now, valid=timedelta(days=14))
        s.flush()
        rows = s.exec(select(Wijziging).where(Wijziging.at == now).order_by(Wijziging.id)).all()  # type: ignore[arg-type]
        got = [(w.item_type, w.item_id, w.action, w.detail) for w in rows]
    assert got == [
        ("overleg", meeting.id, "afgemeld", ""),  # the answer, never the reason
        ("overleg", meeting.id, "agendapunt", "punt 1"),
        ("overleg", meeting.id, "agendapunt weg", "punt 1"),
        ("overleg", meeting.id, "verplaatst", ""),
        ("overleg", meeting.id, "afgezegd", "geen punten"),
        ("bijeenkomst", b.id, "gepland", ""),
        ("uitnodiging", inv.id, "aangemaakt", "bolnes"),
    ]


# --- the status tables are the only place a status change is allowed -----------------------------


async def test_refusals_come_from_the_status_tables_in_dutch(bot: TalkingBot) -> None:
    from sqlmodel import func

    from storage.models import Wijziging

    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    await bot.say("/actie Buurtgesprek plannen @piet vrijdag")
    await bot.say("/signaal S-1 oppakken")
    before = bot.count(select(func.count()).select_from(Wijziging))
    refusals = {
        "/signaal S-1 oppakken": "S-1 is niet meer open maar in behandeling.",
        "/signaal S-1 heropen": "S-1 is niet gesloten.",
        "/actie heropen A-1": "A-1 is al open.",
    }
    for text, expected in refusals.items():
        assert await bot.say(text) == expected, text
        assert bot.last[0].private
        assert bot.last[0].extra.get("error") == "user"
    assert await bot.say("/actie gedaan A-1") == "Actiepunt A-1 is gedaan: Buurtgesprek plannen."
    assert await bot.say("/signaal S-1 sluit") == "Signaal S-1 gesloten."
    before = bot.count(select(func.count()).select_from(Wijziging))
    refusals = {
        "/actie gedaan A-1": "A-1 is al gedaan.",
        "/actie vervallen A-1 niet nodig": "A-1 is al gedaan.",
        "/actie verplaats A-1 over twee weken": "A-1 is gedaan; alleen open actiepunten kunnen verplaatst worden.",
        "/actie overdragen A-1 @fatima": "A-1 is gedaan; alleen open actiepunten kunnen worden overgedragen.",
        "/signaal S-1 sluit": "S-1 is al gesloten.",
        "/signaal S-1 actie Nog een gesprek @piet vrijdag": (
            "S-1 is gesloten; heropen het eerst met /signaal S-1 heropen."
        ),
    }
    for text, expected in refusals.items():
        assert await bot.say(text) == expected, text
    assert bot.count(select(func.count()).select_from(Wijziging)) == before  # nothing stored


async def test_the_tables_refuse_in_storage_too(bot: TalkingBot) -> None:
    import pytest

    from storage import items
    from storage.models import Signaal, SignaalStatus

    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd")
    await bot.say("/signaal S-1 oppakken")
    now = bot.bot.clock.now()
    with bot.session() as s:
        sig = s.get(Signaal, 1)
        assert sig is not None
        with pytest.raises(items.TransitionError) as err:
            items.set_signaal_status(s, sig, SignaalStatus.open, actor_id=None, now=now)  # heropen: only when closed
        assert (err.value.item_type, err.value.item_id, err.value.current) == ("signaal", 1, "in_behandeling")
        items.withdraw(s, sig, actor_id=None, now=now)
        with pytest.raises(items.TransitionError):
            items.correct_text(s, sig, "anders", actor_id=None, now=now)  # withdrawn: nothing more changes
