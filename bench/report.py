"""Write the figures into docs/performance.md between markers, keeping the hand-written text."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from bench.common import Options
from bench.results import Section

ORDER = ["latency", "delivery", "data", "scheduler", "digest", "dates", "scale"]
TEMPLATE = """# Performance

Measured by `.venv/bin/python -m bench` (see bench/__main__.py); everything between the
`bench:` markers is rewritten by it, the text around them is kept.

<!-- bench:machine:begin -->
<!-- bench:machine:end -->

## Goals

<!-- bench:summary:begin -->
<!-- bench:summary:end -->

## Figures

""" + "".join(f"<!-- bench:{n}:begin -->\n<!-- bench:{n}:end -->\n\n" for n in ORDER)


def _block(text: str, name: str) -> str | None:
    m = re.search(rf"<!-- bench:{name}:begin -->\n(.*?)<!-- bench:{name}:end -->", text, re.S)
    return m.group(1) if m else None


def _put(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    if begin not in text:
        text = text.rstrip() + f"\n\n{begin}\n{end}\n"
    return re.sub(rf"{re.escape(begin)}\n.*?{re.escape(end)}", lambda _m: f"{begin}\n{body}{end}", text, flags=re.S)


GOALS_HEAD = ["| goal | database | measured | goal | |", "|---|---|---|---|---|"]


def write(
    path: Path, sections: list[Section], *, machine: dict[str, str], opts: Options, when: datetime, command: str
) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else TEMPLATE
    stamp = when.strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Last run: {stamp}, `{command.strip()}`"
        + (" (smoke: sizes too small to mean anything)" if opts.smoke else ""),
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine.items()),
        "",
        opts.pg_note + ".",
        "",
    ]
    text = _put(text, "machine", "\n".join(lines))
    for s in sections:
        goals = "\n".join(g.row() for g in s.goals)
        body = f"{s.markdown()}\n_Measured {stamp}._\n\n<!-- goals\n{goals}\ngoals -->\n"
        text = _put(text, s.name, body)
    rows: list[str] = []
    for name in ORDER:
        block = _block(text, name) or ""
        m = re.search(r"<!-- goals\n(.*?)goals -->", block, re.S)
        if m:
            rows += [r for r in m.group(1).splitlines() if r.startswith("|")]
    text = _put(text, "summary", "\n".join([*GOALS_HEAD, *rows]) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
