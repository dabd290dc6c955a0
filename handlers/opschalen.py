"""/opschalen: pass a signaal or actiepunt (or a frequent-absence flag) on to the group above.

`/opschalen S-12 [naar <groep>] <waarom>` records an Escalation to the group the team reports to
(with several, `naar <groep>` chooses), tells that group's chair now, and puts it under
"Opgeschaald" on that group's next agenda. The higher group handles it with
`/besluit <tekst> over S-12` or `/opschalen S-12 terug <toelichting>`; either way the outcome is
posted in the originating group's channel with the item's history, and the escalation is closed.

`/opschalen afwezigheid @persoon` (the chair): passes the frequent-absence flag (storage.meetings.
attendance_flags) on to the chair of the group above, with what the covenant says (the
configuration's `afwezigheid_regel`, else a neutral sentence naming `covenant`).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handlers import actie, signaal
from handlers.base import Context, Reply, UserError
from handlers.format import history_lines, plural, ref_a, ref_s, signaal_line, when
from handlers.parsing import check_text, resolve_person
from handlers.permissions import editable_group, may, require
from handlers.reports.actielijst import shareable
from storage import besluiten as repo
from storage import items, org
from storage.meetings import attendance_flags
from storage.models import (
    Actiepunt,
    Escalation,
    EscalationStatus,
    Group,
    Meeting,
    Person,
    Signaal,
    SignaalStatus,
)

_ITEM_REF = re.compile(r"^(?P<p>[SsAa])-?(?P<n>\d{1,9})$")
USAGE = "/opschalen S-12 <waarom> (of A-12; bij meer groepen erboven: /opschalen S-12 naar <groep> <waarom>)"


def item_ref(kind: str, item_id: int | None) -> str:
    return ref_s(item_id) if kind == "signaal" else ref_a(item_id)


def parse_item_ref(token: str) -> tuple[str, int]:
    """`S-12` → ("signaal", 12), `A-3` → ("actiepunt", 3); anything else is a Dutch error."""
    m = _ITEM_REF.match(token.strip().rstrip(".,:;"))
    if not m:
        raise UserError(f"'{token}' is geen verwijzing naar een signaal of actiepunt; schrijf S-12 of A-12.")
    return ("signaal" if m["p"].upper() == "S" else "actiepunt"), int(m["n"])


def _item(ctx: Context, kind: str, item_id: int) -> Signaal | Actiepunt:
    return signaal.get(ctx, item_id) if kind == "signaal" else actie.get(ctx, item_id)


def _find_group(ctx: Context, word: str, choices: list[Group]) -> Group:
    needle = word.lstrip("#").lower()
    for g in choices:
        if needle in (g.key.lower(), g.channel.lower(), g.name.lower()):
            return g
    names = ", ".join(f"{g.key} ({g.name})" for g in choices)
    raise UserError(f"Naar '{word}' kan niet: opschalen kan naar {names}.")


def _target(ctx: Context, group: Group, words: list[str], usage: str) -> tuple[Group, list[str]]:
    """The group above to escalate to, and the words left; `naar <groep>` chooses among several."""
    choices = org.reports_to(org.all_groups(ctx.session), group)
    if not choices:
        raise UserError(f"{group.name} rapporteert aan geen andere groep (reports_to), dus opschalen kan hier niet.")
    if words and words[0].lower() == "naar":
        if len(words) < 2:
            raise UserError(f"Naar welke groep? Schrijf bijvoorbeeld {usage.replace('<groep>', choices[0].key)}.")
        return _find_group(ctx, words[1], choices), words[2:]
    if len(choices) > 1:
        names = " of ".join(g.key for g in choices)
        raise UserError(
            f"{group.name} rapporteert aan meer groepen; zeg naar welke ({names}), bijvoorbeeld: "
            f"{usage.replace('<groep>', choices[0].key)}."
        )
    return choices[0], words


def _tell_chair(ctx: Context, to: Group, text: str, *, dedupe_key: str) -> str:
    """Tell the chair of the higher group now (a DM), or its channel when it has no chair; who was told."""
    chair = ctx.session.get(Person, to.chair_id) if to.chair_id else None
    if chair is not None and chair.active:
        ctx.post_to_person(chair, text, dedupe_key=dedupe_key)
        return f"de voorzitter van {to.name} ({chair.name})"
    ctx.post_to_channel(to.channel, text, dedupe_key=dedupe_key)
    return f"#{to.channel}"


def handle(ctx: Context, args: str) -> list[Reply]:
    """/opschalen S-12|A-12 [naar <groep>] <waarom> · /opschalen S-12 terug <toelichting>"""
    words = args.split()
    if not words:
        raise UserError(f"Wat wilt u opschalen? Schrijf {USAGE}.")
    kind, item_id = parse_item_ref(words[0])
    if len(words) > 1 and words[1].lower() in ("terug", "retour", "terugsturen"):
        return send_back(ctx, kind, item_id, " ".join(words[2:]))
    return escalate_item(ctx, kind, item_id, words[1:])


def escalate_item(ctx: Context, kind: str, item_id: int, words: list[str]) -> list[Reply]:
    ref = item_ref(kind, item_id)
    item = _item(ctx, kind, item_id)
    group = editable_group(ctx, ref, item.group_id, owner_id=None)
    if ctx.group is None:
        raise UserError(f"Schaal {ref} op in het kanaal van {group.name} (#{group.channel}).")
    if item.status in (SignaalStatus.ingetrokken, "ingetrokken"):
        raise UserError(f"{ref} is ingetrokken; er valt niets op te schalen.")
    to, rest = _target(ctx, group, words, f"/opschalen {ref} naar <groep> <waarom>")
    if repo.open_escalation(ctx.session, kind, item_id) is not None:
        raise UserError(f"{ref} is al opgeschaald en wacht op een besluit van de groep erboven.")
    if not rest:
        raise UserError(f"Waarom schaalt u {ref} op? Schrijf bijvoorbeeld: /opschalen {ref} geen budget in het team.")
    reason = check_text(" ".join(rest), "reden")
    esc = repo.escalate(
        ctx.session, kind=kind, item_id=item_id, from_group_id=group.id or 0, to_group_id=to.id or 0,
        reason=reason, actor_id=ctx.person.id, now=ctx.now, item_detail=f"naar {to.name}: {reason}",
    )  # fmt: skip
    chair = ctx.session.get(Person, to.chair_id) if to.chair_id else None
    readable = chair is not None and may(ctx.session, chair, "item.read", group)
    what = _item_text(ctx.session, item, full=readable)
    why = reason if readable else shareable(ctx.session, reason)
    text = (
        f"{ctx.person.name} ({group.name}) schaalt {ref} op naar {to.name}: {why}\n"
        f"{what}\n"
        f"Het staat op de agenda van het volgende overleg van {to.name}. Handel het af in #{to.channel} met "
        f"/besluit <tekst> over {ref}, of stuur het terug met /opschalen {ref} terug <toelichting>."
    )
    told = _tell_chair(ctx, to, text, dedupe_key=f"opschalen:{esc.id}")
    return [
        Reply(
            f"{ref} is opgeschaald naar {to.name}; {told} weet het nu en het staat op hun volgende agenda. "
            f"De uitkomst komt hier in #{group.channel}.",
            ref=ref,
        )
    ]


def _item_text(session: Session, item: Signaal | Actiepunt, *, full: bool) -> str:
    if isinstance(item, Signaal):
        return signaal_line(item) if full else f"{ref_s(item.id)} [{item.category}] {shareable(session, item.text)}"
    text = item.text if full else shareable(session, item.text)
    return f"{ref_a(item.id)} {text}"


def _escalation_here(ctx: Context, kind: str, item_id: int) -> tuple[Escalation, Group]:
    """The open escalation of an item to the group of this channel, or a Dutch error."""
    ref = item_ref(kind, item_id)
    group = ctx.require_group()
    esc = repo.open_escalation(ctx.session, kind, item_id)
    if esc is None:
        raise UserError(f"{ref} is niet opgeschaald (of al afgehandeld); er is niets om over te besluiten.")
    if esc.to_group_id != group.id:
        to = ctx.session.get(Group, esc.to_group_id)
        raise UserError(f"{ref} is opgeschaald naar {to.name if to else 'een andere groep'}; handel het daar af.")
    require(ctx.session, ctx.person, "item.create", group)
    return esc, group


def escalation_for_besluit(ctx: Context, token: str) -> Escalation:
    """`/besluit ... over S-12`: the open escalation of S-12 to this group (checked), for the besluit to close."""
    kind, item_id = parse_item_ref(token)
    esc, _ = _escalation_here(ctx, kind, item_id)
    return esc


def send_back(ctx: Context, kind: str, item_id: int, note: str) -> list[Reply]:
    """/opschalen S-12 terug <toelichting>: the higher group sends it back to the team."""
    ref = item_ref(kind, item_id)
    esc, group = _escalation_here(ctx, kind, item_id)
    if not note.strip():
        raise UserError(
            f"Met welke toelichting? Schrijf bijvoorbeeld: /opschalen {ref} terug pak het op met de wijkagent."
        )
    note = check_text(note, "toelichting")
    repo.close_escalation(
        ctx.session, esc, status=EscalationStatus.terug, outcome=note, actor_id=ctx.person.id, now=ctx.now
    )
    where = tell_outcome(ctx, esc, f"{group.name} stuurt {ref} terug: {note}")
    return [Reply(f"{ref} is teruggestuurd naar {where}, met uw toelichting.", ref=ref)]


def tell_outcome(ctx: Context, esc: Escalation, outcome: str) -> str:
    """Post the outcome of an escalation in the originating group's channel, with the item's history."""
    origin = ctx.session.get(Group, esc.from_group_id)
    assert origin is not None
    assert esc.item_id is not None
    ref = item_ref(esc.kind, esc.item_id)
    lines = [f"Uitkomst van het opschalen van {ref}: {outcome}"]
    item: Signaal | Actiepunt | None = (
        ctx.session.get(Signaal, esc.item_id) if esc.kind == "signaal" else ctx.session.get(Actiepunt, esc.item_id)
    )
    if isinstance(item, Signaal):
        lines.append(signaal_line(item))
    elif isinstance(item, Actiepunt):
        lines.append(f"{ref_a(item.id)} {item.text}")
    lines.append("Geschiedenis:")
    lines += history_lines(ctx.session, items.history(ctx.session, esc.kind, esc.item_id), ctx.tz)
    ctx.post_to_channel(origin.channel, "\n".join(lines), dedupe_key=f"opschalen-uitkomst:{esc.id}")
    return f"#{origin.channel}"


# -- frequent absence -------------------------------------------------------------------------


def absence_rule(ctx: Context) -> str:
    """What the covenant says about frequent absence: the configured text, else a neutral sentence."""
    configured = getattr(ctx.config, "afwezigheid_regel", None)
    if configured:
        return str(configured)
    source = f"Het {ctx.config.covenant}" if ctx.config.covenant else "De afspraak"
    verb = "vraagt" if ctx.config.covenant else "is"
    return f"{source} {verb} dat de voorzitter veelvuldige afwezigheid meldt aan de groep waaraan het team rapporteert."


def absence(ctx: Context, args: str) -> list[Reply]:
    """/opschalen afwezigheid @persoon [naar <groep>]: the chair passes the flag on to the group above."""
    group = ctx.require_group()
    if group.chair_id != ctx.person.id:
        raise UserError(f"Alleen de voorzitter van {group.name} kan afwezigheid opschalen.")
    words = args.split()
    if not words or not words[0].startswith("@"):
        raise UserError("Wie? Schrijf bijvoorbeeld: /opschalen afwezigheid @piet")
    who = resolve_person(ctx, words[0])
    to, rest = _target(ctx, group, words[1:], f"/opschalen afwezigheid {words[0]} naar <groep>")
    flag = next((f for f in attendance_flags(ctx.session, group.id or 0, ctx.now) if f.person_id == who.id), None)
    if flag is None:
        raise UserError(
            f"{who.name} was niet vaak afwezig bij {group.name} (minstens 2 van de laatste 3 overleggen, zonder "
            "vervanger); er is niets opgeschaald."
        )
    latest = flag.meeting_ids[0]
    already = ctx.session.exec(
        select(Escalation).where(
            Escalation.kind == "afwezigheid", Escalation.person_id == who.id,
            Escalation.from_group_id == group.id, Escalation.item_id == latest,
        )
    ).first()  # fmt: skip
    if already is not None:
        raise UserError(f"De afwezigheid van {who.name} is al doorgegeven aan {to.name}.")
    note = check_text(" ".join(rest), "toelichting") if rest else ""
    dates = _meeting_days(ctx.session, flag.meeting_ids, ctx.tz)
    esc = repo.escalate(
        ctx.session, kind="afwezigheid", item_id=latest, person_id=who.id, from_group_id=group.id or 0,
        to_group_id=to.id or 0, reason=note or f"afwezig bij {flag.absent} van de laatste {flag.of} overleggen",
        actor_id=ctx.person.id, now=ctx.now, status=EscalationStatus.gemeld,
    )  # fmt: skip
    org_role = ", ".join(x for x in (who.organisation, who.role) if x)
    text = (
        f"{ctx.person.name}, voorzitter van {group.name}, meldt frequente afwezigheid: {who.name}"
        + (f" ({org_role})" if org_role else "")
        + f" was afwezig bij {flag.absent} van de laatste {flag.of} overleggen ({dates}), zonder vervanger. "
        + absence_rule(ctx)
        + (f" Toelichting: {note}" if note else "")
    )
    told = _tell_chair(ctx, to, text, dedupe_key=f"opschalen:{esc.id}")
    return [Reply(f"De afwezigheid van {who.name} is doorgegeven aan {told}.", private=True)]


def _meeting_days(session: Session, meeting_ids: tuple[int, ...], tz: ZoneInfo) -> str:
    days = []
    for mid in meeting_ids:
        m = session.get(Meeting, mid)
        if m is not None:
            days.append(when(m.starts_at, tz))
    return ", ".join(days)


# -- the agenda of the higher group -----------------------------------------------------------


def agenda_lines(
    session: Session,
    group: Group,
    number: int,
    *,
    now: datetime,
    tz: ZoneInfo,
    escalations: list[Escalation] | None = None,
) -> list[str]:
    """The agenda item "Opgeschaald": open escalations to this group (none: no item at all);
    `escalations`: those, when the caller read them already (`open_escalations_to_groups`)."""
    if escalations is None:
        escalations = repo.open_escalations_to(session, group.id or 0)
    open_ = [e for e in escalations if e.item_id is not None]
    if not open_:
        return []
    lines = [f"{number}. Opgeschaald: {plural(len(open_), 'zaak', 'zaken')}"]
    for esc in open_[:15]:
        origin = session.get(Group, esc.from_group_id)
        item: Signaal | Actiepunt | None = (
            session.get(Signaal, esc.item_id) if esc.kind == "signaal" else session.get(Actiepunt, esc.item_id)
        )
        text = shareable(session, item.text) if item is not None else ""
        lines.append(
            f"   - {item_ref(esc.kind, esc.item_id)} uit {origin.name if origin else '?'}: {text} "
            f"(waarom: {shareable(session, esc.reason)}; sinds {when(esc.created_at, tz)})"
        )
    if len(open_) > 15:
        lines.append(f"   - … en nog {len(open_) - 15}")
    return lines
