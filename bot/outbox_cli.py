"""`wijkbot outbox [lijst|opnieuw <n>|weg <n>]`: the messages that could not be delivered, for the operator.

`lijst` shows parked messages, messages that wait long (number, destination, reason, age; never
the text) and messages that may have arrived twice (sent again after a timeout, unconfirmed);
`opnieuw` puts one (or `alle` parked ones) back in line; `weg` deletes one. Both changes leave an
audit row.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import TextIO

from sqlmodel import Session, col, select

from handlers.notify import describe
from storage import identity, outbox
from storage.db import make_engine, migrate, transaction
from storage.models import OutboxMessage, Wijziging

LONG_WAIT = timedelta(hours=1)  # waiting longer than this is shown by `lijst`


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    out = sub.add_parser("outbox", help="berichten die niet bezorgd konden worden")
    out.add_argument("actie", nargs="?", default="lijst", choices=["lijst", "opnieuw", "weg"])
    out.add_argument("nummer", nargs="?", help="het nummer uit `wijkbot outbox lijst` (bij opnieuw ook: alle)")
    out.add_argument("--db")
    out.add_argument("--now", help=argparse.SUPPRESS)  # tests: the moment to measure ages from


def outbox_command(
    args: argparse.Namespace, *, db_url: str | None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run `outbox lijst|opnieuw|weg`; returns the exit status."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    engine = make_engine(db_url)
    try:
        migrate(engine)
        if args.actie == "lijst":
            with transaction(engine) as session:
                print(listing(session, now=now), file=stdout)
            return 0
        if not args.nummer:
            print(f"wijkbot: zeg welk bericht, bijvoorbeeld `wijkbot outbox {args.actie} 12`.", file=stderr)
            return 2
        with transaction(engine) as session:
            if args.actie == "opnieuw" and args.nummer == "alle":
                parked = session.exec(select(OutboxMessage).where(col(OutboxMessage.parked_at).is_not(None))).all()
                for row in parked:
                    _requeue(session, row, now=now)
                n = len(parked)
                what = "geparkeerd bericht staat" if n == 1 else "geparkeerde berichten staan"
                print(f"{n} {what} weer in de wachtrij.", file=stdout)
                return 0
            msg = _find(session, args.nummer)
            if msg is None or msg.sent_at is not None:
                state = "is al bezorgd" if msg is not None else "staat niet in de outbox"
                print(
                    f"wijkbot: bericht {args.nummer} {state}; kijk met `wijkbot outbox lijst` welke nummers er zijn.",
                    file=stderr,
                )
                return 1
            where = _destination(msg)
            if args.actie == "opnieuw":
                _requeue(session, msg, now=now)
                print(f"Bericht {msg.id} voor {where} staat weer in de wachtrij.", file=stdout)
            else:
                _audit(session, msg, action="outbox_verwijderd", now=now)
                session.delete(msg)
                print(f"Bericht {msg.id} voor {where} is verwijderd; het wordt niet meer verstuurd.", file=stdout)
        return 0
    finally:
        engine.dispose()


def listing(session: Session, *, now: datetime) -> str:
    """Parked messages and long-waiting ones: number, destination, age, reason (never the text)."""
    parked = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.parked_at).is_not(None)).order_by(col(OutboxMessage.id))
    ).all()
    waiting = session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.parked_at).is_(None),
            col(OutboxMessage.created_at) <= now - LONG_WAIT,
        )
        .order_by(col(OutboxMessage.id))
    ).all()
    doubles = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.after_timeout).in_(outbox.POSSIBLE_DOUBLES))
        .order_by(col(OutboxMessage.id))
    ).all()
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


def _find(session: Session, number: str) -> OutboxMessage | None:
    digits = number.lstrip("#")
    return session.get(OutboxMessage, int(digits)) if digits.isdigit() else None


def _requeue(session: Session, msg: OutboxMessage, *, now: datetime) -> None:
    _audit(session, msg, action="outbox_opnieuw", now=now)
    outbox.requeue(session, msg, now=now)


def _audit(session: Session, msg: OutboxMessage, *, action: str, now: datetime) -> None:
    """An audit row without the text or the recipient: what was done to which outbox message, and why it waited."""
    assert msg.id is not None
    reason = msg.park_reason or ("wachtend" if msg.last_error is None else "fouten")
    detail = f"{msg.kind}; {reason}"
    session.add(Wijziging(at=now, actor_id=None, item_type="outbox", item_id=msg.id, action=action, detail=detail))
