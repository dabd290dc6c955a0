"""Issue 19: a recurring job killed mid-run is done once after the restart (the weekly digest).

APScheduler stores a job's next run time before it runs the job, so a process killed inside the
job used to lose that run for good. The live scheduler now keeps a durable mark per job (the due
moment it last completed) and starts from it. The kill lands inside the job for certain: the test
holds an uncommitted outbox row with the digest's own dedupe key, so the job's insert waits on it
(PostgreSQL: the unique index; SQLite: the write lock) until the process is killed.

On PostgreSQL APScheduler has already stored the job's next run (next Monday) when it is killed,
so only the mark brings the digest back; on SQLite the same write lock also holds up that store
update, so there the test shows the outcome (once, after the restart) but not which part made it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from bot.core import Clock, Wijkbot
from handlers.reports.digest import weekly_digest
from schedules.jobs import write_mark
from schedules.live import JOB_MARK
from storage import outbox
from storage.db import make_engine, transaction
from storage.models import Group, GroupKind, OutboxMessage
from tests.conftest import TZ

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "reports.weekly_digest"
DUE = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # Monday 08:00: the weekly digest is due
TIMEOUT = 60.0  # each wait below takes 1-3 s on a loaded two-core machine


def _spawn(db_url: str, now: datetime, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WIJKBOT_LOG_LEVEL": "INFO"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.schedules.scheduler_process", db_url, now.isoformat(), str(out), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class _Lines:
    """The lines a child process writes to one of its pipes, to wait for."""

    def __init__(self, stream: object) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            self.q.put(line)

    def wait_for(self, needle: str) -> None:
        while True:
            try:
                line = self.q.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no line with {needle!r} within {TIMEOUT} s; seen: {self.seen[-20:]}") from None
            self.seen.append(line)
            if needle in line:
                return


def _digest_rows(db_url: str) -> list[OutboxMessage]:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return list(s.exec(select(OutboxMessage).where(col(OutboxMessage.dedupe_key).like("digest:%"))).all())
    finally:
        engine.dispose()


def test_digest_killed_mid_run_is_sent_once_after_restart(db_url: str, tmp_path: Path) -> None:
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(DUE - timedelta(seconds=4)))
    with transaction(bot.engine) as s:
        write_mark(s, JOB_MARK + DIGEST, DUE - timedelta(weeks=1))  # last week's digest went out
        regie = s.exec(select(Group).where(Group.kind == GroupKind.regiegroep)).all()
        digest = weekly_digest(s, now=DUE, tz=TZ)
        assert digest is not None
        label, _ = digest
    keys = [f"digest:{label}:{g.key}" for g in regie]
    assert keys

    # --- the first process: its clock runs into 08:00, the digest starts and is killed inside ----
    out1 = tmp_path / "first.jsonl"
    first = _spawn(
        db_url, DUE - timedelta(seconds=4), out1, "--running", "--until-settled", "--lead-for", "120", "--max", "120"
    )
    stdout, stderr = _Lines(first.stdout), _Lines(first.stderr)
    blocker = Session(bot.engine)
    try:
        stdout.wait_for("settled")  # start-up work is done; the digest is not due yet
        # an uncommitted row with the digest's key: the job's insert must wait for this transaction
        outbox.enqueue(blocker, kind="channel", destination="x", text="x", now=DUE, dedupe_key=keys[0])
        stderr.wait_for(f'Running job "{DIGEST}')
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=TIMEOUT)
    finally:
        blocker.rollback()
        blocker.close()
        if first.poll() is None:
            first.kill()
    assert _digest_rows(db_url) == []  # the kill landed inside the job: nothing of it was stored

    # --- the restart, five minutes later: the digest is done once, and delivered -------------
    out2 = tmp_path / "second.jsonl"
    second = _spawn(db_url, DUE + timedelta(minutes=5), out2, "--until-settled", "--max", "120")
    out, err = second.communicate(timeout=TIMEOUT * 2)
    assert second.returncode == 0, err
    assert "settled" in out
    rows = _digest_rows(db_url)
    assert sorted(r.dedupe_key or "" for r in rows) == sorted(keys)
    assert all(r.sent_at is not None for r in rows)
    delivered = [json.loads(line)["key"] for line in out2.read_text().splitlines()]
    assert sorted(k for k in delivered if k.startswith("digest:")) == sorted(keys)

    # --- and once more: nothing twice --------------------------------------------------------
    third = _spawn(db_url, DUE + timedelta(minutes=6), tmp_path / "third.jsonl", "--until-settled", "--max", "120")
    out, err = third.communicate(timeout=TIMEOUT * 2)
    assert third.returncode == 0, err
    assert len(_digest_rows(db_url)) == len(keys)
    assert not (tmp_path / "third.jsonl").exists() or not [
        line for line in (tmp_path / "third.jsonl").read_text().splitlines() if '"digest:' in line
    ]
    bot.engine.dispose()
