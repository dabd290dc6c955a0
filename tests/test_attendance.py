"""Frequent absence (covenant §4.1): who is flagged, and who kept the rule by sending a vervanger."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from storage.meetings import attendance_flags
from storage.models import Attendance, Group, Meeting, MeetingStatus, Person
from tests.support.talk import TalkingBot


def _id(row: Meeting | Person) -> int:
    """The key of a row read back from the database (so it has one)."""
    assert row.id is not None
    return row.id


async def test_absent_twice_is_flagged_but_a_vervanger_keeps_the_rule(bot: TalkingBot) -> None:
    await bot.advance(timedelta(weeks=18))  # past the first three Bolnes meetings (3 Dec, 28 Jan, 25 Mar)
    now = bot.bot.clock.now()
    with bot.session() as s:
        bolnes = s.exec(select(Group).where(Group.key == "bolnes")).one()
        people = {p.key: p for p in s.exec(select(Person)).all()}
        held = s.exec(
            select(Meeting)
            .where(Meeting.group_id == bolnes.id, Meeting.starts_at <= now)
            .order_by(col(Meeting.starts_at))
        ).all()
        assert len(held) == 3
        for meeting in held:  # the chair confirmed them: only then do they count as held
            meeting.status = MeetingStatus.gehouden
            s.add(meeting)
        for meeting in held[:2]:
            s.add(
                Attendance(meeting_id=_id(meeting), person_id=_id(people["piet"]), status="afwezig", responded_at=now)
            )
            s.add(
                Attendance(
                    meeting_id=_id(meeting),
                    person_id=_id(people["fatima"]),
                    status="afgemeld",
                    substitute_id=people["marieke"].id,
                    responded_at=now,
                )
            )
        s.commit()
        flags = attendance_flags(s, bolnes.id or 0, now)
    assert [(f.person_key, f.absent, f.of) for f in flags] == [("piet", 2, 3)]
