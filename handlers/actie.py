"""/actie: record actiepunten with owner and deadline, list them, and keep them moving."""

from __future__ import annotations

from sqlmodel import col, select

from handlers import exports, pii
from handlers.base import Button, Context, Reply, UserError
from handlers.format import actie_line, history_lines, is_overdue, label, noun, plural, ref_a, ref_s, when
from handlers.parsing import (
    check_text,
    looks_like_ref,
    next_meeting_deadline,
    parse_deadline,
    parse_ref,
    resolve_person,
    split_owner,
)
from handlers.permissions import editable_group, readable_group, require
from storage import items
from storage.models import Actiepunt, ActieStatus, Group, Person

USAGE = (
    "/actie <tekst> @eigenaar [deadline] · /actie lijst [mijn|open|te-laat|alle|@persoon] · "
    "/actie A-12 · /actie gedaan A-12 · /actie verplaats A-12 <deadline> · "
    "/actie overdragen A-12 @persoon · /actie vervallen A-12 <reden> · /actie heropen A-12"
)


def handle(ctx: Context, args: str) -> list[Reply]:
    """Actiepunten: /actie Buurtgesprek plannen @piet volgende week dinsdag"""
    confirmed, args = pii.split_confirmed(args)
    words = args.split()
    if not words:
        raise UserError(
            "Wat moet er gebeuren, door wie? Schrijf bijvoorbeeld: /actie Buurtgesprek plannen @piet vrijdag. "
            f"({USAGE})"
        )
    sub, rest = words[0].lower(), words[1:]
    if pii.is_decision(words):
        return pii.handle(ctx, args)
    if sub == "lijst":
        return list_acties(ctx, " ".join(rest))
    if sub == "export" and not rest:
        return exports.export_acties(ctx)
    if sub in ("gedaan", "verplaats", "overdragen", "vervallen", "heropen"):
        if not rest:
            raise UserError(f"Welk actiepunt? Schrijf bijvoorbeeld: /actie {sub} A-12")
        act = _get(ctx, parse_ref(rest[0], "A"))
        return ACTIONS[sub](ctx, act, " ".join(rest[1:]))
    if looks_like_ref(words[0], "A") and len(words) == 1:
        return show(ctx, _get(ctx, parse_ref(words[0], "A")))
    if words[0].upper().startswith("S-") and looks_like_ref(words[0], "S"):
        parse_ref(words[0], "A")  # explains that S-refs belong to /signaal
    return record(ctx, args, confirmed=confirmed)


def _get(ctx: Context, act_id: int) -> Actiepunt:
    act = ctx.session.get(Actiepunt, act_id)
    if act is None:
        raise UserError(f"Actiepunt A-{act_id} bestaat niet; zie /actie lijst.")
    readable_group(ctx, f"A-{act_id}", act.group_id)
    return act


def _editable(ctx: Context, act: Actiepunt) -> Group:
    return editable_group(ctx, f"A-{act.id}", act.group_id)


def _buttons(act: Actiepunt) -> tuple[Button, ...]:
    return (
        Button("Gedaan", "actie_gedaan", ref_a(act.id)),
        Button("Verplaats", "actie_verplaats", ref_a(act.id)),
    )


def record(ctx: Context, args: str, *, confirmed: bool = False) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    text, owner, when_text = split_owner(ctx, args)
    text = check_text(text, "tekst van het actiepunt")
    deadline = parse_deadline(ctx, when_text) if when_text else next_meeting_deadline(ctx, group)
    if not confirmed and (question := pii.check(ctx, "actie", args, text)):
        return question  # personal data: nothing is stored until the person confirms
    act = items.record_actiepunt(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        owner_id=owner.id or 0,
        deadline=deadline,
        created_by_id=ctx.person.id,
        now=ctx.now,
    )
    until = when(deadline, ctx.tz) + ("" if when_text else " (volgend overleg)")
    return [
        Reply(
            f"Actiepunt {ref_a(act.id)} vastgelegd: {text}. Eigenaar @{owner.key}, deadline {until}.",
            buttons=_buttons(act),
            ref=ref_a(act.id),
        )
    ]


def list_acties(ctx: Context, args: str) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    mode = args.strip() or "open"
    stmt = select(Actiepunt).where(Actiepunt.group_id == group.id)
    what, whose = "open actiepunt", ""
    if mode.lower() == "mijn":
        stmt = stmt.where(Actiepunt.owner_id == ctx.person.id, Actiepunt.status == ActieStatus.open)
        whose = " van u"
    elif mode.lower() == "open":
        stmt = stmt.where(Actiepunt.status == ActieStatus.open)
    elif mode.lower() in ("te-laat", "telaat", "te laat"):
        stmt = stmt.where(Actiepunt.status == ActieStatus.open, Actiepunt.deadline < ctx.now)
        what, whose = "actiepunt", " over de deadline"
    elif mode.lower() == "alle":
        what = "actiepunt"
    elif mode.startswith("@"):
        who = resolve_person(ctx, mode)
        stmt = stmt.where(Actiepunt.owner_id == who.id, Actiepunt.status == ActieStatus.open)
        whose = f" van @{who.key}"
    else:
        raise UserError("Schrijf /actie lijst gevolgd door mijn, open, te-laat, alle of @persoon.")
    rows = list(ctx.session.exec(stmt.order_by(col(Actiepunt.deadline), col(Actiepunt.id))).all())
    if not rows:
        return [Reply(f"Geen {noun(0, what)}{whose} in {group.name}.", private=True)]
    rows.sort(key=lambda a: (not is_overdue(a, ctx.now), a.deadline))
    late = sum(1 for a in rows if is_overdue(a, ctx.now))
    head = f"{plural(len(rows), what)}{whose} in {group.name}" + (f", waarvan {late} te laat" if late else "")
    shown = rows[:50]
    # the owners in one query, held here so each line's session.get finds them (no query per line)
    owners = ctx.session.exec(select(Person).where(col(Person.id).in_({a.owner_id for a in shown}))).all()
    lines = [head + ":"] + [f"• {actie_line(ctx.session, a, ctx.now, ctx.tz)}" for a in shown]
    del owners
    if len(rows) > 50:
        lines.append(f"… en nog {len(rows) - 50}; gebruik /actie export voor de volledige lijst.")
    return [Reply("\n".join(lines), private=True)]


def show(ctx: Context, act: Actiepunt) -> list[Reply]:
    assert act.id is not None
    lines = [actie_line(ctx.session, act, ctx.now, ctx.tz)]
    if act.signaal_id:
        lines.append(f"Komt uit signaal {ref_s(act.signaal_id)}.")
    lines.append("Geschiedenis:")
    lines += history_lines(ctx.session, items.history(ctx.session, "actiepunt", act.id), ctx.tz)
    buttons = _buttons(act) if act.status == ActieStatus.open else ()
    return [Reply("\n".join(lines), private=True, ref=ref_a(act.id), buttons=buttons)]


def done(ctx: Context, act: Actiepunt, note: str) -> list[Reply]:
    _editable(ctx, act)
    if act.status != ActieStatus.open:
        raise UserError(f"{ref_a(act.id)} is al {label('actiepunt', act.status)}.")
    note = check_text(note, "toelichting") if note.strip() else ""
    items.set_actie_status(ctx.session, act, ActieStatus.gedaan, actor_id=ctx.person.id, now=ctx.now, detail=note)
    extra = f" Toelichting: {note}" if note else ""
    return [Reply(f"Actiepunt {ref_a(act.id)} is gedaan: {act.text}.{extra}", ref=ref_a(act.id))]


def move(ctx: Context, act: Actiepunt, when_text: str) -> list[Reply]:
    _editable(ctx, act)
    if not when_text.strip():
        raise UserError(f"Naar wanneer? Schrijf bijvoorbeeld: /actie verplaats {ref_a(act.id)} over twee weken")
    if act.status != ActieStatus.open:
        raise UserError(
            f"{ref_a(act.id)} is {label('actiepunt', act.status)}; alleen open actiepunten kunnen verplaatst worden."
        )
    deadline = parse_deadline(ctx, when_text)
    old = when(act.deadline, ctx.tz)
    items.change_actiepunt(
        ctx.session,
        act,
        actor_id=ctx.person.id,
        now=ctx.now,
        deadline=deadline,
        detail=f"{old} → {when(deadline, ctx.tz)}",
    )
    return [Reply(f"Actiepunt {ref_a(act.id)} verplaatst naar {when(deadline, ctx.tz)}.", ref=ref_a(act.id))]


def hand_over(ctx: Context, act: Actiepunt, who: str) -> list[Reply]:
    _editable(ctx, act)
    if not who.strip().startswith("@"):
        raise UserError(f"Aan wie? Schrijf bijvoorbeeld: /actie overdragen {ref_a(act.id)} @fatima")
    if act.status != ActieStatus.open:
        raise UserError(
            f"{ref_a(act.id)} is {label('actiepunt', act.status)}; alleen open actiepunten kunnen worden overgedragen."
        )
    person = resolve_person(ctx, who.split()[0])
    if person.id == act.owner_id:
        raise UserError(f"@{person.key} is al eigenaar van {ref_a(act.id)}.")
    items.change_actiepunt(
        ctx.session, act, actor_id=ctx.person.id, now=ctx.now, owner_id=person.id, detail=f"aan @{person.key}"
    )
    if person.id != ctx.person.id:
        ctx.post_to_person(
            person,
            f"{ctx.person.name} heeft actiepunt {ref_a(act.id)} aan u overgedragen: {act.text} "
            f"(deadline {when(act.deadline, ctx.tz)}).",
        )
    return [Reply(f"Actiepunt {ref_a(act.id)} is overgedragen aan @{person.key}.", ref=ref_a(act.id))]


def cancel(ctx: Context, act: Actiepunt, reason: str) -> list[Reply]:
    _editable(ctx, act)
    if not reason.strip():
        raise UserError(f"Geef een reden, bijvoorbeeld: /actie vervallen {ref_a(act.id)} niet meer nodig")
    if act.status != ActieStatus.open:
        raise UserError(f"{ref_a(act.id)} is al {label('actiepunt', act.status)}.")
    reason = check_text(reason, "reden")
    items.set_actie_status(ctx.session, act, ActieStatus.vervallen, actor_id=ctx.person.id, now=ctx.now, detail=reason)
    return [Reply(f"Actiepunt {ref_a(act.id)} is vervallen: {reason}.", ref=ref_a(act.id))]


def reopen(ctx: Context, act: Actiepunt, _rest: str) -> list[Reply]:
    _editable(ctx, act)
    if act.status == ActieStatus.open:
        raise UserError(f"{ref_a(act.id)} is al open.")
    items.set_actie_status(ctx.session, act, ActieStatus.open, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Actiepunt {ref_a(act.id)} is heropend.", ref=ref_a(act.id))]


ACTIONS = {
    "gedaan": done,
    "verplaats": move,
    "overdragen": hand_over,
    "vervallen": cancel,
    "heropen": reopen,
}
