"""The figures behind the reports, on small datasets whose answers are known."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from handlers.reports.digest import weekly_digest
from storage import figures, items, meetings
from storage.config import load_config, seed
from storage.models import ActieStatus, AttendanceStatus, Group, Meeting, MeetingStatus, Person, SignaalStatus
from tests.conftest import TZ

START = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


def _setup(engine: sa.Engine) -> tuple[Group, dict[str, Person]]:
    with Session(engine) as s:
        seed(s, load_config(None), now=START)
        s.commit()
        group = s.exec(select(Group).where(Group.key == "bolnes")).one()
        people = {p.key: p for p in s.exec(select(Person)).all()}
    return group, people


def test_lead_times_are_medians_in_days_and_the_first_action_counts_once(engine: sa.Engine) -> None:
    group, people = _setup(engine)
    gid, piet = group.id or 0, people["piet"].id or 0
    with Session(engine) as s:
        sig = items.record_signaal(s, group_id=gid, text="a", category="jeugd", reported_by_id=piet, now=START)
        day = timedelta(days=1)
        first = items.record_actiepunt(
            s, group_id=gid, text="x", owner_id=piet, deadline=START + 9 * day, created_by_id=piet,
            now=START + 2 * day, signaal=sig,
        )  # fmt: skip
        items.record_actiepunt(
            s, group_id=gid, text="y", owner_id=piet, deadline=START + 9 * day, created_by_id=piet,
            now=START + 3 * day, signaal=sig,
        )  # fmt: skip
        items.set_actie_status(s, first, ActieStatus.gedaan, actor_id=piet, now=START + 6 * day)
        s.commit()
        flow = figures.flows(s, [gid], START, START + 7 * day, now=START + 7 * day)[gid]
        late = figures.flows(s, [gid], START, START + 14 * day, now=START + 14 * day)[gid]
    assert flow.days_to_first_action == [2.0]  # the second actiepunt of the same signaal does not count
    assert flow.days_to_done == [4.0]
    assert (flow.acties_opened, flow.acties_done, flow.acties_due) == (2, 1, 0)
    assert (late.acties_due, late.acties_due_missed) == (2, 1)  # x done on time, y still open past its deadline


def test_open_signalen_have_their_oldest_and_median_age(engine: sa.Engine) -> None:
    group, people = _setup(engine)
    gid, piet = group.id or 0, people["piet"].id or 0
    now = START + timedelta(days=10)
    with Session(engine) as s:
        for age in (10, 6, 2, 1):
            items.record_signaal(
                s, group_id=gid, text="t", category="zorg", reported_by_id=piet, now=now - timedelta(days=age)
            )
        closed = items.record_signaal(s, group_id=gid, text="t", category="zorg", reported_by_id=piet, now=START)
        items.set_signaal_status(s, closed, SignaalStatus.gesloten, actor_id=piet, now=now)
        s.commit()
        stock = figures.stocks(s, [gid], now=now)[gid]
    assert stock.open_signalen == 4
    assert stock.oldest_open_days == 10
    assert stock.median_open_days == 4  # between 6 and 2 days


def test_digest_counts_members_absent_from_two_of_the_last_three_meetings_without_naming_them(
    engine: sa.Engine,
) -> None:
    group, people = _setup(engine)
    gid = group.id or 0
    with Session(engine) as s:
        held = s.exec(select(Meeting).where(Meeting.group_id == gid).order_by(col(Meeting.starts_at)).limit(3)).all()
        for k, m in enumerate(held):  # confirmed by the chair: only then does a meeting count as held
            statuses = {people[key].id or 0: AttendanceStatus.aanwezig for key in ("anna", "marieke", "fatima")}
            if k >= 1:
                statuses[people["piet"].id or 0] = AttendanceStatus.afwezig
            meetings.confirm_attendance(s, m, statuses, actor_id=people["anna"].id, now=m.starts_at, detail="")
        s.commit()
        monday = held[-1].starts_at + timedelta(days=5)
        att = figures.attendance_figures(s, [gid], now=monday, start=held[0].starts_at)[gid]
        digest = weekly_digest(s, now=monday, tz=TZ)
        assert digest is not None
        _, text = digest
    assert (att.present, att.absent, att.flagged_members) == (9, 2, 1)
    assert "• Aanwezigheid: 1 lid afwezig bij 2 van de laatste 3 overleggen" in text
    assert "Piet" not in text
    assert "@piet" not in text


def test_digest_marks_a_team_whose_last_meeting_is_more_than_eight_weeks_ago(engine: sa.Engine) -> None:
    group, _ = _setup(engine)
    gid = group.id or 0
    with Session(engine) as s:
        rows = s.exec(select(Meeting).where(Meeting.group_id == gid).order_by(col(Meeting.starts_at))).all()
        rows[0].status = MeetingStatus.gehouden  # the first was held (confirmed)
        s.add(rows[0])
        for m in rows[1:3]:  # the second and third meeting are cancelled
            m.status = MeetingStatus.geannuleerd
            s.add(m)
        s.commit()
        now = rows[0].starts_at + timedelta(weeks=12)
        fig = figures.meeting_figures(s, [gid], now=now)[gid]
        digest = weekly_digest(s, now=now, tz=TZ)
        assert digest is not None
        _, text = digest
    assert fig.last_held == rows[0].starts_at
    assert not fig.within_norm(now, 8)
    assert "BUITEN de norm van 8 weken" in text
    assert "• Leefbaarheidsteams buiten de overlegnorm van 8 weken: 1" in text  # the label is configured
