"""How items and times read in Dutch, the same on every transport."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.dates import format_when
from storage.models import (
    Actiepunt,
    ActieStatus,
    AttendanceStatus,
    JaarplanStatus,
    MeetingStatus,
    Person,
    Signaal,
    SignaalStatus,
    Wijziging,
)

# How every stored code reads for a user: the one place where a status becomes Dutch text.
# Never put a status value (or a `.value`) in a text; write label(kind, value).
LABELS: dict[str, dict[str, str]] = {
    "signaal": {
        SignaalStatus.open: "open",
        SignaalStatus.in_behandeling: "in behandeling",
        SignaalStatus.actie: "actie uitgezet",
        SignaalStatus.gesloten: "gesloten",
        SignaalStatus.ingetrokken: "ingetrokken",
    },
    "actiepunt": {
        ActieStatus.open: "open",
        ActieStatus.gedaan: "gedaan",
        ActieStatus.vervallen: "vervallen",
        ActieStatus.ingetrokken: "ingetrokken",
    },
    "overleg": {
        MeetingStatus.gepland: "gepland",
        MeetingStatus.gehouden: "gehouden",
        MeetingStatus.geannuleerd: "gaat niet door",
    },
    "aanwezigheid": {
        AttendanceStatus.komt: "komt",
        AttendanceStatus.afgemeld: "afgemeld",
        AttendanceStatus.aanwezig: "aanwezig",
        AttendanceStatus.afwezig: "afwezig",
        "geen reactie": "geen reactie",
    },
    "bron": {"team": "team", "ambassadeur": "wijkambassadeur"},
    "jaarplan": {
        JaarplanStatus.open: "open",
        JaarplanStatus.klaar: "klaar",
        JaarplanStatus.vervallen: "vervallen",
    },
}
# A history row's action (storage writes `status: <value>` for a status change) as it reads.
CHANGE_LABELS: dict[str, dict[str, str]] = {
    "signaal": {
        "aangemaakt": "gemeld",
        f"status: {SignaalStatus.open}": "heropend",
        f"status: {SignaalStatus.in_behandeling}": "opgepakt (in behandeling)",
        f"status: {SignaalStatus.actie}": "actie uitgezet",
        f"status: {SignaalStatus.gesloten}": "gesloten",
        f"status: {SignaalStatus.ingetrokken}": "ingetrokken",
    },
    "initiatief": {
        "aangemaakt": "aangemeld",
        **{
            f"fase: {f}": f"fase {w}"
            for f, w in (
                ("gesprek", "oriënterend gesprek"),
                ("principebesluit", "principebesluit"),
                ("plan", "uitgewerkt plan"),
                ("besluit", "definitief besluit"),
                ("uitvoering", "uitvoering"),
                ("evaluatie", "evaluatie"),
                ("afgerond", "afgerond"),
                ("afgewezen", "afgewezen"),
                ("in_behandeling", "in behandeling"),
                ("jaarplan", "naar het jaarplan"),
            )
        },
    },
    "actiepunt": {
        "aangemaakt": "aangemaakt",
        f"status: {ActieStatus.open}": "heropend",
        f"status: {ActieStatus.gedaan}": "gedaan",
        f"status: {ActieStatus.vervallen}": "vervallen",
        f"status: {ActieStatus.ingetrokken}": "ingetrokken",
    },
    "jaarplan": {
        "aangemaakt": "toegevoegd",
        "voortgang": "voortgang",
        f"status: {JaarplanStatus.open}": "heropend",
        f"status: {JaarplanStatus.klaar}": "klaar",
        f"status: {JaarplanStatus.vervallen}": "vervallen",
    },
}
# Nouns whose plural is not the singular plus -en.
PLURALS = {
    "signaal": "signalen",
    "actiepunt": "actiepunten",
    "overleg": "overleggen",
    "gepland overleg": "geplande overleggen",
    "geplande bijeenkomst": "geplande bijeenkomsten",
    "bijeenkomst": "bijeenkomsten",
    "melding": "meldingen",
    "dag": "dagen",
    "week": "weken",
    "lid": "leden",
    "team": "teams",
    "groep": "groepen",
    "coalitie": "coalities",
    "regiegroep": "regiegroepen",
    "wijkambassadeur": "wijkambassadeurs",
}


def label(kind: str, value: str | None) -> str:
    """The Dutch label of a stored code (`label("signaal", "in_behandeling")` → "in behandeling")."""
    if value is None:
        return ""
    return LABELS.get(kind, {}).get(value) or str(value).replace("_", " ")


def change_label(item_type: str, action: str) -> str:
    """A history row's action in Dutch; a status change the table does not name reads as its status label."""
    known = CHANGE_LABELS.get(item_type, {}).get(action)
    if known:
        return known
    if action.startswith("status: "):
        return label(item_type, action.removeprefix("status: "))
    return action.replace("_", " ")


def noun(n: int, one: str, many: str | None = None) -> str:
    """The noun for a count: noun(1, "signaal") → "signaal", noun(0, "open signaal") → "open signalen"."""
    if n == 1:
        return one
    if many is None:
        head, _, last = one.rpartition(" ")
        many = PLURALS.get(one) or (f"{head} {PLURALS[last]}".strip() if last in PLURALS else _compound(one))
    return many


def _compound(word: str) -> str:
    """A Dutch compound takes the plural of its last part: buurtpreventieteam → buurtpreventieteams."""
    for part in sorted(PLURALS, key=len, reverse=True):
        if " " not in part and word.endswith(part) and word != part:
            return word[: -len(part)] + PLURALS[part]
    return f"{word}en"


def plural(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun: plural(1, "signaal") → "1 signaal", plural(2, "open signaal") → "2 open signalen"."""
    return f"{n} {noun(n, one, many)}"


def ref_s(sig_id: int | None) -> str:
    return f"S-{sig_id}"


def ref_a(act_id: int | None) -> str:
    return f"A-{act_id}"


def ref_j(item_id: int | None) -> str:
    return f"J-{item_id}"


def euros(cents: int) -> str:
    """An amount the Dutch way: € 1.500 or € 1.500,50."""
    whole, rest = divmod(cents, 100)
    text = f"{whole:,}".replace(",", ".")
    return f"€ {text}" + (f",{rest:02d}" if rest else "")


def when(dt: datetime, tz: ZoneInfo) -> str:
    """A moment in Dutch ('do 3 dec 2026 10:00'); a deadline at 23:59 shows only its day."""
    return format_when(dt.astimezone(tz))


def day(dt: datetime, tz: ZoneInfo) -> str:
    """A day in Dutch, without a time ('vr 4 dec 2026')."""
    return when(end_of_local_day(dt, tz), tz)


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
    status = label("signaal", sig.status)
    source = " (wijkambassadeur)" if sig.source == "ambassadeur" else ""
    return f"{ref_s(sig.id)} [{sig.category}] {sig.text}{source} ({status})"


def actie_line(session: Session, act: Actiepunt, now: datetime, tz: ZoneInfo) -> str:
    mark = "TE LAAT " if is_overdue(act, now) else ""
    status = "" if act.status == ActieStatus.open else f" ({label('actiepunt', act.status)})"
    link = f" (uit {ref_s(act.signaal_id)})" if act.signaal_id else ""
    return (
        f"{mark}{ref_a(act.id)} {act.text} | {person_tag(session, act.owner_id)} | "
        f"deadline {when(act.deadline, tz)}{status}{link}"
    )


def history_lines(session: Session, rows: list[Wijziging], tz: ZoneInfo) -> list[str]:
    out = []
    for w in rows:
        detail = f": {w.detail}" if w.detail else ""
        what = change_label(w.item_type, w.action)
        out.append(f"  {when(w.at, tz)} {what}{detail} (door {person_name(session, w.actor_id)})")
    return out


def end_of_local_day(dt: datetime, tz: ZoneInfo) -> datetime:
    local = dt.astimezone(tz)
    return datetime.combine(local.date(), time(23, 59), tzinfo=tz)
