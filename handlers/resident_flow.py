"""The wijkambassadeur's conversation, transport-free: a state machine behind the neutral port.

Every adapter (Telegram, the console, a test) turns what a resident does in a private chat into an
`Event` (a command, typed text, a tap on a `Button`, a photo, a location, something else) and
calls `handle`. One transaction per event: who is at that address (the identity seam), the draft
of their half-told signaal (storage/drafts.py), one `step`, the draft written back. The replies are
`Reply` values (text and buttons) the adapter renders; messages to the team leave through the
outbox, in the same transaction.

    step(draft, event, ctx) -> (draft, replies)

The conversation of /signaal: wat (the text) → soort (the triage, a tap) → foto (a photo or
"Geen foto") → waar (a location, a typed place or "Sla over") → bevestig (Versturen, Annuleren;
or, when the text seems to hold personal data, Toch versturen and Aanpassen, which goes back to
the text). /signaal halfway starts afresh, /annuleer stops, and a draft left alone for
STALE_AFTER has ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers import inbox, resident
from handlers.base import MAX_TEXT, Button, Context, Reply, Ticket, UserError
from storage import drafts
from storage.config import OrgConfig
from storage.db import transaction

log = logging.getLogger(__name__)

FLOW = "signaal"
WHAT, KIND, PHOTO, WHERE, CONFIRM = "wat", "soort", "foto", "waar", "bevestig"
STALE_AFTER = drafts.STALE_AFTER

ASK_WHAT = "Wat wilt u melden? Beschrijf in een paar zinnen wat er aan de hand is. (Stoppen kan altijd met /annuleer.)"
ASK_KIND = "Wat voor melding is het? Tik op wat het best past."
ASK_PHOTO = "Heeft u een foto? Stuur die nu, of tik op 'Geen foto'."
ASK_WHERE = "Waar is het? Stuur een locatie (via 📎 → Locatie), typ een adres of plek, of tik op 'Sla over'."
ASK_REWRITE = (
    "Schrijf uw bericht opnieuw, zonder namen, telefoonnummers of adressen van anderen. (Stoppen kan met /annuleer.)"
)
REMIND_WHAT = "Beschrijf eerst in een paar woorden wat er aan de hand is; een foto kan daarna."
REMIND_KIND = "Tik op een van de knoppen: " + ASK_KIND
NOT_A_PHOTO = "Dat is geen foto. " + ASK_PHOTO
PHOTO_TAKEN = "Dank u, de foto is erbij. " + ASK_WHERE
REMIND_CONFIRM = "Tik op Versturen om uw melding door te geven, of op Annuleren."
REMIND_PII = "Tik op Toch versturen om uw melding door te geven, of op Aanpassen."
NOT_LINKED = "U bent (nog) geen wijkambassadeur, dus u kunt hier nog niets melden. " + resident.HOW_TO_BECOME
GONE_QUIET = (
    "Uw melding is gestopt omdat het 30 minuten stil bleef; er is niets doorgegeven. "
    "Begin opnieuw met /signaal wanneer het u uitkomt."
)
CANCELLED = "Gestopt; er is niets doorgegeven. Met /signaal begint u opnieuw."
TOO_LONG = f"Dat is wat lang; kunt u het in minder dan {MAX_TEXT} tekens vertellen?"
NOTHING_TO_CANCEL = "Er is niets om te annuleren. Met /signaal meldt u iets over uw wijk."
STALE_BUTTON = "Die melding is al afgerond of gestopt. Met /signaal begint u een nieuwe."
ANYTHING_ELSE = "Wilt u iets melden? Stuur /signaal. Met /help ziet u wat ik nog meer kan."
NOT_AN_AMBASSADOR = "U bent geen wijkambassadeur; er is niets over u opgeslagen."
FAILED = "Er ging iets mis aan mijn kant; er is niets doorgegeven. Probeer het zo opnieuw."

KIND_BUTTONS = tuple(Button(t.label, "soort", t.key) for t in resident.TRIAGE)
PHOTO_BUTTONS = (Button("Geen foto", "foto", "geen"),)
WHERE_BUTTONS = (Button("Sla over", "plek", "geen"),)
CONFIRM_BUTTONS = (Button("Versturen", "bevestig", "ja"), Button("Annuleren", "bevestig", "nee"))
PII_BUTTONS = (Button("Toch versturen", "bevestig", "ja"), Button("Aanpassen", "bevestig", "aanpassen"))


# --- the neutral events ----------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """`/name args`: the adapter strips the slash (and a bot name after @)."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Text:
    """Typed text that is not a command."""

    text: str


@dataclass(frozen=True)
class Tap:
    """A tap on a Button of an earlier reply: its action and value."""

    action: str
    value: str


@dataclass(frozen=True)
class Photo:
    """A photo (or an image sent as a file): the transport's reference to it, stored as `<transport>:<ref>`."""

    ref: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Other:
    """Anything else (a sticker, a voice message, a file that is no image)."""

    what: str = ""


Input = Command | Text | Tap | Photo | Location | Other


@dataclass(frozen=True)
class Event:
    """What a resident did, from which address on which transport, and when."""

    transport: str
    address: str  # who, on that transport (the chat id)
    now: datetime
    input: Input
    name: str = ""  # the (first) name the transport gives; kept only when they link
    ticket: Ticket | None = None  # the inbox request it came with (a worker runs it)


@dataclass
class Draft:
    """A half-told signaal: the step it waits at, what is known so far, when it last moved."""

    step: str
    data: dict[str, Any] = field(default_factory=dict)  # text, triage, photo, location, rewriting
    updated_at: datetime | None = None


@dataclass
class ResidentContext:
    """What a step needs: the transaction, the configuration and the linked wijkambassadeur (or None)."""

    session: Session
    config: OrgConfig
    ambassador: Context | None


def _say(text: str, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    return [Reply(text, buttons=buttons)]


# --- one step ---------------------------------------------------------------------------------


def step(draft: Draft | None, event: Event, ctx: ResidentContext) -> tuple[Draft | None, list[Reply]]:
    """Handle one event: the draft as it is afterwards (None: no conversation) and the replies."""
    given = event.input
    if draft is not None and draft.updated_at is not None and draft.updated_at + STALE_AFTER < event.now:
        if not isinstance(given, Command):
            return None, _say(GONE_QUIET)
        draft = None
    if draft is not None and ctx.ambassador is None:  # removed or erased while telling
        if not isinstance(given, Command):
            return None, _say(NOT_LINKED)
        draft = None
    if isinstance(given, Command):
        return _command(draft, given, event, ctx)
    if draft is None:
        return None, _say(STALE_BUTTON if isinstance(given, Tap) else ANYTHING_ELSE)
    assert ctx.ambassador is not None
    draft = replace(draft, data=dict(draft.data))
    if isinstance(given, Tap) and given.action != ACTIONS[draft.step]:
        return draft, _say(STALE_BUTTON)  # a button of another step, or of an earlier conversation
    return STEPS[draft.step](draft, given, ctx.ambassador)


def _command(
    draft: Draft | None, given: Command, event: Event, ctx: ResidentContext
) -> tuple[Draft | None, list[Reply]]:
    amb = ctx.ambassador
    name, args = given.name.lower(), " ".join(given.args.split())
    if name == "signaal":
        if amb is None:
            return None, _say(NOT_LINKED)
        if args and len(args) <= MAX_TEXT:
            return Draft(KIND, {"text": args}), _say(ASK_KIND, KIND_BUTTONS)
        return Draft(WHAT), _say(ASK_WHAT)
    if name == "start":
        code = args.split(" ")[0] if args else ""
        text = resident.link(
            ctx.session,
            ctx.config,
            code=code,
            transport=event.transport,
            address=event.address,
            first_name=event.name,
            now=event.now,
        )
        return draft, _say(text)
    if name == "mijnsignalen":
        return draft, _say(resident.my_signalen(amb) if amb else NOT_LINKED)
    if name == "stop":
        return None, _say(resident.leave(amb) if amb else NOT_AN_AMBASSADOR)
    if name == "help":
        return draft, _say(resident.HELP if amb else resident.HELP + "\n\n" + resident.HOW_TO_BECOME)
    if name == "annuleer":
        return None, _say(CANCELLED if draft is not None else NOTHING_TO_CANCEL)
    return draft, _say(ANYTHING_ELSE)


def _what(draft: Draft, given: Input, amb: Context) -> tuple[Draft | None, list[Reply]]:
    text = " ".join(given.text.split()) if isinstance(given, Text) else ""
    if not text:
        return draft, _say(REMIND_WHAT)
    if len(text) > MAX_TEXT:
        return draft, _say(TOO_LONG)
    draft.data["text"] = text
    if draft.data.pop("rewriting", False) and "triage" in draft.data:  # back from Aanpassen: the rest is known
        return _to_confirm(draft)
    draft.step = KIND
    return draft, _say(ASK_KIND, KIND_BUTTONS)


def _kind(draft: Draft, given: Input, amb: Context) -> tuple[Draft | None, list[Reply]]:
    if not isinstance(given, Tap):
        return draft, _say(REMIND_KIND, KIND_BUTTONS)
    triage = resident.TRIAGE_BY_KEY.get(given.value)
    if triage is None:
        return draft, _say(ASK_KIND, KIND_BUTTONS)
    if triage.route is not None:  # not for the team (public space, the municipality, neighbours): nothing stored
        resident.tell_chair_redirected(amb, triage)
        return None, _say(resident.redirect_answer(amb.config, triage))
    draft.data["triage"] = triage.key
    draft.step = PHOTO
    return draft, _say(ASK_PHOTO, PHOTO_BUTTONS)


def _photo(draft: Draft, given: Input, amb: Context) -> tuple[Draft | None, list[Reply]]:
    if isinstance(given, Photo) and given.ref:
        draft.data["photo"] = given.ref
        draft.step = WHERE
        return draft, _say(PHOTO_TAKEN, WHERE_BUTTONS)
    if isinstance(given, Tap) and given.value == "geen":
        draft.data.pop("photo", None)
        draft.step = WHERE
        return draft, _say(ASK_WHERE, WHERE_BUTTONS)
    return draft, _say(NOT_A_PHOTO, PHOTO_BUTTONS)


def _where(draft: Draft, given: Input, amb: Context) -> tuple[Draft | None, list[Reply]]:
    if isinstance(given, Location):
        draft.data["location"] = resident.location_text(given.latitude, given.longitude)
    elif isinstance(given, Text) and given.text.strip():
        draft.data["location"] = " ".join(given.text.split())[: resident.MAX_LOCATION]
    elif isinstance(given, Tap) and given.value == "geen":
        draft.data.pop("location", None)
    else:
        return draft, _say(ASK_WHERE, WHERE_BUTTONS)
    return _to_confirm(draft)


def _to_confirm(draft: Draft) -> tuple[Draft | None, list[Reply]]:
    """The last check; with a gentle question first when the text seems to hold personal data."""
    draft.step = CONFIRM
    warning = resident.pii_warning(draft.data)
    if warning is None:
        return draft, _say(resident.summary(draft.data), CONFIRM_BUTTONS)
    return draft, _say(f"{resident.summary(draft.data)}\n\n{warning}", PII_BUTTONS)


def _confirm(draft: Draft, given: Input, amb: Context) -> tuple[Draft | None, list[Reply]]:
    if not isinstance(given, Tap):
        if resident.pii_warning(draft.data):
            return draft, _say(REMIND_PII, PII_BUTTONS)
        return draft, _say(REMIND_CONFIRM, CONFIRM_BUTTONS)
    if given.value == "aanpassen":
        draft.data["rewriting"] = True
        draft.step = WHAT
        return draft, _say(ASK_REWRITE)
    if given.value != "ja":
        return None, _say(CANCELLED)
    return None, _say(resident.report(amb, draft.data)[0])


STEPS = {WHAT: _what, KIND: _kind, PHOTO: _photo, WHERE: _where, CONFIRM: _confirm}
# the action of the buttons each step offers ("" for a step without buttons: every tap is stale there)
ACTIONS = {WHAT: "", KIND: "soort", PHOTO: "foto", WHERE: "plek", CONFIRM: "bevestig"}


# --- the engine-level entry point for adapters ------------------------------------------------


def handle(engine: Engine, config: OrgConfig, event: Event) -> list[Reply]:
    """One event in one transaction: resolve who, load the draft, step, write the draft back.

    An event with a ticket (an inbox request a worker runs) commits once (handlers/inbox.py)."""
    return inbox.exactly_once(engine, event.ticket, lambda record: _handle(engine, config, event, record))


def _handle(engine: Engine, config: OrgConfig, event: Event, record: inbox.Record) -> list[Reply]:
    try:
        with transaction(engine) as session:
            amb = resident.ambassador_context(
                session, config, transport=event.transport, address=event.address, now=event.now
            )
            stored = drafts.load(session, event.transport, event.address)
            draft = None
            if stored is not None and stored[0] == FLOW:
                state, updated_at = stored[1], stored[2]
                draft = Draft(str(state.pop("step", WHAT)), state, updated_at)
                if draft.step not in STEPS:
                    draft = None
            after, replies = step(draft, event, ResidentContext(session, config, amb))
            if after is None or amb is None:
                if stored is not None:
                    drafts.drop(session, event.transport, event.address)
            else:
                drafts.save(
                    session,
                    amb.person,
                    event.transport,
                    event.address,
                    flow=FLOW,
                    state={"step": after.step, **after.data},
                    now=event.now,
                )
            record(session, replies)
            return replies
    except UserError as exc:  # nothing was stored
        return [Reply(str(exc), private=True, extra={"error": "user"})]
