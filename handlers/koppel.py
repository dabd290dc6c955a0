"""/koppel: a chair or an admin makes a one-time code with which a person binds their Slack account.

`/koppel @piet` (in the group's channel, or anywhere by an admin, also in the console) answers
privately with a code valid for 14 days; Piet types `/koppel <code>` in Slack. The Slack adapter
redeems codes (`redeem`), since the one who types it is not yet anyone in wijkbot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from handlers.base import Context, Reply, UserError
from handlers.format import when
from handlers.permissions import require
from storage import claims, identity
from storage.config import OrgConfig
from storage.db import transaction
from storage.models import Membership, Person, PersonKind

USAGE = "/koppel @persoon (voorzitter of beheerder) of /koppel <code> (in uw chat, met de code die u kreeg)"


def unknown_account(config: OrgConfig, transport: str) -> str:
    """The one sentence an unbound user of `transport` gets, for the ways this organisation allows."""
    account = identity.account_word(transport)
    start = f"Uw {account} is nog niet aan een persoon in wijkbot gekoppeld; "
    code = "vraag de voorzitter van uw team of de beheerder om een koppelcode en typ dan /koppel <code>"
    email = f"laat de beheerder het e-mailadres van uw {account} bij uw naam in de configuratie zetten"
    ways = config.koppelen
    if "code" in ways and "email" in ways:
        return f"{start}{code}, of {email}."
    if "code" in ways:
        return f"{start}{code}."
    if "email" in ways:
        return f"{start}{email}."
    return f"{start}vraag de beheerder om uw {identity.id_word(transport)} bij uw naam in de configuratie te zetten."


def handle(ctx: Context, args: str) -> list[Reply]:
    """Chat-accounts koppelen: /koppel @piet (voorzitter of beheerder) · /koppel ABCD-EFGH-JKLM"""
    arg = args.strip()
    if arg.startswith("@") and len(arg.split()) == 1:
        return issue(ctx, arg[1:])
    if claims.looks_like_code(arg):
        # Reached when bound already (an adapter that takes codes redeems them before the person is
        # known) or where no account is bound by code (the console).
        if identity.address_of(ctx.session, ctx.person, ctx.transport):
            account = identity.account_word(ctx.transport)
            raise UserError(f"Uw {account} is al gekoppeld aan {ctx.person.name}; u hebt geen code nodig.")
        raise UserError("Een koppelcode gebruikt u in de chat van uw organisatie: typ daar /koppel <code>.")
    raise UserError(f"Schrijf {USAGE}.")


def issue(ctx: Context, key: str) -> list[Reply]:
    """A one-time code for a configured partner; only its hash is stored."""
    if "code" not in ctx.config.koppelen:
        raise UserError(
            "Deze organisatie koppelt Slack-accounts niet met codes (koppelen in de configuratie); "
            "zet het e-mailadres of het chat-id van de persoon in de configuratie (slack_id of ids)."
        )
    target = ctx.session.exec(select(Person).where(Person.key == key.lower())).first()
    if target is None or not target.active or target.erased_at is not None:
        raise UserError(
            f"@{key} staat niet in de configuratie van wijkbot; schrijf de sleutel, bijvoorbeeld /koppel @piet."
        )
    if target.kind == PersonKind.ambassadeur:
        raise UserError("Wijkambassadeurs gebruiken Telegram; nodig ze uit met /ambassadeur uitnodigen.")
    group = ctx.group
    if group is None:
        if not ctx.person.is_admin:
            raise UserError(
                "Buiten een groepskanaal kan alleen een beheerder koppelcodes maken; "
                "gebruik /koppel in het kanaal van uw groep."
            )
    else:
        require(ctx.session, ctx.person, "person.link", group)
        member = ctx.session.exec(
            select(Membership).where(Membership.group_id == group.id, Membership.person_id == target.id)
        ).first()
        if member is None and not ctx.person.is_admin:
            raise UserError(
                f"{target.name} is geen lid van {group.name}; alleen een beheerder kan voor hem of haar een code maken."
            )
    configured = ctx.config.people.get(target.key)
    fixed = sorted(configured.ids) if configured is not None else []
    if fixed:
        raise UserError(
            f"{target.name} heeft in de configuratie al een vast {identity.account_word(fixed[0])}; "
            "een code is niet nodig."
        )
    code, row = claims.issue_code(ctx.session, target, by=ctx.person, now=ctx.now)
    lines = [
        f"Koppelcode voor {target.name} (@{target.key}), geldig tot {when(row.expires_at, ctx.tz)} "
        f"en één keer te gebruiken: {code}",
        f"Geef deze code alleen aan {target.name} zelf, niet in een kanaal. "
        f"Die typt in de chat met wijkbot: /koppel {code}",
    ]
    bound = identity.transports_of(ctx.session, target)
    if bound:
        lines.append(
            f"Let op: deze persoon is al aan een {identity.account_word(bound[0])} gekoppeld; "
            "met de code komt het nieuwe account daarvoor in de plaats."
        )
    return [Reply("\n".join(lines), private=True)]


def redeem(
    engine: Engine,
    config: OrgConfig,
    code: str,
    *,
    now: datetime,
    transport: str,
    external_id: str,
) -> tuple[str | None, str]:
    """Redeem a code typed from an account: (the person key now bound or None, the answer in Dutch)."""
    account = identity.account_word(transport)
    try:
        with transaction(engine) as session:
            bound = claims.redeem_code(session, config, code, transport=transport, external_id=external_id, now=now)
    except claims.ClaimError as exc:
        return None, str(exc)
    except IntegrityError:  # the same account bound by a parallel request just now
        return None, f"Dit {account} is zojuist al gekoppeld; typ /help om te beginnen."
    return bound.key, f"Uw {account} is nu gekoppeld aan {bound.name} (@{bound.key}); typ /help voor de commando's."


def bind_email(
    engine: Engine,
    config: OrgConfig,
    email: str,
    *,
    now: datetime,
    transport: str,
    external_id: str,
) -> tuple[str, str] | None:
    """Bind by the account's verified e-mail: (person key, a notice for the person), or None."""
    account = identity.account_word(transport)
    try:
        with transaction(engine) as session:
            bound = claims.bind_by_email(session, config, email, transport=transport, external_id=external_id, now=now)
    except IntegrityError:
        return None
    if bound is None:
        return None
    return bound.key, (
        f"Uw {account} is gekoppeld aan {bound.name} (@{bound.key}), omdat het e-mailadres van uw "
        f"{account} bij die naam in de configuratie staat."
    )
