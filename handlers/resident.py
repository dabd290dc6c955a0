"""The wijkambassadeur's side (on Telegram), transport-free: link with a code, report, follow up, leave.

Residents are not partners: they never see the team's internal discussion, and we keep only what
the job needs (AVG): their Telegram id and the first name Telegram gives, nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from handlers import initiatief, pii
from handlers.base import Context, UserError
from handlers.dates import MONTH_ABBR
from handlers.format import ref_s
from storage import identity, items
from storage.config import OrgConfig
from storage.erase import erase_person
from storage.initiatieven import euro
from storage.models import (
    Group,
    Invitation,
    Membership,
    Person,
    PersonKind,
    Signaal,
    SignaalStatus,
)

# how a status reads for a resident (the team's words are in handlers.format)
STATUS_FOR_RESIDENT = {
    SignaalStatus.open: "ontvangen, nog niet opgepakt",
    SignaalStatus.in_behandeling: "opgepakt door het team",
    SignaalStatus.actie: "het team is ermee aan de slag",
    SignaalStatus.gesloten: "afgehandeld",
    SignaalStatus.ingetrokken: "ingetrokken (per vergissing vastgelegd)",
}
MAX_FIRST_NAME = 64
MAX_LOCATION = 200


@dataclass(frozen=True)
class Triage:
    """One kind of residents' input (seed 004, bijlage 3, fase 2) and where it goes."""

    key: str
    label: str  # what the resident taps
    category: str | None  # the signaal category; None: not a signaal
    route: str | None = None  # not for the team: "meldingen", "klachten" or "buurtbemiddeling" (the config's URL)
    kind: str | None = None  # a verzoek, beleidswens or initiatief (I-<n>), not a signaal


TRIAGE: tuple[Triage, ...] = (
    Triage("openbare-ruimte", "Iets kapot of vies op straat (openbare ruimte)", None, route="meldingen"),
    Triage("klacht", "Een klacht over de gemeente", None, route="klachten"),
    Triage("burenoverlast", "Ruzie of overlast met de buren", None, route="buurtbemiddeling"),
    Triage("overlast", "Overlast of onveiligheid in de buurt", "overlast"),
    Triage("woonomgeving", "Iets over wonen en leefbaarheid in de buurt", "woonomgeving"),
    Triage("vraag", "Een vraag", "overig"),
    Triage("verzoek", "Een verzoek aan de gemeente (iets eenvoudigs)", None, kind="verzoek"),
    Triage("beleidswens", "Een groter idee dat de gemeente moet oppakken", None, kind="beleidswens"),
    Triage("initiatief", "Een eigen initiatief: bewoners doen het zelf", None, kind="initiatief"),
)
TRIAGE_BY_KEY = {t.key: t for t in TRIAGE}

HOW_TO_BECOME = (
    "Wilt u wijkambassadeur worden? Vraag dan de wijkregisseur van uw wijk om een uitnodiging. "
    "U krijgt een link; als u die opent en op Start tikt, bent u gekoppeld. "
    "Er is niets over u opgeslagen."
)
HELP = (
    "Zo werkt wijkbot voor wijkambassadeurs:\n"
    "/signaal - meld iets over uw wijk aan het team van uw wijk, of dien een verzoek of eigen initiatief in "
    "(stap voor stap)\n"
    "/mijnsignalen - uw meldingen, verzoeken en initiatieven en hoe het ermee staat\n"
    "/annuleer - stop met een melding die u aan het maken bent\n"
    "/stop - meld u af als wijkambassadeur; uw naam en Telegram-gegevens worden gewist\n"
    "/help - deze uitleg"
)


def hash_code(code: str) -> str:
    """The stored form of an invitation code: only its SHA-256, never the code itself."""
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def day(dt: datetime, config: OrgConfig) -> str:
    local = dt.astimezone(config.tz)
    return f"{local.day} {MONTH_ABBR[local.month - 1]} {local.year}"


def _excerpt(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


# --- who is this? ------------------------------------------------------------------------------


def ambassador_group(session: Session, person: Person) -> Group | None:
    """The team a wijkambassadeur reports to."""
    return session.exec(
        select(Group)
        .join(Membership, col(Membership.group_id) == col(Group.id))
        .where(Membership.person_id == person.id, Membership.role == "ambassadeur")
        .order_by(col(Group.id))
        .limit(1)
    ).first()


def ambassador_context(
    session: Session, config: OrgConfig, *, transport: str, address: str, now: datetime
) -> Context | None:
    """The linked wijkambassadeur behind an address on a transport, in their team; None when not linked."""
    person = _person_at(session, transport, address)
    if person is None or person.kind != PersonKind.ambassadeur:
        return None
    group = ambassador_group(session, person)
    if group is None:
        return None
    return Context(
        session=session,
        person=person,
        group=group,
        now=now,
        config=config,
        transport=transport,
        channel=f"@{person.key}",
    )


def _person_at(session: Session, transport: str, address: str) -> Person | None:
    """Who is at this address: the one place the resident side asks the identity seam."""
    return identity.person_at(session, transport, address)


def _bind(session: Session, person: Person, transport: str, address: str, *, now: datetime) -> None:
    """Bind a new wijkambassadeur to the address they linked from (identity seam); AddressTaken: UserError."""
    try:
        identity.bind(session, person, transport, address, how="uitnodiging", actor_id=person.id, now=now)
    except identity.AddressTaken as exc:
        raise UserError(str(exc)) from exc


# --- /start <code> -----------------------------------------------------------------------------


def link(
    session: Session,
    config: OrgConfig,
    *,
    code: str,
    transport: str,
    address: str,
    first_name: str,
    now: datetime,
) -> str:
    """`/start <code>`: link this address to the inviting team; stores nothing without a valid code.

    A taken address raises UserError (the caller rolls back)."""
    ctx = ambassador_context(session, config, transport=transport, address=address, now=now)
    code = code.strip()
    if ctx is not None:
        assert ctx.group is not None
        return (
            f"Welkom terug, {ctx.person.name}! U bent wijkambassadeur voor {ctx.group.name}. "
            "Met /signaal meldt u iets over uw wijk; /help laat alles zien."
        )
    if not code:
        return "Welkom bij wijkbot, de directe lijn van wijkambassadeurs met het team van hun wijk. " + HOW_TO_BECOME
    invitation = session.exec(select(Invitation).where(Invitation.code_hash == hash_code(code))).first()
    if invitation is None:
        return "Deze uitnodigingscode ken ik niet. " + HOW_TO_BECOME
    if invitation.used_at is not None:
        return "Deze uitnodiging is al gebruikt; een uitnodiging werkt maar één keer. " + HOW_TO_BECOME
    if invitation.expires_at <= now:
        return "Deze uitnodiging is verlopen; een uitnodiging is 14 dagen geldig. " + HOW_TO_BECOME
    group = session.get(Group, invitation.group_id)
    assert group is not None
    assert group.id is not None
    name = " ".join(first_name.split())[:MAX_FIRST_NAME] or "Wijkambassadeur"
    person = Person(
        key=f"amb-new-{secrets.token_hex(8)}",  # the real key needs the id
        name=name,
        kind=PersonKind.ambassadeur,
        created_at=now,
    )
    session.add(person)
    session.flush()
    person.key = f"amb-{person.id}"
    session.add(person)
    _bind(session, person, transport, address, now=now)
    session.add(Membership(group_id=group.id, person_id=person.id or 0, role="ambassadeur"))
    invitation.used_at = now
    invitation.used_by_id = person.id
    session.add(invitation)
    session.flush()
    items.log_change(
        session,
        item_type="ambassadeur",
        item_id=person.id or 0,
        action="gekoppeld",
        actor_id=person.id,
        now=now,
        detail=group.key,
    )
    ctx = Context(session=session, person=person, group=group, now=now, config=config, transport=transport)
    ctx.post_to_channel(group.channel, f"{name} (@{person.key}) is nu wijkambassadeur van {group.name}.")
    return (
        f"Welkom, {name}! U bent nu wijkambassadeur voor {group.name}. "
        "Ziet of hoort u iets in de wijk? Stuur /signaal en ik help u het te melden. "
        "Met /mijnsignalen ziet u hoe het ermee staat, en /help laat alles zien."
    )


# --- /signaal ----------------------------------------------------------------------------------


def public_space_answer(config: OrgConfig) -> str:
    """The kind answer to a complaint about public space: it belongs in the municipality's channel."""
    return (
        "Dank u wel dat u dit wilt melden! Iets wat kapot of vies is op straat (zoals een lantaarnpaal, "
        "zwerfvuil of een losse stoeptegel) kunt u het snelst melden bij de gemeente: "
        f"{config.meldingen_url} . Dan komt het direct bij de mensen die het oplossen. "
        "Ik heb deze melding daarom niet doorgestuurd naar het team van uw wijk."
    )


def redirect_answer(config: OrgConfig, triage: Triage) -> str:
    """Where input goes that is not for the team (seed 004, bijlage 3, fase 2): nothing of it is stored."""
    if triage.route == "klachten":
        return (
            "Dank u wel dat u het laat weten. Een klacht over de gemeente (hoe u bent behandeld, of over een "
            f"besluit) behandelt de klachtencoördinator van de gemeente: {config.klachten_url} . "
            "Ik heb uw bericht daarom niet doorgestuurd naar het team van uw wijk."
        )
    if triage.route == "buurtbemiddeling":
        return (
            "Wat vervelend dat u last heeft van uw buren. Bij ruzie of overlast tussen buren helpt buurtbemiddeling "
            f"u samen met uw buren een oplossing te vinden: {config.buurtbemiddeling_url} . "
            "Ik heb uw bericht daarom niet doorgestuurd naar het team van uw wijk."
        )
    return public_space_answer(config)


ROUTE_WORDS = {
    "meldingen": "een klacht over de openbare ruimte (doorverwezen naar de meldingenpagina)",
    "klachten": "een klacht over de gemeente (doorverwezen naar de klachtencoördinator)",
    "buurtbemiddeling": "burenoverlast (doorverwezen naar buurtbemiddeling)",
}


def tell_chair_redirected(ctx: Context, triage: Triage) -> None:
    """The wijkregisseur is always told of a resident's input, also when it went elsewhere; never its text."""
    group = ctx.group
    if group is None or group.chair_id is None or triage.route is None:
        return
    chair = ctx.session.get(Person, group.chair_id)
    if chair is None or not chair.active:
        return
    ctx.post_to_person(
        chair,
        f"Een wijkambassadeur van {group.name} (@{ctx.person.key}) meldde {ROUTE_WORDS[triage.route]}. "
        "De inhoud is niet opgeslagen en niet naar het team gestuurd.",
    )


def location_text(latitude: float, longitude: float) -> str:
    return f"{latitude:.5f}, {longitude:.5f}"


def map_link(location: str) -> str | None:
    """An OpenStreetMap link for a `lat, lon` location; None for an address typed as text."""
    parts = [p.strip() for p in location.split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=18/{lat:.5f}/{lon:.5f}"


def summary(draft: dict[str, Any]) -> str:
    """What the resident is about to send, for the last check."""
    triage = TRIAGE_BY_KEY.get(str(draft.get("triage")))
    lines = [
        "Klopt dit?",
        f"Wat: {draft.get('text', '')}",
        f"Soort: {triage.label if triage else 'onbekend'}",
        *_amount_line(draft, triage),
        f"Foto: {'ja' if draft.get('photo') else 'geen'}",
        f"Waar: {draft.get('location') or 'niet opgegeven'}",
    ]
    return "\n".join(lines)


def _amount_line(draft: dict[str, Any], triage: Triage | None) -> list[str]:
    """For an initiative: the amount asked, as read from the text (`€800`)."""
    if triage is None or triage.kind is None:
        return []
    try:
        cents = initiatief.take_amount(str(draft.get("text", "")))[1]
    except UserError:
        cents = None
    return [f"Gevraagd bedrag: {euro(cents)}" if cents else "Gevraagd bedrag: geen (noem het als €800)"]


def pii_warning(draft: dict[str, Any]) -> str | None:
    """A gentle word at the last check when the text seems to hold personal data (handlers.pii)."""
    kinds = pii.detect(str(draft.get("text", "")))
    if not kinds:
        return None
    return (
        f"Uw bericht lijkt persoonsgegevens te bevatten ({pii.describe(kinds)}). Wilt u het zo versturen? "
        "Het team heeft meestal genoeg aan wat er gebeurt en waar; met Aanpassen schrijft u uw bericht opnieuw."
    )


def report(ctx: Context, draft: dict[str, Any]) -> tuple[str, Signaal | None]:
    """Record a wijkambassadeur's signaal for their team and post it in the team's channel."""
    group = ctx.require_group()
    triage = TRIAGE_BY_KEY.get(str(draft.get("triage")))
    text = " ".join(str(draft.get("text", "")).split())
    if triage is None or not text:
        return "Er ontbreekt iets aan uw melding; begin opnieuw met /signaal.", None
    if triage.route is not None:
        tell_chair_redirected(ctx, triage)
        return redirect_answer(ctx.config, triage), None
    if triage.kind is not None:
        return initiatief.submit_from_resident(ctx, draft, triage.kind)[0], None
    assert triage.category is not None
    location = " ".join(str(draft.get("location") or "").split())[:MAX_LOCATION] or None
    photo = str(draft["photo"]) if draft.get("photo") else None
    sig = items.record_signaal(
        ctx.session,
        group_id=group.id or 0,
        text=text,
        category=triage.category if triage.category in ctx.config.categories else ctx.config.default_category,
        reported_by_id=ctx.person.id,
        now=ctx.now,
        source="ambassadeur",
        location=location,
        photo_ref=f"{ctx.transport}:{photo}" if photo else None,
    )
    sig.triage = triage.key
    ctx.session.add(sig)
    ref = ref_s(sig.id)
    lines = [
        f"Nieuw signaal {ref} van een wijkambassadeur ({ctx.person.name}, @{ctx.person.key}): {text}",
        f"Soort: {triage.label.lower()} [{sig.category}]",
    ]
    if location:
        link_ = map_link(location)
        lines.append(f"Locatie: {location}" + (f" ({link_})" if link_ else ""))
    if photo:
        lines.append("Foto: meegestuurd via Telegram (bewaard bij het signaal).")
    lines.append(f"Pak het op met /signaal {ref} oppakken; de wijkambassadeur krijgt dan bericht.")
    ctx.post_to_channel(
        group.channel,
        "\n".join(lines),
        buttons=[
            {"label": "Maak actie", "action": "signaal_actie", "value": ref},
            {"label": "Sluit", "action": "signaal_sluit", "value": ref},
        ],
        source="ambassadeur",
        location=location,
        photo_ref=sig.photo_ref,
    )
    return (
        f"Dank u wel! Uw melding is doorgegeven aan {group.name} als {ref}. "
        "U krijgt hier bericht zodra het team ermee aan de slag gaat. "
        "Met /mijnsignalen ziet u hoe het ermee staat.",
        sig,
    )


# --- /mijnsignalen -----------------------------------------------------------------------------


def my_signalen(ctx: Context) -> str:
    """The wijkambassadeur's own signalen with their status (never the team's internal notes)."""
    rows = ctx.session.exec(
        select(Signaal).where(Signaal.reported_by_id == ctx.person.id).order_by(col(Signaal.id))
    ).all()
    theirs = initiatief.my_items(ctx)
    if not rows and not theirs:
        return "U heeft nog niets gemeld. Met /signaal meldt u iets over uw wijk."
    if not rows:
        return "Uw verzoeken en initiatieven:\n" + "\n".join(theirs)
    lines = [f"Uw meldingen ({len(rows)}):"]
    for sig in rows[-20:]:
        status = STATUS_FOR_RESIDENT.get(SignaalStatus(sig.status), sig.status)
        line = f"• {ref_s(sig.id)} {_excerpt(sig.text)} ({day(sig.created_at, ctx.config)}): {status}"
        if sig.status == SignaalStatus.gesloten and sig.closing_note:
            line += f". Het team schreef: {sig.closing_note}"
        lines.append(line)
    if len(rows) > 20:
        lines.insert(1, f"(de laatste 20 van {len(rows)})")
    if theirs:
        lines += ["Uw verzoeken en initiatieven:", *theirs]
    return "\n".join(lines)


# --- back to the ambassador --------------------------------------------------------------------


def tell_ambassador(ctx: Context, sig: Signaal, status: SignaalStatus, text: str = "") -> bool:
    """Queue a short Dutch status message for the wijkambassadeur who reported `sig`.

    `text` is the team's reply to the resident (the closing toelichting) and is passed on as is;
    never pass internal notes such as actiepunt texts or owners. Returns True when queued.
    """
    if sig.source != "ambassadeur" or sig.reported_by_id is None:
        return False
    person = ctx.session.get(Person, sig.reported_by_id)
    if person is None or person.kind != PersonKind.ambassadeur or not person.active:
        return False  # the ambassador has left; their data is gone
    ref, what = ref_s(sig.id), _excerpt(sig.text)
    group = ctx.session.get(Group, sig.group_id)
    team = f"het {group.kind_label.lower()}" if group is not None else "het team"
    if status == SignaalStatus.in_behandeling:
        message = f"Uw melding {ref} (“{what}”) is opgepakt door {team}. U hoort het als er nieuws is."
    elif status == SignaalStatus.actie:
        message = (
            f"{team[0].upper()}{team[1:]} gaat aan de slag met uw melding {ref} (“{what}”): "
            "er is een actie voor afgesproken. U hoort het als er nieuws is."
        )
    elif status == SignaalStatus.gesloten:
        message = f"Uw melding {ref} (“{what}”) is afgehandeld door {team}."
        if text.strip():
            message += f" Het team schrijft: {text.strip()}"
        message += " Dank u wel voor het melden!"
    elif status == SignaalStatus.open:
        message = f"Uw melding {ref} (“{what}”) staat weer open bij {team}."
    else:
        return False
    ctx.post_to_person(person, message)
    return True


# --- /stop and removal -------------------------------------------------------------------------


def ambassador_groups(session: Session, person: Person) -> list[Group]:
    """The teams a wijkambassadeur belongs to."""
    return list(
        session.exec(
            select(Group)
            .join(Membership, col(Membership.group_id) == col(Group.id))
            .where(Membership.person_id == person.id, Membership.role == "ambassadeur")
            .order_by(col(Group.id))
        ).all()
    )


def leave(ctx: Context) -> str:
    """`/stop`: the wijkambassadeur unlinks; name and Telegram id are erased, signalen stay anonymous."""
    groups = ambassador_groups(ctx.session, ctx.person)
    erase_person(ctx.session, ctx.person, now=ctx.now, actor_id=ctx.person.id)
    for g in groups:
        ctx.post_to_channel(g.channel, f"Een wijkambassadeur van {g.name} (@{ctx.person.key}) heeft zich afgemeld.")
    return (
        "U bent afgemeld als wijkambassadeur. Uw naam en Telegram-gegevens zijn gewist; "
        "uw eerdere meldingen blijven zonder naam bij het team. Dank u wel voor uw inzet voor de wijk!"
    )
