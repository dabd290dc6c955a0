"""Abuse: per-person rate limits with a friendly message, and a hard cap on message length."""

from __future__ import annotations

from datetime import timedelta

from handlers.base import Message
from handlers.ratelimit import RateLimiter
from handlers.router import MAX_MESSAGE, dispatch
from tests.conftest import NOW
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot


def _say(bot: TalkingBot, text: str, *, person: str = "anna", seconds: float = 0, transport: str = "slack") -> str:
    msg = Message(
        text=text, person=person, channel="lbt-bolnes", now=NOW + timedelta(seconds=seconds), transport=transport
    )
    return "\n".join(r.text for r in dispatch(bot.bot.engine, bot.bot.config, msg, bot.bot.state))


async def test_thirty_commands_a_minute_then_a_friendly_wait(bot: TalkingBot) -> None:
    for _ in range(30):
        assert "wacht even" not in _say(bot, "/signaal lijst")
    before = table_counts(bot.bot.engine)
    reply = _say(bot, "/signaal Kapotte lantaarnpaal")
    assert reply.startswith("U stuurt veel commando's kort na elkaar; wacht even")
    assert table_counts(bot.bot.engine) == before
    assert _say(bot, "/signaal lijst", person="piet").startswith("Geen open")  # others are not held up
    assert _say(bot, "/signaal Kapotte lantaarnpaal", seconds=3).startswith("Signaal S-1 vastgelegd")


async def test_console_is_not_rate_limited(bot: TalkingBot) -> None:
    for _ in range(40):
        assert "wacht even" not in _say(bot, "/help", transport="console")


def test_bucket_refills_over_time() -> None:
    limiter = RateLimiter(capacity=2, period=timedelta(seconds=10))
    assert limiter.allow("anna", NOW)
    assert limiter.allow("anna", NOW)
    assert limiter.wait("anna", NOW) == 5
    assert limiter.allow("anna", NOW + timedelta(seconds=5))
    assert not limiter.allow("anna", NOW - timedelta(hours=1))  # a clock going back gives nothing


async def test_huge_message_is_refused_before_parsing(bot: TalkingBot) -> None:
    before = table_counts(bot.bot.engine)
    reply = await bot.say("/actie " + "vrijdag " * (MAX_MESSAGE // 8) + "@piet vrijdag")
    assert reply.startswith("Uw bericht is te lang")
    assert reply.endswith("tekens.")
    assert "\n" not in reply
    assert table_counts(bot.bot.engine) == before


async def test_long_absence_reason_gives_a_sentence_not_a_crash(bot: TalkingBot) -> None:
    """Attendance.reason holds 500 characters; a longer reason must not break the command (PostgreSQL)."""
    reply = await bot.say("/afmelden volgende " + "ziek " * 150, as_="piet")
    assert "\n" not in reply
    assert reply.endswith(".")
