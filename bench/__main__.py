"""`python -m bench`: run every benchmark and write the figures to docs/performance.md.

    .venv/bin/python -m bench                  # everything, the full sizes (about 15 minutes)
    .venv/bin/python -m bench --smoke          # tiny sizes: checks that it all runs (CI)
    .venv/bin/python -m bench --only latency   # one benchmark (repeatable); see BENCHMARKS

PostgreSQL: WIJKBOT_BENCH_PG_URL (a database the benchmark may empty), else a throwaway cluster
from scripts/pg-throwaway, else the PostgreSQL column is left out with a note. The generated
part of docs/performance.md sits between markers; the text around it is kept. A smoke run writes
to a temporary file unless --output is given, so it never overwrites the real figures.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.common import PYTHON, ROOT, Options, machine, postgresql, reset_database
from bench.results import Goal, Section

BENCHMARKS = ["latency", "delivery", "data", "scheduler", "digest", "dates", "scale"]


def _digest(opts: Options) -> Section:
    """The reports engineer's bench/bench_digest.py, run as it is (its exit 1 means over a second)."""
    section = Section("digest", "Weekly digest on a year of data (bench/bench_digest.py)")
    script = ROOT / "bench" / "bench_digest.py"
    if not script.exists():
        section.lines.append("bench/bench_digest.py is not present; nothing measured.")
        return section
    targets: list[tuple[str, list[str]]] = [("SQLite", [])]
    if opts.pg_url:
        targets.append(("PostgreSQL", ["--db", opts.pg_url]))
    for label, extra in targets:
        if extra:
            reset_database(opts.pg_url or "")
        args = [PYTHON, str(script), *(["--smoke"] if opts.smoke else []), *extra]
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"bench/bench_digest.py failed ({done.returncode}):\n{done.stderr[-3000:]}")
        section.lines += [f"{label}:", "", "```text", done.stdout.strip(), "```", ""]
        met = None if opts.smoke else done.returncode == 0
        found = re.search(r"warm: median ([\d.,]+ ms)", done.stdout)
        measured = found.group(1) if found else "see below"
        section.goals.append(Goal("weekly digest, a year (bench_digest.py)", label, measured, "< 1 s", met))
    return section


def runner(name: str) -> Callable[[Options], Section]:
    if name == "digest":
        return _digest
    module = importlib.import_module(f"bench.{name}")
    return module.run  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run: only checks that it works")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    parser.add_argument("--runs", type=int, default=None, help="repetitions per figure (default 3; smoke 1)")
    parser.add_argument("--output", type=Path, default=None, help="default docs/performance.md (smoke: a temp file)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    opts = Options(smoke=args.smoke, runs=args.runs or (1 if args.smoke else 3))
    output = args.output or (
        Path(tempfile.gettempdir()) / "wijkbot-bench-smoke.md" if args.smoke else ROOT / "docs" / "performance.md"
    )
    wanted = args.only or BENCHMARKS
    sections: list[Section] = []
    failed: list[str] = []
    started = time.perf_counter()
    with postgresql(opts):
        info = machine(opts)
        for name in wanted:
            print(f"== bench {name} ==", flush=True)
            t0 = time.perf_counter()
            try:
                section = runner(name)(opts)
            except Exception as exc:
                logging.exception("benchmark %s failed", name)
                failed.append(name)
                section = Section(name, name, lines=[f"Failed: {type(exc).__name__}: {exc}"])
            sections.append(section)
            for goal in section.goals:
                print("  " + goal.row(), flush=True)
            print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    report.write(
        output,
        sections,
        machine=info,
        opts=opts,
        when=datetime.now(UTC),
        command="python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
    )
    took = time.perf_counter() - started
    print(f"wrote {output} in {took:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
