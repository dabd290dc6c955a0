"""The transport registry (bot/transports.py): every adapter registers itself, settings turn it on."""

from __future__ import annotations

from pydantic import SecretStr

from bot import transports
from bot.run import run
from bot.settings import Settings


def test_every_adapter_is_registered_in_order() -> None:
    assert [t.name for t in transports.registered()] == ["slack", "telegram", "teams"]


def test_the_settings_turn_a_transport_on() -> None:
    assert transports.enabled(Settings()) == []
    on = Settings(slack_bot_token=SecretStr("xoxb-1"), teams_app_id="00000000-0000-4000-8000-000000000001")
    assert [t.name for t in transports.enabled(on)] == ["slack", "teams"]


async def test_without_any_transport_run_says_so_in_one_sentence(capsys) -> None:  # type: ignore[no-untyped-def]
    assert await run(db_url="sqlite://", config_path=None, settings=Settings()) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    for switch in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "TEAMS_APP_ID", "wijkbot console"):
        assert switch in err
