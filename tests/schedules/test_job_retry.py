"""Issue 19: a recurring job that fails with a database error is tried again, within its grace.

The outbox table is renamed away while the weekly digest runs (its insert fails as it would with the
database gone), then put back; a minute later on the bot's clock the digest is done after all.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.core import Clock, Wijkbot
from schedules import live
from schedules.jobs import write_mark
from schedules.live import JOB_MARK
from storage.db import transaction
from storage.models import ClockState, OutboxMessage
from tests.conftest import TZ

DIGEST = "reports.weekly_digest"
DUE = datetime(2026, 11, 30, 8, 0, 5, tzinfo=TZ)  # Monday, just after the digest's 08:00


def _rename(bot: Wijkbot, old: str, new: str) -> None:
    with bot.engine.begin() as conn:
        conn.execute(sa.text(f'ALTER TABLE "{old}" RENAME TO "{new}"'))


async def _until(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def _digests(bot: Wijkbot) -> list[str]:
    with Session(bot.engine) as s:
        return [
            k or ""
            for k in s.exec(select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).like("digest:%")))
        ]


async def test_a_job_that_fails_on_the_database_runs_again_within_its_grace(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(DUE))
    with transaction(bot.engine) as s:
        write_mark(s, JOB_MARK + DIGEST, DUE.replace(hour=8, minute=0, second=0) - timedelta(weeks=1))
    _rename(bot, "outboxmessage", "outbox_weg")
    sched = live.start_scheduler(bot)
    try:
        await _until(lambda: f"planner: {DIGEST} mislukt" in caplog.text)
        await sched.settled()
        assert sched.scheduler is not None
        assert sched.scheduler.get_job(DIGEST + live.RETRY) is not None
        _rename(bot, "outbox_weg", "outboxmessage")
        assert _digests(bot) == []  # nothing of the failed run was stored

        bot.clock.set(DUE + timedelta(minutes=2))  # a minute after the failure: the retry is due
        sched.scheduler.wakeup()
        await _until(lambda: len(_digests(bot)) == 1)
        await sched.settled()
        with Session(bot.engine) as s:
            mark = s.get(ClockState, JOB_MARK + DIGEST)
        assert mark is not None
        assert datetime.fromisoformat(mark.value) == DUE.replace(second=0)
    finally:
        await sched.stop()
        bot.engine.dispose()
    assert len(_digests(bot)) == 1
