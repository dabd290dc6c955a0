"""How items and times read in Dutch, the same on every transport."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.dates import format_when
from storage.models import Actiepunt, ActieStatus, Person, Signaal, Wijziging

SIGNAAL_STATUS_NL = {
    "open": "open",
    "in_behandeling": "in behandeling",
    "actie": "actie uitgezet",
    "gesloten": "gesloten",
    "ingetrokken": "ingetrokken",
}
ACTIE_STATUS_NL = {"open": "open", "gedaan": "gedaan", "vervallen": "vervallen", "ingetrokken": "ingetrokken"}


def ref_s(sig_id: int | None) -> str:
    return f"S-{sig_id}"


def ref_a(act_id: int | None) -> str:
    return f"A-{act_id}"


def when(dt: datetime, tz: ZoneInfo) -> str:
    """A moment in Dutch ('do 3 dec 2026 10:00'); a deadline at 23:59 shows only its day."""
    return format_when(dt.astimezone(tz))


def is_overdue(act: Actiepunt, now: datetime) -> bool:
    return act.status == ActieStatus.open and act.deadline < now


def person_name(session: Session, person_id: int | None) -> str:
    if person_id is None:
        return "onbekend"
    p = session.get(Person, person_id)
    return p.name if p else "onbekend"


def person_tag(session: Session, person_id: int | None) -> str:
    if person_id is None:
        return "onbekend"
    p = session.get(Person, person_id)
    return f"@{p.key}" if p else "onbekend"


def signaal_line(sig: Signaal) -> str:
    status = SIGNAAL_STATUS_NL.get(sig.status, sig.status)
    source = " (wijkambassadeur)" if sig.source == "ambassadeur" else ""
    return f"{ref_s(sig.id)} [{sig.category}] {sig.text}{source} ({status})"


def actie_line(session: Session, act: Actiepunt, now: datetime, tz: ZoneInfo) -> str:
    mark = "TE LAAT " if is_overdue(act, now) else ""
    status = "" if act.status == ActieStatus.open else f" ({ACTIE_STATUS_NL[act.status]})"
    link = f" (uit {ref_s(act.signaal_id)})" if act.signaal_id else ""
    return (
        f"{mark}{ref_a(act.id)} {act.text} | {person_tag(session, act.owner_id)} | "
        f"deadline {when(act.deadline, tz)}{status}{link}"
    )


def history_lines(session: Session, rows: list[Wijziging], tz: ZoneInfo) -> list[str]:
    out = []
    for w in rows:
        detail = f": {w.detail}" if w.detail else ""
        out.append(f"  {when(w.at, tz)} {w.action}{detail} (door {person_name(session, w.actor_id)})")
    return out


def end_of_local_day(dt: datetime, tz: ZoneInfo) -> datetime:
    local = dt.astimezone(tz)
    return datetime.combine(local.date(), time(23, 59), tzinfo=tz)
