"""A wijkambassadeur in tests, on any way in: `await jan.say("/signaal")`, `await jan.tap("soort:overlast")`.

`PortResident` speaks to the handler port directly (`Wijkbot.converse` with neutral events, on
the "console" transport: no chat library involved); `TelegramResident` goes through the real
python-telegram-bot adapter against the fake Bot API. The same scenario runs on both
(tests/test_resident.py). A tap names the button as `action:value`, the callback data Telegram
gets.
"""

from __future__ import annotations

from typing import Protocol

from handlers import directory
from handlers.base import Reply
from handlers.resident_flow import Command, Event, Input, Location, Other, Photo, Tap, Text
from tests.support.fake_telegram import FakeTelegram, TgUser
from tests.support.talk import TalkingBot


class Resident(Protocol):
    transport: str
    address: str
    first_name: str

    async def say(self, text: str) -> str: ...
    async def tap(self, data: str) -> str: ...
    async def photo(self, ref: str) -> str: ...
    async def photo_as_file(self, ref: str, mime_type: str, file_name: str) -> str: ...
    async def location(self, latitude: float, longitude: float) -> str: ...
    def buttons(self) -> list[tuple[str, str]]:
        """The buttons (label, action:value) under the last answer."""
        ...

    def inbox(self) -> list[str]:
        """Every message the resident got, in the conversation and from the outbox, oldest first."""
        ...


class PortResident:
    """A resident at an address on the console transport, speaking to the handler port."""

    def __init__(self, team: TalkingBot, address: str, first_name: str, transport: str = "console") -> None:
        self.team, self.address, self.first_name, self.transport = team, address, first_name, transport
        self.last: list[Reply] = []
        self.offered: set[str] = set()
        self.answers: list[str] = []
        self.key: str | None = None

    async def _send(self, given: Input) -> str:
        bot = self.team.bot
        event = Event(self.transport, self.address, bot.clock.now(), given, name=self.first_name)
        self.last = await bot.converse(event)
        self.offered |= {f"{b.action}:{b.value}" for r in self.last for b in r.buttons}
        self.answers += [r.text for r in self.last]
        self.key = directory.person_key(bot.engine, self.transport, self.address) or self.key
        return "\n".join(r.text for r in self.last)

    async def say(self, text: str) -> str:
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self._send(Command(name, args))
        return await self._send(Text(text))

    async def tap(self, data: str) -> str:
        assert data in self.offered, f"no button {data!r} in the chat with {self.first_name}"
        action, _, value = data.partition(":")
        return await self._send(Tap(action, value))

    async def photo(self, ref: str) -> str:
        return await self._send(Photo(ref))

    async def photo_as_file(self, ref: str, mime_type: str, file_name: str) -> str:
        return await self._send(Photo(ref) if mime_type.startswith("image/") else Other("document"))

    async def location(self, latitude: float, longitude: float) -> str:
        return await self._send(Location(latitude, longitude))

    def buttons(self) -> list[tuple[str, str]]:
        return [(b.label, f"{b.action}:{b.value}") for r in self.last[-1:] for b in r.buttons]

    def inbox(self) -> list[str]:
        delivered = self.team.posted_to(f"@{self.key}") if self.key else []
        return self.answers + delivered  # outbox messages arrive after the answers in these scenarios


class TelegramResident:
    """A Telegram user in a private chat with the bot (the fake Bot API, the real PTB adapter)."""

    transport = "telegram"

    def __init__(self, tg: FakeTelegram, user: TgUser) -> None:
        self.tg, self.user = tg, user
        self.address, self.first_name = str(user.id), user.first_name

    async def say(self, text: str) -> str:
        return await self.tg.say(self.user, text)

    async def tap(self, data: str) -> str:
        return await self.tg.tap(self.user, data)

    async def photo(self, ref: str) -> str:
        return await self.tg.next_message(self.user, lambda: self.tg.send_photo(self.user, ref))

    async def photo_as_file(self, ref: str, mime_type: str, file_name: str) -> str:
        return await self.tg.next_message(
            self.user, lambda: self.tg.send_document(self.user, ref, mime_type, file_name)
        )

    async def location(self, latitude: float, longitude: float) -> str:
        return await self.tg.next_message(self.user, lambda: self.tg.send_location(self.user, latitude, longitude))

    def buttons(self) -> list[tuple[str, str]]:
        mine = [m for m in self.tg.sent if m["chat"]["id"] == self.user.id]
        rows = mine[-1].get("reply_markup", {}).get("inline_keyboard", []) if mine else []
        return [(b["text"], b["callback_data"]) for row in rows for b in row]

    def inbox(self) -> list[str]:
        return self.tg.sent_to(self.user)
