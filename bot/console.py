"""`wijkbot console`: the bot without Slack or Telegram, on the same handlers, storage and jobs."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from datetime import datetime, timedelta
from typing import TextIO

from bot.core import Clock, Wijkbot
from bot.settings import Settings
from handlers.base import Button, Reply
from handlers.buttons import button_command
from handlers.format import when
from handlers.lookups import group_name, person_name
from handlers.notify import Outgoing, Recipient
from storage.config import load_config

_DURATION = re.compile(r"(\d+)\s*([mhdwy])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta | None:
    """`30m`, `6h`, `7d`, `8w`, `1y` or combinations like `1w2d`; None when it is none of those."""
    text = text.strip().lower().replace(" ", "")
    if not text or _DURATION.sub("", text):
        return None
    total = timedelta()
    for amount, unit in _DURATION.findall(text):
        if unit == "y":
            total += timedelta(days=365 * int(amount))
        else:
            total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


class ConsoleNotifier:
    """Prints outbox messages; a message for another place starts with `[#channel]` or `[@person]`."""

    name = "console"
    interval = 0.0

    def __init__(self, console: Console) -> None:
        self.console = console

    def handles(self, msg: Outgoing, recipient: Recipient | None) -> bool:
        return True

    async def send(self, msg: Outgoing, recipient: Recipient | None) -> None:
        dest = f"#{msg.destination}" if msg.kind == "channel" else f"@{msg.destination}"
        here = self.console.here()
        text = msg.text if dest == here else f"[{dest}] {msg.text}"
        self.console.write(text)


class Console:
    """Reads lines (a message each, or a `:` command) and prints what the bot posts."""

    def __init__(self, bot: Wijkbot, *, person: str, channel: str, out: TextIO = sys.stdout) -> None:
        self.bot, self.person, self.channel, self.out = bot, person, channel, out
        bot.notifiers.insert(0, ConsoleNotifier(self))

    def here(self) -> str:
        return self.channel if self.channel.startswith("@") else f"#{self.channel}"

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def show(self, replies: list[Reply]) -> None:
        for r in replies:
            self.write(r.text)
            if r.buttons:
                self.write("  " + " ".join(_button(b) for b in r.buttons))

    def greeting(self) -> str:
        name, group = person_name(self.bot.engine, self.person), group_name(self.bot.engine, self.channel)
        who = f"{name} (@{self.person})" if name is not None else f"@{self.person}"
        where = f"{self.here()} ({group})" if group is not None else self.here()
        now = when(self.bot.clock.now(), self.bot.config.tz)
        return (
            f"wijkbot console. U bent {who} in {where}; het is {now}.\n"
            "Typ /help voor de commando's; :as PERSOON, :in KANAAL, :advance 7d, :now, :quit."
        )

    async def line(self, raw: str) -> bool:
        """Handle one line; returns False when the console should stop."""
        text = raw.strip()
        if not text:
            return True
        if text.startswith(":"):
            return await self.steer(text)
        replies = await self.bot.handle(self.bot.message(text, person=self.person, channel=self.channel))
        self.show(replies)
        return True

    async def steer(self, text: str) -> bool:
        cmd, _, arg = text[1:].partition(" ")
        cmd, arg = cmd.lower(), arg.strip()
        if cmd in ("quit", "exit", "q"):
            return False
        if cmd == "now":
            self.write(when(self.bot.clock.now(), self.bot.config.tz))
        elif cmd == "as":
            key = arg.lstrip("@").lower()
            name = person_name(self.bot.engine, key)
            if name is None:
                self.write(f"Onbekende persoon '{arg}'; gebruik een sleutel uit de configuratie, zoals :as anna.")
            else:
                self.person = key
                self.write(f"U bent nu {name} (@{key}).")
        elif cmd == "in":
            where = arg.lstrip("#")
            if not where:
                person = next(iter(self.bot.config.people), "anna")
                channel = self.bot.config.example_channel()
                self.write(f"Schrijf :in {channel} (een kanaal) of :in @{person} (een direct gesprek).")
            elif where.startswith("@"):
                self.channel = where
                self.write(f"U bent nu in het directe gesprek {where}.")
            else:
                group = group_name(self.bot.engine, where)
                self.channel = where
                known = f" ({group})." if group is not None else " (geen team of groep)."
                self.write(f"U bent nu in #{where}{known}")
        elif cmd == "advance":
            delta = parse_duration(arg)
            if delta is None or delta <= timedelta():
                self.write("Schrijf :advance met een duur, zoals 30m, 6h, 7d of 8w.")
            else:
                await self.bot.advance(delta)
                self.write(f"Het is nu {when(self.bot.clock.now(), self.bot.config.tz)}.")
        else:
            self.write(f":{cmd} ken ik niet; gebruik :as, :in, :advance, :now of :quit.")
        return True


def default_place(bot: Wijkbot) -> tuple[str, str]:
    """The first team's chair in the first team's channel: a sensible start for a demo."""
    for g in bot.config.groups.values():
        if g.kind == "team" and g.chair:
            return g.chair, g.channel
    first_person = next(iter(bot.config.people), "beheer")
    return first_person, next((g.channel for g in bot.config.groups.values()), "algemeen")


async def run_console(
    *,
    db_url: str | None,
    config_path: str | None,
    person: str | None,
    channel: str | None,
    now: datetime | None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    settings: Settings | None = None,
) -> int:
    start = now or datetime.now().astimezone()
    if start.tzinfo is None:  # a naive --now is local time where the teams are
        start = start.replace(tzinfo=load_config(config_path).tz)
    bot = Wijkbot.create(db_url=db_url, config_path=config_path, clock=Clock(start), settings=settings)
    from schedules import console_runner  # the scheduler's jobs, on the simulated clock

    bot.job_runner = console_runner
    p, c = default_place(bot)
    console = Console(bot, person=(person or p).lstrip("@"), channel=(channel or c).lstrip("#"), out=out)
    await bot.flush()
    if stdin.isatty():
        return await _interactive(console)
    for raw in stdin:
        if not await console.line(raw):
            break
    return 0


async def _interactive(console: Console) -> int:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (history and line editing for input())
    console.write(console.greeting())
    loop = asyncio.get_running_loop()
    while True:
        try:
            raw = await loop.run_in_executor(None, input, f"{console.here()} @{console.person}> ")
        except (EOFError, KeyboardInterrupt):
            console.write("")
            return 0
        if not await console.line(raw):
            return 0


def _button(b: Button) -> str:
    """A button as the console shows it: with the command to type for it, where there is one."""
    command = button_command(b.action, b.value)
    return f"[{b.label}: {command}]" if command and not command.startswith("modal:") else f"[{b.label}]"
