"""Binding a chat account to a configured person: only by proof, never by a name that matches.

An account on a transport (a Slack account, ...) is a person when the configuration says so
(`slack_id`, `ids`), or when the person proves it: with a one-time code that their chair or an
admin made for them (`/koppel @piet`, then `/koppel <code>` from that account), or with the
account's verified e-mail address (the Slack workspace's) equal to the configured `email`.
Which proofs count is the organisation's choice (`koppelen`). Every binding and every code is an
audit row (Wijziging, item_type "persoon").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from storage import identity, items
from storage.config import OrgConfig
from storage.models import Koppelcode, Person, PersonKind

CODE_VALID = timedelta(days=14)  # as long as an ambassador's invitation
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: the code is read aloud and typed
CODE_GROUPS, GROUP_LEN = 3, 4  # XXXX-XXXX-XXXX: 60 bits


class ClaimError(Exception):
    """A claim that does not hold; the message is one Dutch sentence for the person."""


@dataclass(frozen=True)
class Bound:
    """A person the account is now bound to, and how."""

    key: str
    name: str
    how: str  # "code" | "email"


def normalise(code: str) -> str:
    """What was typed, as the code was made: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """The stored form of a code: only its SHA-256."""
    return hashlib.sha256(normalise(code).encode("ascii", errors="replace")).hexdigest()


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_GROUPS * GROUP_LEN))
    return "-".join(chars[i : i + GROUP_LEN] for i in range(0, len(chars), GROUP_LEN))


def looks_like_code(text: str) -> bool:
    """A word shaped like a code (so `/koppel help` or `/koppel @piet` is not tried as one)."""
    n = normalise(text)
    return len(n) == CODE_GROUPS * GROUP_LEN and all(ch in ALPHABET for ch in n)


def issue_code(session: Session, person: Person, *, by: Person, now: datetime) -> tuple[str, Koppelcode]:
    """A new one-time code for `person`; earlier unused codes for them stop working."""
    for old in session.exec(
        select(Koppelcode).where(
            Koppelcode.person_id == person.id,
            Koppelcode.used_at == None,  # noqa: E711
            Koppelcode.expires_at > now,
        )
    ).all():
        old.expires_at = now
        session.add(old)
    code = new_code()
    row = Koppelcode(
        person_id=person.id or 0,
        code_hash=hash_code(code),
        created_by_id=by.id,
        created_at=now,
        expires_at=now + CODE_VALID,
    )
    session.add(row)
    session.flush()
    items.log_change(
        session,
        item_type="persoon",
        item_id=person.id or 0,
        action="koppelcode",
        actor_id=by.id,
        now=now,
        detail=f"geldig tot {row.expires_at:%Y-%m-%d}",
    )
    return code, row


def redeem_code(
    session: Session, config: OrgConfig, code: str, *, transport: str, external_id: str, now: datetime
) -> Bound:
    """Bind this account on the transport to the person the code was made for; ClaimError says why not."""
    account = identity.account_word(transport)
    if "code" not in config.koppelen:
        raise ClaimError(f"Deze organisatie koppelt {account}s niet met een code; vraag de beheerder hoe het wel kan.")
    row = session.exec(select(Koppelcode).where(Koppelcode.code_hash == hash_code(code))).first()
    if row is None or not looks_like_code(code):
        raise ClaimError(
            "Deze koppelcode ken ik niet; controleer de code (bijvoorbeeld /koppel ABCD-EFGH-JKLM) "
            "of vraag de voorzitter om een nieuwe."
        )
    if row.used_at is not None:
        raise ClaimError("Deze koppelcode is al gebruikt; vraag de voorzitter of de beheerder om een nieuwe.")
    if row.expires_at <= now:
        raise ClaimError("Deze koppelcode is verlopen; vraag de voorzitter of de beheerder om een nieuwe.")
    person = session.get(Person, row.person_id)
    if person is None or not person.active or person.erased_at is not None:
        raise ClaimError("De persoon van deze koppelcode staat niet meer in wijkbot; vraag de beheerder.")
    current = identity.person_at(session, transport, external_id)
    if current is not None and current.id != person.id:
        raise ClaimError(f"Uw {account} is al gekoppeld aan {current.name}; vraag de beheerder als dat niet klopt.")
    configured = config.people.get(person.key)
    fixed = configured.ids.get(transport) if configured is not None else None
    if fixed and fixed != external_id:
        raise ClaimError(
            f"{person.name} heeft in de configuratie al een vast {account}; vraag de beheerder om dat aan te passen."
        )
    row.used_at = now
    session.add(row)
    _bind(session, person, transport, external_id, how="code", now=now)
    return Bound(person.key, person.name, "code")


def bind_by_email(
    session: Session, config: OrgConfig, email: str, *, transport: str, external_id: str, now: datetime
) -> Bound | None:
    """Bind this account to the one person whose configured e-mail is the account's verified e-mail."""
    wanted = email.strip().lower()
    if "email" not in config.koppelen or not wanted:
        return None
    keys = [k for k, pc in config.people.items() if pc.email and pc.email == wanted]
    if len(keys) != 1 or identity.person_at(session, transport, external_id) is not None:
        return None
    person = session.exec(select(Person).where(Person.key == keys[0])).first()
    if (
        person is None
        or not person.active
        or person.kind == PersonKind.ambassadeur
        or identity.address_of(session, person, transport) is not None  # bound already (config, code, e-mail)
    ):
        return None
    _bind(session, person, transport, external_id, how="email", now=now)
    return Bound(person.key, person.name, "email")


def _bind(session: Session, person: Person, transport: str, external_id: str, *, how: str, now: datetime) -> None:
    try:
        identity.bind(session, person, transport, external_id, how=how, actor_id=person.id, now=now)
    except identity.AddressTaken as exc:
        raise ClaimError(str(exc)) from exc
