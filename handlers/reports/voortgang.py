"""The half-yearly voortgangsrapportage of a team (groups with a jaarplan).

The bot drafts it from the data of the half year; the chair adds the text on jaarplan progress and
sends it to the groups it reports to (reports_to), with a chart (PNG) and the whole report as PDF for the archive. The
report leaves the team, so its figures are counts only; the chair's text is the chair's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from handlers import initiatief
from handlers.base import Context, Reply, UserError
from handlers.exports import output_dir
from handlers.format import when
from handlers.parsing import check_text
from handlers.permissions import require
from handlers.reports import figures as fig
from handlers.reports.digest import by_category, days
from handlers.reports.periods import HalfYear, half_year_of, local_midnight, month_label, parse_half_year
from storage import org
from storage.models import Group, Meeting, Person, Voortgangsrapportage

if TYPE_CHECKING:
    from handlers.reports.documents import ChartData

USAGE = (
    "/rapportage [2026-H2] toont het concept · /rapportage [2026-H2] tekst <voortgang jaarplan> · "
    "/rapportage [2026-H2] verstuur"
)


@dataclass
class HalfYearFigures:
    group: Group
    period: HalfYear
    until: datetime  # the end of the half year, or now when it is still running
    flow: fig.Flow
    stock: fig.Stock
    meetings: fig.MeetingFigures
    meetings_required: int
    bijeenkomsten: fig.BijeenkomstFigures
    attendance: fig.AttendanceFigures
    monthly: list[fig.Flow]
    month_labels: list[str]


def meetings_required(session: Session, group: Group, start: datetime, until: datetime, norm_weeks: int) -> int:
    """At least one meeting in every `norm_weeks`; counted from the group's first meeting if that is later."""
    first = session.exec(
        select(Meeting.starts_at).where(Meeting.group_id == group.id).order_by(col(Meeting.starts_at))
    ).first()
    norm = timedelta(weeks=norm_weeks)
    if first is not None and first > start:
        return 0 if first > until else 1 + math.floor((until - first) / norm)
    return max(0, math.floor((until - start) / norm))


def compute_half_year(
    session: Session, group: Group, period: HalfYear, *, now: datetime, tz: ZoneInfo
) -> HalfYearFigures:
    """The figures of one team over one half year, up to `now` when the half year is still running."""
    assert group.id is not None
    start, end = period.start(tz), period.end(tz)
    until = min(end, now)
    gid = [group.id]
    months = [(a, b) for a, b in period.months(tz) if a < until]
    norm = group.norm_span
    year_start = local_midnight(start.date().replace(month=1, day=1), tz)
    return HalfYearFigures(
        group=group,
        period=period,
        until=until,
        flow=fig.flows(session, gid, start, until, now=now)[group.id],
        stock=fig.stocks(session, gid, now=until)[group.id],
        meetings=fig.meeting_figures(session, gid, now=until, start=start)[group.id],
        meetings_required=meetings_required(session, group, start, until, norm) if norm else 0,
        bijeenkomsten=fig.bijeenkomst_figures(session, gid, now=until, year_start=year_start, start=start)[group.id],
        attendance=fig.attendance_figures(session, gid, now=until, start=start)[group.id],
        monthly=[f[group.id] for f in fig.monthly_flows(session, gid, months, now=now)],
        month_labels=[month_label(a) for a, _ in months],
    )


def figure_sections(h: HalfYearFigures, *, tz: ZoneInfo) -> list[tuple[str, list[str]]]:
    """The drafted part of the report: headed lists of lines, counts only."""
    f, s, m, b, a = h.flow, h.stock, h.meetings, h.bijeenkomsten, h.attendance
    norm = h.group.norm_words
    signalen = [
        f"Nieuwe signalen: {f.signalen_total}" + (f" ({by_category(f.new_signalen)})" if f.signalen_total else "")
    ]
    signalen.append(
        f"Open op {when(h.until, tz)}: {s.open_signalen}"
        + (f", oudste {days(s.oldest_open_days)}, mediaan {days(s.median_open_days)}" if s.open_signalen else "")
    )
    signalen.append(f"Mediane tijd van signaal tot eerste actie: {days(fig.median(f.days_to_first_action))}")
    acties = [
        f"Nieuw: {f.acties_opened}, gedaan: {f.acties_done}, open aan het eind: {s.open_acties}, "
        f"waarvan te laat: {s.overdue}",
        f"Deadline in deze periode: {f.acties_due}, daarvan niet op tijd gedaan: {f.acties_due_missed}",
        f"Mediane tijd van actie tot gedaan: {days(fig.median(f.days_to_done))}",
    ]
    overleg = [
        f"Gehouden: {m.held_in_window} "
        + (
            ""
            if not norm
            else f"(norm: minstens {h.meetings_required}, {norm.removeprefix('minstens ')})"
            if h.meetings_required
            else f"(norm: {norm.removeprefix('minstens ')}; in deze periode nog niet vereist)"
        )
        + (f"; geannuleerd: {m.cancelled_in_window}" if m.cancelled_in_window else ""),
        f"Aanwezigheid: {a.present} aanwezig, {a.substituted} met vervanger, {a.excused} afgemeld, "
        f"{a.absent} afwezig zonder afmelding",
        f"Leden afwezig bij {fig.ABSENCE_LIMIT} van de laatste {fig.ABSENCE_WINDOW} overleggen: {a.flagged_members}",
    ]
    per_year = h.group.participatie_per_year
    participatie = [
        f"Participatiebijeenkomsten in deze periode: {b.held_in_window}; "
        f"in {h.period.year} tot nu: {b.held_this_year}" + (f" van de minstens {per_year}" if per_year else ""),
    ]
    return [
        ("Signalen", signalen),
        ("Actiepunten", acties),
        ("Overleg en aanwezigheid", overleg),
        ("Participatie", participatie),
    ]


def title(h: HalfYearFigures) -> str:
    return f"Voortgangsrapportage {h.group.name}, {h.period.label} ({h.period.title()})"


def render(
    h: HalfYearFigures,
    report: Voortgangsrapportage,
    *,
    tz: ZoneInfo,
    chair: str | None,
    plan: str = "jaarplan",
    budget: list[str] | None = None,
) -> str:
    """The report as a message; `chair=None` leaves out the status lines (the version that is sent).
    `budget`: the spending of the group's wijkbudgets (handlers.initiatief.budget_lines)."""
    lines = [title(h)]
    for heading, items in figure_sections(h, tz=tz):
        lines.append(f"{heading}:")
        lines += [f"• {line}" for line in items]
    if budget:
        lines.append("Wijkbudget (inwonerinitiatieven):")
        lines += [f"• {line}" for line in budget]
    lines.append(f"Voortgang {plan} (voorzitter):")
    lines.append(report.chair_text or f"(nog in te vullen door de voorzitter met /rapportage {h.period.label} tekst …)")
    if chair is None:
        pass
    elif report.posted_at:
        lines.append(f"Verstuurd op {when(report.posted_at, tz)}.")
    elif report.chair_text:
        lines.append(f"Klaar om te versturen: /rapportage {h.period.label} verstuur ({chair}).")
    return "\n".join(lines)


def chart_data(h: HalfYearFigures) -> ChartData:
    from handlers.reports.documents import ChartData  # matplotlib loads only when a chart is made

    return ChartData(
        title=f"{h.group.name}, {h.period.label}",
        months=h.month_labels,
        signalen=[dict(m.new_signalen) for m in h.monthly],
        done=[m.acties_done for m in h.monthly],
        overdue=[m.acties_due_missed for m in h.monthly],
    )


def write_files(
    h: HalfYearFigures, report: Voortgangsrapportage, *, tz: ZoneInfo, directory: Path, plan: str = "jaarplan"
) -> list[Path]:
    """The chart (PNG) and the whole report (PDF); returns their paths."""
    from handlers.reports.documents import write_chart, write_pdf

    stem = f"voortgangsrapportage-{h.group.key}-{h.period.label}"
    png = write_chart(chart_data(h), directory / f"{stem}.png")
    sections = [*figure_sections(h, tz=tz), (f"Voortgang {plan}", [report.chair_text or "(niet ingevuld)"])]
    pdf = write_pdf(title(h), sections, png, directory / f"{stem}.pdf")
    return [png, pdf]


def get_or_draft(session: Session, group: Group, period: HalfYear, *, now: datetime) -> Voortgangsrapportage:
    """The report row of a group and period, drafted now when there is none yet."""
    row = session.exec(
        select(Voortgangsrapportage).where(
            Voortgangsrapportage.group_id == group.id, Voortgangsrapportage.period == period.label
        )
    ).first()
    if row is None:
        row = Voortgangsrapportage(group_id=group.id or 0, period=period.label, drafted_at=now)
        session.add(row)
        session.flush()
    return row


def default_period(session: Session, group: Group, *, now: datetime, tz: ZoneInfo) -> HalfYear:
    """The oldest drafted report not yet sent; otherwise the half year we are in."""
    pending = session.exec(
        select(Voortgangsrapportage.period)
        .where(Voortgangsrapportage.group_id == group.id, col(Voortgangsrapportage.posted_at).is_(None))
        .order_by(col(Voortgangsrapportage.period))
    ).first()
    parsed = parse_half_year(pending) if pending else None
    return parsed or half_year_of(now, tz)


def handle(ctx: Context, args: str) -> list[Reply]:
    """Voortgangsrapportage: /rapportage 2026-H2 tekst Het jaarplan loopt op schema; de buurttent was een succes."""
    group = ctx.require_group()
    if not group.jaarplan:
        raise UserError(f"De voortgangsrapportage is er per {_with_plan(ctx)}; {group.name} heeft er geen.")
    rest = args.strip()
    head, _, tail = rest.partition(" ")
    period = parse_half_year(head) if head else None
    if period is not None:
        rest = tail.strip()
    sub, _, text = rest.partition(" ")
    sub = sub.lower() or "toon"
    if sub not in ("toon", "tekst", "verstuur"):
        raise UserError(f"'{head}' begrijp ik niet; schrijf {USAGE}.")
    if period is None:
        period = default_period(ctx.session, group, now=ctx.now, tz=ctx.tz)
    if period.start(ctx.tz) > ctx.now:
        raise UserError(f"{period.label} is nog niet begonnen; kies een lopend of afgelopen halfjaar.")
    require(ctx.session, ctx.person, "item.read", group)
    report = get_or_draft(ctx.session, group, period, now=ctx.now)
    h = compute_half_year(ctx.session, group, period, now=ctx.now, tz=ctx.tz)
    chair = _chair_tag(ctx.session, group)
    if sub == "toon":
        budget = initiatief.budget_lines(ctx.session, ctx.config, [group])
        text = render(h, report, tz=ctx.tz, chair=chair, plan=ctx.config.jaarplan_naam, budget=budget)
        return [Reply(text, private=True)]
    if sub == "tekst":
        return complete(ctx, group, h, report, text)
    return send(ctx, group, h, report)


def _with_plan(ctx: Context) -> str:
    """The groups that have a jaarplan, as words: their shared label ("wijkteamoverleg")."""
    labels = {g.kind_label.lower() for g in org.all_groups(ctx.session) if g.jaarplan}
    plan = ctx.config.jaarplan_naam
    return labels.pop() if len(labels) == 1 else f"groep met een {plan}"


def _chair_tag(session: Session, group: Group) -> str:
    person = session.get(Person, group.chair_id) if group.chair_id else None
    return f"door @{person.key}" if person else "door de voorzitter"


def complete(ctx: Context, group: Group, h: HalfYearFigures, report: Voortgangsrapportage, text: str) -> list[Reply]:
    """/rapportage tekst <voortgang jaarplan>: the chair's part."""
    require(ctx.session, ctx.person, "report.complete", group)
    if report.posted_at is not None:
        raise UserError(f"De rapportage {h.period.label} is al verstuurd op {when(report.posted_at, ctx.tz)}.")
    if not text.strip():
        raise UserError(
            f"Schrijf de voortgang van het {ctx.config.jaarplan_naam} erachter: /rapportage {h.period.label} tekst "
            "De buurttent is gehouden; het verwarmfeestje volgt in maart."
        )
    report.chair_text = check_text(text, "tekst van de rapportage")
    report.completed_at = ctx.now
    report.completed_by_id = ctx.person.id
    ctx.session.add(report)
    return [
        Reply(
            f"Tekst van de voortgangsrapportage {h.period.label} opgeslagen. Bekijk hem met "
            f"/rapportage {h.period.label} en verstuur hem met /rapportage {h.period.label} verstuur."
        )
    ]


def send(ctx: Context, group: Group, h: HalfYearFigures, report: Voortgangsrapportage) -> list[Reply]:
    """/rapportage verstuur: to the groups this group reports to, with the chart and the PDF."""
    require(ctx.session, ctx.person, "report.complete", group)
    if report.posted_at is not None:
        raise UserError(f"De rapportage {h.period.label} is al verstuurd op {when(report.posted_at, ctx.tz)}.")
    if not report.chair_text:
        raise UserError(
            f"Vul eerst de voortgang van het {ctx.config.jaarplan_naam} in: /rapportage {h.period.label} tekst "
            f"<voortgang {ctx.config.jaarplan_naam}>."
        )
    regie = org.reports_to(org.all_groups(ctx.session), group)
    if not regie:
        raise UserError(
            f"{group.name} rapporteert aan geen enkele groep (reports_to); vraag de beheerder dat in te stellen."
        )
    budget = initiatief.budget_lines(ctx.session, ctx.config, [group])
    text = render(h, report, tz=ctx.tz, chair=None, plan=ctx.config.jaarplan_naam, budget=budget)
    files = write_files(h, report, tz=ctx.tz, directory=output_dir(), plan=ctx.config.jaarplan_naam)
    report.posted_at = ctx.now
    for g in regie:
        ctx.post_to_channel(
            g.channel,
            text,
            dedupe_key=f"rapportage:{group.id}:{h.period.label}:{g.channel}",
            files=[str(p) for p in files],
        )
    ctx.session.add(report)
    names = ", ".join(f"#{g.channel}" for g in regie)
    return [
        Reply(
            f"Voortgangsrapportage {h.period.label} van {group.name} verstuurd naar {names}.\n"
            f"Grafiek: {files[0]}\nPDF: {files[1]}",
            extra={"files": [str(p) for p in files]},
        )
    ]
