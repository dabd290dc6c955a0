"""The console as a newcomer uses it: `wijkbot console` with lines on standard input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import parse_duration

ROOT = Path(__file__).resolve().parent.parent


def run_console(db_url: str, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WIJKBOT_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", db_url, "--now", "2026-11-23T09:00", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


SCENARIO = """\
/signaal Hangjongeren bij de Vlietkade, veel lawaai #jeugd
/signaal S-1 actie Gesprek met de jongeren @piet volgende week dinsdag
/actie lijst
/actie verplaats A-1 eind januari
/actie overdragen A-1 @fatima
:as fatima
/actie gedaan A-1 gesprek gevoerd
/actie A-1
"""


def test_scripted_console_session_from_signaal_to_done(db_url: str) -> None:
    result = run_console(db_url, SCENARIO)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith("Signaal S-1 vastgelegd voor Leefbaarheidsteam Bolnes")
    assert any(
        "Actiepunt A-1 uit S-1: Gesprek met de jongeren. Eigenaar @piet, deadline di 1 dec 2026" in line for line in out
    )
    assert any(line.startswith("• A-1 Gesprek met de jongeren | @piet") for line in out)
    assert "Actiepunt A-1 verplaatst naar vr 29 jan 2027." in out
    # the new owner hears of it in a direct message, printed with its destination
    assert any(line.startswith("[@fatima] Anna de Vries heeft actiepunt A-1 aan u overgedragen") for line in out)
    assert "Actiepunt A-1 is overgedragen aan @fatima." in out
    assert "Actiepunt A-1 is gedaan: Gesprek met de jongeren. Toelichting: gesprek gevoerd" in out
    history = out[out.index("Geschiedenis:") + 1 :]
    assert [re.search(r"\d\d:\d\d (\w+)", h).group(1) for h in history] == [  # type: ignore[union-attr]
        "aangemaakt",
        "verplaatst",
        "overgedragen",
        "gedaan",  # the label, never the stored "status: gedaan"
    ]
    assert "(door Fatima Benali)" in history[-1]


FIXING = """\
/signaal Hangjongeren bij de Vlietkade #overlast
/signaal S-1 tekst Hangjongeren bij de Vlietkade, elke avond
/signaal S-1 categorie #jeugd
/signaal Hangjongeren bij de Vlietkade #jeugd
/signaal S-2 intrekken dubbel gemeld
/signaal list
/signaal zoek vlietkade
/actie S-1 gedaan
/signaal S-2
"""


def test_console_session_correcting_withdrawing_and_searching(db_url: str) -> None:
    result = run_console(db_url, FIXING)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert "Signaal S-1 aangepast: Hangjongeren bij de Vlietkade, elke avond [overlast]" in out
    assert "Signaal S-1 staat nu in #jeugd (was #overlast)." in out
    assert "Signaal S-2 is ingetrokken: het staat alleen nog in de geschiedenis en telt nergens mee." in out
    assert any(line.startswith("Bedoelt u /signaal lijst, of wilt u een signaal 'list' vastleggen?") for line in out)
    i = out.index("1 signaal met 'vlietkade' in Leefbaarheidsteam Bolnes (nieuwste eerst):")
    assert out[i + 1] == "• S-1 [jeugd] Hangjongeren bij de Vlietkade, elke avond (open)"  # not the withdrawn S-2
    assert "S-1 hoort bij /signaal; gebruik /signaal S-1." in out
    assert out[-3:] == [
        "Geschiedenis:",
        "  ma 23 nov 2026 09:00 gemeld: #jeugd (door Anna de Vries)",
        "  ma 23 nov 2026 09:00 ingetrokken: dubbel gemeld (door Anna de Vries)",
    ]


def test_console_steering_lines(db_url: str) -> None:
    result = run_console(db_url, ":now\n:advance 8w\n:now\n:as nobody\n:in @piet\n:quit\n/help\n")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "ma 23 nov 2026 09:00"
    # what the scheduled jobs post on the way comes before the new time
    i = lines.index("Het is nu ma 18 jan 2027 09:00.")
    assert lines[i + 1] == "ma 18 jan 2027 09:00"
    assert "Onbekende persoon 'nobody'" in lines[i + 2]
    assert lines[i + 3] == "U bent nu in het directe gesprek @piet."
    assert "wijkbot: de commando's" not in result.stdout  # nothing after :quit


def test_console_exits_nonzero_when_config_is_broken(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[groups.x]\nkind = "team"\nname = "X"\nchannel = "x"\nchair = "ghost"\n')
    result = run_console(db_url, "/help\n", "--config", str(bad))
    assert result.returncode == 2
    assert "groups.x" in result.stderr
    assert "ghost" in result.stderr


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("30m", 30), ("6h", 360), ("7d", 7 * 1440), ("8w", 8 * 7 * 1440), ("1w2d", 9 * 1440)],
)
def test_parse_duration(text: str, minutes: int) -> None:
    delta = parse_duration(text)
    assert delta is not None
    assert delta.total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "abc", "7x", "7 dagen"])
def test_parse_duration_rejects_other_text(text: str) -> None:
    assert parse_duration(text) is None
