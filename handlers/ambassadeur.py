"""/ambassadeur: a team invites, lists and removes its wijkambassadeurs (residents on Telegram)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers.base import Context, Reply, UserError
from handlers.format import when
from handlers.permissions import require
from handlers.resident import day, hash_code
from handlers.state import DEFAULT_BOT_NAME
from storage import invitations, org
from storage.db import transaction
from storage.erase import erase_person
from storage.models import ClockState, Group, GroupKind, Person

INVITATION_VALID = timedelta(days=14)
BOT_NAME_KEY = "telegram:bot_name"  # in ClockState: the username getMe gave when Telegram last started


def remember_bot_name(session: Session, username: str) -> None:
    """Keep the Telegram bot's username (getMe) for invitation links made in any process."""
    name = username.lstrip("@")
    row = session.get(ClockState, BOT_NAME_KEY)
    if row is None:
        session.add(ClockState(key=BOT_NAME_KEY, value=name))
    elif row.value != name:
        row.value = name
        session.add(row)


def store_bot_name(engine: Engine, username: str) -> None:
    """remember_bot_name in a transaction of its own (for the Telegram adapter when it connects)."""
    with transaction(engine) as session:
        remember_bot_name(session, username)


def bot_name(session: Session, configured: str = DEFAULT_BOT_NAME) -> str:
    """The username Telegram gave when the bot last started, else `configured` (TELEGRAM_BOT_NAME, in
    `ctx.state.resident_bot_name`), else a placeholder."""
    row = session.get(ClockState, BOT_NAME_KEY)
    return (row.value if row else "") or configured.lstrip("@") or DEFAULT_BOT_NAME


def _team(ctx: Context) -> Group:
    group = ctx.require_group()
    if group.kind != GroupKind.team:
        raise UserError(
            "Wijkambassadeurs horen bij een team in de wijk; gebruik /ambassadeur in het kanaal van het team."
        )
    return group


def invite(ctx: Context) -> list[Reply]:
    """A one-time code and t.me link, valid for 14 days; only the code's hash is stored."""
    group = _team(ctx)
    require(ctx.session, ctx.person, "ambassador.invite", group)
    code = secrets.token_urlsafe(12)  # Telegram start parameters allow A-Z a-z 0-9 _ -
    invitation = invitations.create(
        ctx.session, group, hash_code(code), created_by_id=ctx.person.id, now=ctx.now, valid=INVITATION_VALID
    )
    name = bot_name(ctx.session, ctx.state.resident_bot_name)
    text = (
        f"Uitnodiging voor een wijkambassadeur van {group.name}, geldig tot "
        f"{when(invitation.expires_at, ctx.tz)} en één keer te gebruiken:\n"
        f"https://t.me/{name}?start={code}\n"
        "Stuur deze link alleen aan de bewoner zelf. Die opent hem in Telegram en tikt op Start. "
        f"Zonder link kan het ook: stuur /start {code} aan @{name} in Telegram."
    )
    return [Reply(text, private=True)]


def _ambassadors(ctx: Context, group: Group) -> list[Person]:
    return org.ambassadors(ctx.session, group.id or 0)


def list_ambassadors(ctx: Context) -> list[Reply]:
    """Who the team's wijkambassadeurs are: first name and since when."""
    group = _team(ctx)
    require(ctx.session, ctx.person, "ambassador.read", group)
    people = _ambassadors(ctx, group)
    open_invitations = invitations.open_count(ctx.session, group.id or 0, now=ctx.now)
    if not people:
        lines = [f"{group.name} heeft nog geen wijkambassadeurs; nodig er een uit met /ambassadeur uitnodigen."]
    else:
        lines = [f"Wijkambassadeurs van {group.name} ({len(people)}):"]
        for n, p in enumerate(people, start=1):
            since = invitations.joined_at(ctx.session, group.id or 0, p.id)
            lines.append(f"{n}. {p.name} (@{p.key}), sinds {day(since or p.created_at, ctx.config)}")
    if open_invitations:
        lines.append(f"Openstaande uitnodigingen: {open_invitations}.")
    return [Reply("\n".join(lines), private=True)]


def remove(ctx: Context, which: str) -> list[Reply]:
    """Unlink a wijkambassadeur by number (from /ambassadeur lijst), @key or first name; their data is erased."""
    group = _team(ctx)
    require(ctx.session, ctx.person, "ambassador.invite", group)
    people = _ambassadors(ctx, group)
    if not which:
        raise UserError(
            "Wie wilt u verwijderen? Schrijf bijvoorbeeld /ambassadeur verwijder 2 (zie /ambassadeur lijst)."
        )
    needle = which.lstrip("@").strip().lower()
    if needle.isascii() and needle.isdigit() and 1 <= int(needle) <= len(people):
        hits = [people[int(needle) - 1]]
    else:
        hits = [p for p in people if p.key == needle] or [p for p in people if p.name.lower() == needle]
    if not hits:
        raise UserError(
            f"{which} is geen wijkambassadeur van {group.name}; zie /ambassadeur lijst voor de namen en nummers."
        )
    if len(hits) > 1:
        raise UserError(f"Er zijn meer wijkambassadeurs die {which} heten; gebruik het nummer uit /ambassadeur lijst.")
    person = hits[0]
    erase_person(ctx.session, person, now=ctx.now, actor_id=ctx.person.id)
    # no name in the answer: once erased, nothing the bot writes may bring it back
    return [
        Reply(
            f"Die wijkambassadeur is geen wijkambassadeur meer van {group.name}. Naam en Telegram-gegevens zijn "
            "gewist; de signalen die er al waren blijven, zonder naam."
        )
    ]
