"""A `wijkbot run`-like process for the multi-process test: the live scheduler and an outbox relay
on a simulated clock, delivering into a JSON-lines file instead of Slack.

    python -m tests.schedules.scheduler_process DB_URL NOW OUT_FILE [--lead-for S] [--max S]
        [--running] [--until-settled]

Prints `leader` when it becomes the scheduler and `follower` when another process already is. A
leader stops after `--lead-for` seconds (its lock goes with it); nobody runs longer than `--max`.
`--running`: the clock starts at NOW and runs (otherwise it stands still at NOW).
`--until-settled`: once everything due has run, deliver, print `settled` and stop (with
`--running`: print `settled` and go on).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import datetime

from bot.core import Clock, Wijkbot
from bot.settings import Settings
from handlers.notify import Recipient
from schedules.live import start_scheduler
from storage.models import OutboxMessage


class FileNotifier:
    name = "file"
    interval = 0.0

    def __init__(self, path: str) -> None:
        self.path = path

    def handles(self, msg: OutboxMessage, recipient: Recipient | None) -> bool:
        return True

    async def send(self, msg: OutboxMessage, recipient: Recipient | None) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": msg.id, "key": msg.dedupe_key, "pid": os.getpid()}) + "\n")


async def main() -> int:
    logging.basicConfig(level=os.environ.get("WIJKBOT_LOG_LEVEL", "WARNING"), stream=sys.stderr)
    ap = argparse.ArgumentParser()
    ap.add_argument("db_url")
    ap.add_argument("now")
    ap.add_argument("out")
    ap.add_argument("--lead-for", type=float, default=2.0)
    ap.add_argument("--max", type=float, default=10.0)
    ap.add_argument("--running", action="store_true")
    ap.add_argument("--until-settled", action="store_true")
    args = ap.parse_args()
    clock = Clock(datetime.fromisoformat(args.now), running=args.running)
    settings = Settings()  # as `wijkbot run` reads the environment (WIJKBOT_LEADER_RETRY)
    bot = Wijkbot.create(db_url=args.db_url, config_path=None, clock=clock, settings=settings)
    bot.notifiers.append(FileNotifier(args.out))
    live = start_scheduler(bot, leader_retry=settings.wijkbot_leader_retry)
    loop = asyncio.get_running_loop()
    started = loop.time()
    led_since: float | None = None
    print("leader" if live.is_leader else "follower", flush=True)
    if live.is_leader:
        led_since = started
        if args.until_settled:
            await live.settled()
            await bot.flush()
            print("settled", flush=True)
            if not args.running:
                await live.stop()
                bot.engine.dispose()
                return 0
    while loop.time() - started < args.max:
        await bot.flush()  # every process relays the outbox (rows are claimed, never sent twice)
        await asyncio.sleep(0.1)
        if live.is_leader and led_since is None:
            print("leader", flush=True)
            led_since = loop.time()
        if led_since is not None and loop.time() - led_since > args.lead_for:
            break
    await live.stop()
    bot.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
