"""The operator's commands (`wijkbot outbox ...`, `wijkbot privacy ...`): engine-level, one
transaction each, with the texts they print. bot/outbox_cli.py and bot/privacy_cli.py parse the
arguments, ask for confirmation and print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers.notify import describe
from storage import identity, outbox
from storage.db import transaction
from storage.erase import erase_person
from storage.items import log_change
from storage.models import OutboxMessage
from storage.privacy import export_json, find_person

LONG_WAIT = timedelta(hours=1)  # waiting longer than this is shown by `outbox lijst`


# -- wijkbot outbox ------------------------------------------------------------------------------


def outbox_listing(engine: Engine, *, now: datetime) -> str:
    """Parked messages and long-waiting ones: number, destination, age, reason (never the text)."""
    with transaction(engine) as session:
        parked = outbox.parked(session)
        waiting = outbox.waiting_since(session, now - LONG_WAIT)
        doubles = outbox.possible_doubles(session)
        if not parked and not waiting and not doubles:
            return "Er is niets geparkeerd en niets wacht langer dan een uur."
        keys = sorted({m.destination for m in [*parked, *waiting] if m.kind == "dm"})
        reachable = identity.keys_with_address(session, keys)
    lines: list[str] = []
    if parked:
        lines.append(
            f"Geparkeerd ({len(parked)}), niet meer geprobeerd: "
            "`wijkbot outbox opnieuw <nummer>` verstuurt opnieuw, `wijkbot outbox weg <nummer>` verwijdert."
        )
        for m in parked:
            reason = f"{describe(m.park_reason)} ({m.park_reason})"
            lines.append(_row(m, now - (m.parked_at or now), reason, parked=True))
    if waiting:
        lines.append(f"Wacht langer dan een uur ({len(waiting)}):")
        for m in waiting:
            lines.append(_row(m, now - m.created_at, _waiting_reason(m, m.destination in reachable)))
    if doubles:
        lines.append(
            f"Mogelijk dubbel bezorgd na een time-out: {len(doubles)} "
            "(opnieuw verstuurd zonder te kunnen nagaan of de eerste poging was aangekomen):"
        )
        for m in doubles:
            how = "twee keer gevonden" if m.after_timeout == outbox.DOUBLE else "niet na te gaan"
            lines.append(f"  {m.id:>6}  {_destination(m):<24} via {m.transport or '?'}, {how}")
    return "\n".join(lines)


def outbox_requeue_all(engine: Engine, *, now: datetime) -> str:
    """Every parked message back in line (`opnieuw alle`)."""
    with transaction(engine) as session:
        rows = outbox.parked(session)
        for row in rows:
            _requeue(session, row, now=now)
    n = len(rows)
    what = "geparkeerd bericht staat" if n == 1 else "geparkeerde berichten staan"
    return f"{n} {what} weer in de wachtrij."


def outbox_change(engine: Engine, action: str, number: str, *, now: datetime) -> tuple[bool, str]:
    """`opnieuw <n>` (back in line) or `weg <n>` (deleted): (done, what to print)."""
    with transaction(engine) as session:
        digits = number.lstrip("#")
        msg = outbox.by_id(session, int(digits)) if digits.isdigit() else None
        if msg is None or msg.sent_at is not None:
            state = "is al bezorgd" if msg is not None else "staat niet in de outbox"
            return False, f"bericht {number} {state}; kijk met `wijkbot outbox lijst` welke nummers er zijn."
        where = _destination(msg)
        if action == "opnieuw":
            _requeue(session, msg, now=now)
            return True, f"Bericht {msg.id} voor {where} staat weer in de wachtrij."
        _audit(session, msg, action="outbox_verwijderd", now=now)
        outbox.delete(session, msg)
        return True, f"Bericht {msg.id} voor {where} is verwijderd; het wordt niet meer verstuurd."


def _row(m: OutboxMessage, age: timedelta, reason: str, *, parked: bool = False) -> str:
    since = "geparkeerd " if parked else "wacht "
    return f"  {m.id:>6}  {_destination(m):<24} {since}{_age(age):<12} {reason}"


def _waiting_reason(m: OutboxMessage, reachable: bool) -> str:
    if m.last_error:
        text = f"nog {m.attempts}× geprobeerd, laatste fout: {m.last_error[:80]}"
        if m.timed_out_at is not None:
            text += " (kwam misschien toch aan: wijkbot kijkt dat na voor het opnieuw verstuurt)"
        return text
    if m.kind == "dm" and not reachable:
        return "wacht op een adres: geen Slack- of Telegram-account bekend"
    return "wacht op een chatdienst (is Slack of Telegram ingesteld?)"


def _age(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} uur"
    return f"{minutes // (24 * 60)} dagen"


def _destination(m: OutboxMessage) -> str:
    return f"#{m.destination}" if m.kind == "channel" else f"@{m.destination}"


def _requeue(session: Session, msg: OutboxMessage, *, now: datetime) -> None:
    _audit(session, msg, action="outbox_opnieuw", now=now)
    outbox.requeue(session, msg, now=now)


def _audit(session: Session, msg: OutboxMessage, *, action: str, now: datetime) -> None:
    """An audit row without the text or the recipient: what was done to which outbox message, and why it waited."""
    assert msg.id is not None
    reason = msg.park_reason or ("wachtend" if msg.last_error is None else "fouten")
    detail = f"{msg.kind}; {reason}"
    log_change(session, item_type="outbox", item_id=msg.id, action=action, actor_id=None, now=now, detail=detail)


# -- wijkbot privacy -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The person an inzage- or verwijderverzoek is about."""

    key: str
    name: str
    erased_at: datetime | None


def privacy_subject(engine: Engine, who: str) -> Subject | None:
    """The person by key or by their id on any chat service; None when there is none."""
    with transaction(engine) as session:
        person = find_person(session, who)
        return Subject(person.key, person.name, person.erased_at) if person is not None else None


def privacy_export(engine: Engine, key: str) -> str:
    """Everything stored about the person (AVG art. 15), as JSON."""
    with transaction(engine) as session:
        person = find_person(session, key)
        assert person is not None
        return export_json(session, person)


def privacy_erase(engine: Engine, key: str, *, now: datetime) -> tuple[str, dict[str, int]]:
    """Erase the person (AVG art. 17): (the key the history now refers to, what was done)."""
    with transaction(engine) as session:
        person = find_person(session, key)
        assert person is not None
        done = erase_person(session, person, now=now)
        return person.key, done
