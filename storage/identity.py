"""Identity as data: who is behind an address on a transport, and which group owns a channel there.

A transport is a plain name ("slack", "telegram", "teams", "console"); this module never treats
one differently from another in what it means. A person has at most one address per transport and
an address belongs to at most one person (`identity`); a group likewise has at most one channel
per transport (`groupaddress`). Every binding is an audit row (Wijziging, item_type "persoon",
action "gekoppeld"; "ontkoppeld" when removed).

Until the migration that moves them (0014), the "slack" and "telegram" addresses still live in the
old columns `Person.slack_id` and `Person.telegram_id`; `_LEGACY` maps them, and only this module
reads or writes them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import items
from storage.models import Group, GroupAddress, Person, PersonAddress

# transport -> the Person column its addresses are still kept in (until migration 0014)
_LEGACY: dict[str, str] = {"slack": "slack_id", "telegram": "telegram_id"}
_INT_COLUMNS = {"telegram_id"}

_HOW = {
    "code": "koppelcode",
    "email": "geverifieerd e-mailadres",
    "config": "configuratie",
    "uitnodiging": "uitnodiging",
}


class AddressTaken(Exception):
    """The address is bound to another person or group; the message is one Dutch sentence."""


def account_word(transport: str) -> str:
    """How a transport's account reads in Dutch: "Slack-account", "Teams-account"."""
    return f"{transport[:1].upper()}{transport[1:]}-account"


def _column(transport: str) -> Any | None:
    name = _LEGACY.get(transport)
    return getattr(Person, name) if name else None


def _to_column(transport: str, external_id: str) -> Any:
    """The stored form of an address in a legacy column; None when it cannot be one (not a number)."""
    if _LEGACY.get(transport) in _INT_COLUMNS:
        try:
            return int(external_id)
        except ValueError:
            return None
    return external_id


# --- people --------------------------------------------------------------------------------------


def _holder(session: Session, transport: str, external_id: str) -> Person | None:
    """The person (active or not) bound to the address."""
    column = _column(transport)
    if column is not None:
        value = _to_column(transport, external_id)
        if value is None:
            return None
        return session.exec(select(Person).where(column == value)).first()
    return session.exec(
        select(Person)
        .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
        .where(PersonAddress.transport == transport, PersonAddress.external_id == external_id)
    ).first()


def person_at(session: Session, transport: str, external_id: str) -> Person | None:
    """The active person bound to this address on this transport, else None."""
    person = _holder(session, transport, external_id)
    return person if person is not None and person.active else None


def address_of(session: Session, person: Person, transport: str) -> str | None:
    """The person's address on the transport, None when they have none."""
    column = _column(transport)
    if column is not None:
        value = getattr(person, column.key)
        return None if value is None else str(value)
    if person.id is None:
        return None
    return session.exec(
        select(PersonAddress.external_id).where(
            PersonAddress.person_id == person.id, PersonAddress.transport == transport
        )
    ).first()


def addresses(session: Session, transport: str, person_ids: Collection[int] | None = None) -> dict[int, str]:
    """Person id -> address on the transport, for the active people bound there (of `person_ids`)."""
    column = _column(transport)
    if column is not None:
        query = select(Person.id, column).where(column.is_not(None), col(Person.active).is_(True))
    else:
        query = (
            select(Person.id, PersonAddress.external_id)
            .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
            .where(PersonAddress.transport == transport, col(Person.active).is_(True))
        )
    if person_ids is not None:
        if not person_ids:
            return {}
        query = query.where(col(Person.id).in_(list(person_ids)))
    return {pid: str(ext) for pid, ext in session.exec(query).all() if pid is not None}


def bind(
    session: Session,
    person: Person,
    transport: str,
    external_id: str,
    *,
    how: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Bind the address to the person (replacing their earlier one on that transport), with an audit row.

    Raises AddressTaken when another person holds the address. `how` says by what proof ("code",
    "email", "config", "uitnodiging", or a Dutch phrase), for the audit row.
    """
    assert person.id is not None, "flush the person first"
    holder = _holder(session, transport, external_id)
    if holder is not None and holder.id != person.id:
        raise AddressTaken(f"Dit {account_word(transport)} is al aan een andere persoon in wijkbot gekoppeld.")
    before = address_of(session, person, transport)
    if before == external_id:
        return
    column = _column(transport)
    if column is not None:
        value = _to_column(transport, external_id)
        if value is None:
            raise ValueError(f"not an address on {transport}: {external_id!r}")
        setattr(person, column.key, value)
        session.add(person)
    else:
        row = session.exec(
            select(PersonAddress).where(PersonAddress.person_id == person.id, PersonAddress.transport == transport)
        ).first()
        if row is None:
            row = PersonAddress(person_id=person.id, transport=transport, external_id=external_id)
        else:
            row.external_id = external_id
        session.add(row)
    session.flush()
    via = _HOW.get(how, how)
    detail = f"{account_word(transport)} {external_id} via {via}" + (f" (was {before})" if before else "")
    items.log_change(
        session,
        item_type="persoon",
        item_id=person.id,
        action="gekoppeld",
        actor_id=actor_id,
        now=now,
        detail=detail,
    )


def unbind(
    session: Session, person: Person, transport: str | None, *, actor_id: int | None, now: datetime
) -> list[str]:
    """Remove the person's address on the transport (on every transport when None); the ones removed."""
    assert person.id is not None
    removed: list[tuple[str, str]] = []  # (transport, address)
    transports = [transport] if transport is not None else [*_LEGACY, None]
    for t in transports:
        if t is not None and (column := _column(t)) is not None:
            value = getattr(person, column.key)
            if value is not None:
                removed.append((t, str(value)))
                setattr(person, column.key, None)
                session.add(person)
            continue
        query = select(PersonAddress).where(PersonAddress.person_id == person.id)
        if t is not None:
            query = query.where(PersonAddress.transport == t)
        for row in session.exec(query).all():
            removed.append((row.transport, row.external_id))
            session.delete(row)
    if not removed:
        return []
    session.flush()
    items.log_change(
        session,
        item_type="persoon",
        item_id=person.id,
        action="ontkoppeld",
        actor_id=actor_id,
        now=now,
        detail=", ".join(f"{account_word(t)} {a}" for t, a in removed),
    )
    return [a for _, a in removed]


def person_with_key(session: Session, key: str) -> Person | None:
    """The person with this key (active or not)."""
    return session.exec(select(Person).where(Person.key == key)).first()


def addresses_by_key(session: Session, transport: str, person_keys: Collection[str] | None = None) -> dict[str, str]:
    """Person key -> address on the transport, for the active people bound there (of `person_keys`)."""
    query = select(Person.id, Person.key).where(col(Person.active).is_(True))
    if person_keys is not None:
        if not person_keys:
            return {}
        query = query.where(col(Person.key).in_(list(person_keys)))
    keys = {pid: key for pid, key in session.exec(query).all() if pid is not None}
    found = addresses(session, transport, keys if person_keys is not None else None)
    return {keys[pid]: ext for pid, ext in found.items() if pid in keys}


# --- groups --------------------------------------------------------------------------------------


def group_with_channel(session: Session, channel: str) -> Group | None:
    """The group with this neutral channel name (Group.channel)."""
    return session.exec(select(Group).where(Group.channel == channel)).first()


def group_at(session: Session, transport: str, address: str) -> Group | None:
    """The group whose channel on the transport is this address, else None."""
    return session.exec(
        select(Group)
        .join(GroupAddress, col(GroupAddress.group_id) == col(Group.id))
        .where(GroupAddress.transport == transport, GroupAddress.address == address)
    ).first()


def group_address(session: Session, group: Group, transport: str) -> str | None:
    """The group's channel on the transport, None when it has none."""
    if group.id is None:
        return None
    return session.exec(
        select(GroupAddress.address).where(GroupAddress.group_id == group.id, GroupAddress.transport == transport)
    ).first()


def bind_group(
    session: Session, group: Group, transport: str, address: str, *, actor_id: int | None, now: datetime
) -> None:
    """Make the address the group's channel on the transport (replacing an earlier one), with an audit row.

    Raises AddressTaken when another group has that channel.
    """
    assert group.id is not None
    holder = group_at(session, transport, address)
    if holder is not None and holder.id != group.id:
        raise AddressTaken(f"Dit {transport}-kanaal hoort al bij {holder.name}.")
    row = session.exec(
        select(GroupAddress).where(GroupAddress.group_id == group.id, GroupAddress.transport == transport)
    ).first()
    before = row.address if row is not None else None
    if before == address:
        return
    if row is None:
        row = GroupAddress(group_id=group.id, transport=transport, address=address)
    else:
        row.address = address
    session.add(row)
    session.flush()
    items.log_change(
        session,
        item_type="groep",
        item_id=group.id,
        action="gekoppeld",
        actor_id=actor_id,
        now=now,
        detail=f"{transport}-kanaal {address}" + (f" (was {before})" if before else ""),
    )
