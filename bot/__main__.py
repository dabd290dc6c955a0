"""The `wijkbot` command: console, run, privacy."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import datetime

from storage.config import ConfigError


def _parse_now(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is geen ISO 8601-tijd; schrijf bijvoorbeeld 2026-12-01T09:00"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijkbot", description="wijkbot voor leefbaarheidsteams")
    sub = parser.add_subparsers(dest="command", required=True)

    con = sub.add_parser("console", help="de bot in de terminal, zonder Slack of Telegram")
    con.add_argument("--config", help="TOML-configuratie (standaard: config/ridderkerk.toml)")
    con.add_argument("--db", help="database-URL (standaard: sqlite:///wijkbot.db)")
    con.add_argument("--as", dest="person", help="wie u bent (sleutel uit de configuratie)")
    con.add_argument("--in", dest="channel", help="kanaal van een groep, of @persoon")
    con.add_argument("--now", type=_parse_now, help="gesimuleerde starttijd (ISO 8601)")

    run = sub.add_parser("run", help="start Slack, Telegram, de planner en /healthz")
    run.add_argument("--config")
    run.add_argument("--db")

    priv = sub.add_parser("privacy", help="inzage- en verwijderverzoeken (AVG)")
    psub = priv.add_subparsers(dest="privacy_command", required=True)
    exp = psub.add_parser("export", help="alles wat over een persoon is opgeslagen, als JSON")
    exp.add_argument("person")
    exp.add_argument("--config")
    exp.add_argument("--db")
    era = psub.add_parser("erase", help="gegevens van een persoon verwijderen of anonimiseren")
    era.add_argument("person")
    era.add_argument("--yes", action="store_true", help="niet om bevestiging vragen")
    era.add_argument("--config")
    era.add_argument("--db")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("WIJKBOT_LOG_LEVEL", "WARNING" if args.command == "console" else "INFO"),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = getattr(args, "config", None) or os.environ.get("WIJKBOT_CONFIG")
    db = getattr(args, "db", None) or os.environ.get("DATABASE_URL")
    try:
        if args.command == "console":
            from bot.console import run_console

            return asyncio.run(
                run_console(db_url=db, config_path=config, person=args.person, channel=args.channel, now=args.now)
            )
        if args.command == "run":
            from bot.run import run

            return asyncio.run(run(db_url=db, config_path=config))
        if args.command == "privacy":
            from bot.privacy_cli import privacy

            return privacy(args, db_url=db, config_path=config)
    except ConfigError as exc:
        print(f"wijkbot: configuratiefout:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
