"""Identity as data: who is behind an address on a transport, and which group owns a channel there.

A transport is a plain name ("slack", "telegram", "teams", "console"); this module never treats
one differently from another in what it means. A person has at most one address per transport and
an address belongs to at most one person (`identity`); a group likewise has at most one channel
per transport (`groupaddress`). Every binding is an audit row (Wijziging, item_type "persoon",
action "gekoppeld"; "ontkoppeld" when removed).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session, col, select

from storage import items
from storage.models import Group, GroupAddress, Person, PersonAddress

_HOW = {
    "code": "koppelcode",
    "email": "geverifieerd e-mailadres",
    "config": "configuratie",
    "uitnodiging": "uitnodiging",
}


class AddressTaken(Exception):
    """The address is bound to another person or group; the message is one Dutch sentence."""


def id_word(transport: str) -> str:
    """How a transport's id reads in Dutch, with the configuration key: "Teams-id (ids.teams)"."""
    return f"{transport[:1].upper()}{transport[1:]}-id (ids.{transport})"


def account_word(transport: str) -> str:
    """How a transport's account reads in Dutch: "Slack-account", "Teams-account"."""
    return f"{transport[:1].upper()}{transport[1:]}-account"


# --- people --------------------------------------------------------------------------------------


def _holder(session: Session, transport: str, external_id: str) -> Person | None:
    """The person (active or not) bound to the address."""
    return session.exec(
        select(Person)
        .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
        .where(PersonAddress.transport == transport, PersonAddress.external_id == external_id)
    ).first()


def _set(session: Session, person_id: int, transport: str, external_id: str) -> None:
    """The person's one row for the transport says `external_id` (written only when it changes)."""
    row = session.exec(
        select(PersonAddress).where(PersonAddress.person_id == person_id, PersonAddress.transport == transport)
    ).first()
    if row is not None and row.external_id == external_id:
        return
    if row is None:
        row = PersonAddress(person_id=person_id, transport=transport, external_id=external_id)
    else:
        row.external_id = external_id
    session.add(row)
    session.flush()


def person_at(session: Session, transport: str, external_id: str) -> Person | None:
    """The active person bound to this address on this transport, else None."""
    person = _holder(session, transport, external_id)
    return person if person is not None and person.active else None


def address_of(session: Session, person: Person, transport: str) -> str | None:
    """The person's address on the transport, None when they have none."""
    if person.id is None:
        return None
    return session.exec(
        select(PersonAddress.external_id).where(
            PersonAddress.person_id == person.id, PersonAddress.transport == transport
        )
    ).first()


def transports_of(session: Session, person: Person) -> list[str]:
    """The transports on which the person has an address (none: nobody can reach them)."""
    if person.id is None:
        return []
    return list(
        session.exec(
            select(PersonAddress.transport)
            .where(PersonAddress.person_id == person.id)
            .order_by(col(PersonAddress.transport))
        ).all()
    )


def keys_with_address(session: Session, person_keys: Collection[str]) -> set[str]:
    """Of these person keys, the ones with an address on some transport."""
    if not person_keys:
        return set()
    return set(
        session.exec(
            select(Person.key)
            .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
            .where(col(Person.key).in_(list(person_keys)))
        ).all()
    )


def addresses(session: Session, transport: str, person_ids: Collection[int] | None = None) -> dict[int, str]:
    """Person id -> address on the transport, for the active people bound there (of `person_ids`)."""
    query = (
        select(Person.id, PersonAddress.external_id)
        .join(PersonAddress, col(PersonAddress.person_id) == col(Person.id))
        .where(PersonAddress.transport == transport, col(Person.active).is_(True))
    )
    if person_ids is not None:
        if not person_ids:
            return {}
        query = query.where(col(Person.id).in_(list(person_ids)))
    return {pid: ext for pid, ext in session.exec(query).all() if pid is not None}


def addresses_of_people(session: Session, person_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """Person id -> {transport: address} for these people, every transport in one query."""
    if not person_ids:
        return {}
    found: dict[int, dict[str, str]] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 500):
        rows = session.exec(
            select(PersonAddress.person_id, PersonAddress.transport, PersonAddress.external_id).where(
                col(PersonAddress.person_id).in_(ids[start : start + 500])
            )
        ).all()
        for pid, transport, ext in rows:
            found.setdefault(pid, {})[transport] = ext
    return found


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
    _set(session, person.id, transport, external_id)
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
    query = select(PersonAddress).where(PersonAddress.person_id == person.id)
    if transport is not None:
        query = query.where(PersonAddress.transport == transport)
    for row in session.exec(query.order_by(col(PersonAddress.transport))).all():
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


def configure(session: Session, person: Person, transport: str, external_id: str, *, now: datetime) -> None:
    """Seeding: the configured address is the person's, whoever claimed it before (no audit row for
    the person: the configuration is the record, as for names; the one who loses it gets one)."""
    assert person.id is not None, "flush the person first"
    holder = _holder(session, transport, external_id)
    if holder is not None and holder.id != person.id:
        assert holder.id is not None
        for row in session.exec(
            select(PersonAddress).where(PersonAddress.person_id == holder.id, PersonAddress.transport == transport)
        ).all():
            session.delete(row)
        session.flush()
        items.log_change(
            session,
            item_type="persoon",
            item_id=holder.id,
            action="ontkoppeld",
            actor_id=None,
            now=now,
            detail=f"{account_word(transport)} {external_id}: staat in de configuratie bij @{person.key}",
        )
    _set(session, person.id, transport, external_id)


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


def _set_group(session: Session, group_id: int, transport: str, address: str) -> None:
    row = session.exec(
        select(GroupAddress).where(GroupAddress.group_id == group_id, GroupAddress.transport == transport)
    ).first()
    if row is not None and row.address == address:
        return
    if row is None:
        row = GroupAddress(group_id=group_id, transport=transport, address=address)
    else:
        row.address = address
    session.add(row)
    session.flush()


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


def configure_group(session: Session, group: Group, transport: str, address: str, *, now: datetime) -> None:
    """Seeding: the configured channel is the group's, whichever group had it before (no audit row
    for the group: the configuration is the record; a group that loses it gets one)."""
    assert group.id is not None
    holder = group_at(session, transport, address)
    if holder is not None and holder.id != group.id:
        assert holder.id is not None
        for old in session.exec(
            select(GroupAddress).where(GroupAddress.group_id == holder.id, GroupAddress.transport == transport)
        ).all():
            session.delete(old)
        session.flush()
        items.log_change(
            session,
            item_type="groep",
            item_id=holder.id,
            action="ontkoppeld",
            actor_id=None,
            now=now,
            detail=f"{transport}-kanaal {address}: staat in de configuratie bij {group.key}",
        )
    _set_group(session, group.id, transport, address)


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
    before = group_address(session, group, transport)
    if before == address:
        return
    _set_group(session, group.id, transport, address)
    items.log_change(
        session,
        item_type="groep",
        item_id=group.id,
        action="gekoppeld",
        actor_id=actor_id,
        now=now,
        detail=f"{transport}-kanaal {address}" + (f" (was {before})" if before else ""),
    )
