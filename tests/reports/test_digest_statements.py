"""The weekly digest sends as many statements for 30 teams as for 3: no query per team (no N+1).

Every team has something in each part of the digest: open signalen (oldest and median age), an
overdue actiepunt, three held meetings with a member absent from two of them (a flag), a
participatiebijeenkomst and a wijkbudget; so a per-team query anywhere in the path would show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from handlers.reports.digest import weekly_digest
from storage import items, meetings
from storage.config import OrgConfig, load_config, seed
from storage.models import AttendanceStatus, Group, Meeting, Person
from tests.conftest import TZ

START = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday: seeded here, the first meetings this week
NOW = START + timedelta(weeks=5)  # the Monday the digest of the fifth week goes out
DAY = timedelta(days=1)


SMALL, LARGE = 3, 30  # the teams reporting to regiegroep "klein" and to "groot"


def _config(path: Path) -> OrgConfig:
    lines = ['timezone = "Europe/Amsterdam"', 'admins = ["regie1"]', ""]
    lines += ["[people.regie1]", 'name = "Regie Een"', 'organisation = "Gemeente"', ""]
    first = (START + DAY).replace(tzinfo=None).isoformat(timespec="seconds")
    for t in range(1, SMALL + LARGE + 1):
        keys = [f"t{t}p{p}" for p in range(1, 4)]
        for p, key in enumerate(keys, 1):
            lines += [f"[people.{key}]", f'name = "Persoon {p} van Team {t}"', 'organisation = "Gemeente"', ""]
        lines += [
            f"[groups.team{t}]",
            'kind = "team"',
            f'name = "Team {t}"',
            f'wijken = ["Wijk {t}"]',
            f'channel = "lbt-team-{t}"',
            f'chair = "{keys[0]}"',
            "members = [" + ", ".join(f'"{k}"' for k in keys) + "]",
            f'meetings = {{ first = {first}, every_weeks = 1, location = "Wijkcentrum {t}" }}',
            f'reports_to = ["{"klein" if t <= SMALL else "groot"}"]',
            "",
            f"[budgets.wijk-{t}]",
            "jaar = 2026",
            "totaal = 1000",
            "",
        ]
    for key in ("klein", "groot"):
        lines += [
            f"[groups.{key}]",
            'kind = "regiegroep"',
            f'name = "Regiegroep {key}"',
            f'channel = "regie-{key}"',
            'chair = "regie1"',
            'members = ["regie1"]',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_config(path)


def _fill(engine: sa.Engine, config: OrgConfig) -> None:
    with Session(engine) as s:
        seed(s, config, now=START)
        s.flush()
        people = {p.key: p.id or 0 for p in s.exec(select(Person)).all()}
        for g in s.exec(select(Group).where(Group.kind == "team")).all():
            gid, t = g.id or 0, g.key.removeprefix("team")
            chair, other, third = (people[f"t{t}p{p}"] for p in range(1, 4))
            for age in (20, 9, 3):
                items.record_signaal(
                    s, group_id=gid, text="t", category="zorg", reported_by_id=chair, now=NOW - age * DAY
                )
            items.record_actiepunt(
                s, group_id=gid, text="x", owner_id=chair, deadline=NOW - 2 * DAY, created_by_id=chair,
                now=NOW - 10 * DAY,
            )  # fmt: skip
            held = s.exec(select(Meeting).where(Meeting.group_id == gid).order_by(col(Meeting.starts_at)).limit(4))
            for k, m in enumerate(held.all()[1:]):  # the last three of the first four: held, confirmed
                statuses = {chair: AttendanceStatus.aanwezig, third: AttendanceStatus.aanwezig}
                statuses[other] = AttendanceStatus.afwezig if k else AttendanceStatus.aanwezig
                meetings.confirm_attendance(s, m, statuses, actor_id=chair, now=m.starts_at, detail="")
            meetings.record_bijeenkomst(s, gid, NOW + 10 * DAY, "Buurtavond", created_by_id=chair, now=START)
        s.commit()


@contextmanager
def _counted(engine: sa.Engine) -> Iterator[list[str]]:
    """Every statement the engine sends inside the block (as bench/sqlwatch.py counts them)."""
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _digest(engine: sa.Engine, config: OrgConfig, recipient: str) -> tuple[int, str]:
    """How many statements the digest of `recipient` sends, and its text."""
    with Session(engine) as s, _counted(engine) as sent:
        group = s.exec(select(Group).where(Group.key == recipient)).one()
        made = weekly_digest(s, now=NOW, tz=config.tz, recipient=group, config=config)
    assert made is not None
    return len(sent), made[1]


def test_the_digest_sends_as_many_statements_for_thirty_teams_as_for_three(engine: sa.Engine, tmp_path: Path) -> None:
    config = _config(tmp_path / "org.toml")
    _fill(engine, config)
    few, small = _digest(engine, config, "klein")
    many, large = _digest(engine, config, "groot")
    for text, last in ((small, SMALL), (large, SMALL + LARGE)):
        # every part of the digest has something to show, so every query of its path ran
        block = text.split(f"*Team {last}*\n", 1)[1].split("\n\n", 1)[0]
        assert "• Open signalen: 3, oudste 20 dagen, mediaan 9 dagen open" in block
        assert ", te laat 1 (A-" in block
        assert "• Aanwezigheid: 1 lid afwezig bij 2 van de laatste 3 overleggen" in block
        assert "• Participatiebijeenkomsten: komende 8 weken " in block
        assert f"Wijk {last}: voor inwonerinitiatieven" in text
    assert text.count("*Team ") == LARGE
    assert many == few, f"{few} statements for {SMALL} teams, {many} for {LARGE}: a query per team"
