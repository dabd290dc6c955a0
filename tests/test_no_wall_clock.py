"""Time is an input: nothing below bot/ reads the machine's clock (issue 11).

Handlers, storage and schedules get `now` passed in; only bot/ (the clock of a running process)
may ask the machine. The one exception is schedules/clocked.py, whose `now()` answers with the
scheduler's own clock and falls back to the machine's only for code outside wijkbot's scheduler.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("handlers", "storage", "schedules")
ALLOWED = {Path("schedules/clocked.py")}
# calls that read the wall clock (module or class attribute, method name)
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "monotonic"),
    ("time", "localtime"),
    ("time", "gmtime"),
}


def _clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in CLOCK_CALLS:
                found.append(f"{shown}:{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_nothing_below_bot_reads_the_wall_clock() -> None:
    offenders = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT) not in ALLOWED
        for hit in _clock_reads(path)
    ]
    assert offenders == []


def test_the_check_finds_a_clock_read(tmp_path: Path) -> None:
    sample = ROOT / "handlers" / "__init__.py"
    assert _clock_reads(sample) == []  # the package marker reads no clock
    probe = tmp_path / "probe.py"
    probe.write_text("import datetime\nx = datetime.datetime.now()\ny = date.today()\n", encoding="utf-8")  # clock-ok
    hits = [h.split(": ", 1)[1] for h in _clock_reads(probe)]
    assert hits == ["datetime.now()", "date.today()"]  # clock-ok
