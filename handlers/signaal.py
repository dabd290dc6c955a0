"""/signaal: record, list, show, act on and close signalen."""

from __future__ import annotations

from datetime import datetime

from handlers import pii
from handlers.base import Button, Context, Reply, UserError
from handlers.format import actie_line, history_lines, noun, plural, ref_a, ref_s, signaal_line, when
from handlers.parsing import (
    check_text,
    next_meeting_deadline,
    parse_deadline,
    split_owner,
    take_area,
    take_category,
)
from handlers.permissions import editable_group, readable_group, require
from handlers.resident import tell_ambassador
from storage import items
from storage.models import Actiepunt, ActieStatus, Group, Person, Signaal, SignaalStatus


def get(ctx: Context, sig_id: int) -> Signaal:
    sig = ctx.session.get(Signaal, sig_id)
    if sig is None:
        raise UserError(f"Signaal S-{sig_id} bestaat niet; zie /signaal lijst.")
    readable_group(ctx, f"S-{sig_id}", sig.group_id)
    return sig


def _editable(ctx: Context, sig: Signaal) -> Group:
    group = editable_group(ctx, f"S-{sig.id}", sig.group_id)
    items.check_transition(sig, items.EDIT)  # a withdrawn signaal: nothing more changes
    return group


def record(ctx: Context, args: str, *, confirmed: bool = False, command: str | None = None) -> list[Reply]:
    """`command`: the words as written (`nieuw ...`), kept when the PII question is asked."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    text, category = take_category(args, ctx.config.categories)
    text, area = take_area(text, group)
    text = check_text(text, "tekst van het signaal")
    if not confirmed and (question := pii.check(ctx, "signaal", command or args, text)):
        return question  # personal data: nothing is stored until the person confirms
    sig = items.record_signaal(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        category=category or ctx.config.default_category,
        reported_by_id=ctx.person.id,
        now=ctx.now,
        area=area,
    )
    where = f" @@{area}" if area else ""
    return [
        Reply(
            f"Signaal {ref_s(sig.id)} vastgelegd voor {group.name}: {text} [{sig.category}]{where}",
            buttons=(
                Button("Maak actie", "signaal_actie", ref_s(sig.id)),
                Button("Sluit", "signaal_sluit", ref_s(sig.id)),
            ),
            ref=ref_s(sig.id),
        )
    ]


def list_signalen(ctx: Context, args: str) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    rest, category = take_category(args, ctx.config.categories)
    mode = rest.strip().lower() or "open"
    mode = {"all": "alle", "allemaal": "alle", "open": "open", "opened": "open"}.get(mode, mode)
    if mode not in ("open", "alle"):
        raise UserError("Schrijf /signaal lijst, /signaal lijst alle of /signaal lijst open #jeugd.")
    rows = items.list_signalen(ctx.session, group.id or 0, open_only=mode == "open", category=category)
    what = ("open " if mode == "open" else "") + "signaal"
    where = f" in #{category}" if category else ""
    if not rows:
        return [Reply(f"Geen {noun(0, what)}{where} voor {group.name}.", private=True)]
    lines = [f"{plural(len(rows), what)}{where} voor {group.name}:"]
    lines += [f"• {signaal_line(s)}" for s in rows[:50]]
    if len(rows) > 50:
        lines.append(f"… en nog {len(rows) - 50}; gebruik /signaal export voor de volledige lijst.")
    return [Reply("\n".join(lines), private=True)]


def show(ctx: Context, sig: Signaal) -> list[Reply]:
    assert sig.id is not None
    lines = [signaal_line(sig), f"Gemeld: {when(sig.created_at, ctx.tz)}"]
    if sig.area:
        lines.append(f"Buurt of kern: {sig.area}")
    if sig.location:
        lines.append(f"Locatie: {sig.location}")
    acts = items.actiepunten_of_signaal(ctx.session, sig.id)
    if acts:
        lines.append("Actiepunten:")
        lines += [f"  {actie_line(ctx.session, a, ctx.now, ctx.tz)}" for a in acts]
    lines.append("Geschiedenis:")
    lines += history_lines(ctx.session, items.history(ctx.session, "signaal", sig.id), ctx.tz)
    return [Reply("\n".join(lines), private=True, ref=ref_s(sig.id))]


def make_actie(ctx: Context, sig: Signaal, rest: str, *, confirmed: bool = False, args: str = "") -> list[Reply]:
    """/signaal S-12 actie Gesprek met bewoners @piet over twee weken"""
    group = _editable(ctx, sig)
    items.check_transition(sig, SignaalStatus.actie)  # before the owner and the deadline are read
    first_action = sig.status != SignaalStatus.actie
    text, owner, when_text = split_owner(ctx, rest)
    text = check_text(text, "tekst van het actiepunt")
    deadline = parse_deadline(ctx, when_text) if when_text else next_meeting_deadline(ctx, group)
    if not confirmed and (question := pii.check(ctx, "signaal", args or rest, text)):
        return question
    act = items.record_actiepunt(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        owner_id=owner.id or 0,
        deadline=deadline,
        created_by_id=ctx.person.id,
        now=ctx.now,
        signaal=sig,
    )
    tell_owner(ctx, act, group, owner)
    if first_action:
        tell_ambassador(ctx, sig, SignaalStatus.actie)  # only that it is acted on, never the actiepunt itself
    return [
        Reply(
            f"Actiepunt {ref_a(act.id)} uit {ref_s(sig.id)}: {text}. Eigenaar @{owner.key}, "
            f"deadline {when(deadline, ctx.tz)}.",
            buttons=(
                Button("Gedaan", "actie_gedaan", ref_a(act.id)),
                Button("Verplaats", "actie_verplaats", ref_a(act.id)),
            ),
            ref=ref_a(act.id),
        )
    ]


def close(ctx: Context, sig: Signaal, note: str) -> list[Reply]:
    _editable(ctx, sig)
    note = check_text(note, "toelichting") if note.strip() else ""
    items.set_signaal_status(ctx.session, sig, SignaalStatus.gesloten, actor_id=ctx.person.id, now=ctx.now, detail=note)
    extra = f" Toelichting: {note}" if note else ""
    if tell_ambassador(ctx, sig, SignaalStatus.gesloten, note):
        extra += " De wijkambassadeur krijgt hiervan bericht" + (", met uw toelichting." if note else ".")
    return [Reply(f"Signaal {ref_s(sig.id)} gesloten.{extra}", ref=ref_s(sig.id))]


def pick_up(ctx: Context, sig: Signaal, note: str) -> list[Reply]:
    _editable(ctx, sig)
    items.check_transition(sig, SignaalStatus.in_behandeling)
    note = check_text(note, "toelichting") if note.strip() else ""
    items.set_signaal_status(
        ctx.session, sig, SignaalStatus.in_behandeling, actor_id=ctx.person.id, now=ctx.now, detail=note
    )
    told = tell_ambassador(ctx, sig, SignaalStatus.in_behandeling)
    extra = " De wijkambassadeur krijgt hiervan bericht." if told else ""
    return [Reply(f"Signaal {ref_s(sig.id)} is in behandeling.{extra}", ref=ref_s(sig.id))]


def reopen(ctx: Context, sig: Signaal) -> list[Reply]:
    _editable(ctx, sig)
    items.set_signaal_status(ctx.session, sig, SignaalStatus.open, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Signaal {ref_s(sig.id)} is heropend.", ref=ref_s(sig.id))]


def correct_text(ctx: Context, sig: Signaal, rest: str, *, confirmed: bool = False, command: str = "") -> list[Reply]:
    """/signaal S-12 tekst <nieuwe tekst>: correct what was written (a #categorie in it also counts)."""
    _editable(ctx, sig)
    text, category = take_category(rest, ctx.config.categories)
    if not text.strip():
        raise UserError(f"Schrijf de nieuwe tekst erachter, bijvoorbeeld: /signaal {ref_s(sig.id)} tekst {sig.text}")
    text = check_text(text, "nieuwe tekst van het signaal")
    if text == sig.text and category in (None, sig.category):
        raise UserError(f"{ref_s(sig.id)} heeft die tekst al; er is niets veranderd.")
    if not confirmed and (question := pii.check(ctx, "signaal", command, text)):
        return question
    if text != sig.text:
        items.correct_text(ctx.session, sig, text, actor_id=ctx.person.id, now=ctx.now)
    if category not in (None, sig.category):
        items.recategorise(ctx.session, sig, category, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Signaal {ref_s(sig.id)} aangepast: {sig.text} [{sig.category}]", ref=ref_s(sig.id))]


def change_category(ctx: Context, sig: Signaal, rest: str) -> list[Reply]:
    """/signaal S-12 categorie #jeugd"""
    _editable(ctx, sig)
    categories = ctx.config.categories
    leftover, category = take_category(rest if "#" in rest else f"#{rest.strip()}" if rest.strip() else "", categories)
    if category is None or leftover.strip():
        raise UserError(
            f"Welke categorie? Schrijf bijvoorbeeld: /signaal {ref_s(sig.id)} categorie #jeugd; kies uit "
            + ", ".join(f"#{c}" for c in categories)
            + "."
        )
    if category == sig.category:
        raise UserError(f"{ref_s(sig.id)} staat al in #{category}.")
    old = sig.category
    items.recategorise(ctx.session, sig, category, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Signaal {ref_s(sig.id)} staat nu in #{category} (was #{old}).", ref=ref_s(sig.id))]


def withdraw(ctx: Context, sig: Signaal, reason: str) -> list[Reply]:
    """/signaal S-12 intrekken [reden]: recorded by mistake; within 24 hours, by who recorded it or the chair."""
    group = _editable(ctx, sig)
    may_withdraw(ctx, group, ref_s(sig.id), sig.reported_by_id, sig.created_at, f"/signaal {ref_s(sig.id)} sluit")
    live = [a for a in items.actiepunten_of_signaal(ctx.session, sig.id or 0) if a.status != ActieStatus.ingetrokken]
    if live:
        refs = ", ".join(ref_a(a.id) for a in live)
        raise UserError(
            f"Uit {ref_s(sig.id)} komt actiepunt {refs}; trek dat eerst in met /actie {ref_a(live[0].id)} intrekken."
        )
    reason = check_text(reason, "reden", limit=500) if reason.strip() else ""
    items.withdraw(ctx.session, sig, actor_id=ctx.person.id, now=ctx.now, detail=reason)
    return [
        Reply(
            f"Signaal {ref_s(sig.id)} is ingetrokken: het staat alleen nog in de geschiedenis en telt nergens mee.",
            ref=ref_s(sig.id),
        )
    ]


def tell_owner(ctx: Context, act: Actiepunt, group: Group, owner: Person) -> None:
    """The owner hears by direct message that an actiepunt is theirs (unless they recorded it themselves)."""
    if owner.id == ctx.person.id:
        return
    ctx.post_to_person(
        owner,
        f"{ctx.person.name} heeft actiepunt {ref_a(act.id)} van {group.name} aan u gegeven: {act.text} "
        f"(deadline {when(act.deadline, ctx.tz)}). Klaar? Schrijf /actie gedaan {ref_a(act.id)}; meer tijd nodig? "
        f"/actie verplaats {ref_a(act.id)} <deadline>. Dat kan ook hier, in een direct gesprek met wijkbot.",
        buttons=[
            {"label": "Gedaan", "action": "actie_gedaan", "value": ref_a(act.id)},
            {"label": "Verplaats", "action": "actie_verplaats", "value": ref_a(act.id)},
        ],
    )


def may_withdraw(
    ctx: Context, group: Group, ref: str, creator_id: int | None, created_at: datetime, instead: str
) -> None:
    """Withdrawing is for mistakes: by who recorded the item or the chair, within 24 hours."""
    if ctx.person.id not in (creator_id, group.chair_id):
        raise UserError(f"Alleen wie {ref} vastlegde of de voorzitter van {group.name} kan het intrekken.")
    if ctx.now - created_at > items.WITHDRAW_WINDOW:
        raise UserError(f"{ref} is meer dan 24 uur geleden vastgelegd, dus intrekken kan niet meer; gebruik {instead}.")


def search(ctx: Context, words: str) -> list[Reply]:
    """/signaal zoek <woorden> [#categorie]: the group's signalen whose text holds every word."""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    rest, category = take_category(words, ctx.config.categories)
    terms = rest.split()
    if not terms and not category:
        raise UserError("Waar zoekt u op? Schrijf bijvoorbeeld: /signaal zoek Vlietkade")
    rows = items.search_signalen(ctx.session, group.id or 0, terms, category=category)
    what = " ".join(terms) + (f" #{category}" if category else "")
    if not rows:
        hint = " Wilde u een signaal vastleggen dat zo begint? Schrijf dan /signaal nieuw <tekst>."
        return [Reply(f"Geen signalen met '{what.strip()}' in {group.name}.{hint}", private=True)]
    noun = "signaal" if len(rows) == 1 else "signalen"
    lines = [f"{len(rows)} {noun} met '{what.strip()}' in {group.name} (nieuwste eerst):"]
    lines += [f"• {signaal_line(s)}" for s in rows]
    return [Reply("\n".join(lines), private=True)]
