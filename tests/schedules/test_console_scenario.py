"""Issue 4 acceptance, in the console: a team meeting from planning to attendance, and the nudges."""

from __future__ import annotations

import re

from tests.test_console import run_console

SCRIPT = (
    """\
/overleg plan 3 december 10:00 elke 8 weken locatie Wijkcentrum De Fakkel
/actie Buurtschouw organiseren @piet vrijdag
/actie Lantaarnpalen Vlietkade melden @piet vrijdag
/signaal Hangjongeren bij de Vlietkade #jeugd
:advance 3d
:as piet
/overleg kom
:as fatima
/afmelden volgende ziek
:as anna
"""
    + ":advance 1d\n" * 22
    + "/overleg aanwezig 3 december @anna @piet\n"
)


def _days(out: list[str]) -> dict[str, list[str]]:
    """What was printed during each `:advance`, by the day it ended on ("ma 30 nov 2026")."""
    days: dict[str, list[str]] = {}
    block: list[str] = []
    for line in out:
        m = re.match(r"Het is nu (\w\w \d+ \w+ \d{4}) 09:00\.$", line)
        if m:
            days[m[1]] = block
            block = []
        else:
            block.append(line)
    return days


def test_planned_meeting_reminders_absence_nudge_and_daily_overdue_dms(db_url: str) -> None:
    result = run_console(db_url, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    text = result.stdout
    days = _days(out)

    # the 7-day reminder with the agenda, in the team channel (printed as is: we are in it)
    week = "\n".join(days["do 26 nov 2026"])
    assert "Herinnering: Leefbaarheidsteam Bolnes vergadert over 7 dagen." in week
    assert "Wanneer: do 3 dec 2026 10:00" in week
    assert "Waar: Wijkcentrum De Fakkel" in week
    assert "A-1 Buurtschouw organiseren | @piet" in week
    assert "S-1 [jeugd] Hangjongeren bij de Vlietkade" in week

    # a member's afmelding reaches the chair at once
    assert any(
        line.startswith("[@anna] Fatima Benali meldt zich af voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec")
        and "Reden: ziek." in line
        for line in out
    )

    # two days before: one nudge for the member who did not answer (not for piet, fatima, the chair)
    nudges = [line for line in out if "U heeft het nog niet laten weten" in line and "Bolnes (do 3 dec" in line]
    assert [n.split("]")[0] for n in nudges] == ["[@marieke"]
    assert any("[@marieke] Komt u naar het overleg" in line for line in days["di 1 dec 2026"])

    # the 1-day reminder, with the overdue actiepunten marked
    eve = "\n".join(days["wo 2 dec 2026"])
    assert "Herinnering: Leefbaarheidsteam Bolnes vergadert morgen." in eve
    assert "TE LAAT A-1 Buurtschouw organiseren" in eve
    assert text.count("Herinnering: Leefbaarheidsteam Bolnes vergadert") == 2  # only those two so far

    # the overdue owner: exactly one DM per working day, listing both actiepunten; none at weekends
    for day, lines in days.items():
        dms = [line for line in lines if line.startswith("[@piet] Goedemorgen Piet")]
        weekend = day.startswith(("za", "zo"))
        overdue = day not in ("do 26 nov 2026", "vr 27 nov 2026")  # the deadline is Friday 27 November
        assert len(dms) == (0 if weekend or not overdue else 1), (day, dms)
    monday = "\n".join(days["ma 30 nov 2026"])
    assert (
        "• A-1 Buurtschouw organiseren (Leefbaarheidsteam Bolnes), deadline vr 27 nov 2026, 3 dagen te laat" in monday
    )
    assert "• A-2 Lantaarnpalen Vlietkade melden" in monday

    # after 14 days overdue the chair is told once
    chair = [line for line in out if line.startswith("[@anna] Deze actiepunten zijn al meer dan 14 dagen")]
    assert len(chair) == 1
    assert any(line.startswith("[@anna] Deze actiepunten") for line in days["ma 14 dec 2026"])

    # after the meeting the chair is asked who attended, and confirms it
    ask = [
        line for line in days["vr 4 dec 2026"] if line.startswith("[@anna] Het overleg van Leefbaarheidsteam Bolnes")
    ]
    assert len(ask) == 1
    assert "/overleg aanwezig 3-12-2026" in ask[0]
    assert out[-1] == (
        "Aanwezigheid bij het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00 vastgelegd "
        "(aanwezig: @anna, @piet; afgemeld: @fatima; afwezig: @marieke)."
    )
