"""Bot-wide state lives on the bot: two bots in one process share no memory, and handlers read no environment."""

from __future__ import annotations

import ast
from pathlib import Path

from handlers.base import Message
from handlers.router import dispatch
from tests.conftest import NOW
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]


async def test_a_pii_question_asked_by_one_bot_is_not_answered_by_another(bot: TalkingBot, db_url: str) -> None:
    other = TalkingBot(db_url, NOW)  # a second bot in the same process, on the same database
    try:
        await bot.say("/signaal Bel mevrouw op 06-12345678 over de stoep")
        token = bot.last[0].extra["pii_token"]
        assert len(bot.bot.state.pending) == 1
        assert len(other.bot.state.pending) == 0
        assert "verlopen of al gebruikt" in await other.say(f"/pii bevestig {token}")
        assert (await bot.say(f"/pii bevestig {token}")).startswith("Signaal S-1 vastgelegd")
    finally:
        other.bot.engine.dispose()


async def test_rate_limits_are_per_bot(bot: TalkingBot, db_url: str) -> None:
    other = TalkingBot(db_url, NOW)
    try:

        def say(tb: TalkingBot) -> str:
            msg = Message(text="/signaal lijst", person="anna", channel="lbt-bolnes", now=NOW, transport="slack")
            return "\n".join(r.text for r in dispatch(tb.bot.engine, tb.bot.config, msg, tb.bot.state))

        for _ in range(30):
            say(bot)
        assert "wacht even" in say(bot)
        assert "wacht even" not in say(other)
    finally:
        other.bot.engine.dispose()


def test_only_the_settings_read_the_environment_and_schedules_import_no_bot_and_query_nothing() -> None:
    found: list[str] = []
    for layer in ("bot", "handlers", "storage", "schedules"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and rel != "bot/settings.py":
                    found.append(f"{rel}:{node.lineno} reads the environment (use bot.settings.Settings)")
                if layer == "schedules" and isinstance(node, ast.Import | ast.ImportFrom):
                    names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                    found += [f"{rel}:{node.lineno} imports {n}" for n in names if n == "bot" or n.startswith("bot.")]
                if layer == "schedules" and isinstance(node, ast.ImportFrom) and node.module == "sqlmodel":
                    found += [f"{rel}:{node.lineno} queries ({a.name})" for a in node.names if a.name == "select"]
                if layer != "bot" and isinstance(node, ast.Global):  # logging is per process; the rest per bot
                    found.append(f"{rel}:{node.lineno} changes module state (global {', '.join(node.names)})")
    assert found == []
