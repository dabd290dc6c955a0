"""Issue 4 acceptance: two `wijkbot run`-like processes on one PostgreSQL send each reminder once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.core import Clock, Wijkbot
from schedules.meetings import MARK_KEY
from storage.db import make_engine, transaction
from storage.models import ClockState, Group, Meeting, OutboxMessage
from tests.conftest import DB_KIND, TZ

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # Bolnes meets Thursday 3 December 10:00

pytestmark = pytest.mark.skipif(
    DB_KIND != "postgresql",
    reason="needs PostgreSQL (advisory locks): runs in the PostgreSQL pass of scripts/test",
)


def _spawn(db_url: str, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WIJKBOT_LEADER_RETRY": "0.3", "WIJKBOT_LOG_LEVEL": "INFO"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.schedules.scheduler_process", db_url, NOW.isoformat(), str(out), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_on_one_postgresql_send_each_reminder_once(db_url: str, tmp_path: Path) -> None:
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(NOW))
    with transaction(bot.engine) as s:
        # the bot last handled meeting moments a week ago: the 7-day reminder of Bolnes is due
        s.add(ClockState(key=MARK_KEY, value=(NOW - timedelta(days=7)).isoformat()))
        bolnes = s.exec(select(Group).where(Group.key == "bolnes")).one()
        meeting = s.exec(
            select(Meeting).where(
                Meeting.group_id == bolnes.id, Meeting.starts_at == datetime(2026, 12, 3, 10, tzinfo=TZ)
            )
        ).one()
    bot.engine.dispose()

    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    procs = [_spawn(db_url, out, "--lead-for", "2", "--max", "15") for out in outs]
    results = [p.communicate(timeout=60) for p in procs]
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    said = [stdout.split() for stdout, _ in results]
    # exactly one process led at first; the other took over when the first one stopped
    assert sorted(s[0] for s in said) == ["follower", "leader"]
    assert next(s for s in said if s[0] == "follower") == ["follower", "leader"]

    key = f"herinnering:{meeting.id}:7d"
    delivered = [json.loads(line) for out in outs if out.exists() for line in out.read_text().splitlines()]
    assert [d["key"] for d in delivered].count(key) == 1
    ids = [d["id"] for d in delivered]
    assert len(ids) == len(set(ids))  # no message delivered twice, whoever relayed it
    engine = make_engine(db_url)
    with Session(engine) as s:
        rows = s.exec(select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == key)).all()
        assert len(rows) == 1
        assert rows[0].sent_at is not None
        unsent = s.exec(select(OutboxMessage).where(OutboxMessage.sent_at == None)).all()  # noqa: E711
        assert unsent == []
    engine.dispose()
