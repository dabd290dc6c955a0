"""The `wijkbot` command: console, run, privacy, outbox."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote

from pydantic import SecretStr, ValidationError

from bot.logprivacy import add_record_rewriter, install_log_privacy, quiet_chatty_libraries, rewrite_record
from bot.settings import Settings
from storage.config import ConfigError
from storage.db import DatabaseSetupError, url_password

__all__ = ["install_log_privacy", "install_secret_redaction", "main"]

# every secret setting of every transport (the SecretStr fields of bot/settings.py)
SECRET_ENV = tuple(name.upper() for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation))
REDACTED = "[geheim]"


class SecretRedactor(logging.Filter):
    """Replaces known secret values in a log record (message, arguments, traceback) by [geheim]."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        variants = {v for s in secrets if s and len(s) >= 6 for v in (s, quote(s, safe=""))}
        self.secrets = sorted(variants, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            rewrite_record(record, self.redact)
        return True


def install_secret_redaction(settings: Settings | None = None, extra: Iterable[str | None] = ()) -> SecretRedactor:
    """Redact the tokens from the environment (and the database password) in every log record.

    `settings`: the environment (read now when not given). Installed as a record factory, so it
    covers every logger and handler, including the ones libraries configure themselves (uvicorn,
    httpx with Telegram's token in its URLs).
    """
    settings = settings or Settings()
    secrets = [_secret(settings, name) for name in SECRET_ENV]
    for url in [settings.database_url, *extra]:
        if url and "://" in url:
            secrets.append(url_password(url) or "")
    redactor = SecretRedactor(secrets)
    add_record_rewriter(redactor.filter)
    return redactor


def _secret(settings: Settings, name: str) -> str:
    value = getattr(settings, name.lower(), None)
    return value.get_secret_value() if isinstance(value, SecretStr) else ""


def _parse_now(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is geen ISO 8601-tijd; schrijf bijvoorbeeld 2026-12-01T09:00"
        ) from None


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) > 64:
        raise argparse.ArgumentTypeError(f"'{text}' is geen aantal workers; schrijf een getal van 0 tot en met 64")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wijkbot", description="wijkbot voor wijkteams")
    sub = parser.add_subparsers(dest="command", required=True)

    con = sub.add_parser("console", help="de bot in de terminal, zonder chatdienst")
    con.add_argument("--config", help="TOML-configuratie (standaard: config/ridderkerk.toml)")
    con.add_argument("--db", help="database-URL (standaard: sqlite:///wijkbot.db)")
    con.add_argument("--as", dest="person", help="wie u bent (sleutel uit de configuratie)")
    con.add_argument("--in", dest="channel", help="kanaal van een groep, of @persoon")
    con.add_argument("--now", type=_parse_now, help="gesimuleerde starttijd (ISO 8601)")

    run = sub.add_parser("run", help="start elke ingestelde chatdienst, de planner en /healthz")
    run.add_argument("--config")
    run.add_argument("--db")
    run.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="aantal workerprocessen naast het webproces (standaard 1; 0: alles in één proces)",
    )
    run.add_argument(
        "--role",
        choices=["all", "web", "worker", "scheduler"],
        default="all",
        help="alleen dit deel starten (web, worker of scheduler), voor een opzet over meer machines",
    )
    run.add_argument("--prepared", action="store_true", help=argparse.SUPPRESS)  # a child: migrated and seeded

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
    from bot.outbox_cli import add_parser

    add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]).upper() for e in exc.errors() if e.get("loc"))
        print(f"wijkbot: ongeldige waarde in de omgeving: {names}; pas die omgevingsvariabele aan.", file=sys.stderr)
        return 2
    level = (settings.wijkbot_log_level or ("WARNING" if args.command == "console" else "INFO")).upper()
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    quiet_chatty_libraries(level)  # they print names, chat ids and texts at DEBUG
    install_log_privacy()  # and a guard behind that, in every record
    config = getattr(args, "config", None) or settings.wijkbot_config
    db = getattr(args, "db", None) or settings.database_url
    install_secret_redaction(settings, extra=[db])
    try:
        if args.command == "console":
            from bot.console import run_console

            return asyncio.run(
                run_console(
                    db_url=db,
                    config_path=config,
                    person=args.person,
                    channel=args.channel,
                    now=args.now,
                    settings=settings,
                )
            )
        if args.command == "run":
            from bot.run import run

            return asyncio.run(
                run(
                    db_url=db,
                    config_path=config,
                    settings=settings,
                    role=args.role,
                    workers=args.workers,
                    prepared=args.prepared,
                )
            )
        if args.command == "privacy":
            from bot.privacy_cli import privacy

            return privacy(args, db_url=db, config_path=config)
        if args.command == "outbox":
            from bot.outbox_cli import outbox_command

            return outbox_command(args, db_url=db)
    except ConfigError as exc:
        print(f"wijkbot: configuratiefout:\n{exc}", file=sys.stderr)
        return 2
    except DatabaseSetupError as exc:
        print(f"wijkbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
