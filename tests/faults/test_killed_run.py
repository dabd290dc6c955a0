"""The process is killed during a scheduled run: after a restart nothing is lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, col, select

from storage.db import make_engine
from storage.models import OutboxMessage

SCRIPT = Path(__file__).with_name("killed_run.py")
ROOT = Path(__file__).resolve().parents[2]


def _start(db_url: str, recording: Path, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "WIJKBOT_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), db_url, str(recording), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _sent(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return len(
                s.exec(
                    select(OutboxMessage.id).where(
                        col(OutboxMessage.dedupe_key).startswith("fault-test:"), col(OutboxMessage.sent_at).is_not(None)
                    )
                ).all()
            )
    finally:
        engine.dispose()


def test_killed_mid_delivery_then_restarted_delivers_each_message_once(db_url: str, tmp_path: Path) -> None:
    recording = tmp_path / "received.tsv"
    blocked = Path(f"{recording}.blocked")
    proc = _start(db_url, recording, "block")
    deadline = time.monotonic() + 60
    while not blocked.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the job never reached the third message"
        time.sleep(0.05)
    # the hanging place holds back no other: the four other messages arrive meanwhile, and are
    # marked sent (a kill between the far side taking one and that mark would send it twice)
    while _sent(db_url) < 4:
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the other places were held back by the hanging one"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up, no rollback from our side
    proc.wait(timeout=10)
    first = recording.read_text(encoding="utf-8").splitlines()
    assert len(first) == 4
    assert all("lbt-oost" not in line for line in first)

    restart = _start(db_url, recording, "deliver")
    output, _ = restart.communicate(timeout=120)
    assert restart.returncode == 0, output

    received = recording.read_text(encoding="utf-8").splitlines()
    ids = [line.split("\t")[0] for line in received]
    texts = sorted(line.split("\t", 1)[1] for line in received)
    assert len(ids) == len(set(ids)) == 5, received  # nothing doubled, nothing lost
    assert texts == sorted(
        f"{ch}\tOverzicht 2026-11-29 deel {n}"
        for ch, n in [("lbt-bolnes", 1), ("regiegroep", 2), ("lbt-bolnes", 3), ("lbt-oost", 4), ("lbt-bolnes", 5)]
    )
    bolnes = [line.split("\t")[2] for line in received if line.split("\t")[1] == "lbt-bolnes"]
    assert bolnes == [f"Overzicht 2026-11-29 deel {n}" for n in (1, 3, 5)]  # in order per channel
    engine = make_engine(db_url)
    with Session(engine) as s:
        rows = s.exec(select(OutboxMessage).where(col(OutboxMessage.dedupe_key).startswith("fault-test:"))).all()
    engine.dispose()
    assert len(rows) == 5
    assert all(r.sent_at is not None for r in rows)
