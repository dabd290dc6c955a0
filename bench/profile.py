"""Profile one data-at-scale operation with pyinstrument (pip install -e '.[bench]').

    .venv/bin/python -m bench.profile --db sqlite:////tmp/wijkbot-prof.db            # list operations
    .venv/bin/python -m bench.profile --db sqlite:////tmp/wijkbot-prof.db digest     # profile one

The database is generated on first use (six teams, five years) and reused afterwards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sqlalchemy as sa

from bench.data import NOW, operations
from bench.workload import generate, write_config
from bot.core import Clock, Wijkbot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--db", required=True)
    parser.add_argument("operation", nargs="?", help="a word from the operation's name, e.g. digest, te-laat")
    parser.add_argument("--html", type=Path, help="write pyinstrument's HTML here instead of text")
    args = parser.parse_args(argv)
    org = write_config(Path("/tmp/wijkbot-prof.toml"), first_meeting=NOW.replace(day=1))
    bot = Wijkbot.create(db_url=args.db, config_path=str(org.path), clock=Clock(NOW))
    with bot.engine.connect() as conn:
        empty = conn.execute(sa.text("SELECT count(*) FROM actiepunt")).scalar() == 0
    if empty:
        print("generating five years of data…", file=sys.stderr)
        generate(bot.engine, now=NOW)
    ops = {name: op for name, op in operations(bot).items() if op is not None}
    chosen = [name for name in ops if args.operation and args.operation in name]
    if not chosen:
        print("operations:", *ops, sep="\n  ")
        return 0 if not args.operation else 2
    from pyinstrument import Profiler

    op = ops[chosen[0]]
    op()  # warm-up
    profiler = Profiler(interval=0.001)
    with profiler:
        op()
    if args.html:
        args.html.write_text(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
