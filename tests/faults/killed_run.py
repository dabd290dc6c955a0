"""A wijkbot process that runs a scheduled job and delivers through a notifier at the network edge.

    python tests/faults/killed_run.py DB_URL RECORDING MODE

MODE `block`: the notifier hangs (like a chat service that stops answering) on the message to
lbt-oost, after writing a marker file RECORDING.blocked; the other places are delivered meanwhile,
and the test SIGKILLs the process mid-run. MODE `deliver`: an ordinary restart, past the claim's
lease. The recording is what the far side received: one line per delivered message (outbox id,
destination, text), written and fsynced before `send` returns.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from bot.core import Clock, Wijkbot
from handlers.notify import Recipient
from schedules import console_runner
from schedules.jobs import JobSpec, register
from storage import outbox
from storage.config import OrgConfig
from storage.db import transaction
from storage.models import OutboxMessage

TZ = ZoneInfo("Europe/Amsterdam")
FIRES_AT = datetime(2026, 11, 29, 5, 30, tzinfo=TZ)  # a Sunday morning, when nothing else runs
MESSAGES = [("lbt-bolnes", 1), ("regiegroep", 2), ("lbt-bolnes", 3), ("lbt-oost", 4), ("lbt-bolnes", 5)]


def weekly_overview(engine: Engine, config: OrgConfig, now: datetime) -> int:
    """A job as the scheduler's jobs are: one transaction, every message with a dedupe key."""
    queued = 0
    day = now.astimezone(TZ).date().isoformat()
    with transaction(engine) as session:
        for channel, n in MESSAGES:
            if outbox.enqueue(
                session,
                kind="channel",
                destination=channel,
                text=f"Overzicht {day} deel {n}",
                now=now,
                dedupe_key=f"fault-test:{day}:{n}",
            ):
                queued += 1
    return queued


@register
def _jobs(config: OrgConfig) -> list[JobSpec]:
    return [
        JobSpec(
            id="fault-test",
            trigger=CronTrigger(day_of_week="sun", hour=5, minute=30, timezone=TZ),
            func=weekly_overview,
        )
    ]


class EdgeNotifier:
    name = "edge"
    interval = 0.0

    def __init__(self, recording: Path, block_on: str | None) -> None:
        self.recording, self.block_on = recording, block_on

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool:
        return msg.dedupe_key is not None and msg.dedupe_key.startswith("fault-test:")

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> None:
        if msg.destination == self.block_on:
            Path(f"{self.recording}.blocked").write_text(str(msg.id))
            await asyncio.sleep(3600)  # the service stopped answering; we get killed here
        with self.recording.open("a", encoding="utf-8") as f:
            f.write(f"{msg.id}\t{msg.destination}\t{msg.text}\n")
            f.flush()
            os.fsync(f.fileno())


async def main(db_url: str, recording: Path, mode: str) -> int:
    bot = Wijkbot.create(db_url=db_url, config_path=None, clock=Clock(FIRES_AT - timedelta(minutes=1)))
    bot.job_runner = console_runner
    bot.notifiers.append(EdgeNotifier(recording, "lbt-oost" if mode == "block" else None))
    # the scheduler catches up on the run it missed: the same fire time again after a restart
    await bot.advance(timedelta(minutes=2))
    if mode == "deliver":  # the message in flight at the kill is claimed for the lease; then it goes
        await bot.advance(bot.delivery.lease)
    bot.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])))
