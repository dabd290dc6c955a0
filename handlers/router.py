"""One entry point for every transport: a Message in, Replies out, one transaction per message."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, OperationalError

from handlers import commands, inbox, pii, transitions
from handlers.base import MAX_TEXT, Context, Message, Reply, UserError
from handlers.grammar import key
from handlers.state import BotState
from storage import org, people
from storage.config import OrgConfig
from storage.db import transaction
from storage.items import TransitionError

log = logging.getLogger(__name__)

Handler = Callable[[Context, str], list[Reply]]

# every command family by name, made from the one table (handlers/commands.py); aliases resolve in dispatch
COMMANDS: dict[str, Handler] = {f.name: f.handle for f in commands.FAMILIES}


def help_text() -> str:
    """`/help`: every command with an example."""
    return commands.help_text()


def _unknown_command(name: str) -> Reply:
    near = difflib.get_close_matches(name, commands.names(), n=1, cutoff=0.75)
    meant = commands.find(near[0]) if near else None
    text = (
        f"/{name} ken ik niet; bedoelt u /{meant.name}? Typ /help voor alle commando's."
        if meant
        else f"/{name} ken ik niet; typ /help voor alle commando's."
    )
    return Reply(text, private=True, extra={"error": "user"})


MAX_MESSAGE = 10_000  # far beyond any valid command (texts: MAX_TEXT): refused before any parsing
# The console is the operator at a terminal and is not limited.
UNLIMITED_TRANSPORTS = frozenset({"console"})


def dispatch(engine: Engine, config: OrgConfig, msg: Message, state: BotState) -> list[Reply]:
    """Handle one message: resolve who and where, run the command in one transaction.

    `state`: the bot's memory (rate limits, pending PII texts) and settings, `ctx.state` for the handler.
    A message with a `ticket` (an inbox request a worker runs) records its replies in the command's
    transaction, so it commits once; when an earlier worker did so already, its replies come back
    instead of running it again (handlers/inbox.py).
    """
    return inbox.exactly_once(engine, msg.ticket, lambda record: _dispatch(engine, config, msg, state, record))


def _dispatch(engine: Engine, config: OrgConfig, msg: Message, state: BotState, record: inbox.Record) -> list[Reply]:
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
        wait = state.limiter.wait(msg.person, msg.now)
        if wait:
            return [Reply(state.limiter.message(wait), private=True, extra={"error": "rate"})]
    name, _, args = text[1:].replace("\n", " ").replace("\t", " ").partition(" ")
    if name.endswith(pii.CONFIRM_MARK) and len(name) > 1:  # `/signaal! tekst`: store it anyway
        name, args = name[: -len(pii.CONFIRM_MARK)], f"{pii.CONFIRM_MARK} {args}"
    name = key(name)
    family = commands.find(name)
    if family is None:
        return [_unknown_command(name)]
    name = family.name
    try:
        with transaction(engine) as session:
            person = people.by_key(session, msg.person)
            if person is None or not person.active:
                raise UserError(
                    "U staat nog niet in de configuratie van wijkbot; vraag de beheerder om u toe te voegen."
                )
            group = None
            if not msg.channel.startswith("@"):
                group = org.group_by_channel(session, msg.channel)
            ctx = Context(
                session=session,
                person=person,
                group=group,
                now=msg.now,
                config=config,
                transport=msg.transport,
                channel=msg.channel,
                state=state,
            )
            if group is None and not msg.channel.startswith("@") and name != "help":
                raise UserError(
                    f"Kanaal #{msg.channel} hoort niet bij een team of groep; gebruik wijkbot in het "
                    f"kanaal van uw team (bijvoorbeeld #{config.example_channel()})."
                )
            replies = family.handle(ctx, args.strip())
            record(session, replies)  # an inbox request: its replies commit with the command
            return replies
    except UserError as exc:
        return [Reply(str(exc), private=True, extra={"error": "user"})]
    except TransitionError as exc:  # the status tables refused: their Dutch words, nothing stored
        return [Reply(transitions.refusal(exc), private=True, extra={"error": "user"})]
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
