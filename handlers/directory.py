"""The directory for adapters: who is behind an address, and which channel a group has, per transport.

The engine-level face of `storage.identity` for `bot/`: each call is one transaction and speaks in
neutral names only, a person's key (`Person.key`) and a group's channel (`Group.channel`), so an
adapter needs no query of its own. A transport is a plain name ("slack", "telegram", "teams").
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.engine import Engine

from storage import identity
from storage.db import transaction


def person_key(engine: Engine, transport: str, external_id: str) -> str | None:
    """The key of the active person bound to this address on the transport, else None."""
    with transaction(engine) as session:
        person = identity.person_at(session, transport, external_id)
        return person.key if person is not None else None


def address(engine: Engine, person_key: str, transport: str) -> str | None:
    """The person's address on the transport (None when unknown or unbound)."""
    with transaction(engine) as session:
        person = identity.person_with_key(session, person_key)
        return identity.address_of(session, person, transport) if person is not None else None


def addresses(engine: Engine, transport: str, person_keys: Collection[str] | None = None) -> dict[str, str]:
    """Person key -> address on the transport, for the active people bound there (of `person_keys`)."""
    with transaction(engine) as session:
        return identity.addresses_by_key(session, transport, person_keys)


def channel_at(engine: Engine, transport: str, address: str) -> str | None:
    """The neutral channel (Group.channel) of the group bound to this address on the transport."""
    with transaction(engine) as session:
        group = identity.group_at(session, transport, address)
        return group.channel if group is not None else None


def channel_address(engine: Engine, channel: str, transport: str) -> str | None:
    """The transport's address of the group with this neutral channel, None when it has none."""
    with transaction(engine) as session:
        group = identity.group_with_channel(session, channel)
        return identity.group_address(session, group, transport) if group is not None else None


def bind_channel(engine: Engine, transport: str, address: str, channel: str, *, now: datetime) -> None:
    """Make `address` the transport's channel of the group with this neutral channel (the adapter saw it).

    Raises KeyError when no group has that channel, storage.identity.AddressTaken when another group
    already has the address.
    """
    with transaction(engine) as session:
        group = identity.group_with_channel(session, channel)
        if group is None:
            raise KeyError(channel)
        identity.bind_group(session, group, transport, address, actor_id=None, now=now)
