"""`wijkbot privacy export|erase <person>`: inzage- en verwijderverzoeken (AVG), for the operator.

The logic is in handlers/operator.py and storage/privacy.py; this file opens the database, asks for
confirmation and prints.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

from handlers.operator import privacy_erase, privacy_export, privacy_subject
from storage.config import load_config
from storage.db import database_errors, make_engine, migrate


def privacy(
    args: argparse.Namespace,
    *,
    db_url: str | None,
    config_path: str | None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """Run `privacy export` or `privacy erase`; returns the exit status."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    config = load_config(config_path)
    engine = make_engine(db_url)
    try:
        with database_errors(db_url):
            migrate(engine)
        person = privacy_subject(engine, args.person)
        if person is None:
            print(f"wijkbot: '{args.person}' is niet gevonden (gebruik de sleutel, zoals anna).", file=stderr)
            return 1
        if args.privacy_command == "export":
            print(privacy_export(engine, person.key), file=stdout)
            return 0
        if person.erased_at is not None:
            print(f"wijkbot: {args.person} is al gewist op {person.erased_at:%Y-%m-%d}.", file=stderr)
            return 0
        key, name = person.key, person.name
        if not getattr(args, "yes", False):
            print(
                f"Alle persoonsgegevens van {name} (@{key}) worden verwijderd of geanonimiseerd; "
                "dit kan niet ongedaan worden gemaakt.",
                file=stdout,
            )
            print("Weet u het zeker? (ja/nee) ", end="", file=stdout, flush=True)
            answer = stdin.readline().strip().lower()
            if answer not in ("ja", "j"):
                print("Afgebroken; er is niets gewijzigd.", file=stdout)
                return 1
        erased_key, done = privacy_erase(engine, key, now=now or datetime.now(UTC))  # clock-ok: the operator erases now
        print(f"{name} (@{key}) is gewist; de geschiedenis verwijst nu naar '{erased_key}'.", file=stdout)
        for what, count in done.items():
            print(f"  {what.replace('_', ' ')}: {count}", file=stdout)
        if done.get("open_actiepunten_nog_op_naam"):
            print("Draag de open actiepunten van deze persoon over met /actie overdragen A-<n> @persoon.", file=stdout)
        if key in config.people:
            print(
                f"Let op: @{key} staat nog in de configuratie; haal de persoon daar weg, "
                "anders wordt hij bij de volgende start opnieuw aangemaakt.",
                file=stdout,
            )
        return 0
    finally:
        engine.dispose()
