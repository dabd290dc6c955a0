"""/overleg: the group's next meeting with its agenda, and planning meetings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from handlers import afmelden, pii, verslag
from handlers.agenda import build_agenda
from handlers.base import Button, Context, Reply, UserError
from handlers.dates import has_explicit_time, parse_when
from handlers.format import day, label, plural, ref_a, when
from handlers.parsing import check_text, resolve_person
from handlers.permissions import may, require
from storage import items, meetings, org
from storage.models import (
    AttendanceStatus,
    Group,
    Meeting,
    MeetingStatus,
    Person,
    PersonKind,
)

_EVERY = re.compile(
    r"\belke\s+(?P<n>\d{1,2}|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\s+weken?\b",
    re.IGNORECASE,
)
_LOCATION = re.compile(r"\blocatie:?\s+(?P<loc>.+)$", re.IGNORECASE)
_NUMBERS = {
    "twee": 2,
    "drie": 3,
    "vier": 4,
    "vijf": 5,
    "zes": 6,
    "zeven": 7,
    "acht": 8,
    "negen": 9,
    "tien": 10,
    "elf": 11,
    "twaalf": 12,
}


def _no_meeting_on(ctx: Context, group: Group, days: list[datetime], *, past: bool) -> str:
    """There is no meeting on the day meant: name the nearest such day and the meetings around it."""
    nearest = min(days, key=lambda d: abs(d - ctx.now))
    before = meetings.previous_meeting(ctx.session, group.id or 0, now=ctx.now)
    after = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    around = [f"het vorige was op {when(before.starts_at, ctx.tz)}"] if before and past else []
    around += [f"het volgende is op {when(after.starts_at, ctx.tz)}"] if after else []
    hint = f"; {' en '.join(around)}" if around else ""
    return f"{group.name} heeft geen overleg op {day(nearest, ctx.tz)}{hint} (zie /overleg lijst)."


def _target(ctx: Context, args: str, *, past: bool) -> tuple[Group, Meeting, str]:
    """The meeting meant: a meeting id (buttons), a date, `volgende`, or by default the next one
    (`past=False`) or the last one that has begun (`past=True`); returns (group, meeting, rest)."""
    by_id, by_id_group, rest = afmelden.take_meeting_id(ctx, args.strip())
    group = ctx.group or by_id_group or ctx.require_group()
    meeting, rest, days = afmelden.meant(ctx, group, by_id, rest, past=past)
    if meeting is None and days:
        raise UserError(_no_meeting_on(ctx, group, days, past=past))
    if meeting is None:
        what = "gehad" if past else "gepland"
        raise UserError(f"{group.name} heeft nog geen overleg {what}; zie /overleg lijst.")
    return group, meeting, rest


def kom(ctx: Context, args: str) -> list[Reply]:
    """/overleg kom [volgende|<datum>]: say you will attend (the *Ik kom* button)."""
    group, meeting, _ = _target(ctx, args, past=False)
    if not may(ctx.session, ctx.person, "meeting.absence", group):
        raise UserError(f"U bent geen lid van {group.name}; alleen leden geven door of ze komen.")
    moment = when(meeting.starts_at, ctx.tz)
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} gaat niet door; kijk met /overleg lijst naar het volgende.")
    if meeting.starts_at <= ctx.now:
        raise UserError(f"Het overleg van {moment} is al begonnen; doorgeven dat u komt kan alleen vooraf.")
    before = meetings.answer_of(ctx.session, meeting.id or 0, ctx.person.id)
    was_afgemeld = before is not None and before.status == AttendanceStatus.afgemeld
    meetings.record_attendance(
        ctx.session,
        meeting,
        ctx.person.id or 0,
        status=AttendanceStatus.komt,
        reason=None,
        substitute_id=None,
        now=ctx.now,
    )
    chair = ctx.session.get(Person, group.chair_id) if group.chair_id else None
    if was_afgemeld and chair is not None and chair.id != ctx.person.id:
        ctx.post_to_person(chair, f"{ctx.person.name} komt toch naar het overleg van {group.name} op {moment}.")
    return [Reply(f"Genoteerd: u komt naar het overleg van {group.name} op {moment}.", private=True)]


def aanwezig(ctx: Context, args: str) -> list[Reply]:
    """/overleg aanwezig [<datum>] @naam @naam ... | alle: the chair confirms who attended.

    Members not named count as afwezig, unless they had reported absence (afgemeld); `alle` means
    everyone who had not reported absence was there. The meeting is then marked gehouden.
    """
    group, meeting, rest = _target(ctx, args, past=True)
    require(ctx.session, ctx.person, "attendance.confirm", group)
    moment = when(meeting.starts_at, ctx.tz)
    if meeting.starts_at > ctx.now:
        raise UserError(f"Het overleg van {moment} moet nog beginnen; bevestig de aanwezigheid na afloop.")
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} is afgezegd; er is geen aanwezigheid te bevestigen.")
    everyone = False
    present: dict[int, Person] = {}
    for token in rest.split():
        if token.lower() in ("alle", "iedereen"):
            everyone = True
        elif token.startswith("@"):
            p = resolve_person(ctx, token)
            present[p.id or 0] = p
        else:
            raise UserError(
                f"'{token}' begrijp ik niet; noem wie er waren met @, bijvoorbeeld: "
                "/overleg aanwezig 3-12-2026 @piet @fatima (of schrijf alle)."
            )
    if not present and not everyone:
        raise UserError(
            "Wie waren er? Noem ze met @, bijvoorbeeld: /overleg aanwezig 3-12-2026 @piet @fatima, "
            "of schrijf alle als iedereen er was die zich niet had afgemeld."
        )
    answers = meetings.attendance_of(ctx.session, meeting.id or 0)
    seen: dict[str, list[str]] = {"aanwezig": [], "afgemeld": [], "afwezig": []}
    statuses: dict[int, AttendanceStatus] = {}
    members = org.members(ctx.session, group.id or 0)
    member_ids = {m.id for m in members}
    for p in [*members, *(p for pid, p in present.items() if pid not in member_ids)]:
        before = answers.get(p.id or 0)
        afgemeld = before is not None and before.status == AttendanceStatus.afgemeld
        if p.id in present or (everyone and not afgemeld):
            status = AttendanceStatus.aanwezig
        elif afgemeld:
            seen["afgemeld"].append(f"@{p.key}")
            continue
        else:
            status = AttendanceStatus.afwezig
        statuses[p.id or 0] = status
        seen[status.value].append(f"@{p.key}")
    summary = "; ".join(f"{label('aanwezigheid', k)}: {', '.join(v)}" for k, v in seen.items() if v)
    meetings.confirm_attendance(ctx.session, meeting, statuses, actor_id=ctx.person.id, now=ctx.now, detail=summary)
    lines = [f"Aanwezigheid bij het overleg van {group.name} op {moment} vastgelegd ({summary})."]
    flags = meetings.attendance_flags(ctx.session, group.id or 0, ctx.now)
    if flags:
        told = [
            f"@{f.person_key} ({f.name}) was bij {f.absent} van de laatste {f.of} overleggen afwezig" for f in flags
        ]
        text = (
            f"Vaak afwezig bij {group.name}{ctx.config.cite()}: "
            + "; ".join(told)
            + f". Bespreek het met hen; bij herhaling meldt u het aan {_above_words(ctx, group)}"
            + (f" met /opschalen afwezigheid @{flags[0].person_key}." if group.reports_to_keys else ".")
        )
        chair = ctx.session.get(Person, group.chair_id) if group.chair_id else None
        if chair is not None:
            ctx.post_to_person(chair, text, dedupe_key=f"afwezigheid:{meeting.id}")
        lines.append(text)
    if sent := verslag.after_attendance(ctx, meeting):  # the verslag goes up the reporting line now, once
        lines.append(sent)
    return [Reply("\n".join(lines), private=True)]


def _above_words(ctx: Context, group: Group) -> str:
    """The groups this group reports to, as words ("Regiegroep X"), or "de groep waaraan u rapporteert"."""
    names = [g.name for g in org.reports_to(org.all_groups(ctx.session), group)]
    if not names:
        return "de groep waaraan u rapporteert"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " of " + names[-1]


def show_next(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if meeting is None:
        return [
            Reply(
                f"{group.name} heeft geen overleg gepland. Plan er een met "
                f"/overleg plan <datum en tijd> [elke {group.norm_span or group.every_weeks or 8} weken].",
                private=True,
            )
        ]
    where = f", {meeting.location}" if meeting.location else ""
    lines = [f"Volgend overleg van {group.name}: {when(meeting.starts_at, ctx.tz)}{where}", "Agenda:"]
    lines += build_agenda(ctx.session, group, meeting, now=ctx.now, tz=ctx.tz, jaarplan_naam=ctx.config.jaarplan_naam)
    return [Reply("\n".join(lines), private=True)]


def list_upcoming(ctx: Context) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.read", group)
    rows = meetings.upcoming_meetings(ctx.session, group.id or 0, now=ctx.now, limit=10)
    if not rows:
        return [Reply(f"{group.name} heeft geen overleg gepland.", private=True)]
    lines = [f"Geplande overleggen van {group.name}:"]
    lines += [f"• {when(m.starts_at, ctx.tz)}" + (f", {m.location}" if m.location else "") for m in rows]
    return [Reply("\n".join(lines), private=True)]


def plan(ctx: Context, args: str) -> list[Reply]:
    """/overleg plan 3 december 10:00 [elke 8 weken] [locatie <plaats>]"""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "meeting.plan", group)
    confirmed: tuple[int, int] | None = None  # the button *Vervangen*: what the question showed
    c = _CONFIRM.match(args.strip() + " ")
    if c:
        confirmed = (int(c["m"]), int(c["a"]))
        args = (args.strip() + " ")[c.end() :].strip()
    location = None
    m = _LOCATION.search(args)
    if m:
        location = m["loc"].strip()[:200]
        args = args[: m.start()].strip()
    every = None
    m = _EVERY.search(args)
    if m:
        raw = m["n"].lower()
        every = int(raw) if raw.isdigit() else _NUMBERS[raw]
        args = (args[: m.start()] + args[m.end() :]).strip()
        if not 1 <= every <= 52:
            raise UserError("Kies een ritme tussen elke 1 en elke 52 weken.")
    if not args:
        raise UserError("Wanneer? Schrijf bijvoorbeeld: /overleg plan 3 december 10:00 elke 8 weken")
    starts = parse_when(args, now=ctx.now, tz=ctx.tz, end_of_day=False)
    if starts is None:
        raise UserError(
            f"Ik begrijp '{args}' niet als datum en tijd; schrijf bijvoorbeeld "
            "'3 december 10:00' of 'volgende week dinsdag om 14 uur'."
        )
    if not has_explicit_time(args):
        raise UserError(f"Hoe laat? Schrijf bijvoorbeeld: /overleg plan {args} 10:00")
    if starts <= ctx.now:
        raise UserError(f"{when(starts, ctx.tz)} ligt in het verleden; kies een moment in de toekomst.")
    if starts.astimezone(ctx.tz).hour == 2:
        raise UserError("Tussen 02:00 en 03:00 plannen we niets (zomer- en wintertijd); kies een ander tijdstip.")
    if group.norm_span and every and every > group.norm_span:
        raise UserError(
            f"{group.name} komt {group.norm_words} bijeen{ctx.config.cite()}; "
            f"kies elke {group.norm_span} weken of vaker."
        )
    replaced = meetings.Replacement()
    if every:
        replaced = meetings.series_replacement(
            ctx.session, group.id or 0, starts_at=starts, every_weeks=every, now=ctx.now, tz=ctx.tz
        )
        if replaced and confirmed != (len(replaced.meetings), len(replaced.answers)):
            return _ask_to_replace(ctx, group, replaced, starts, every, location, again=confirmed is not None)
    concerned = {m.id: _concerned(ctx, group, m) for m in replaced.meetings}
    meetings.plan_meeting(
        ctx.session,
        group.id or 0,
        starts_at=starts,
        every_weeks=every,
        location=location,
        now=ctx.now,
        tz=ctx.tz,
        actor_id=ctx.person.id,
    )
    series = f", daarna elke {every} weken" if every else ""
    where = f" ({location})" if location else ""
    text = f"Overleg van {group.name} gepland op {when(starts, ctx.tz)}{where}{series}."
    if replaced:
        text += _replaced(ctx, group, replaced, concerned, every or 0)
    return [Reply(text)]


def _dates(ctx: Context, rows: list[Meeting], limit: int = 6) -> str:
    shown = ", ".join(when(m.starts_at, ctx.tz) for m in rows[:limit])
    return shown + (f" en nog {len(rows) - limit}" if len(rows) > limit else "")


def _ask_to_replace(
    ctx: Context,
    group: Group,
    replaced: meetings.Replacement,
    starts: datetime,
    every: int,
    location: str | None,
    *,
    again: bool,
) -> list[Reply]:
    """A new series would cancel planned meetings: say what, and ask (nothing is changed yet)."""
    n, a = len(replaced.meetings), len(replaced.answers)
    local = starts.astimezone(ctx.tz)
    value = f"bevestig {n} {a} {local:%d-%m-%Y %H:%M} elke {every} weken" + (f" locatie {location}" if location else "")
    answers = f", met {plural(a, 'antwoord')} (aan- en afmeldingen)" if a else ", nog zonder antwoorden"
    agenda = f" en {plural(replaced.agenda_items, 'ingebracht agendapunt', 'ingebrachte agendapunten')}"
    changed = "Er is intussen iets veranderd aan de geplande overleggen. " if again else ""
    return [
        Reply(
            f"{changed}Een nieuwe reeks vanaf {when(starts, ctx.tz)}, elke {every} weken, vervangt "
            f"{plural(n, 'gepland overleg')} van de huidige reeks ({_dates(ctx, replaced.meetings)}){answers}"
            f"{agenda if replaced.agenda_items else ''}. Die vervallen dan, en wie geantwoord heeft of als gast "
            "was uitgenodigd, krijgt bericht. Er is nog niets veranderd: kies Vervangen om de nieuwe reeks te "
            "plannen.",
            buttons=(Button("Vervangen", "overleg_plan", value), Button("Niet vervangen", "overleg_lijst", "")),
            private=True,
        )
    ]


def _replaced(
    ctx: Context,
    group: Group,
    replaced: meetings.Replacement,
    concerned: dict[int | None, tuple[list[tuple[Person, str]], list[Person]]],
    every: int,
) -> str:
    """After a confirmed replacement: tell who answered, let deadlines follow; the words for the reply."""
    per_person: dict[int, tuple[Person, list[str]]] = {}
    for m in replaced.meetings:
        answered, guests = concerned.get(m.id, ([], []))
        for p in [x for x, _ in answered] + guests:
            per_person.setdefault(p.id or 0, (p, []))[1].append(when(m.starts_at, ctx.tz))
    first = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    then = f" Het eerstvolgende overleg is op {when(first.starts_at, ctx.tz)}." if first else ""
    for person, dates in per_person.values():
        ctx.post_to_person(
            person,
            f"{group.name} heeft een nieuwe reeks overleggen (elke {every} weken). Het overleg van "
            f"{', '.join(dates)} vervalt daardoor, en uw antwoord of uitnodiging daarvoor ook.{then}",
        )
    deadlines = ""
    for m in replaced.meetings:
        nxt = meetings.next_meeting(ctx.session, group.id or 0, now=m.starts_at)
        deadlines += _follow_deadlines(ctx, group, m.starts_at, nxt.starts_at if nxt else None)
    told = f"; {plural(len(per_person), 'persoon', 'personen')} met een antwoord kregen bericht" if per_person else ""
    return f" Vervallen: {_dates(ctx, replaced.meetings)}{told}.{deadlines}"


# ---------------------------------------------------------------------------------------------
# the meeting lifecycle: agendapunten, cancelling, moving, "held" (docs/meetings.md)
# ---------------------------------------------------------------------------------------------

MEETING_LENGTH = timedelta(hours=2)  # a meeting that began this recently is still going on
_GUEST = re.compile(r"(?:^|\s+)gast:?\s+@(?P<who>[\w.\-]+)\s*$", re.IGNORECASE)
_REMOVE = re.compile(r"^(?:weg|verwijder|verwijderen|schrap|remove)\s+(?P<n>\d{1,3})$", re.IGNORECASE)
_CONFIRM = re.compile(r"^bevestig\s+(?P<m>\d{1,4})\s+(?P<a>\d{1,5})\s+", re.IGNORECASE)


def _where(meeting: Meeting) -> str:
    return f", {meeting.location}" if meeting.location else ""


def _is_member(ctx: Context, group: Group, person: Person) -> bool:
    return org.is_member(ctx.session, group.id or 0, person.id)


def _running(ctx: Context, group: Group) -> Meeting | None:
    """The group's meeting that has begun and is (probably) still going on."""
    last = meetings.previous_meeting(ctx.session, group.id or 0, now=ctx.now)
    if last is None or last.status != MeetingStatus.gepland or last.starts_at <= ctx.now - MEETING_LENGTH:
        return None
    return last


def agendapunt(ctx: Context, args: str, *, confirmed: bool = False) -> list[Reply]:
    """/overleg agendapunt [volgende] <tekst> [gast @persoon]; the chair: /overleg agendapunt weg <n>.

    A text that looks like it holds personal data waits for *Toch opslaan* (handlers/pii.py)."""
    group = ctx.require_group()
    text = args.strip()
    removal = _REMOVE.match(text)
    if removal:
        return _agendapunt_weg(ctx, group, int(removal["n"]))
    require(ctx.session, ctx.person, "meeting.agenda", group)
    words = text.split()
    explicit_next = bool(words) and words[0].lower() == "volgende"
    if explicit_next:
        text = " ".join(words[1:])
    guest: Person | None = None
    m = _GUEST.search(text)
    if m:
        guest = resolve_person(ctx, m["who"])
        text = text[: m.start()].strip()
        if guest.kind != PersonKind.partner:
            raise UserError(f"@{guest.key} is bewoner; een gast voor een agendapunt is een partner.")
        if _is_member(ctx, group, guest):
            raise UserError(
                f"@{guest.key} is lid van {group.name} en krijgt de agenda al; 'gast' is voor wie geen lid is."
            )
    if not text:
        raise UserError("Welk punt? Schrijf bijvoorbeeld: /overleg agendapunt Overlast Vlietkade bespreken gast @karin")
    text = check_text(text, "tekst van het agendapunt", limit=500)
    running = _running(ctx, group)
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    if running is not None and not explicit_next:
        after = f" ({when(meeting.starts_at, ctx.tz)})" if meeting else ""
        raise UserError(
            f"Het overleg van {when(running.starts_at, ctx.tz)} is al begonnen; voor de agenda van het "
            f"volgende{after} schrijft u: /overleg agendapunt volgende {text}."
        )
    if meeting is None:
        raise UserError(
            f"{group.name} heeft geen overleg gepland; plan er eerst een met /overleg plan <datum en tijd>."
        )
    if not confirmed and (question := pii.check(ctx, "overleg", f"agendapunt {args.strip()}", text)):
        return question
    item = meetings.add_agenda_item(
        ctx.session, meeting, text, added_by_id=ctx.person.id, guest_id=guest.id if guest else None, now=ctx.now
    )
    moment = when(meeting.starts_at, ctx.tz)
    lines = [f"Agendapunt toegevoegd aan het overleg van {group.name} op {moment}: {text}."]
    if guest is not None:
        agenda = build_agenda(
            ctx.session, group, meeting, now=ctx.now, tz=ctx.tz, jaarplan_naam=ctx.config.jaarplan_naam, outline=True
        )
        ctx.post_to_person(
            guest,
            f"U bent uitgenodigd voor het overleg van {group.name} op {moment}{_where(meeting)}, voor het "
            f"agendapunt: {text} (ingebracht door {ctx.person.name}).\nAgenda:\n" + "\n".join(agenda),
            dedupe_key=f"gast:{item.id}",
        )
        lines.append(f"{guest.name} is uitgenodigd en krijgt de agenda en de herinneringen.")
    return [Reply(" ".join(lines))]


def _agendapunt_weg(ctx: Context, group: Group, n: int) -> list[Reply]:
    require(ctx.session, ctx.person, "meeting.change", group)
    meeting = meetings.next_meeting(ctx.session, group.id or 0, now=ctx.now)
    items = meetings.agenda_items(ctx.session, meeting.id or 0) if meeting else []
    if meeting is None or not items:
        raise UserError(f"Het volgende overleg van {group.name} heeft geen ingebrachte agendapunten.")
    if not 1 <= n <= len(items):
        raise UserError(f"Agendapunt {n} bestaat niet; kies 1 tot en met {len(items)} (zie /overleg).")
    item = items[n - 1]
    moment = when(meeting.starts_at, ctx.tz)
    guest = ctx.session.get(Person, item.guest_id) if item.guest_id else None
    if guest is not None:
        ctx.post_to_person(
            guest,
            f"Het agendapunt '{item.text}' is van de agenda van het overleg van {group.name} op {moment} gehaald; "
            "u hoeft daarvoor niet te komen.",
            dedupe_key=f"gast-weg:{item.id}",
        )
    meetings.remove_agenda_item(ctx.session, meeting, item, actor_id=ctx.person.id, now=ctx.now)
    told = f" {guest.name} (gast) is op de hoogte gebracht." if guest else ""
    return [Reply(f"Agendapunt {n} ({item.text}) is van de agenda van {moment} gehaald.{told}")]


def _concerned(ctx: Context, group: Group, meeting: Meeting) -> tuple[list[tuple[Person, str]], list[Person]]:
    """Who gave an answer for the meeting (with it), and the guests of its agendapunten."""
    answered = []
    for a in meetings.answers_of(ctx.session, meeting.id or 0):
        p = ctx.session.get(Person, a.person_id)
        if p is not None and p.active and p.id != ctx.person.id:
            answered.append((p, a.status))
    guests = []
    for item in meetings.agenda_items(ctx.session, meeting.id or 0):
        g = ctx.session.get(Person, item.guest_id) if item.guest_id else None
        if g is not None and g.active and g not in guests:
            guests.append(g)
    return answered, guests


def _follow_deadlines(ctx: Context, group: Group, old_at: datetime, new_at: datetime | None) -> str:
    """Open actiepunten due at the meeting (deadline "the next overleg") follow it; returns what happened."""
    acts = items.open_actiepunten_due_at(ctx.session, group.id or 0, old_at)
    if not acts:
        return ""
    refs = ", ".join(ref_a(a.id) for a in acts)
    if new_at is None:
        return (
            f" {refs} had dit overleg als deadline; die blijft {when(old_at, ctx.tz)} omdat er geen volgend overleg "
            "gepland is (verplaats met /actie verplaats)."
        )
    for a in acts:
        items.change_actiepunt(
            ctx.session, a, actor_id=ctx.person.id, now=ctx.now, deadline=new_at,
            detail=f"{when(old_at, ctx.tz)} → {when(new_at, ctx.tz)} (met het overleg)",
        )  # fmt: skip
    return f" De deadline van {refs} (dit overleg) is nu {when(new_at, ctx.tz)}."


def afzeggen(ctx: Context, args: str) -> list[Reply]:
    """/overleg afzeggen [<datum>] [reden]: the chair cancels one meeting; who answered is told."""
    group, meeting, reason = _target(ctx, args, past=False)
    require(ctx.session, ctx.person, "meeting.change", group)
    moment = when(meeting.starts_at, ctx.tz)
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} is al afgezegd.")
    if meeting.starts_at <= ctx.now:
        raise UserError(f"Het overleg van {moment} is al begonnen; afzeggen kan alleen vooraf.")
    reason = check_text(reason, "reden", limit=500) if reason.strip() else ""
    answered, guests = _concerned(ctx, group, meeting)
    meetings.cancel_meeting(ctx.session, meeting, actor_id=ctx.person.id, now=ctx.now, reason=reason)
    nxt = meetings.next_meeting(ctx.session, group.id or 0, now=meeting.starts_at)
    deadlines = _follow_deadlines(ctx, group, meeting.starts_at, nxt.starts_at if nxt else None)
    why = f" Reden: {reason}." if reason else ""
    then = f" Het volgende overleg is op {when(nxt.starts_at, ctx.tz)}." if nxt else ""
    news = f"Het overleg van {group.name} op {moment} gaat niet door.{why}{then}"
    ctx.post_to_channel(group.channel, news + deadlines, dedupe_key=f"afgezegd:{meeting.id}:{meeting.sequence}")
    for person, status in answered:
        yours = "Uw afmelding" if status == AttendanceStatus.afgemeld else "Uw aanmelding"
        ctx.post_to_person(person, f"{news} {yours} daarvoor is niet meer nodig.")
    for guest in guests:
        ctx.post_to_person(guest, f"{news} U was uitgenodigd als gast; u hoeft niet te komen.")
    told = len(answered) + len(guests)
    return [
        Reply(
            f"Overleg van {group.name} op {moment} afgezegd. Het kanaal en {_who_answered(told)}, krijgen "
            f"bericht.{deadlines}",
            private=True,
        )
    ]


def verplaats(ctx: Context, args: str) -> list[Reply]:
    """/overleg verplaats <datum> naar <datum en tijd>: move one meeting; its answers move with it."""
    left, _, right = _split_naar(args)
    if not left or not right:
        raise UserError(
            "Van wanneer naar wanneer? Schrijf bijvoorbeeld: /overleg verplaats 3 december naar 10 december 14:00"
        )
    group, meeting, rest = _target(ctx, left, past=False)
    if rest.strip():
        raise UserError(f"'{rest}' begrijp ik niet; schrijf: /overleg verplaats <datum> naar <datum en tijd>.")
    require(ctx.session, ctx.person, "meeting.change", group)
    old = meeting.starts_at
    moment = when(old, ctx.tz)
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} is afgezegd; plan een nieuw met /overleg plan <datum en tijd>.")
    if old <= ctx.now:
        raise UserError(f"Het overleg van {moment} is al begonnen; verplaatsen kan alleen vooraf.")
    starts = parse_when(right, now=ctx.now, tz=ctx.tz, end_of_day=False)
    if starts is None:
        raise UserError(
            f"Ik begrijp '{right}' niet als datum en tijd; schrijf bijvoorbeeld '10 december 14:00' of "
            "'volgende week dinsdag om 14 uur'."
        )
    if not has_explicit_time(right):  # a day only: the meeting keeps its time of day
        local_old = old.astimezone(ctx.tz)
        starts = datetime.combine(
            starts.astimezone(ctx.tz).date(), local_old.timetz().replace(tzinfo=None), tzinfo=ctx.tz
        )
    new = when(starts, ctx.tz)
    if starts <= ctx.now:
        raise UserError(f"{new} ligt in het verleden; kies een moment in de toekomst.")
    if starts == old:
        raise UserError(f"Het overleg staat al op {moment}.")
    if starts.astimezone(ctx.tz).hour == 2:
        raise UserError("Tussen 02:00 en 03:00 plannen we niets (zomer- en wintertijd); kies een ander tijdstip.")
    other = meetings.meeting_on_day(ctx.session, group.id or 0, starts.astimezone(ctx.tz).date(), ctx.tz)
    if other is not None and other.id != meeting.id:
        raise UserError(
            f"Op {day(starts, ctx.tz)} heeft {group.name} al een overleg ({when(other.starts_at, ctx.tz)}); "
            "kies een andere dag, of zeg dat overleg eerst af."
        )
    taken = meetings.meeting_at(ctx.session, group.id or 0, starts)
    if taken is not None and taken.id != meeting.id:
        raise UserError(
            f"Op {new} stond een overleg dat is afgezegd; kies een ander tijdstip, bijvoorbeeld een kwartier later."
        )
    answered, guests = _concerned(ctx, group, meeting)
    meetings.move_meeting(ctx.session, meeting, starts, actor_id=ctx.person.id, now=ctx.now, detail=f"{moment} → {new}")
    deadlines = _follow_deadlines(ctx, group, old, starts)
    news = f"Het overleg van {group.name} is verplaatst van {moment} naar {new}{_where(meeting)}."
    ctx.post_to_channel(group.channel, news + deadlines, dedupe_key=f"verplaatst:{meeting.id}:{meeting.sequence}")
    buttons = [
        {"label": "Ik kom", "action": "overleg_kom", "value": f"{afmelden.MEETING_TOKEN}{meeting.id}"},
        {"label": "Ik meld me af", "action": "overleg_afmelden", "value": f"{afmelden.MEETING_TOKEN}{meeting.id}"},
    ]
    for person, status in answered:
        if status == AttendanceStatus.afgemeld:
            yours = f"Uw afmelding geldt nu voor {new}; kunt u dan wel, zeg het met /overleg kom in #{group.channel}."
        else:
            yours = f"U had gezegd dat u komt; dat staat nu voor {new}. Kunt u dan niet, meld u af met /afmelden."
        ctx.post_to_person(person, f"{news} {yours}", buttons=buttons, meeting_id=meeting.id)
    for guest in guests:
        ctx.post_to_person(guest, f"{news} U bent uitgenodigd als gast; de uitnodiging geldt voor {new}.")
    return [
        Reply(
            f"Overleg van {group.name} verplaatst van {moment} naar {new}. De antwoorden gaan mee; "
            f"{_who_answered(len(answered) + len(guests))}, "
            f"{'krijgt' if len(answered) + len(guests) == 1 else 'krijgen'} bericht.{deadlines}",
            private=True,
        )
    ]


def _who_answered(n: int) -> str:
    """The told count in words: 1 persoon die had gereageerd ..., 3 personen die hadden ... waren."""
    if n == 1:
        return "1 persoon die had gereageerd of uitgenodigd was"
    return f"{plural(n, 'persoon', 'personen')} die hadden gereageerd of uitgenodigd waren"


def _split_naar(args: str) -> tuple[str, str, str]:
    parts = re.split(r"\s+naar\s+", " " + args.strip() + " ", maxsplit=1, flags=re.IGNORECASE)
    if len(parts) != 2:
        return args.strip(), "", ""
    return parts[0].strip(), "naar", parts[1].strip()


def gehouden(ctx: Context, args: str) -> list[Reply]:
    """/overleg gehouden [<datum>]: the chair says a meeting was held (without confirming who came)."""
    group, meeting, rest = _target(ctx, args, past=True)
    require(ctx.session, ctx.person, "meeting.change", group)
    moment = when(meeting.starts_at, ctx.tz)
    if rest.strip():
        raise UserError(
            f"'{rest}' begrijp ik niet; schrijf /overleg gehouden [<datum>], bijvoorbeeld /overleg gehouden 3-12-2026."
        )
    if meeting.status == MeetingStatus.geannuleerd:
        raise UserError(f"Het overleg van {moment} is afgezegd en telt dus niet als gehouden.")
    if meeting.starts_at > ctx.now:
        raise UserError(f"Het overleg van {moment} moet nog beginnen; meld het na afloop als gehouden.")
    if meeting.status == MeetingStatus.gehouden:
        raise UserError(f"Het overleg van {moment} staat al als gehouden.")
    meetings.mark_held(ctx.session, meeting, actor_id=ctx.person.id, now=ctx.now)
    return [
        Reply(
            f"Het overleg van {group.name} op {moment} telt als gehouden. Wie er waren, legt u vast met "
            "/overleg aanwezig.",
            private=True,
        )
    ]
