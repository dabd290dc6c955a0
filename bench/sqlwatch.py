"""Watch the SQL an operation runs: how many statements (N+1 shows), which are slow, their plans."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@dataclass
class Statement:
    sql: str
    params: Any
    seconds: float


@dataclass
class Watch:
    statements: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def slowest(self, n: int = 3) -> list[Statement]:
        return sorted(self.statements, key=lambda s: -s.seconds)[:n]

    def repeated(self) -> int:
        """The most times one statement text ran (a sign of N+1 when it is large)."""
        seen: dict[str, int] = {}
        for s in self.statements:
            seen[s.sql] = seen.get(s.sql, 0) + 1
        return max(seen.values(), default=0)


@contextlib.contextmanager
def watch(engine: Engine) -> Iterator[Watch]:
    """Record every statement the engine runs inside the block, with its duration."""
    w = Watch()
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        t0 = started.pop(id(cursor), None)
        if t0 is not None:
            w.statements.append(Statement(statement, parameters, time.perf_counter() - t0))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield w
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


_FULL_SCAN = {
    "sqlite": re.compile(r"\bSCAN (\w+)(?! USING (COVERING )?INDEX)"),
    "postgresql": re.compile(r"Seq Scan on (\w+)"),
}


def plan(engine: Engine, stmt: Statement) -> list[str]:
    """EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) of one recorded statement."""
    dialect = engine.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        cur.execute(prefix + stmt.sql, stmt.params)
        rows = cur.fetchall()
        cur.close()
    if dialect == "sqlite":
        return [str(r[-1]) for r in rows]
    return [str(r[0]) for r in rows]


def full_scans(engine: Engine, lines: list[str]) -> list[str]:
    """Tables read in full according to a plan (temporary b-trees and tiny tables included)."""
    pattern = _FULL_SCAN.get(engine.dialect.name)
    if pattern is None:
        return []
    return sorted({m.group(1) for line in lines for m in pattern.finditer(line)})
