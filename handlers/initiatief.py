"""/initiatief, /verzoek and /budget: residents' requests, beleidswensen and initiatives (`I-<n>`).

The process is seed 004, bijlage 3: triage, an oriënterend gesprek with a checklist, a
principebesluit with the rung of government participation, the worked-out plan, the definitief
besluit (with a grant from the wijkbudget), uitvoering, evaluatie. A verzoek is short (aangemeld →
in behandeling → afgerond); a beleidswens goes to the jaarplan. The toelichting of a phase is the
PUBLIC note for the initiatiefnemer; `/initiatief I-4 notitie` is internal and never leaves the team.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from handlers import pii
from handlers.base import Context, Reply, UserError
from handlers.format import history_lines, plural, ref_j
from handlers.parsing import check_text, resolve_person, take_area
from handlers.permissions import may, require
from storage import identity, org
from storage import initiatieven as store
from storage import jaarplan as plans
from storage.config import OrgConfig, area_key, wijk_key
from storage.initiatieven import CHECKLIST, FINAL, GRANT_PHASES, RUNGS, Budget, euro
from storage.items import TransitionError, history
from storage.models import (
    Group,
    Initiatief,
    InitiatiefFase,
    InitiatiefKind,
    Person,
    PersonKind,
    Wijziging,
)

F, K = InitiatiefFase, InitiatiefKind
MAX_CENTS = 100_000_000  # one million euro: more is a typing error
# `€ 800`, `€1.500`, `€ 1.500,50`, `800 euro`, `EUR 800`, optionally after the word `bedrag`
_AMOUNT = re.compile(
    r"(?<!\w)(?:bedrag\s+)?(?:(?:€|eur\b|euro\b)\s*(?P<a>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<ac>\d{1,2}|-))?"
    r"|(?P<b>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<bc>\d{1,2}|-))?\s*(?:€|euro\b|eur\b))",
    re.IGNORECASE,
)
KIND_WORDS = {
    K.verzoek: "verzoek",
    K.beleidswens: "beleidswens",
    K.initiatief: "initiatief",
}
# how a phase reads for the team
PHASE_LABELS = {
    F.aangemeld: "aangemeld",
    F.gesprek: "oriënterend gesprek",
    F.principebesluit: "principebesluit",
    F.plan: "uitgewerkt plan",
    F.besluit: "definitief besluit",
    F.uitvoering: "uitvoering",
    F.evaluatie: "evaluatie en verantwoording",
    F.afgerond: "afgerond",
    F.afgewezen: "afgewezen",
    F.in_behandeling: "in behandeling",
    F.jaarplan: "naar het jaarplan",
}
# how a phase reads for the initiatiefnemer
FOR_RESIDENT = {
    F.aangemeld: "ontvangen; er wordt een contactpersoon voor gezocht",
    F.gesprek: "in de oriënterende fase: uw contactpersoon bespreekt uw plan met u",
    F.principebesluit: "er is een principebesluit: de gemeente wil meewerken; werk uw plan nu uit, met een begroting "
    "en een planning",
    F.plan: "uw uitgewerkte plan is binnen en wordt beoordeeld",
    F.besluit: "er is een definitief besluit over de ondersteuning",
    F.uitvoering: "in uitvoering",
    F.evaluatie: "in de evaluatie: vertel hoe het ging en verantwoord de bijdrage",
    F.afgerond: "afgerond",
    F.afgewezen: "de gemeente werkt er niet aan mee",
    F.in_behandeling: "in behandeling",
    F.jaarplan: "opgenomen in de {plan} van de wijk",
}
# the words a user may write for a phase
PHASE_WORDS = {
    "gesprek": F.gesprek, "orienterend": F.gesprek, "oriënterend": F.gesprek, "orientatie": F.gesprek,
    "principebesluit": F.principebesluit, "principe": F.principebesluit,
    "plan": F.plan, "besluit": F.besluit, "definitief": F.besluit, "definitief-besluit": F.besluit,
    "uitvoering": F.uitvoering, "evaluatie": F.evaluatie, "afgerond": F.afgerond, "klaar": F.afgerond,
    "afgewezen": F.afgewezen, "afwijzen": F.afgewezen, "in-behandeling": F.in_behandeling,
    "behandeling": F.in_behandeling, "jaarplan": F.jaarplan,
}  # fmt: skip
SCOPE_WORDS = {"wijk": "wijk", "buurt": "buurt", "straat": "buurt", "plek": "buurt"}


def ref_i(ini_id: int | None) -> str:
    return f"I-{ini_id}"


def phase_label(ctx: Context, fase: str) -> str:
    return phase_label_words(ctx.config, fase)


def phase_label_words(config: OrgConfig, fase: str) -> str:
    """How a phase reads for the team ("oriënterend gesprek", "naar de wijkagenda")."""
    if fase == F.jaarplan:
        return f"naar de {config.jaarplan_naam}"
    return PHASE_LABELS.get(F(fase), fase) if fase in PHASE_LABELS else fase


def _excerpt(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


# --- parsing --------------------------------------------------------------------------------


def take_amount(text: str) -> tuple[str, int | None]:
    """Remove one amount (`bedrag €800`, `€ 1.500,00`, `800 euro`) from the text; cents, or None."""
    found = list(_AMOUNT.finditer(text))
    if not found:
        if re.search(r"(?<!\w)bedrag\b", text, re.IGNORECASE):
            raise UserError("Schrijf het bedrag met een euroteken, bijvoorbeeld: bedrag €800 of €1.500,00.")
        return text, None
    if len(found) > 1:
        raise UserError("Noem één bedrag (het gevraagde bedrag), bijvoorbeeld: bedrag €800.")
    m = found[0]
    whole = (m["a"] or m["b"]).replace(".", "")
    frac = m["ac"] if m["a"] else m["bc"]
    cents = int(whole) * 100 + (int(frac.ljust(2, "0")) if frac and frac != "-" else 0)
    if cents <= 0:
        raise UserError("Het bedrag moet meer dan € 0 zijn; schrijf bijvoorbeeld bedrag €800.")
    if cents > MAX_CENTS:
        raise UserError(f"{euro(cents)} is meer dan een wijkbudget; controleer het bedrag.")
    rest = " ".join((text[: m.start()] + " " + text[m.end() :]).split())
    return rest, cents


def parse_amount(text: str) -> int:
    """A whole argument that must be one amount (`€800`)."""
    rest, cents = take_amount(text if re.search(r"€|euro|eur", text, re.IGNORECASE) else f"€{text.strip()}")
    if cents is None or rest.strip():
        raise UserError("Schrijf het bedrag zo: €800 of €1.500,00.")
    return cents


def wijk_for(group: Group, area: str | None) -> str:
    """The wijk whose budget pays: an area that is itself one of the group's wijken, else the group's first wijk."""
    wijken = group.wijk_list
    if area is not None:
        for w in wijken:
            if wijk_key(w) == wijk_key(area) or area_key(w) == area_key(area):
                return w
    return wijken[0] if wijken else group.name


def _is_wijk(group: Group, area: str) -> bool:
    """An area that is itself one of the group's wijken (Hoogvonderen in Donderberg + Hoogvonderen)."""
    return any(wijk_key(w) == wijk_key(area) for w in group.wijk_list)


# --- who may --------------------------------------------------------------------------------


def get(ctx: Context, ini_id: int) -> Initiatief:
    ini = ctx.session.get(Initiatief, ini_id)
    if ini is None:
        raise UserError(f"{ref_i(ini_id)} bestaat niet; zie /initiatief lijst.")
    group = ctx.session.get(Group, ini.group_id)
    assert group is not None
    if may(ctx.session, ctx.person, "item.read", group) or _is_contact(ctx, ini, group):
        return ini
    raise UserError(f"{ref_i(ini_id)} hoort bij {group.name}; u kunt alleen items van uw eigen groep bekijken.")


def _is_contact(ctx: Context, ini: Initiatief, group: Group) -> bool:
    return ini.contact_id is not None and may(
        ctx.session, ctx.person, "initiatief.contact", group, owner_id=ini.contact_id
    )


def _editable(ctx: Context, ini: Initiatief) -> Group:
    """The initiative's group when this person may change it here: a member in its channel (or a direct
    chat), or its contact person anywhere."""
    group = ctx.session.get(Group, ini.group_id)
    assert group is not None
    if _is_contact(ctx, ini, group):
        return group
    if ctx.group is not None and ctx.group.id != group.id:
        raise UserError(f"{ref_i(ini.id)} hoort bij {group.name}; wijzigen kan in #{group.channel}.")
    require(ctx.session, ctx.person, "item.edit", group)
    return group


def _open(ctx: Context, ini: Initiatief) -> Group:
    group = _editable(ctx, ini)
    if ini.fase in FINAL:
        raise UserError(f"{ref_i(ini.id)} is {phase_label(ctx, ini.fase)}; er valt niets meer aan te veranderen.")
    return group


# --- recording ------------------------------------------------------------------------------


def record(ctx: Context, args: str, *, kind: str, confirmed: bool = False, command: str | None = None) -> list[Reply]:
    """/initiatief <omschrijving> [bedrag €...] [@@buurt], /verzoek <omschrijving>"""
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.create", group)
    text, area = take_area(args, group)
    text, cents = take_amount(text)
    what = KIND_WORDS[K(kind)]
    text = check_text(text, f"omschrijving van het {what}")
    if not confirmed and (question := pii.check(ctx, "verzoek" if kind == K.verzoek else "initiatief",
                                                command or args, text)):  # fmt: skip
        return question
    ini = store.record(
        ctx.session,
        group_id=group.id or 0,
        kind=kind,
        text=text,
        wijk=wijk_for(group, area),
        now=ctx.now,
        created_by_id=ctx.person.id,
        initiator_id=ctx.person.id,
        requested_cents=cents,
        area=area,
        scope="buurt" if area and not _is_wijk(group, area) else "wijk",
    )
    _tell_chair_new(ctx, ini, group)
    money = f", gevraagd {euro(cents)}" if cents else ""
    where = f" @@{area}" if area else ""
    return [
        Reply(
            f"{what.capitalize()} {ref_i(ini.id)} vastgelegd voor {group.name}: {text}{money}{where} "
            f"({_scope_words(ini)}). Wijs een contactpersoon aan met /initiatief {ref_i(ini.id)} contact @persoon.",
            ref=ref_i(ini.id),
        )
    ]


def _scope_words(ini: Initiatief) -> str:
    return "voor een straat of plek" if ini.scope == "buurt" else "voor de hele wijk"


def _tell_chair_new(ctx: Context, ini: Initiatief, group: Group, *, via: str = "") -> None:
    """The wijkregisseur (the group's chair) hears of every new one (seed 004, bijlage 3, fase 2)."""
    if group.chair_id is None or group.chair_id == ctx.person.id:
        return
    chair = ctx.session.get(Person, group.chair_id)
    if chair is None or not chair.active:
        return
    what = KIND_WORDS[K(ini.kind)]
    money = f", gevraagd {euro(ini.requested_cents)}" if ini.requested_cents else ""
    ctx.post_to_person(
        chair,
        f"Nieuw {what} {ref_i(ini.id)} voor {group.name}{via}: {ini.text}{money} ({_scope_words(ini)}). "
        f"Wijs een contactpersoon aan met /initiatief {ref_i(ini.id)} contact @persoon; "
        f"bekijk het met /initiatief {ref_i(ini.id)}.",
        dedupe_key=f"initiatief-nieuw:{ini.id}",
    )


# --- showing --------------------------------------------------------------------------------


def line(ctx: Context, ini: Initiatief) -> str:
    money = ""
    if ini.granted_cents is not None:
        money = f", toegekend {euro(ini.granted_cents)}"
    elif ini.requested_cents:
        money = f", gevraagd {euro(ini.requested_cents)}"
    contact = f", contact @{c.key}" if ini.contact_id and (c := ctx.session.get(Person, ini.contact_id)) else ""
    src = " (wijkambassadeur)" if ini.source == "ambassadeur" else ""
    return f"{ref_i(ini.id)} [{KIND_WORDS[K(ini.kind)]}] {ini.text}{src} ({phase_label(ctx, ini.fase)}{money}{contact})"


def show(ctx: Context, ini: Initiatief) -> list[Reply]:
    """/initiatief I-4: the item with its phase, notes and history."""
    assert ini.id is not None
    group = ctx.session.get(Group, ini.group_id)
    assert group is not None
    lines = [line(ctx, ini), f"Groep: {group.name}; wijk {ini.wijk}, {_scope_words(ini)}"]
    if ini.area:
        lines.append(f"Buurt of kern: {ini.area}")
    if ini.location:
        lines.append(f"Plek: {ini.location}")
    if ini.participatie:
        lines.append(f"Overheidsparticipatie: {ini.participatie}")
    nxt = _next_sorted(ini)
    if nxt:
        lines.append("Volgende fase: " + " of ".join(phase_label(ctx, f) for f in nxt))
    if ini.fase == F.gesprek:
        lines.append("Checklist oriënterend gesprek:")
        lines += [f"  • {name}: {why}" for name, why in CHECKLIST]
    notes = store.notes(ctx.session, ini.id)
    if notes:
        lines.append("Notities (openbaar = voor de initiatiefnemer; intern = alleen het team):")
        for n in notes:
            kind = "openbaar" if n.public else "intern"
            who = ctx.session.get(Person, n.author_id) if n.author_id else None
            lines.append(f"  {kind}, {phase_label(ctx, n.fase or '')}: {n.text} ({who.name if who else 'onbekend'})")
    lines.append("Geschiedenis:")
    lines += history_lines(ctx.session, store_history(ctx, ini.id), ctx.tz)
    return [Reply("\n".join(lines), private=True, ref=ref_i(ini.id))]


def store_history(ctx: Context, ini_id: int) -> list[Wijziging]:
    return history(ctx.session, "initiatief", ini_id)


def _order(fase: str) -> int:
    return list(F).index(F(fase))


def _next_sorted(ini: Initiatief) -> list[str]:
    """The phases it may move to, afgewezen last."""
    return sorted(store.next_phases(ini), key=lambda f: (f == F.afgewezen, _order(f)))


def list_initiatieven(ctx: Context, args: str) -> list[Reply]:
    """/initiatief lijst [open|alle|mijn]; `mijn`: where you are the contact person, in every group (also here)."""
    mode = args.strip().lower() or "open"
    mode = {"all": "alle", "allemaal": "alle", "mine": "mijn"}.get(mode, mode)
    if mode == "mijn":
        mine = ctx.session.exec(
            select(Initiatief)
            .where(Initiatief.contact_id == ctx.person.id, col(Initiatief.fase).not_in(list(FINAL)))
            .order_by(col(Initiatief.id))
        ).all()
        if not mine:
            return [Reply("U bent van geen lopend verzoek of initiatief de contactpersoon.", private=True)]
        lines = [f"U bent de contactpersoon van {len(mine)}:"] + [f"• {line(ctx, i)}" for i in mine]
        return [Reply("\n".join(lines), private=True)]
    group = ctx.require_group()
    require(ctx.session, ctx.person, "item.read", group)
    if mode not in ("open", "alle"):
        raise UserError("Schrijf /initiatief lijst, /initiatief lijst alle of /initiatief lijst mijn.")
    stmt = select(Initiatief).where(Initiatief.group_id == group.id)
    if mode == "open":
        stmt = stmt.where(col(Initiatief.fase).not_in(list(FINAL)))
    rows = ctx.session.exec(stmt.order_by(col(Initiatief.id))).all()
    what = "lopende verzoeken en initiatieven" if mode == "open" else "verzoeken en initiatieven"
    if not rows:
        return [Reply(f"Geen {what} voor {group.name}.", private=True)]
    lines = [f"{len(rows)} {what} voor {group.name}:"] + [f"• {line(ctx, i)}" for i in rows[:50]]
    return [Reply("\n".join(lines), private=True)]


# --- the process ----------------------------------------------------------------------------


def phase(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 fase <fase> [toelichting]: the toelichting is sent to the initiatiefnemer."""
    group = _open(ctx, ini)
    word, _, note = rest.strip().partition(" ")
    wanted = PHASE_WORDS.get(word.lower().strip(".,:"))
    if word.lower() == ctx.config.jaarplan_naam.lower():
        wanted = F.jaarplan
    nxt = _next_sorted(ini)
    choices = " of ".join(_phase_word(ctx, f) for f in nxt)
    if wanted is None:
        raise UserError(f"Welke fase? Schrijf /initiatief {ref_i(ini.id)} fase {choices} [toelichting].")
    rung = None
    note = note.strip()
    first, _, after = note.partition(" ")
    if wanted == F.principebesluit and first.lower() in RUNGS:
        rung, note = first.lower(), after.strip()
    note = check_text(note, "toelichting") if note else ""
    if wanted == F.jaarplan and not group.jaarplan:
        raise UserError(
            f"{group.name} heeft geen {ctx.config.jaarplan_naam}; een beleidswens gaat naar de "
            f"{ctx.config.jaarplan_naam} van een groep die er een heeft."
        )
    try:
        store.set_phase(ctx.session, ini, wanted, actor_id=ctx.person.id, now=ctx.now, note=note)
    except TransitionError:
        raise UserError(
            f"{ref_i(ini.id)} staat in de fase {phase_label(ctx, ini.fase)}; de volgende is {choices} "
            f"(/initiatief {ref_i(ini.id)} fase {_phase_word(ctx, nxt[0])} [toelichting])."
        ) from None
    if rung is not None:
        store.set_field(ctx.session, ini, "participatie", rung, actor_id=ctx.person.id, now=ctx.now, participatie=rung)
    told = tell_initiator(ctx, ini, note=note)
    out = [f"{ref_i(ini.id)} is nu in de fase {phase_label(ctx, wanted)}."]
    if note:
        out.append("De toelichting is openbaar" + (": de initiatiefnemer krijgt hem." if told else "."))
    elif told:
        out.append("De initiatiefnemer krijgt hiervan bericht.")
    if wanted == F.gesprek:
        out.append("Checklist voor het oriënterend gesprek: " + ", ".join(n for n, _ in CHECKLIST) + ".")
    if wanted == F.principebesluit and ini.participatie is None:
        out.append(
            f"Leg de vorm van overheidsparticipatie vast (zo laag mogelijk op de trap): /initiatief {ref_i(ini.id)} "
            f"trede {'|'.join(RUNGS)}."
        )
    if wanted == F.besluit and ini.kind == K.initiatief and ini.granted_cents is None:
        ask = f" {euro(ini.requested_cents)}" if ini.requested_cents else " €…"
        out.append(f"Een bijdrage uit het wijkbudget: /initiatief {ref_i(ini.id)} toekennen{ask}.")
    if wanted == F.jaarplan:
        year = ctx.now.astimezone(ctx.tz).year
        item = plans.record_item(
            ctx.session,
            group_id=group.id or 0,
            year=year,
            activiteit=f"{ini.text} (beleidswens {ref_i(ini.id)})",
            trekker_id=ini.contact_id,
            partners=None,
            periode=None,
            budget_cents=ini.requested_cents,
            created_by_id=ctx.person.id,
            now=ctx.now,
        )
        out.append(
            f"Het staat nu als {ref_j(item.id)} in de {ctx.config.jaarplan_naam} {year} van {group.name} "
            f"(/jaarplan {ref_j(item.id)}); {ref_i(ini.id)} is hiermee afgesloten."
        )
    return [Reply(" ".join(out), ref=ref_i(ini.id))]


def _phase_word(ctx: Context, fase: str) -> str:
    if fase == F.jaarplan:
        return "jaarplan"
    return {F.in_behandeling: "in-behandeling"}.get(F(fase), str(fase))


def contact(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 contact @persoon: the fixed contact person (a member or guest of the group)."""
    group = _open(ctx, ini)
    name = rest.strip()
    if not name.startswith("@") or len(name.split()) != 1:
        raise UserError(f"Wie wordt de contactpersoon? Schrijf /initiatief {ref_i(ini.id)} contact @persoon.")
    person = resolve_person(ctx, name)
    if person.kind != PersonKind.partner:
        raise UserError(f"@{person.key} is geen partner; de contactpersoon is een medewerker van een partner.")
    if org.role_in(ctx.session, group.id or 0, person.id) not in (org.MEMBER, org.GUEST):
        raise UserError(
            f"@{person.key} is geen lid of gast van {group.name}; een contactpersoon van buiten het team wordt eerst "
            "gast (guests in de configuratie)."
        )
    if ini.contact_id == person.id:
        raise UserError(f"@{person.key} is al de contactpersoon van {ref_i(ini.id)}.")
    store.set_field(
        ctx.session, ini, "contactpersoon", f"@{person.key}", actor_id=ctx.person.id, now=ctx.now, contact_id=person.id
    )
    if person.id != ctx.person.id:
        ctx.post_to_person(
            person,
            f"{ctx.person.name} heeft u contactpersoon gemaakt van {KIND_WORDS[K(ini.kind)]} {ref_i(ini.id)} van "
            f"{group.name}: {ini.text}. U houdt de initiatiefnemer op de hoogte. Bekijk het met /initiatief "
            f"{ref_i(ini.id)}; een volgende fase: /initiatief {ref_i(ini.id)} fase <fase> [toelichting voor de "
            "initiatiefnemer]. Dat kan ook hier, in een direct gesprek met wijkbot.",
        )
    told = tell_initiator(ctx, ini, contact_changed=True)
    extra = " De initiatiefnemer krijgt naam en rol van de contactpersoon." if told else ""
    return [Reply(f"{person.name} (@{person.key}) is de contactpersoon van {ref_i(ini.id)}.{extra}", ref=ref_i(ini.id))]


def note(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 notitie <tekst>: an internal note, only for the team (never to the initiatiefnemer)."""
    _editable(ctx, ini)
    if not rest.strip():
        raise UserError(f"Schrijf de notitie erachter: /initiatief {ref_i(ini.id)} notitie <tekst>.")
    text = check_text(rest, "notitie")
    store.add_note(ctx.session, ini, text, public=False, author_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Interne notitie bij {ref_i(ini.id)} opgeslagen (niet zichtbaar voor de initiatiefnemer).",
                  ref=ref_i(ini.id))]  # fmt: skip


def rung(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 trede loslaten|stimuleren|faciliteren|regisseren|reguleren"""
    _open(ctx, ini)
    word = rest.strip().lower()
    if word not in RUNGS:
        raise UserError(f"Kies een trede van de participatietrap: /initiatief {ref_i(ini.id)} trede {'|'.join(RUNGS)}.")
    if ini.kind != K.initiatief or _order(ini.fase) < _order(F.gesprek):
        raise UserError(f"De trede wordt gekozen na het oriënterend gesprek van een initiatief; {ref_i(ini.id)} "
                        f"staat in de fase {phase_label(ctx, ini.fase)}.")  # fmt: skip
    store.set_field(ctx.session, ini, "participatie", word, actor_id=ctx.person.id, now=ctx.now, participatie=word)
    return [Reply(f"{ref_i(ini.id)}: overheidsparticipatie {word}.", ref=ref_i(ini.id))]


def kind(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 soort verzoek|beleidswens|initiatief: it turned out to be another kind."""
    _open(ctx, ini)
    word = rest.strip().lower()
    if word not in KIND_WORDS.values():
        raise UserError(f"Schrijf /initiatief {ref_i(ini.id)} soort verzoek, beleidswens of initiatief.")
    if word == ini.kind:
        raise UserError(f"{ref_i(ini.id)} is al een {word}.")
    if ini.fase not in (F.aangemeld, F.gesprek, F.in_behandeling):
        raise UserError(f"De soort verandert alleen tot en met het oriënterend gesprek; {ref_i(ini.id)} "
                        f"staat in de fase {phase_label(ctx, ini.fase)}.")  # fmt: skip
    store.change_kind(ctx.session, ini, word, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"{ref_i(ini.id)} is nu een {word} (fase {phase_label(ctx, ini.fase)}).", ref=ref_i(ini.id))]


def scope(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 schaal wijk|buurt [@@buurt]: for the whole wijk, or for a street or spot (the caps)."""
    group = _open(ctx, ini)
    text, area = take_area(rest, group)
    word = SCOPE_WORDS.get(text.strip().lower(), "buurt" if area and not text.strip() else "")
    if not word:
        raise UserError(f"Schrijf /initiatief {ref_i(ini.id)} schaal wijk of /initiatief {ref_i(ini.id)} schaal buurt "
                        "[@@buurt].")  # fmt: skip
    store.set_field(ctx.session, ini, "schaal", word, actor_id=ctx.person.id, now=ctx.now, scope=word,
                    area=area if word == "buurt" else None, wijk=wijk_for(group, area))  # fmt: skip
    return [Reply(f"{ref_i(ini.id)} is nu {_scope_words(ini)}.", ref=ref_i(ini.id))]


def grant(ctx: Context, ini: Initiatief, rest: str) -> list[Reply]:
    """/initiatief I-4 toekennen €800: checked against the cap for its scope and what is left."""
    _open(ctx, ini)
    cents = parse_amount(rest)
    if ini.kind == K.beleidswens:
        raise UserError(
            f"Een beleidswens wordt betaald via de {ctx.config.jaarplan_naam}, niet uit het budget voor "
            f"inwonerinitiatieven; zet {ref_i(ini.id)} in de {ctx.config.jaarplan_naam} met /initiatief "
            f"{ref_i(ini.id)} fase jaarplan."
        )
    if ini.fase not in GRANT_PHASES:
        step = "in behandeling" if ini.kind == K.verzoek else "het definitieve besluit (fase besluit)"
        raise UserError(
            f"Toekennen kan pas na een positief besluit; {ref_i(ini.id)} staat in de fase "
            f"{phase_label(ctx, ini.fase)}. Zet het eerst op {step}."
        )
    budget = store.budget_of(ctx.session, ctx.config, ini.wijk, without=ini.id)
    if budget is None:
        raise UserError(
            f"De wijk {ini.wijk} heeft geen wijkbudget in de configuratie ([budgets.{wijk_key(ini.wijk)}]); "
            "vraag de beheerder het in te stellen."
        )
    year = ctx.now.astimezone(ctx.tz).year
    if year > budget.jaar:
        raise UserError(f"Het wijkbudget {budget.jaar} van {budget.wijk} is afgesloten; wat over was, is vervallen.")
    if year < budget.jaar:
        raise UserError(f"Het wijkbudget {budget.jaar} van {budget.wijk} gaat pas in op 1 januari {budget.jaar}.")
    cite = ctx.config.cite()
    cap = budget.max_buurt if ini.scope == "buurt" else budget.max_wijk
    if cap is not None and cents > cap:
        rule = "voor een straat of plek" if ini.scope == "buurt" else "voor een initiatief voor de hele wijk"
        raise UserError(f"{euro(cents)} kan niet: maximaal {euro(cap)} {rule}{cite}. Er is niets toegekend.")
    if cents > budget.left:
        raise UserError(
            f"Overschrijding is niet mogelijk: nog {euro(max(budget.left, 0))} over in het wijkbudget "
            f"{budget.jaar} voor inwonerinitiatieven van {budget.wijk}{cite}. Er is niets toegekend."
        )
    store.grant(ctx.session, ini, cents, year=budget.jaar, actor_id=ctx.person.id, now=ctx.now)
    told = tell_initiator(ctx, ini, granted=cents)
    left = budget.left - cents
    extra = " De initiatiefnemer krijgt hiervan bericht." if told else ""
    return [
        Reply(
            f"{euro(cents)} toegekend aan {ref_i(ini.id)} uit het wijkbudget {budget.jaar} van {budget.wijk}; "
            f"nog {euro(left)} over voor inwonerinitiatieven.{extra}",
            ref=ref_i(ini.id),
        )
    ]


def triage(ctx: Context) -> list[Reply]:
    """/initiatief triage: where a resident's input goes (seed 004, bijlage 3, fase 2), for whoever receives it."""
    c = ctx.config
    lines = [
        "Triage: wat brengt de bewoner in?",
        f"• Een klacht over de openbare ruimte (kapot, vies): verwijs naar {c.meldingen_url}",
        f"• Een klacht over de gemeente: verwijs naar de klachtencoördinator, {c.klachten_url}",
        f"• Burenoverlast of ruzie met de buren: verwijs naar buurtbemiddeling, {c.buurtbemiddeling_url}",
        "• Een eenvoudig verzoek, dit jaar op te pakken: /verzoek <omschrijving>",
        f"• Een complexe beleidswens: /initiatief <omschrijving>, dan /initiatief I-12 soort beleidswens; die gaat "
        f"via de {c.jaarplan_naam}",
        "• Een initiatief dat de bewoners zelf uitvoeren: /initiatief <omschrijving> [bedrag €...] [@@buurt]",
        "De voorzitter (wijkregisseur) krijgt van elk nieuw verzoek en initiatief bericht; wijs daarna een "
        "contactpersoon aan met /initiatief I-12 contact @persoon.",
    ]
    return [Reply("\n".join(lines), private=True)]


# --- the budget -------------------------------------------------------------------------------


def budget_line(b: Budget) -> str:
    """One wijk's budget in one line (the digest and the rapportage use it too)."""
    return (
        f"Wijkbudget {b.jaar} {b.wijk}: voor inwonerinitiatieven {euro(b.initiatieven)}; toegekend "
        f"{euro(b.granted)} ({plural(b.count, 'initiatief', 'initiatieven')}), besteed {euro(b.spent)}, "
        f"over {euro(b.left)}"
    )


def budget(ctx: Context, args: str) -> list[Reply]:
    """/budget [wijk]: the wijkbudget per wijk: totaal, the share for initiatives, granted, spent, left."""
    wanted = args.strip()
    group = ctx.group
    if group is not None:
        require(ctx.session, ctx.person, "item.read", group)
    elif ctx.person.kind != PersonKind.partner:
        raise UserError("Het wijkbudget is te zien in het kanaal van uw groep.")
    if wanted:
        known = {wijk_key(w): w for w in store.all_wijken(ctx.config)}
        wijk = known.get(wijk_key(wanted))
        if wijk is None:
            raise UserError(f"{wanted} is geen wijk; kies uit " + ", ".join(known.values()) + ".")
        wijken = [wijk]
    else:
        wijken = group.wijk_list if group is not None else store.all_wijken(ctx.config)
    rows = store.budgets(ctx.session, ctx.config, wijken)
    if not rows:
        where = ", ".join(wijken) or (group.name if group else "deze organisatie")
        return [Reply(f"Er is geen wijkbudget ingesteld voor {where} ([budgets] in de configuratie).", private=True)]
    lines = []
    for b in rows:
        pct = f"{round(b.share * 100)}%"
        caps = []
        if b.max_wijk is not None:
            caps.append(f"{euro(b.max_wijk)} voor de hele wijk")
        if b.max_buurt is not None:
            caps.append(f"{euro(b.max_buurt)} voor een straat of plek")
        lines += [
            f"Wijkbudget {b.jaar} {b.wijk}: totaal {euro(b.totaal)}, voor inwonerinitiatieven {pct}: "
            f"{euro(b.initiatieven)}",
            f"• Toegekend: {euro(b.granted)} ({plural(b.count, 'initiatief', 'initiatieven')})",
            f"• Besteed: {euro(b.spent)}",
            f"• Over: {euro(b.left)}" + (" (vervalt aan het eind van het jaar)" if b.left > 0 else ""),
        ]
        if caps:
            lines.append("• Maximaal per initiatief: " + ", ".join(caps))
        granted = ctx.session.exec(
            select(Initiatief)
            .where(Initiatief.granted_year == b.jaar, col(Initiatief.granted_cents).is_not(None),
                   Initiatief.fase != F.afgewezen)
            .order_by(col(Initiatief.granted_at))
        ).all()  # fmt: skip
        for ini in granted:
            if wijk_key(ini.wijk) == b.key:
                lines.append(f"  {ref_i(ini.id)} {_excerpt(ini.text)}: {euro(ini.granted_cents or 0)}")
    return [Reply("\n".join(lines), private=True)]


def budget_lines(session: Session, config: OrgConfig, groups: list[Group]) -> list[str]:
    """Spending per wijk of these groups, one line each (for the digest and the rapportage)."""
    wijken: list[str] = []
    for g in groups:
        wijken += [w for w in g.wijk_list if w not in wijken]
    return [budget_line(b) for b in store.budgets(session, config, wijken)]


# --- the initiatiefnemer --------------------------------------------------------------------


def tell_initiator(
    ctx: Context, ini: Initiatief, *, note: str = "", granted: int | None = None, contact_changed: bool = False
) -> bool:
    """Tell the initiatiefnemer of a phase change (with the public note), a grant or the contact person.

    Only what is meant for them: never internal notes, actiepunten or who in the team said what.
    Returns True when a message was queued.
    """
    if ini.initiator_id is None or ini.initiator_id == ctx.person.id:
        return False
    person = ctx.session.get(Person, ini.initiator_id)
    if person is None or not person.active or person.erased_at is not None:
        return False
    if person.kind == PersonKind.ambassadeur and not identity.transports_of(ctx.session, person):
        return False
    what = KIND_WORDS[K(ini.kind)]
    head = f"Uw {what} {ref_i(ini.id)} (“{_excerpt(ini.text)}”)"
    if granted is not None:
        text = f"{head}: er is {euro(granted)} toegekend uit het wijkbudget."
    elif contact_changed:
        text = f"{head} heeft een vaste contactpersoon gekregen."
    else:
        state = FOR_RESIDENT.get(F(ini.fase), ini.fase).format(plan=ctx.config.jaarplan_naam)
        text = f"{head}: {state}."
        if note:
            text += f" Toelichting: {note}"
    who = ctx.session.get(Person, ini.contact_id) if ini.contact_id else None
    if who is not None and who.active:
        role = ", ".join(x for x in (who.role, who.organisation) if x)
        text += f" Uw contactpersoon is {who.name}" + (f" ({role})." if role else ".")
    ctx.post_to_person(person, text)
    return True


def submit_from_resident(ctx: Context, draft: dict[str, object], kind: str) -> tuple[str, Initiatief | None]:
    """A wijkambassadeur's verzoek, beleidswens or initiatief from the Telegram triage."""
    group = ctx.require_group()
    raw = " ".join(str(draft.get("text", "")).split())
    try:
        text, cents = take_amount(raw)
    except UserError:
        text, cents = raw, None
    text = text or raw
    if not text:
        return "Er ontbreekt iets aan uw melding; begin opnieuw met /signaal.", None
    location = " ".join(str(draft.get("location") or "").split())[:200] or None
    ini = store.record(
        ctx.session,
        group_id=group.id or 0,
        kind=kind,
        text=text,
        wijk=wijk_for(group, None),
        now=ctx.now,
        created_by_id=ctx.person.id,
        initiator_id=ctx.person.id,
        requested_cents=cents,
        scope="buurt" if location else "wijk",  # a resident who names a place means a street or spot
        location=location,
        source="ambassadeur",
    )
    what = KIND_WORDS[K(kind)]
    money = f", gevraagd {euro(cents)}" if cents else ""
    place = f"\nPlek: {location}" if location else ""
    ref = ref_i(ini.id)
    ctx.post_to_channel(
        group.channel,
        f"Nieuw {what} {ref} van een wijkambassadeur ({ctx.person.name}, @{ctx.person.key}): {text}{money}{place}\n"
        f"Wijs een contactpersoon aan met /initiatief {ref} contact @persoon; de wijkambassadeur hoort elke fase.",
        source="ambassadeur",
    )
    _tell_chair_new(ctx, ini, group, via=" van een wijkambassadeur")
    return (
        f"Dank u wel! Uw {what} is doorgegeven aan {group.name} als {ref}{money}. "
        "U krijgt hier bericht bij elke stap, met de naam van uw contactpersoon. "
        "Met /mijnsignalen ziet u hoe het ermee staat.",
        ini,
    )


def my_items(ctx: Context) -> list[str]:
    """The lines of /mijnsignalen for a resident's own verzoeken and initiatieven: phase, public notes only."""
    rows = ctx.session.exec(
        select(Initiatief).where(Initiatief.initiator_id == ctx.person.id).order_by(col(Initiatief.id))
    ).all()
    out = []
    for ini in rows[-20:]:
        state = FOR_RESIDENT.get(F(ini.fase), ini.fase).format(plan=ctx.config.jaarplan_naam)
        money = f"; toegekend {euro(ini.granted_cents)}" if ini.granted_cents is not None else ""
        out.append(f"• {ref_i(ini.id)} {KIND_WORDS[K(ini.kind)]} {_excerpt(ini.text)}: {state}{money}")
        public = store.notes(ctx.session, ini.id or 0, public=True)
        if public:
            out.append(f"  Laatste toelichting: {public[-1].text}")
    return out


def overdue(session: Session, *, now: datetime, weeks: int) -> list[Initiatief]:
    """Initiatives not closed whose phase has not moved for `weeks` weeks (oldest first)."""
    return list(
        session.exec(
            select(Initiatief)
            .where(col(Initiatief.fase).not_in(list(FINAL)), Initiatief.fase_since < now - timedelta(weeks=weeks))
            .order_by(col(Initiatief.fase_since), col(Initiatief.id))
        ).all()
    )
