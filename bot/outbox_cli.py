"""`wijkbot outbox [lijst|opnieuw <n>|weg <n>]`: the messages that could not be delivered, for the operator.

`lijst` shows parked messages, messages that wait long (number, destination, reason, age; never
the text) and messages that may have arrived twice (sent again after a timeout, unconfirmed);
`opnieuw` puts one (or `alle` parked ones) back in line; `weg` deletes one. Both changes leave an
audit row.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from handlers.operator import outbox_change, outbox_listing, outbox_requeue_all
from storage.db import make_engine, migrate


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
            print(outbox_listing(engine, now=now), file=stdout)
            return 0
        if not args.nummer:
            print(f"wijkbot: zeg welk bericht, bijvoorbeeld `wijkbot outbox {args.actie} 12`.", file=stderr)
            return 2
        if args.actie == "opnieuw" and args.nummer == "alle":
            print(outbox_requeue_all(engine, now=now), file=stdout)
            return 0
        done, text = outbox_change(engine, args.actie, args.nummer, now=now)
        if not done:
            print(f"wijkbot: {text}", file=stderr)
            return 1
        print(text, file=stdout)
        return 0
    finally:
        engine.dispose()
