"""The agendas of a moment's reminders are read together (handlers/agenda.AgendaData): the same
lines as each agenda read alone, in as many statements for every team as for two."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from handlers.agenda import AgendaData, build_agenda
from storage.models import Group, Meeting, MeetingStatus
from tests.conftest import NOW, TZ


@contextmanager
def _counting(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def remember(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


def _next_meetings(s: Session) -> list[tuple[Group, Meeting]]:
    pairs = []
    for group in s.exec(select(Group).order_by(col(Group.id))).all():
        meeting = s.exec(
            select(Meeting)
            .where(Meeting.group_id == group.id, Meeting.status == MeetingStatus.gepland, Meeting.starts_at > NOW)
            .order_by(col(Meeting.starts_at))
            .limit(1)
        ).first()
        if meeting is not None:
            pairs.append((group, meeting))
    return pairs


async def test_agendas_read_together_are_the_agendas_read_alone(bot: Any) -> None:
    await bot.say("/signaal Hangjongeren bij de Vlietkade & <de school> #jeugd")
    await bot.say("/actie Buurtschouw plannen @anna vrijdag")
    await bot.say("/signaal Zwerfafval bij het winkelcentrum #woonomgeving", as_="youssef", in_="lbt-centrum-west")
    await bot.advance(timedelta(hours=1))
    now = NOW + timedelta(hours=1)
    with bot.session() as s:
        pairs = _next_meetings(s)
        assert len(pairs) >= 4
        alone = {m.id: build_agenda(s, g, m, now=now, tz=TZ) for g, m in pairs}
        with _counting(bot.bot.engine) as few:
            AgendaData.load(s, pairs[:2], now=now, tz=TZ)
        with _counting(bot.bot.engine) as many:
            data = AgendaData.load(s, pairs, now=now, tz=TZ)
        together = {m.id: build_agenda(s, g, m, now=now, tz=TZ, data=data) for g, m in pairs}
        guests = {m.id: build_agenda(s, g, m, now=now, tz=TZ, data=data, outline=True) for g, m in pairs}
        guests_alone = {m.id: build_agenda(s, g, m, now=now, tz=TZ, outline=True) for g, m in pairs}
    assert together == alone
    assert guests == guests_alone
    # at most: previous meetings, signalen (since a meeting, and all for a group without one), the
    # year's earlier meetings, agenda items, their people, actiepunten, bijeenkomsten, escalations
    assert len(few) <= len(many) <= 9 < len(pairs) + 2, "a query per team crept into AgendaData.load"
    bolnes = next(lines for (g, m) in pairs if g.channel == "lbt-bolnes" for lines in [alone[m.id]])
    text = "\n".join(bolnes)
    assert "Hangjongeren bij de Vlietkade & <de school>" in text
    assert "Actielijst: 1 open" in text
    assert "Buurtschouw plannen | @anna" in text
    west = next(lines for (g, m) in pairs if g.channel == "lbt-centrum-west" for lines in [alone[m.id]])
    assert "Zwerfafval bij het winkelcentrum" in "\n".join(west)
    assert "Hangjongeren" not in "\n".join(west)
