"""Issue 4 acceptance: stop the bot with jobs due, start it again: every due message once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, func, select

from bot.core import Clock, Wijkbot
from schedules import live
from schedules.meetings import MARK_KEY
from storage.db import transaction
from storage.items import record_actiepunt
from storage.models import ClockState, Group, Meeting, OutboxMessage, Person
from tests.conftest import TZ
from tests.support.talk import RecordingNotifier

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # Monday; Bolnes meets on Thursday 3 December 10:00
T1 = datetime(2026, 12, 2, 10, 0, tzinfo=TZ)  # Wednesday, nine days later


def _bot(db_url: str, now: datetime) -> tuple[Wijkbot, RecordingNotifier]:
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(now))
    recorder = RecordingNotifier()
    bot.notifiers.append(recorder)
    return bot, recorder


async def _until(check, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("timed out waiting for the scheduler")
        await asyncio.sleep(0.05)


def _keys(bot: Wijkbot, like: str) -> list[str]:
    with Session(bot.engine) as s:
        return [
            k or "" for k in s.exec(select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).like(like)))
        ]


def _unsent(bot: Wijkbot) -> int:
    with Session(bot.engine) as s:
        return int(s.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at == None)).one())  # noqa: E711


async def test_restart_sends_every_due_message_exactly_once(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    # --- the first run: the bot plans, has an overdue actiepunt and an extra Bolnes meeting ------
    bot1, rec1 = _bot(db_url, T0)
    with transaction(bot1.engine) as s:
        bolnes = s.exec(select(Group).where(Group.key == "bolnes")).one()
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        record_actiepunt(
            s,
            group_id=bolnes.id or 0,
            text="Buurtschouw organiseren",
            owner_id=piet.id or 0,
            deadline=T0 - timedelta(days=3),
            created_by_id=None,
            now=T0 - timedelta(days=10),
        )
        extra = Meeting(group_id=bolnes.id or 0, starts_at=datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
        s.add(extra)
        s.flush()
        extra_id, bolnes_id = extra.id, bolnes.id
    sched1 = live.start_scheduler(bot1)
    assert sched1.is_leader
    assert sched1.scheduler is not None
    await _until(lambda: read_mark_value(bot1) == T0)  # first run: the meeting moments start counting here
    # the bot goes down before 09:00 on a working day: the daily overdue job is due when it returns.
    # While it is down, 1 December 09:00 passes: the half-yearly prompt is caught up on return
    # (within its 14-day grace); the October evaluation reminder is long past its grace and skipped
    # with a log line. (All on the bot's clock: the machine's date plays no part.)
    await sched1.settled()
    sched1.scheduler.pause()
    sched1.scheduler.modify_job("actiepunten:achterstand", next_run_time=T0 - timedelta(hours=1))
    sched1.scheduler.modify_job("jaarplan:evaluatie", next_run_time=datetime(2026, 10, 1, 9, 0, tzinfo=TZ))
    await sched1.stop()
    assert rec1.posted == []  # nothing was due yet at T0
    bot1.engine.dispose()

    # --- restart nine days later: every message due meanwhile is sent once --------------------
    bot2, rec2 = _bot(db_url, T1)
    sched2 = live.start_scheduler(bot2)
    with Session(bot2.engine) as s:
        bolnes_meeting = s.exec(
            select(Meeting).where(
                Meeting.group_id == bolnes_id, Meeting.starts_at == datetime(2026, 12, 3, 10, tzinfo=TZ)
            )
        ).one()
    due = {
        f"herinnering:{bolnes_meeting.id}:1d",  # the 7-day one is superseded by the 1-day one
        f"aanwezigheid:{extra_id}",  # the extra meeting was held: its chair is asked
        "achterstand:piet:2026-12-02",
        "voortgang:bolnes:2026-H2",  # 1 December 09:00 passed while the bot was down
    }
    await _until(lambda: due <= set(_keys(bot2, "%")) and _unsent(bot2) == 0)
    await sched2.settled()  # everything due on the clock has run: a double run would show now
    await sched2.stop()

    # --- and once more: nothing new, nothing twice --------------------------------------------
    bot3, rec3 = _bot(db_url, T1)
    sched3 = live.start_scheduler(bot3)
    await sched3.settled()
    await sched3.stop()

    keys = _keys(bot3, "%")
    assert len(keys) == len(set(keys))
    assert due <= set(keys)
    assert f"herinnering:{bolnes_meeting.id}:7d" not in keys
    assert not [k for k in keys if k.startswith(f"herinnering:{extra_id}:")]  # its meeting was past
    assert not [k for k in keys if k.startswith("jaarplan-evaluatie:")]  # missed by more than its grace
    nudges = [k for k in keys if k.startswith(f"aanmoediging:{bolnes_meeting.id}:")]
    assert sorted(nudges) == [f"aanmoediging:{bolnes_meeting.id}:{p}" for p in ("fatima", "marieke", "piet")]
    # every queued message was delivered, each exactly once, and all by the second run
    delivered = [p.text for p in rec2.posted + rec3.posted]
    assert len(delivered) == len(keys)
    assert rec3.posted == []
    assert _unsent(bot3) == 0
    assert len([t for t in delivered if t.startswith("Goedemorgen Piet")]) == 1
    log = caplog.text
    assert f"herinnering 1d voor overleg {extra_id} overgeslagen: het is al begonnen" in log
    assert f"herinnering 7d voor overleg {bolnes_meeting.id} overgeslagen: er is een latere" in log
    assert 'Run time of job "jaarplan:evaluatie' in log
    assert "was missed by" in log
    bot2.engine.dispose()
    bot3.engine.dispose()


def read_mark_value(bot: Wijkbot) -> datetime | None:
    with Session(bot.engine) as s:
        row = s.get(ClockState, MARK_KEY)
        return datetime.fromisoformat(row.value) if row else None
