"""The weekly digest: counts per group, totals and the trend, for each group it is sent to.

Each recipient (`[digest] to`, by default every regiegroep) gets the lines of the groups that
report to it (their `reports_to`). Norms are each group's own (`norm`, `participatie`).

It leaves the teams, so it holds no personal data (AVG): no names, no free text of signalen or
actiepunten; only counts, categories, dates and references (S-12, A-3).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlmodel import Session

from handlers import initiatief
from handlers.format import noun, plural, ref_a, when
from handlers.reports.periods import LOCALE, Week, day_label, local_midnight, week_before
from storage import figures as fig
from storage import org
from storage.config import OrgConfig
from storage.models import Group

TREND_WEEKS = 4
MAX_REFS = 8


def number(value: float) -> str:
    """A Dutch number with at most one decimal: 2,5 and 12."""
    return str(format_decimal(round(value, 1), format="#,##0.#", locale=LOCALE))


def days(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{number(value)} dag" if round(value, 1) == 1 else f"{number(value)} dagen"


def by_category(counts: Counter[str]) -> str:
    return ", ".join(f"{cat} {n}" for cat, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def refs(ids: list[int], total: int) -> str:
    """The first few references, and how many more there are."""
    shown = ids[:MAX_REFS]
    return ", ".join(ref_a(i) for i in shown) + (f" en nog {total - len(shown)}" if total > len(shown) else "")


def trend(current: float, previous: list[float]) -> str:
    """'(gem. vorige 4 weken 2,5; hoger)'."""
    avg = sum(previous) / len(previous) if previous else 0.0
    word = "gelijk" if abs(current - avg) < 0.05 else "hoger" if current > avg else "lager"
    return f"(gem. vorige {len(previous)} weken {number(avg)}; {word})"


@dataclass
class TeamWeek:
    group: Group
    flow: fig.Flow
    stock: fig.Stock
    meetings: fig.MeetingFigures
    bijeenkomsten: fig.BijeenkomstFigures
    flagged: int

    def nothing_to_report(self, now: datetime) -> bool:
        return (
            self.flow.quiet
            and self.stock.open_signalen == 0
            and self.stock.open_acties == 0
            and not self.flagged
            and not self.bijeenkomsten.upcoming
            and self.meetings.held_in_window == 0
            and (self.meetings.last_held is None or self.meetings.within_norm(now, self.group.norm_span))
        )


@dataclass
class Digest:
    week: Week
    teams: list[TeamWeek]
    previous: list[dict[int, fig.Flow]]  # flows of the previous weeks, most recent first

    def total(self, attr: str, flows: dict[int, fig.Flow] | None = None) -> float:
        if flows is None:
            return float(sum(_flow_value(t.flow, attr) for t in self.teams))
        return float(sum(_flow_value(f, attr) for f in flows.values()))


def _flow_value(flow: fig.Flow, attr: str) -> int:
    return flow.signalen_total if attr == "signalen" else int(getattr(flow, attr))


def teams(session: Session, recipient: Group | None = None) -> list[Group]:
    """The groups in a recipient's digest: those reporting to it (without one: every team)."""
    if recipient is not None:
        return org.reporting_to(org.all_groups(session), recipient)
    return org.teams(session)


def compute_digest(
    session: Session, *, now: datetime, tz: ZoneInfo, recipient: Group | None = None, groups: list[Group] | None = None
) -> Digest:
    """All figures of the digest for the last complete week before `now` (`recipient`: whose digest)."""
    week = week_before(now, tz)
    groups = groups if groups is not None else teams(session, recipient)
    ids = [g.id for g in groups if g.id is not None]
    flow = fig.flows(session, ids, week.start, week.end, now=now)
    previous = []
    for n in range(1, TREND_WEEKS + 1):
        w = week.previous(n)
        previous.append(fig.flows(session, ids, w.start, w.end, now=now, counts_only=True))
    stock = fig.stocks(session, ids, now=now)
    meet = fig.meeting_figures(session, ids, now=now, start=week.start)
    year_start = local_midnight(now.astimezone(tz).date().replace(month=1, day=1), tz)
    bij = fig.bijeenkomst_figures(session, ids, now=now, year_start=year_start)
    att = fig.attendance_figures(session, ids, now=now)
    rows = [
        TeamWeek(
            group=g,
            flow=flow[g.id],
            stock=stock[g.id],
            meetings=meet[g.id],
            bijeenkomsten=bij[g.id],
            flagged=att[g.id].flagged_members,
        )
        for g in groups
        if g.id is not None
    ]
    return Digest(week=week, teams=rows, previous=previous)


def _team_lines(t: TeamWeek, *, now: datetime, tz: ZoneInfo) -> list[str]:
    name = t.group.name
    nxt = f"volgend overleg {when(t.meetings.next_planned, tz)}" if t.meetings.next_planned else "geen overleg gepland"
    if t.nothing_to_report(now):
        return [f"{name}: niets te melden (geen nieuwe of open signalen en actiepunten); {nxt}."]
    f, s, m = t.flow, t.stock, t.meetings
    lines = [f"*{name}*"]
    new = f"{f.signalen_total}" + (f" ({by_category(f.new_signalen)})" if f.signalen_total else "")
    lines.append(f"• Nieuwe signalen: {new}")
    if f.new_by_area:
        lines.append(f"• Per buurt of kern: {by_category(f.new_by_area)}")
    if s.open_signalen:
        lines.append(
            f"• Open signalen: {s.open_signalen}, oudste {days(s.oldest_open_days)}, "
            f"mediaan {days(s.median_open_days)} open"
        )
    else:
        lines.append("• Open signalen: 0")
    late = f", te laat {s.overdue}" + (f" ({refs(s.overdue_ids, s.overdue)})" if s.overdue else "")
    lines.append(f"• Actiepunten: {f.acties_opened} nieuw, {f.acties_done} gedaan, {s.open_acties} open{late}")
    if f.days_to_first_action or f.days_to_done:
        lines.append(
            f"• Doorlooptijd (mediaan): signaal → eerste actie {days(fig.median(f.days_to_first_action))}; "
            f"actie → gedaan {days(fig.median(f.days_to_done))}"
        )
    if m.last_held is None:
        held = "nog geen overleg gehouden"
    else:
        ago = (now - m.last_held).days
        span = t.group.norm_span
        norm = "binnen" if m.within_norm(now, span) else "BUITEN"
        rule = f", {norm} de norm van {span} weken" if span else ""
        held = f"laatste {when(m.last_held, tz)} ({ago} dagen geleden{rule})"
    this_week = f"; deze week {m.held_in_window} gehouden" if m.held_in_window else ""
    lines.append(f"• Overleg: {held}{this_week}; {nxt}")
    b = t.bijeenkomsten
    upcoming = ", ".join(when(at, tz) for at in b.upcoming) if b.upcoming else "geen"
    per_year = t.group.participatie_per_year
    if per_year or b.upcoming or b.held_this_year:
        lines.append(
            f"• Participatiebijeenkomsten: komende {fig.UPCOMING_WEEKS} weken {upcoming}; "
            f"dit jaar gehouden {b.held_this_year}" + (f" van {per_year}" if per_year else "")
        )
    if t.flagged:
        lines.append(
            f"• Aanwezigheid: {plural(t.flagged, 'lid')} afwezig bij {fig.ABSENCE_LIMIT} van de laatste "
            f"{fig.ABSENCE_WINDOW} overleggen"
        )
    return lines


def _kind(groups: list[Group]) -> str:
    """The groups of a digest as one word: the shared label ("buurtpreventieteam"), else "groep"."""
    labels = {g.kind_label.lower() for g in groups}
    return labels.pop() if len(labels) == 1 else "groep"


def render_digest(d: Digest, *, now: datetime, tz: ZoneInfo) -> str:
    """The digest as one Dutch message."""
    last_day = d.week.end - timedelta(days=1)
    kind = _kind([t.group for t in d.teams])
    kinds = noun(2, kind)
    head = (
        f"Weekoverzicht {kinds}, week {d.week.number} "
        f"({day_label(d.week.start, tz)} t/m {day_label(last_day, tz)} {last_day.year})"
    )
    signalen = d.total("signalen")
    opened, done = d.total("acties_opened"), d.total("acties_done")
    open_sig = sum(t.stock.open_signalen for t in d.teams)
    open_act = sum(t.stock.open_acties for t in d.teams)
    overdue = sum(t.stock.overdue for t in d.teams)
    behind = sum(
        1 for t in d.teams if t.meetings.last_held is not None and not t.meetings.within_norm(now, t.group.norm_span)
    )
    spans = {t.group.norm_span for t in d.teams if t.group.norm_span}
    flagged = sum(t.flagged for t in d.teams)
    prev = d.previous
    lines = [
        head,
        f"Totaal {plural(len(d.teams), kind)}:",
        f"• Nieuwe signalen: {int(signalen)} {trend(signalen, [d.total('signalen', p) for p in prev])}",
        f"• Actiepunten nieuw: {int(opened)} {trend(opened, [d.total('acties_opened', p) for p in prev])}",
        f"• Actiepunten gedaan: {int(done)} {trend(done, [d.total('acties_done', p) for p in prev])}",
        f"• Nu open: {plural(open_sig, 'signaal')}, {plural(open_act, 'actiepunt')}, waarvan {overdue} te laat",
    ]
    if behind:
        of = f" van {spans.pop()} weken" if len(spans) == 1 else ""
        lines.append(f"• {kinds[:1].upper()}{kinds[1:]} buiten de overlegnorm{of}: {behind}")
    if flagged:
        lines.append(f"• Leden met veel afwezigheid: {flagged}")
    quiet = False
    for t in d.teams:
        block = _team_lines(t, now=now, tz=tz)
        if len(block) > 1 or not quiet:
            lines.append("")  # a blank line around full blocks; one-liners stay together
        quiet = len(block) == 1
        lines += block
    return "\n".join(lines)


def weekly_digest(
    session: Session, *, now: datetime, tz: ZoneInfo, recipient: Group | None = None, config: OrgConfig | None = None
) -> tuple[str, str] | None:
    """(dedupe label, text) of `recipient`'s digest for the last complete week before `now`;
    None when no group reports to it. With `config`: the spending of the groups' wijkbudgets too."""
    d = compute_digest(session, now=now, tz=tz, recipient=recipient)
    if not d.teams:
        return None
    text = render_digest(d, now=now, tz=tz)
    spending = initiatief.budget_lines(session, config, [t.group for t in d.teams]) if config else []
    if spending:
        text += "\n\n*Wijkbudget (inwonerinitiatieven)*\n" + "\n".join(f"• {line}" for line in spending)
    return d.week.label, text
