"""/actie: record actiepunten with owner and deadline, list them, and keep them moving."""

from __future__ import annotations

from handlers import jaarplan, pii
from handlers.base import Button, Context, Reply, UserError
from handlers.format import actie_line, history_lines, is_overdue, noun, plural, ref_a, ref_j, ref_s, when
from handlers.parsing import (
    check_text,
    next_meeting_deadline,
    parse_deadline,
    resolve_person,
    split_owner,
)
from handlers.permissions import editable_group, readable_group, require
from handlers.signaal import may_withdraw, tell_owner
from storage import items, org
from storage import people as people_store
from storage.models import Actiepunt, ActieStatus, Group, Person


def get(ctx: Context, act_id: int) -> Actiepunt:
    act = ctx.session.get(Actiepunt, act_id)
    if act is None:
        raise UserError(f"Actiepunt A-{act_id} bestaat niet; zie /actie lijst.")
    readable_group(ctx, f"A-{act_id}", act.group_id, owner_id=act.owner_id)
    return act


def _editable(ctx: Context, act: Actiepunt, *, owner_may: bool = False) -> Group:
    """`owner_may`: the owner may do this from outside the group (close it, move it)."""
    group = editable_group(ctx, f"A-{act.id}", act.group_id, owner_id=act.owner_id if owner_may else None)
    items.check_transition(act, items.EDIT)  # a withdrawn actiepunt: nothing more changes
    return group


def _buttons(act: Actiepunt) -> tuple[Button, ...]:
    return (
        Button("Gedaan", "actie_gedaan", ref_a(act.id)),
        Button("Verplaats", "actie_verplaats", ref_a(act.id)),
    )


def record(ctx: Context, args: str, *, confirmed: bool = False, command: str | None = None) -> list[Reply]:
    """`command`: the words as written (`nieuw ...`), kept when the PII question is asked."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    args, plan_item = jaarplan.take_link(ctx, args)  # `... bij J-3`
    text, owner, when_text = split_owner(ctx, args)
    text = check_text(text, "tekst van het actiepunt")
    deadline = parse_deadline(ctx, when_text) if when_text else next_meeting_deadline(ctx, group)
    if not confirmed and (question := pii.check(ctx, "actie", command or args, text)):
        return question  # personal data: nothing is stored until the person confirms
    act = items.record_actiepunt(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        owner_id=owner.id or 0,
        deadline=deadline,
        created_by_id=ctx.person.id,
        now=ctx.now,
        jaarplan_id=plan_item.id if plan_item else None,
    )
    until = when(deadline, ctx.tz) + ("" if when_text else " (volgend overleg)")
    until += f", bij {ref_j(plan_item.id)}" if plan_item else ""
    tell_owner(ctx, act, group, owner)
    return [
        Reply(
            f"Actiepunt {ref_a(act.id)} vastgelegd: {text}. Eigenaar @{owner.key}, deadline {until}.",
            buttons=_buttons(act),
            ref=ref_a(act.id),
        )
    ]


LIST_MODES = {
    "mijn": "mijn", "mine": "mijn", "my": "mijn",
    "open": "open",
    "te-laat": "te-laat", "telaat": "te-laat", "laat": "te-laat", "late": "te-laat", "overdue": "te-laat",
    "alle": "alle", "all": "alle", "allemaal": "alle",
}  # fmt: skip


def list_acties(ctx: Context, args: str) -> list[Reply]:
    """/actie lijst [mijn|open|te-laat|alle] [@persoon ...]"""
    if ctx.group is None and ctx.channel.startswith("@"):
        return _my_acties_everywhere(ctx, args)
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    modes: list[str] = []
    owners: list[Person] = []
    for token in args.lower().replace("te laat", "te-laat").split():
        if token.startswith("@"):
            who = resolve_person(ctx, token)
            owners += [] if who.id in {p.id for p in owners} else [who]
        elif token in LIST_MODES:
            modes.append(LIST_MODES[token])
        else:
            raise UserError("Schrijf /actie lijst gevolgd door mijn, open, te-laat, alle of @persoon.")
    if len(set(modes)) > 1 or ("mijn" in modes and owners):
        raise UserError("Kies één van mijn, open, te-laat of alle, bijvoorbeeld: /actie lijst te-laat @piet.")
    mode = modes[0] if modes else "open"
    what, whose = "open actiepunt", ""
    if mode == "mijn":
        owners = [ctx.person]
        whose = " van u"
    elif mode == "te-laat":
        what, whose = "actiepunt", " over de deadline"
    elif mode == "alle":
        what = "actiepunt"
    if owners and mode != "mijn":
        tags = [f"@{p.key}" for p in owners]
        whose += " van " + (tags[0] if len(tags) == 1 else ", ".join(tags[:-1]) + " en " + tags[-1])
    rows = items.list_actiepunten(
        ctx.session,
        group.id or 0,
        mode="open" if mode == "mijn" else mode,
        owner_ids=[p.id or 0 for p in owners],
        now=ctx.now,
    )
    if not rows:
        return [Reply(f"Geen {noun(0, what)}{whose} in {group.name}.", private=True)]
    rows.sort(key=lambda a: (not is_overdue(a, ctx.now), a.deadline))
    late = sum(1 for a in rows if is_overdue(a, ctx.now))
    head = f"{plural(len(rows), what)}{whose} in {group.name}" + (f", waarvan {late} te laat" if late else "")
    shown = rows[:50]
    # the owners in one query, held here so each line's session.get finds them (no query per line)
    held = people_store.by_ids(ctx.session, [a.owner_id for a in shown])
    lines = [head + ":"] + [f"• {actie_line(ctx.session, a, ctx.now, ctx.tz)}" for a in shown]
    del held
    if len(rows) > 50:
        lines.append(f"… en nog {len(rows) - 50}; gebruik /actie export voor de volledige lijst.")
    return [Reply("\n".join(lines), private=True)]


def _my_acties_everywhere(ctx: Context, args: str) -> list[Reply]:
    """In a direct chat `/actie lijst [mijn]`: one's own open actiepunten of every group."""
    if args.strip().lower() not in ("", "mijn", "mine", "my", "open"):
        raise UserError(
            "In een direct gesprek toont /actie lijst mijn uw eigen actiepunten van elke groep; "
            "andere lijsten vraagt u op in het kanaal van de groep."
        )
    rows = items.open_actiepunten_of(ctx.session, ctx.person.id)
    if not rows:
        return [Reply("U heeft geen open actiepunten.", private=True)]
    groups = {g.id: g for g in org.all_groups(ctx.session)}
    rows.sort(key=lambda a: (not is_overdue(a, ctx.now), a.deadline))
    late = sum(1 for a in rows if is_overdue(a, ctx.now))
    head = f"{plural(len(rows), 'open actiepunt')} van u" + (f", waarvan {late} te laat" if late else "")
    lines = [head + ":"]
    for a in rows[:50]:
        g = groups.get(a.group_id)
        lines.append(f"• {actie_line(ctx.session, a, ctx.now, ctx.tz)} ({g.name if g else 'onbekende groep'})")
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
    _editable(ctx, act, owner_may=True)
    items.check_transition(act, ActieStatus.gedaan)
    note = check_text(note, "toelichting") if note.strip() else ""
    items.set_actie_status(ctx.session, act, ActieStatus.gedaan, actor_id=ctx.person.id, now=ctx.now, detail=note)
    extra = f" Toelichting: {note}" if note else ""
    return [Reply(f"Actiepunt {ref_a(act.id)} is gedaan: {act.text}.{extra}", ref=ref_a(act.id))]


def move(ctx: Context, act: Actiepunt, when_text: str) -> list[Reply]:
    _editable(ctx, act, owner_may=True)
    if not when_text.strip():
        raise UserError(f"Naar wanneer? Schrijf bijvoorbeeld: /actie verplaats {ref_a(act.id)} over twee weken")
    items.check_transition(act, "verplaatsen")
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
    items.check_transition(act, "overdragen")
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
    items.check_transition(act, ActieStatus.vervallen)
    reason = check_text(reason, "reden")
    items.set_actie_status(ctx.session, act, ActieStatus.vervallen, actor_id=ctx.person.id, now=ctx.now, detail=reason)
    return [Reply(f"Actiepunt {ref_a(act.id)} is vervallen: {reason}.", ref=ref_a(act.id))]


def reopen(ctx: Context, act: Actiepunt, _rest: str) -> list[Reply]:
    _editable(ctx, act)
    items.set_actie_status(ctx.session, act, ActieStatus.open, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Actiepunt {ref_a(act.id)} is heropend.", ref=ref_a(act.id))]


ACTIONS = {
    "gedaan": done,
    "verplaats": move,
    "overdragen": hand_over,
    "vervallen": cancel,
    "heropen": reopen,
}


def correct_text(ctx: Context, act: Actiepunt, rest: str, *, confirmed: bool = False, command: str = "") -> list[Reply]:
    """/actie A-12 tekst <nieuwe tekst>: correct what was written."""
    _editable(ctx, act)
    if not rest.strip():
        raise UserError(f"Schrijf de nieuwe tekst erachter, bijvoorbeeld: /actie {ref_a(act.id)} tekst {act.text}")
    text = check_text(rest, "nieuwe tekst van het actiepunt")
    if text == act.text:
        raise UserError(f"{ref_a(act.id)} heeft die tekst al; er is niets veranderd.")
    if not confirmed and (question := pii.check(ctx, "actie", command, text)):
        return question
    items.correct_text(ctx.session, act, text, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Actiepunt {ref_a(act.id)} aangepast: {text}.", ref=ref_a(act.id))]


def withdraw(ctx: Context, act: Actiepunt, reason: str) -> list[Reply]:
    """/actie A-12 intrekken [reden]: recorded by mistake; within 24 hours, by who recorded it or the chair."""
    group = _editable(ctx, act)
    instead = f"/actie vervallen {ref_a(act.id)} <reden>"
    may_withdraw(ctx, group, ref_a(act.id), act.created_by_id, act.created_at, instead)
    reason = check_text(reason, "reden", limit=500) if reason.strip() else ""
    items.withdraw(ctx.session, act, actor_id=ctx.person.id, now=ctx.now, detail=reason)
    return [
        Reply(
            f"Actiepunt {ref_a(act.id)} is ingetrokken: het staat alleen nog in de geschiedenis en telt nergens mee.",
            ref=ref_a(act.id),
        )
    ]


def search(ctx: Context, words: str) -> list[Reply]:
    """/actie zoek <woorden>: the group's actiepunten whose text holds every word."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    terms = words.split()
    if not terms:
        raise UserError("Waar zoekt u op? Schrijf bijvoorbeeld: /actie zoek buurtgesprek")
    rows = items.search_actiepunten(ctx.session, group.id or 0, terms)
    what = " ".join(terms)
    if not rows:
        hint = " Wilde u een actiepunt vastleggen dat zo begint? Schrijf dan /actie nieuw <tekst> @eigenaar."
        return [Reply(f"Geen actiepunten met '{what}' in {group.name}.{hint}", private=True)]
    noun = "actiepunt" if len(rows) == 1 else "actiepunten"
    lines = [f"{len(rows)} {noun} met '{what}' in {group.name} (nieuwste eerst):"]
    lines += [f"• {actie_line(ctx.session, a, ctx.now, ctx.tz)}" for a in rows]
    return [Reply("\n".join(lines), private=True)]
