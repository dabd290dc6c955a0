"""The weekly digest to the regiegroep over a simulated quarter (covenant §4.4, §4.5)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from handlers.reports.digest import weekly_digest
from schedules.reports import send_weekly_digest
from storage.config import load_config
from storage.db import transaction
from storage.models import OutboxMessage, Person, Signaal
from tests.conftest import TZ
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]
WEEK = timedelta(weeks=1)


def digests(bot: TalkingBot) -> list[str]:
    return [t for t in bot.posted_to("#regiegroep") if t.startswith("Weekoverzicht")]


def block(digest: str, team: str) -> str:
    """The lines of one team in a digest (a one-liner, or a block up to the next blank line)."""
    lines = digest.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(team) or line == f"*{team}*":
            if not line.startswith("*"):
                return line
            end = next((j for j in range(i + 1, len(lines)) if not lines[j].strip()), len(lines))
            return "\n".join(lines[i:end])
    raise AssertionError(f"{team} not in digest:\n{digest}")


async def seed_first_two_weeks(bot: TalkingBot) -> None:
    """Week 48: 3 signalen in Bolnes (2 jeugd, 1 overlast), 1 in Centrum & West, 1 actiepunt.
    Week 49: the actiepunt is done after 7 days, S-2 closed, 1 new signaal (zorg) in Bolnes."""
    await bot.say("/signaal Hangjongeren bij de Vlietkade, scooters tot laat #jeugd")
    await bot.say("/signaal Graffiti op de muur van de gymzaal aan de Kievitstraat #jeugd")
    await bot.say("/signaal Harde muziek uit café De Zwaan na sluitingstijd #overlast")
    await bot.say(
        "/signaal Inbraakgolf in de straten rond het Koningsplein #veiligheid", as_="youssef", in_="lbt-centrum-west"
    )
    await bot.say("/signaal S-1 actie Gesprek met de jongeren op de Vlietkade @piet vrijdag")
    await bot.advance(WEEK)
    await bot.say("/actie gedaan A-1 gesprek gevoerd", as_="piet")
    await bot.say("/signaal S-2 sluit gemeld bij de gemeente")
    await bot.say("/signaal Oudere buurvrouw op nummer 12 lijkt vereenzaamd #zorg")


async def test_digest_appears_every_monday_of_a_quarter_with_the_right_figures_and_no_personal_data(
    bot: TalkingBot,
) -> None:
    await seed_first_two_weeks(bot)
    first, second = digests(bot)[0], None
    assert len(digests(bot)) == 1
    await bot.advance(timedelta(days=4))  # Friday 4 December: the chair confirms the meeting of the 3rd
    await bot.say("/overleg aanwezig 3-12-2026 alle")  # a meeting counts as held once confirmed
    await bot.advance(WEEK - timedelta(days=4))
    second = digests(bot)[1]
    for _ in range(11):
        await bot.advance(WEEK)
    all_digests = digests(bot)
    assert len(all_digests) == 13  # every Monday from 30 November 2026 to 22 February 2027
    weeks = [d.splitlines()[0] for d in all_digests]
    assert weeks[0] == "Weekoverzicht leefbaarheidsteams, week 48 (23 nov t/m 29 nov 2026)"
    assert weeks[5] == "Weekoverzicht leefbaarheidsteams, week 53 (28 dec t/m 3 jan 2027)"
    assert weeks[12] == "Weekoverzicht leefbaarheidsteams, week 7 (15 feb t/m 21 feb 2027)"
    with bot.session() as s:
        sent = s.exec(select(OutboxMessage.created_at).where(OutboxMessage.text.startswith("Weekoverzicht"))).all()
    assert {(t.astimezone(TZ).weekday(), t.astimezone(TZ).hour, t.astimezone(TZ).minute) for t in sent} == {(0, 8, 0)}

    # week 48: the figures of the seeded data
    assert "• Nieuwe signalen: 4 (gem. vorige 4 weken 0; hoger)" in first
    assert "• Actiepunten nieuw: 1 (gem. vorige 4 weken 0; hoger)" in first
    assert "• Actiepunten gedaan: 0 (gem. vorige 4 weken 0; gelijk)" in first
    assert "• Nu open: 4 signalen, 1 actiepunt, waarvan 1 te laat" in first
    bolnes = block(first, "Leefbaarheidsteam Bolnes")
    assert "• Nieuwe signalen: 3 (jeugd 2, overlast 1)" in bolnes
    assert "• Open signalen: 3, oudste 7 dagen, mediaan 7 dagen open" in bolnes
    assert "• Actiepunten: 1 nieuw, 0 gedaan, 1 open, te laat 1 (A-1)" in bolnes
    assert "signaal → eerste actie 0 dagen" in bolnes
    assert "• Overleg: nog geen overleg gehouden; volgend overleg do 3 dec 2026 10:00" in bolnes
    centrum = block(first, "Leefbaarheidsteam Centrum & West")
    assert "• Nieuwe signalen: 1 (veiligheid 1)" in centrum
    assert block(first, "Leefbaarheidsteam Oost") == (
        "Leefbaarheidsteam Oost: niets te melden (geen nieuwe of open signalen en actiepunten); "
        "volgend overleg di 15 dec 2026 10:00."
    )

    # week 49: one done after 7 days, one closed, one new; the trend compares with weeks 45-48
    assert "• Nieuwe signalen: 1 (gem. vorige 4 weken 1; gelijk)" in second
    assert "• Actiepunten gedaan: 1 (gem. vorige 4 weken 0; hoger)" in second
    assert "• Nu open: 4 signalen, 0 actiepunten, waarvan 0 te laat" in second
    bolnes = block(second, "Leefbaarheidsteam Bolnes")
    assert "• Nieuwe signalen: 1 (zorg 1)" in bolnes
    assert "• Open signalen: 3, oudste 14 dagen, mediaan 14 dagen open" in bolnes  # S-1 has an action, still open
    assert "actie → gedaan 7 dagen" in bolnes
    assert (
        "• Overleg: laatste do 3 dec 2026 10:00 (3 dagen geleden, binnen de norm van 8 weken); deze week 1 gehouden"
    ) in bolnes

    # no personal data leaves the teams: no names, no signaal texts
    with bot.session() as s:
        names = [p.name for p in s.exec(select(Person)).all()]
        texts = [sig.text for sig in s.exec(select(Signaal)).all()]
    assert len(texts) == 5
    assert len(names) > 20
    for digest in all_digests:
        for name in names:
            assert name not in digest
        for text in texts:
            assert text not in digest
        for word in ("Vlietkade", "Zwaan", "Koningsplein", "buurvrouw", "gymzaal"):
            assert word not in digest


async def test_digest_job_sends_each_week_once_even_when_it_runs_twice(bot: TalkingBot) -> None:
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)
    config = bot.bot.config
    assert send_weekly_digest(bot.bot.engine, config, monday) == 1
    assert send_weekly_digest(bot.bot.engine, config, monday) == 0
    assert send_weekly_digest(bot.bot.engine, config, monday + timedelta(hours=5)) == 0  # late run, same week
    assert send_weekly_digest(bot.bot.engine, config, monday + WEEK) == 1


async def test_digest_of_a_quiet_week_gives_every_team_one_line(bot: TalkingBot) -> None:
    with transaction(bot.bot.engine) as s:
        digest = weekly_digest(s, now=datetime(2026, 11, 30, 8, 0, tzinfo=TZ), tz=TZ)
        assert digest is not None
        label, text = digest
    assert label == "2026-W48"
    team_lines = [line for line in text.splitlines() if line.startswith("Leefbaarheidsteam")]
    assert len(team_lines) == 6
    assert all("niets te melden" in line for line in team_lines)


def test_console_prints_the_digest_for_the_regiegroep_after_advancing_a_week(db_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WIJKBOT_CONFIG")}
    env["WIJKBOT_OUTPUT_DIR"] = str(tmp_path)
    script = "/signaal Kapotte lantaarnpaal bij de Dillenburgplein-flat #openbare-ruimte\n:advance 7d\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", db_url, "--now", "2026-11-23T09:00"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[#regiegroep] Weekoverzicht leefbaarheidsteams, week 48 (23 nov t/m 29 nov 2026)" in out
    assert "• Nieuwe signalen: 1 (openbare-ruimte 1)" in out
    assert "lantaarnpaal" not in out.split("[#regiegroep] Weekoverzicht")[1].split("[")[0]
    assert load_config(None).timezone == "Europe/Amsterdam"
