"""The transport registry (bot/transports.py): every adapter registers itself, settings turn it on."""

from __future__ import annotations

import importlib
import subprocess
import sys

from pydantic import SecretStr

from bot import transports
from bot.run import run
from bot.settings import Settings


def test_every_adapter_is_registered_in_order() -> None:
    assert [t.name for t in transports.registered()] == ["slack", "telegram", "teams"]


def test_the_declarations_agree_with_the_modules_own_registrations() -> None:
    declared = {t.name: t for t in transports.DECLARED}
    on = Settings(
        slack_bot_token=SecretStr("xoxb-1"),
        telegram_bot_token=SecretStr("123:abc"),
        teams_app_id="00000000-0000-4000-8000-000000000001",
    )
    for module in ("bot.slack", "bot.telegram", "bot.teams"):
        importlib.import_module(module)
    for t in transports.registered():
        assert t is not declared[t.name]  # the module's own registration replaced the declaration
        assert t.switch == declared[t.name].switch
        assert t.enabled(Settings()) is declared[t.name].enabled(Settings()) is False
        assert t.enabled(on) is declared[t.name].enabled(on) is True


def test_deciding_imports_no_adapter_module() -> None:
    """Start-up imports only the modules of the transports that are turned on."""
    probe = (
        "import sys; from pydantic import SecretStr; from bot import transports; from bot.settings import Settings\n"
        "on = Settings(slack_bot_token=SecretStr('xoxb-1'))\n"
        "assert [t.name for t in transports.enabled(on)] == ['slack']\n"
        "transports.nothing_configured()\n"
        "print(sorted(m for m in ('bot.slack', 'bot.telegram', 'bot.teams') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]"


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
