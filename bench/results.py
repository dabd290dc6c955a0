"""Results of a benchmark: goal rows for the summary table and a markdown section with the details."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Goal:
    """One goal of issue 8 and what was measured against it."""

    what: str
    database: str
    measured: str
    goal: str
    met: bool | None  # None: not measured

    def row(self) -> str:
        mark = "–" if self.met is None else ("met" if self.met else "**missed**")
        return f"| {self.what} | {self.database} | {self.measured} | {self.goal} | {mark} |"


@dataclass
class Section:
    name: str  # as in --only
    title: str
    goals: list[Goal] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n".join([f"### {self.title}", "", *self.lines]).rstrip() + "\n"


def ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def sec(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds:.2f} s"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def median_of(runs: int) -> str:
    """How a figure was taken: "Median of 3 runs", or "One run"."""
    return "One run" if runs == 1 else f"Median of {runs} runs"
