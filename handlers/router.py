"""One entry point for every transport: a Message in, Replies out, one transaction per message."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import select

from handlers import actie, afmelden, ambassadeur, bijeenkomst, exports, koppel, overleg, pii, signaal
from handlers.base import MAX_TEXT, Context, Message, Reply, UserError
from handlers.ratelimit import RateLimiter
from handlers.reports import voortgang
from storage.config import OrgConfig
from storage.db import transaction
from storage.models import Group, Person

log = logging.getLogger(__name__)

Handler = Callable[[Context, str], list[Reply]]

COMMANDS: dict[str, Handler] = {
    "signaal": signaal.handle,
    "actie": actie.handle,
    "overleg": overleg.handle,
    "afmelden": afmelden.handle,
    "bijeenkomst": bijeenkomst.handle,
}
ALIASES = {"signalen": "signaal", "acties": "actie", "actiepunt": "actie", "vergadering": "overleg"}

HELP = """wijkbot: de commando's (in het kanaal van uw team)
/signaal <tekst> [#categorie]       /signaal Hangjongeren bij de Vlietkade #jeugd
    categorieën: #overlast #veiligheid #woonomgeving #jeugd #zorg #openbare-ruimte #overig
/signaal lijst [open|alle] [#cat]   /signaal lijst alle #jeugd
/signaal S-12                       het signaal met zijn geschiedenis
/signaal S-12 actie <tekst> @eigenaar [deadline]   /signaal S-12 actie Gesprek bewoners @piet vrijdag
/signaal S-12 oppakken | sluit [toelichting] | heropen
/actie <tekst> @eigenaar [deadline] /actie Buurtgesprek plannen @fatima over twee weken
    zonder deadline: het volgende overleg; deadlines als 'vrijdag', '1 maart', 'eind januari'
/actie lijst [mijn|open|te-laat|alle|@persoon]
/actie A-12                         het actiepunt met zijn geschiedenis
/actie gedaan A-12 [toelichting]    /actie verplaats A-12 volgende week dinsdag
/actie overdragen A-12 @persoon     /actie vervallen A-12 <reden>
/actie heropen A-12                 een gedaan of vervallen actiepunt weer open
/afmelden [volgende|<datum>] [reden] [vervanger @persoon]   /afmelden volgende ziek vervanger @karin
/overleg                            het volgende overleg en de agenda
/overleg plan <datum en tijd> [elke <n> weken] [locatie <plaats>]   /overleg plan 3 december 10:00 elke 8 weken
/overleg lijst                      de geplande overleggen
/overleg kom [volgende|<datum>]     laat weten dat u komt
/overleg aanwezig [<datum>] @a @b | alle   voorzitter: wie er waren (de rest telt als afwezig)
/bijeenkomst <datum> <omschrijving> /bijeenkomst 14 januari 19:30 Bewonersavond in De Fakkel
/bijeenkomst lijst                  de participatiebijeenkomsten van de wijk
/help                               deze uitleg"""

EXTRA_HELP: list[str] = []  # lines that other command families add (e.g. /ambassadeur)


def help_text() -> str:
    return "\n".join([HELP, *EXTRA_HELP])


def _help(_ctx: Context, _args: str) -> list[Reply]:
    """Alle commando's met een voorbeeld."""
    return [Reply(help_text(), private=True)]


COMMANDS["help"] = _help


def register(name: str, handler: Handler, help_lines: list[str] | None = None) -> None:
    """Add a command family (used by optional parts such as /ambassadeur and exports)."""
    COMMANDS[name] = handler
    EXTRA_HELP.extend(help_lines or [])


register("ambassadeur", ambassadeur.handle, ambassadeur.HELP_LINES)
ALIASES["ambassadeurs"] = "ambassadeur"
register("koppel", koppel.handle, koppel.HELP_LINES)
register("rapportage", voortgang.handle, [*voortgang.HELP_LINES, *exports.HELP_LINES])


COMMANDS["pii"] = pii.handle  # the *Toch opslaan* / *Aanpassen* buttons: /pii bevestig <code>

MAX_MESSAGE = 10_000  # far beyond any valid command (texts: MAX_TEXT): refused before any parsing
# One rate limiter per bot (engine); the console is the operator at a terminal and is not limited.
_limiters: weakref.WeakKeyDictionary[Engine, RateLimiter] = weakref.WeakKeyDictionary()
UNLIMITED_TRANSPORTS = frozenset({"console"})


def rate_limiter(engine: Engine) -> RateLimiter:
    """The per-person command limits of the bot that uses this engine."""
    limiter = _limiters.get(engine)
    if limiter is None:
        limiter = _limiters[engine] = RateLimiter()
    return limiter


def dispatch(engine: Engine, config: OrgConfig, msg: Message) -> list[Reply]:
    """Handle one message: resolve who and where, run the command in one transaction."""
    text = msg.text.strip()
    if not text.startswith("/"):
        return [
            Reply(
                "Ik reageer op commando's die met / beginnen; typ /help voor een overzicht.",
                private=True,
                extra={"error": "user"},
            )
        ]
    if len(text) > MAX_MESSAGE:
        return [
            Reply(
                f"Uw bericht is te lang ({len(text)} tekens); houd het onder {MAX_TEXT} tekens.",
                private=True,
                extra={"error": "user"},
            )
        ]
    if msg.transport not in UNLIMITED_TRANSPORTS:
        wait = rate_limiter(engine).wait(msg.person, msg.now)
        if wait:
            return [Reply(rate_limiter(engine).message(wait), private=True, extra={"error": "rate"})]
    name, _, args = text[1:].partition(" ")
    if name.endswith(pii.CONFIRM_MARK) and len(name) > 1:  # `/signaal! tekst`: store it anyway
        name, args = name[: -len(pii.CONFIRM_MARK)], f"{pii.CONFIRM_MARK} {args}"
    name = ALIASES.get(name.lower(), name.lower())
    handler = COMMANDS.get(name)
    if handler is None:
        return [Reply(f"/{name} ken ik niet; typ /help voor alle commando's.", private=True, extra={"error": "user"})]
    try:
        with transaction(engine) as session:
            person = session.exec(select(Person).where(Person.key == msg.person)).first()
            if person is None or not person.active:
                raise UserError(
                    "U staat nog niet in de configuratie van wijkbot; vraag de beheerder om u toe te voegen."
                )
            group = None
            if not msg.channel.startswith("@"):
                group = session.exec(select(Group).where(Group.channel == msg.channel)).first()
            ctx = Context(
                session=session,
                person=person,
                group=group,
                now=msg.now,
                config=config,
                transport=msg.transport,
                channel=msg.channel,
            )
            if group is None and not msg.channel.startswith("@") and name != "help":
                raise UserError(
                    f"Kanaal #{msg.channel} hoort niet bij een team of groep; gebruik wijkbot in het "
                    "kanaal van uw team (bijvoorbeeld #lbt-bolnes)."
                )
            return handler(ctx, args.strip())
    except UserError as exc:
        return [Reply(str(exc), private=True, extra={"error": "user"})]
    except DataError as exc:  # a value the database refuses (too long, out of range): never a crash
        # the statement's parameters are personal data: log only what kind of error it was
        log.warning("database refused a value while handling /%s: %s", name, type(exc.orig).__name__)
        return [
            Reply(
                "Een van de gegevens is te lang of ongeldig, dus er is niets opgeslagen; "
                "maak de tekst korter en probeer het opnieuw.",
                private=True,
                extra={"error": "user"},
            )
        ]
    except OperationalError:
        log.exception("database unavailable while handling /%s", name)
        return [
            Reply(
                "De database is even niet bereikbaar; er is niets opgeslagen. Probeer het zo opnieuw.",
                private=True,
                extra={"error": "database"},
            )
        ]
