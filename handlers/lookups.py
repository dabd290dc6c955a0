"""What adapters in bot/ ask the domain besides commands: engine-level, one transaction each.

The queries are in storage/ (storage/lookups.py, storage/outbox.py); identities per transport
are in handlers/directory.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage import identity, lookups, outbox
from storage.claims import looks_like_code
from storage.config import OrgConfig, seed
from storage.db import transaction

_REF = re.compile(r"^([AS])-(\d+)$")


def first_time(engine: Engine, event_id: str, now: datetime) -> bool:
    """Record an incoming event's id in its own transaction; False when it was recorded before."""
    try:
        with transaction(engine) as session:
            lookups.record_event(session, event_id, now)
    except IntegrityError:
        return False
    return True


def is_koppelcode(text: str) -> bool:
    """Whether `/koppel <text>` redeems a koppelcode (rather than asking for one)."""
    return looks_like_code(text)


def person_name(engine: Engine, key: str) -> str | None:
    """The name of the person with this key (active or not), else None."""
    with transaction(engine) as session:
        person = identity.person_with_key(session, key)
        return person.name if person is not None else None


def group_name(engine: Engine, channel: str) -> str | None:
    """The name of the group whose channel this is, else None."""
    with transaction(engine) as session:
        group = identity.group_with_channel(session, channel)
        return group.name if group is not None else None


def is_group_channel(engine: Engine, channel: str) -> bool:
    return group_name(engine, channel) is not None


def only_group_channel(engine: Engine, key: str) -> str | None:
    """The channel of the one group a person is a member of; None for none or several."""
    with transaction(engine) as session:
        person = identity.person_with_key(session, key)
        if person is None:
            return None
        channels = lookups.member_channels(session, person)
        return channels[0] if len(set(channels)) == 1 else None


def channel_of_item(engine: Engine, ref: str, *, meeting: bool = False) -> str | None:
    """The channel of the group an item belongs to: A-12, S-12, or (`meeting`) a meeting's number."""
    first = ref.split()[0].upper() if ref.strip() else ""
    with transaction(engine) as session:
        if m := _REF.match(first):
            group = lookups.group_of_item(session, m.group(1), int(m.group(2)))
        elif meeting and first.isdigit():
            group = lookups.group_of_item(session, "overleg", int(first))
        else:
            group = None
        return group.channel if group is not None else None


def deadline_of(engine: Engine, ref: str) -> datetime | None:
    """The deadline of actiepunt `A-12`, else None."""
    m = _REF.match(ref.strip().upper())
    if not m or m.group(1) != "A":
        return None
    with transaction(engine) as session:
        act = lookups.actiepunt(session, int(m.group(2)))
        return act.deadline if act is not None else None


def owners_of(engine: Engine, refs: Iterable[str]) -> list[str]:
    """The keys of the owners of these actiepunten (A-12, ...); other references are ignored."""
    ids = {int(m.group(2)) for r in refs if (m := _REF.match(r.strip().upper())) and m.group(1) == "A"}
    with transaction(engine) as session:
        return sorted(set(lookups.owner_keys(session, ids)))


def post_to_channel(
    engine: Engine,
    channel: str,
    text: str,
    *,
    now: datetime,
    dedupe_key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Queue a message for a channel, in a transaction of its own."""
    with transaction(engine) as session:
        outbox.enqueue(
            session, kind="channel", destination=channel, text=text, now=now, dedupe_key=dedupe_key, payload=payload
        )


def payloads_queued(engine: Engine, channel: str, since: datetime) -> list[str]:
    """The payloads (JSON) of the outbox messages queued for a channel at or after `since`."""
    with transaction(engine) as session:
        return outbox.channel_payloads_since(session, channel, since)


def people_names(engine: Engine) -> list[tuple[str, str]]:
    """(name, key) of everyone in the person table (the names the log guard keeps out of the logs)."""
    with transaction(engine) as session:
        return lookups.people_names(session)


def seed_configuration(engine: Engine, config: OrgConfig, *, now: datetime) -> None:
    """Bring the people and groups in the database in line with the configuration."""
    with transaction(engine) as session:
        seed(session, _without_bound_addresses(session, config), now=now)


def _without_bound_addresses(session: Session, config: OrgConfig) -> OrgConfig:
    """The configuration without the addresses the database already binds to the same person.

    Seeding those again changes nothing (an address is bound to one person and a person has one
    address per transport, both unique in the database), but asks two queries per person at every
    start (0.5-0.8 s with 500 people); here one query per transport finds them."""
    transports = sorted({t for pc in config.people.values() for t in pc.ids})
    bound = {t: identity.addresses_by_key(session, t) for t in transports}
    changed = {}
    for key, pc in config.people.items():
        left = {t: address for t, address in pc.ids.items() if bound[t].get(key) != address}
        if left != pc.ids:
            changed[key] = pc.model_copy(update={"ids": left})
    return config.model_copy(update={"people": {**config.people, **changed}}) if changed else config
