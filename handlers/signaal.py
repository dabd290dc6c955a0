"""/signaal: record, list, show, act on and close signalen."""

from __future__ import annotations

from sqlmodel import col, select

from handlers import exports, pii
from handlers.base import Button, Context, Reply, UserError
from handlers.format import actie_line, history_lines, label, noun, plural, ref_a, ref_s, signaal_line, when
from handlers.parsing import (
    check_text,
    looks_like_ref,
    next_meeting_deadline,
    parse_deadline,
    parse_ref,
    split_owner,
    take_category,
)
from handlers.permissions import editable_group, readable_group, require
from handlers.resident import tell_ambassador
from storage import items
from storage.models import Group, Signaal, SignaalStatus

SUBCOMMANDS = ("actie", "sluit", "oppakken", "heropen")
USAGE = (
    "/signaal <tekst> [#categorie] · /signaal lijst [open|alle] [#categorie] · /signaal S-12 · "
    "/signaal S-12 actie <tekst> @eigenaar [deadline] · /signaal S-12 sluit [toelichting]"
)


def handle(ctx: Context, args: str) -> list[Reply]:
    """Signalen: /signaal Hangjongeren bij de Vlietkade #jeugd"""
    confirmed, args = pii.split_confirmed(args)
    words = args.split()
    if not words:
        raise UserError(
            "Wat wilt u melden? Schrijf bijvoorbeeld: /signaal Kapotte lantaarnpaal Dillenburgplein "
            f"#openbare-ruimte. ({USAGE})"
        )
    first = words[0].lower()
    if pii.is_decision(words):
        return pii.handle(ctx, args)
    if first == "lijst":
        return list_signalen(ctx, " ".join(words[1:]))
    if first == "export" and len(words) == 1:
        return exports.export_signalen(ctx)
    if looks_like_ref(words[0], "S") and (
        len(words) == 1 or words[1].lower() in SUBCOMMANDS or words[0].upper().startswith("S")
    ):
        sig = _get(ctx, parse_ref(words[0], "S"))
        if len(words) == 1:
            return show(ctx, sig)
        sub, rest = words[1].lower(), " ".join(words[2:])
        if sub == "actie":
            return make_actie(ctx, sig, rest, confirmed=confirmed, args=args)
        if sub == "sluit":
            return close(ctx, sig, rest)
        if sub == "oppakken":
            return pick_up(ctx, sig, rest)
        if sub == "heropen":
            return reopen(ctx, sig)
        raise UserError(f"Wat wilt u met {ref_s(sig.id)} doen? Kies uit: actie, sluit, oppakken, heropen.")
    return record(ctx, args, confirmed=confirmed)


def _get(ctx: Context, sig_id: int) -> Signaal:
    sig = ctx.session.get(Signaal, sig_id)
    if sig is None:
        raise UserError(f"Signaal S-{sig_id} bestaat niet; zie /signaal lijst.")
    readable_group(ctx, f"S-{sig_id}", sig.group_id)
    return sig


def _editable(ctx: Context, sig: Signaal) -> Group:
    return editable_group(ctx, f"S-{sig.id}", sig.group_id)


def record(ctx: Context, args: str, *, confirmed: bool = False) -> list[Reply]:
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    text, category = take_category(args)
    text = check_text(text, "tekst van het signaal")
    if not confirmed and (question := pii.check(ctx, "signaal", args, text)):
        return question  # personal data: nothing is stored until the person confirms
    sig = items.record_signaal(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        category=category or "overig",
        reported_by_id=ctx.person.id,
        now=ctx.now,
    )
    return [
        Reply(
            f"Signaal {ref_s(sig.id)} vastgelegd voor {group.name}: {text} [{sig.category}]",
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
    rest, category = take_category(args)
    mode = rest.strip().lower() or "open"
    if mode not in ("open", "alle"):
        raise UserError("Schrijf /signaal lijst, /signaal lijst alle of /signaal lijst open #jeugd.")
    stmt = select(Signaal).where(Signaal.group_id == group.id)
    if mode == "open":
        stmt = stmt.where(Signaal.status != SignaalStatus.gesloten)
    if category:
        stmt = stmt.where(Signaal.category == category)
    rows = ctx.session.exec(stmt.order_by(col(Signaal.id))).all()
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
    if sig.status == SignaalStatus.gesloten:
        raise UserError(f"{ref_s(sig.id)} is gesloten; heropen het eerst met /signaal {ref_s(sig.id)} heropen.")
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
    if sig.status == SignaalStatus.gesloten:
        raise UserError(f"{ref_s(sig.id)} is al gesloten.")
    items.set_signaal_status(ctx.session, sig, SignaalStatus.gesloten, actor_id=ctx.person.id, now=ctx.now, detail=note)
    extra = f" Toelichting: {note}" if note else ""
    if tell_ambassador(ctx, sig, SignaalStatus.gesloten, note):
        extra += " De wijkambassadeur krijgt hiervan bericht" + (", met uw toelichting." if note else ".")
    return [Reply(f"Signaal {ref_s(sig.id)} gesloten.{extra}", ref=ref_s(sig.id))]


def pick_up(ctx: Context, sig: Signaal, note: str) -> list[Reply]:
    _editable(ctx, sig)
    if sig.status != SignaalStatus.open:
        raise UserError(f"{ref_s(sig.id)} is niet meer open maar {label('signaal', sig.status)}.")
    note = check_text(note, "toelichting") if note.strip() else ""
    items.set_signaal_status(
        ctx.session, sig, SignaalStatus.in_behandeling, actor_id=ctx.person.id, now=ctx.now, detail=note
    )
    told = tell_ambassador(ctx, sig, SignaalStatus.in_behandeling)
    extra = " De wijkambassadeur krijgt hiervan bericht." if told else ""
    return [Reply(f"Signaal {ref_s(sig.id)} is in behandeling.{extra}", ref=ref_s(sig.id))]


def reopen(ctx: Context, sig: Signaal) -> list[Reply]:
    _editable(ctx, sig)
    if sig.status != SignaalStatus.gesloten:
        raise UserError(f"{ref_s(sig.id)} is niet gesloten.")
    items.set_signaal_status(ctx.session, sig, SignaalStatus.open, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Signaal {ref_s(sig.id)} is heropend.", ref=ref_s(sig.id))]
