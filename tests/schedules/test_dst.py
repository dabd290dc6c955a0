"""Issue 4 acceptance: local wall-clock times across the DST changes, and nothing at 02:00-03:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from schedules.jobs import all_jobs, all_sources, fire_times, in_quiet_hour
from schedules.live import resync_trigger
from storage.config import load_config
from storage.models import Meeting, OutboxMessage
from tests.conftest import TZ
from tests.support.talk import TalkingBot

# Europe/Amsterdam: summer time ends Sunday 25 October 2026, starts Sunday 28 March 2027.
START = datetime(2026, 10, 1, 9, 0, tzinfo=TZ)


def _meeting_id(tb: TalkingBot, starts: datetime) -> int:
    with tb.session() as s:
        m = s.exec(select(Meeting).where(Meeting.starts_at == starts)).one()
        return m.id or 0


def _created(tb: TalkingBot, key: str) -> datetime:
    with tb.session() as s:
        return s.exec(select(OutboxMessage.created_at).where(OutboxMessage.dedupe_key == key)).one()


async def test_reminders_keep_local_wall_clock_time_across_both_dst_changes(db_url: str) -> None:
    tb = TalkingBot(db_url, START)
    autumn = datetime(2026, 10, 26, 10, 0, tzinfo=TZ)  # the Monday after the clocks go back
    spring = datetime(2027, 3, 29, 10, 0, tzinfo=TZ)  # the Monday after they go forward
    assert "gepland" in await tb.say("/overleg plan 26-10-2026 10:00")
    await tb.advance(timedelta(weeks=20))
    assert "gepland" in await tb.say("/overleg plan 29-3-2027 10:00")
    await tb.advance(timedelta(weeks=10))

    for meeting, summer_side, winter_side in ((autumn, 7, 1), (spring, 1, 7)):
        mid = _meeting_id(tb, meeting)
        summer = _created(tb, f"herinnering:{mid}:{summer_side}d")
        winter = _created(tb, f"herinnering:{mid}:{winter_side}d")
        # the same local time on both sides of the change: 09:00, which is 07:00 UTC in summer
        # and 08:00 UTC in winter
        assert (summer.astimezone(TZ).hour, summer.astimezone(UTC).hour) == (9, 7)
        assert (winter.astimezone(TZ).hour, winter.astimezone(UTC).hour) == (9, 8)
    assert _created(tb, f"herinnering:{_meeting_id(tb, autumn)}:1d").astimezone(TZ).date().isoformat() == "2026-10-25"
    assert _created(tb, f"herinnering:{_meeting_id(tb, spring)}:1d").astimezone(TZ).date().isoformat() == "2027-03-28"

    # nothing was posted by a job in the quiet hour, in half a year of jobs
    with tb.session() as s:
        times = s.exec(select(OutboxMessage.created_at).order_by(col(OutboxMessage.id))).all()
    assert len(times) > 100
    assert [t for t in times if in_quiet_hour(t, TZ)] == []


def test_no_job_fires_between_two_and_three_in_a_year_including_dst_days(db_url: str) -> None:
    tb = TalkingBot(db_url, datetime(2026, 3, 1, 9, 0, tzinfo=TZ))
    config = load_config(None)
    after, until = datetime(2026, 3, 1, tzinfo=TZ), datetime(2027, 3, 31, tzinfo=TZ)
    fired: list[tuple[str, datetime]] = []
    for spec in all_jobs(config):
        fired += [(spec.id, t) for t in fire_times(spec, after, until)]
    # the data-driven moments of every meeting of the Ridderkerk teams and groups for a year
    for src in all_sources(config):
        t: datetime | None = after
        while (t := src.next_at(tb.bot.engine, config, t)) is not None and t <= until:  # type: ignore[arg-type]
            fired.append((src.id, t))
    assert len(fired) > 500
    assert {name for name, _ in fired} >= {
        "overleg:interval",
        "actiepunten:achterstand",
        "jaarplan:voortgang",
        "jaarplan:evaluatie",
        "overleg:momenten",
    }
    assert [(n, t.astimezone(TZ)) for n, t in fired if in_quiet_hour(t, TZ)] == []
    # the live scheduler's minute tick, on the days the clocks change
    tick = resync_trigger(TZ)
    for day in (datetime(2026, 3, 29, tzinfo=TZ), datetime(2026, 10, 25, tzinfo=TZ)):
        ticks = fire_times_of(tick, day - timedelta(hours=2), day + timedelta(hours=6))
        assert ticks
        assert not [t for t in ticks if in_quiet_hour(t, TZ)]


def fire_times_of(trigger, after: datetime, until: datetime) -> list[datetime]:  # type: ignore[no-untyped-def]
    from schedules.jobs import JobSpec

    return fire_times(JobSpec("tick", trigger, lambda *_: 0), after, until)
