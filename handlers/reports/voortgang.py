"""The half-yearly voortgangsrapportage of a team (groups with a jaarplan).

The bot drafts it from the data of the half year: the jaarplan's activities (J-items) with their
status, the progress notes of the half year and the linked actiepunten and signalen, the actielijst
and the figures; the chair may add a text on top and sends it to the groups it reports to
(reports_to), from the half year's last month on, with a chart (PNG) and the whole report as PDF for
the archive. A correction after sending goes out again as "herziene versie" (numbered). The report
leaves the team, so people appear as organisation and role, texts that name someone or hold personal
data are withheld (handlers.reports.actielijst.shareable), and signalen only by reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from handlers import initiatief
from handlers.base import Context, Reply, UserError
from handlers.exports import output_dir
from handlers.format import day, euros, is_overdue, label, plural, ref_a, ref_j, ref_s, when
from handlers.parsing import check_text
from handlers.permissions import require
from handlers.reports.actielijst import owner_label, shareable
from handlers.reports.digest import by_category, days
from handlers.reports.periods import (
    HalfYear,
    due_half_year,
    half_year_of,
    local_midnight,
    month_label,
    parse_half_year,
    send_from,
)
from storage import figures as fig
from storage import jaarplan as plan_store
from storage import org
from storage.models import (
    Actiepunt,
    ActieStatus,
    Group,
    JaarplanItem,
    JaarplanStatus,
    Meeting,
    Person,
    Voortgangsrapportage,
)

if TYPE_CHECKING:
    from handlers.reports.documents import ChartData, ReportDocument

MAX_PLAN_LINES = 40  # J-items in the message; the PDF has them all

USAGE = (
    "/rapportage [2026-H2] toont het concept · /rapportage [2026-H2] tekst <toelichting> · "
    "/rapportage [2026-H2] verstuur"
)


@dataclass
class PlanRow:
    """One J-item as it may leave the team: status, the half year's notes, linked actiepunten and signalen."""

    item: JaarplanItem
    activiteit: str
    trekker: str
    notes: list[str]
    acties: list[Actiepunt]
    signalen: list[int]

    @property
    def links(self) -> str:
        parts = [f"{ref_a(a.id)} ({label('actiepunt', a.status)})" for a in self.acties]
        parts += [ref_s(s) for s in self.signalen]
        return ", ".join(parts)


@dataclass
class ActieRow:
    act: Actiepunt
    text: str
    owner: str


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
    plan: list[PlanRow]
    acties: list[ActieRow]


def meetings_required(session: Session, group: Group, start: datetime, until: datetime, norm_weeks: int) -> int:
    """At least one meeting in every `norm_weeks`; counted from the group's first meeting if that is later."""
    first = session.exec(
        select(Meeting.starts_at).where(Meeting.group_id == group.id).order_by(col(Meeting.starts_at)).limit(1)
    ).first()
    norm = timedelta(weeks=norm_weeks)
    if first is not None and first > start:
        return 0 if first > until else 1 + math.floor((until - first) / norm)
    return max(0, math.floor((until - start) / norm))


def plan_rows(
    session: Session, group: Group, period: HalfYear, *, start: datetime, until: datetime, tz: ZoneInfo
) -> list[PlanRow]:
    """The J-items of the half year's year with what happened to them in the half year."""
    items = plan_store.items_of(session, group.id or 0, period.year)
    ids = [i.id or 0 for i in items]
    notes = plan_store.notes_of(session, ids, since=start, until=until)
    acts = plan_store.linked_actiepunten(session, ids)
    out = []
    for item in items:
        linked = acts[item.id or 0]
        out.append(
            PlanRow(
                item=item,
                activiteit=shareable(session, item.activiteit),
                trekker=owner_label(session.get(Person, item.trekker_id)) if item.trekker_id else "",
                notes=[f"{day(w.at, tz)}: {shareable(session, w.detail)}" for w in notes[item.id or 0]],
                acties=linked,
                signalen=sorted({a.signaal_id for a in linked if a.signaal_id is not None}),
            )
        )
    return out


def actie_rows(session: Session, group: Group, *, start: datetime, until: datetime) -> list[ActieRow]:
    """The actielijst of the half year: open at its end, and finished within it."""
    rows = session.exec(
        select(Actiepunt)
        .where(
            Actiepunt.group_id == group.id,
            Actiepunt.status != ActieStatus.ingetrokken,
            Actiepunt.created_at < until,
            # in the database, not after loading five years of the team's actiepunten
            or_(
                col(Actiepunt.status) == ActieStatus.open,
                and_(col(Actiepunt.updated_at) >= start, col(Actiepunt.updated_at) < until),
            ),
        )
        .order_by(col(Actiepunt.deadline), col(Actiepunt.id))
    ).all()
    kept = [a for a in rows if a.status == ActieStatus.open or start <= a.updated_at < until]
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_({a.owner_id for a in kept})))}
    return [ActieRow(a, shareable(session, a.text), owner_label(people.get(a.owner_id))) for a in kept]


def compute_half_year(
    session: Session, group: Group, period: HalfYear, *, now: datetime, tz: ZoneInfo
) -> HalfYearFigures:
    """The figures of one team over one half year, up to `now` when the half year is still running."""
    assert group.id is not None
    start, end = period.start(tz), period.end(tz)
    # A running half year includes this very moment: a progress note or actiepunt written just before
    # the report at the same time (the console's clock stands still between commands) is in it.
    until = min(end, now + timedelta(microseconds=1))
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
        plan=plan_rows(session, group, period, start=start, until=until, tz=tz),
        acties=actie_rows(session, group, start=start, until=until),
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
        + (f"; geannuleerd: {m.cancelled_in_window}" if m.cancelled_in_window else "")
        + (f"; niet bevestigd (telt niet mee): {m.unconfirmed_in_window}" if m.unconfirmed_in_window else ""),
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


def title(h: HalfYearFigures, report: Voortgangsrapportage | None = None) -> str:
    """The title; a version sent after the first is a "herziene versie" with its number."""
    base = f"Voortgangsrapportage {h.group.name}, {h.period.label} ({h.period.title()})"
    return base + (f", herziene versie {report.versie}" if report is not None and report.versie > 1 else "")


def _plan_title(plan: str, year: int) -> str:
    return f"{plan[:1].upper()}{plan[1:]} {year}"


def plan_summary(h: HalfYearFigures, plan: str) -> str:
    by = {s: sum(1 for r in h.plan if r.item.status == s) for s in JaarplanStatus}
    notes = sum(len(r.notes) for r in h.plan)
    return (
        f"{_plan_title(plan, h.period.year)}: {plural(len(h.plan), 'activiteit')}, {by[JaarplanStatus.klaar]} klaar, "
        f"{by[JaarplanStatus.open]} open, {by[JaarplanStatus.vervallen]} vervallen; "
        f"{plural(notes, 'voortgangsnotitie', 'voortgangsnotities')} in dit halfjaar"
    )


def plan_line(row: PlanRow) -> str:
    bits = [f"{ref_j(row.item.id)} {row.activiteit}"]
    bits += [f"trekker {row.trekker}"] if row.trekker else []
    bits += [row.item.periode] if row.item.periode else []
    bits += [euros(row.item.budget_cents)] if row.item.budget_cents is not None else []
    bits.append(label("jaarplan", row.item.status))
    return " | ".join(bits)


def render(
    h: HalfYearFigures,
    report: Voortgangsrapportage,
    *,
    tz: ZoneInfo,
    chair: str | None,
    plan: str = "jaarplan",
    now: datetime | None = None,
    budget: list[str] | None = None,
) -> str:
    """The report as a message; `chair=None` leaves out the status lines (the version that is sent).
    `budget`: the spending of the group's wijkbudgets (handlers.initiatief.budget_lines)."""
    lines = [title(h, report if chair is None else None)]
    lines.append(f"Voortgang {plan}:")
    if not h.plan:
        lines.append(f"• {_plan_title(plan, h.period.year)} heeft geen activiteiten.")
    else:
        lines.append(f"• {plan_summary(h, plan)}")
        for row in h.plan[:MAX_PLAN_LINES]:
            lines.append(f"• {plan_line(row)}")
            if row.notes:
                lines.append(f"   voortgang: {'; '.join(row.notes)}")
            if row.links:
                lines.append(f"   gekoppeld: {row.links}")
        if len(h.plan) > MAX_PLAN_LINES:
            lines.append(f"… en nog {len(h.plan) - MAX_PLAN_LINES} activiteiten: zie de PDF.")
    for heading, items in figure_sections(h, tz=tz):
        lines.append(f"{heading}:")
        lines += [f"• {line}" for line in items]
    if budget:
        lines.append("Wijkbudget (inwonerinitiatieven):")
        lines += [f"• {line}" for line in budget]
    if report.chair_text:
        lines.append("Toelichting van de voorzitter:")
        lines.append(report.chair_text)
    elif chair is not None:
        lines.append(f"Toelichting van de voorzitter (niet verplicht): /rapportage {h.period.label} tekst …")
    if chair is None:
        pass
    elif report.posted_at:
        lines.append(f"Verstuurd op {when(report.posted_at, tz)} (versie {report.versie}).")
        if report.completed_at and report.completed_at > report.posted_at:
            lines.append(
                f"Aangepast na het versturen: stuur de herziene versie met /rapportage {h.period.label} verstuur."
            )
    elif now is not None and now < send_from(h.period, tz):
        lines.append(f"Versturen kan vanaf {day(send_from(h.period, tz), tz)} ({chair}).")
    else:
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


def document(
    h: HalfYearFigures, report: Voortgangsrapportage, *, tz: ZoneInfo, author: str, at: datetime, plan: str
) -> ReportDocument:
    """The report as the PDF shows it: header, the jaarplan table, the actielijst, the figures, the chair's text."""
    from handlers.reports.documents import ReportDocument, Section, Table

    facts = [
        ("Groep", h.group.name),
        ("Periode", f"{h.period.label} ({h.period.title()})"),
        ("Opgesteld door", author),
        ("Datum", day(at, tz)),
    ]
    if report.versie > 1:
        facts.append(("Versie", f"herziene versie {report.versie}"))
    plan_table = Table(
        heading=f"Voortgang {plan}: {plan_summary(h, plan) if h.plan else _plan_title(plan, h.period.year)}",
        columns=[
            "Nr",
            "Activiteit",
            "Trekker",
            "Periode",
            "Budget",
            "Status",
            "Voortgang in dit halfjaar",
            "Gekoppeld",
        ],
        widths=[12, 36, 28, 16, 18, 16, 40, 24],
        rows=[
            [
                ref_j(r.item.id),
                r.activiteit,
                r.trekker or "-",
                r.item.periode or "-",
                euros(r.item.budget_cents) if r.item.budget_cents is not None else "-",
                label("jaarplan", r.item.status),
                "\n".join(r.notes) or "-",
                r.links or "-",
            ]
            for r in h.plan
        ],
        empty=f"{_plan_title(plan, h.period.year)} heeft geen activiteiten.",
    )
    acties = Table(
        heading="Actielijst: open aan het eind van de periode en afgerond in de periode",
        columns=["Nr", "Actiepunt", "Eigenaar", "Deadline", "Status", plan[:1].upper() + plan[1:]],
        widths=[14, 68, 40, 26, 20, 22],
        rows=[
            [
                ref_a(a.act.id),
                a.text,
                a.owner,
                day(a.act.deadline, tz),
                ("te laat" if is_overdue(a.act, h.until) else label("actiepunt", a.act.status)),
                ref_j(a.act.jaarplan_id) if a.act.jaarplan_id else "-",
            ]
            for a in h.acties
        ],
        empty="Geen actiepunten in deze periode.",
    )
    parts: list[Section | Table] = [plan_table, acties]
    parts += [Section(heading, items) for heading, items in figure_sections(h, tz=tz)]
    if report.chair_text:
        parts.append(Section("Toelichting van de voorzitter", [report.chair_text]))
    head = f"Voortgangsrapportage {h.group.name}, {h.period.label}"
    return ReportDocument(title=title(h, report), running_head=head, facts=facts, parts=parts)


def write_files(
    h: HalfYearFigures,
    report: Voortgangsrapportage,
    *,
    tz: ZoneInfo,
    directory: Path,
    plan: str = "jaarplan",
    author: str = "de voorzitter",
    at: datetime | None = None,
) -> list[Path]:
    """The chart (PNG) and the whole report (PDF); returns their paths."""
    from handlers.reports.documents import write_chart, write_pdf

    stem = f"voortgangsrapportage-{h.group.key}-{h.period.label}" + (f"-v{report.versie}" if report.versie > 1 else "")
    png = write_chart(chart_data(h), directory / f"{stem}.png")
    doc = document(h, report, tz=tz, author=author, at=at or h.until, plan=plan)
    pdf = write_pdf(doc, png, directory / f"{stem}.pdf")
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
    """The oldest drafted report not yet sent; otherwise the half year whose report is due (in January
    that is last year's second half)."""
    pending = session.exec(
        select(Voortgangsrapportage.period)
        .where(Voortgangsrapportage.group_id == group.id, col(Voortgangsrapportage.posted_at).is_(None))
        .order_by(col(Voortgangsrapportage.period))
        .limit(1)
    ).first()
    parsed = parse_half_year(pending) if pending else None
    if parsed is not None:
        return parsed
    due = due_half_year(now, tz)
    sent = session.exec(
        select(Voortgangsrapportage.id).where(
            Voortgangsrapportage.group_id == group.id,
            Voortgangsrapportage.period == due.label,
            col(Voortgangsrapportage.posted_at).is_not(None),
        )
    ).first()
    return half_year_of(now, tz) if sent is not None else due


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
    plan = ctx.config.jaarplan_naam
    if sub == "toon":
        budget = initiatief.budget_lines(ctx.session, ctx.config, [group])
        text = render(h, report, tz=ctx.tz, chair=chair, plan=plan, now=ctx.now, budget=budget)
        return [Reply(text, private=True)]
    if sub == "tekst":
        return complete(ctx, group, h, report, text)
    if text.strip() and text.strip().lower() not in ("herzien", "herziene", "herziene versie", "opnieuw"):
        raise UserError(f"'{text.strip()}' past niet achter verstuur; schrijf /rapportage {period.label} verstuur.")
    return send(ctx, group, h, report, again=bool(text.strip()))


def _with_plan(ctx: Context) -> str:
    """The groups that have a jaarplan, as words: their shared label ("wijkteamoverleg")."""
    labels = {g.kind_label.lower() for g in org.all_groups(ctx.session) if g.jaarplan}
    plan = ctx.config.jaarplan_naam
    return labels.pop() if len(labels) == 1 else f"groep met een {plan}"


def _chair_tag(session: Session, group: Group) -> str:
    person = session.get(Person, group.chair_id) if group.chair_id else None
    return f"door @{person.key}" if person else "door de voorzitter"


def complete(ctx: Context, group: Group, h: HalfYearFigures, report: Voortgangsrapportage, text: str) -> list[Reply]:
    """/rapportage tekst <toelichting>: the chair's own text on top of the drafted report (optional)."""
    require(ctx.session, ctx.person, "report.complete", group)
    if not text.strip():
        raise UserError(
            f"Schrijf de toelichting erachter: /rapportage {h.period.label} tekst "
            "De buurttent is gehouden; het verwarmfeestje volgt in maart."
        )
    report.chair_text = check_text(text, "tekst van de rapportage")
    report.completed_at = ctx.now
    report.completed_by_id = ctx.person.id
    ctx.session.add(report)
    if report.posted_at is not None:
        return [
            Reply(
                f"Toelichting van de voortgangsrapportage {h.period.label} verbeterd; die was al verstuurd op "
                f"{when(report.posted_at, ctx.tz)}. Stuur de herziene versie {report.versie + 1} met "
                f"/rapportage {h.period.label} verstuur."
            )
        ]
    return [
        Reply(
            f"Toelichting van de voortgangsrapportage {h.period.label} opgeslagen. Bekijk hem met "
            f"/rapportage {h.period.label} en verstuur hem met /rapportage {h.period.label} verstuur."
        )
    ]


def _author(session: Session, person: Person) -> str:
    """Who drew the report up, as the PDF's header names them."""
    about = ", ".join(x for x in (person.role, person.organisation) if x)
    return f"{person.name} ({about})" if about else person.name


def send(
    ctx: Context, group: Group, h: HalfYearFigures, report: Voortgangsrapportage, *, again: bool = False
) -> list[Reply]:
    """/rapportage verstuur: to the groups this group reports to, with the chart and the PDF; once more
    as a numbered "herziene versie" after a correction (or with `verstuur herzien`)."""
    require(ctx.session, ctx.person, "report.complete", group)
    label_ = h.period.label
    opens = send_from(h.period, ctx.tz)
    if ctx.now < opens:
        raise UserError(
            f"De rapportage {label_} kan pas vanaf {day(opens, ctx.tz)} verstuurd worden, in de laatste maand van "
            f"het halfjaar; tot dan kunt u het concept bekijken met /rapportage {label_} en aanvullen."
        )
    if report.posted_at is not None:
        corrected = report.completed_at is not None and report.completed_at > report.posted_at
        if not (corrected or again):
            raise UserError(
                f"De rapportage {label_} is al verstuurd op {when(report.posted_at, ctx.tz)}. Iets verbeterd? "
                f"Pas de toelichting aan met /rapportage {label_} tekst … of stuur de gegevens van nu als herziene "
                f"versie met /rapportage {label_} verstuur herzien."
            )
    regie = org.reports_to(org.all_groups(ctx.session), group)
    if not regie:
        raise UserError(
            f"{group.name} rapporteert aan geen enkele groep (reports_to); vraag de beheerder dat in te stellen."
        )
    report.versie += 1
    report.posted_at = ctx.now
    plan = ctx.config.jaarplan_naam
    budget = initiatief.budget_lines(ctx.session, ctx.config, [group])
    text = render(h, report, tz=ctx.tz, chair=None, plan=plan, budget=budget)
    files = write_files(
        h, report, tz=ctx.tz, directory=output_dir(ctx), plan=plan, author=_author(ctx.session, ctx.person), at=ctx.now
    )
    version = "" if report.versie == 1 else f":v{report.versie}"
    for g in regie:
        ctx.post_to_channel(
            g.channel,
            text,
            dedupe_key=f"rapportage:{group.id}:{label_}:{g.channel}{version}",
            files=[str(p) for p in files],
        )
    ctx.session.add(report)
    names = ", ".join(f"#{g.channel}" for g in regie)
    what = f"Voortgangsrapportage {label_}" + (f" (herziene versie {report.versie})" if report.versie > 1 else "")
    return [
        Reply(
            f"{what} van {group.name} verstuurd naar {names}.\nGrafiek: {files[0]}\nPDF: {files[1]}",
            extra={"files": [str(p) for p in files]},
        )
    ]
