"""Reading the database as a whole: row counts per table, to prove that nothing was stored."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlmodel import SQLModel


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """The number of rows in every table wijkbot has (every model, every feature)."""
    import storage.models  # noqa: F401  (all tables registered)

    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in SQLModel.metadata.sorted_tables
        }


def all_values(engine: sa.Engine) -> str:
    """Every value in every table as one string (to prove a text was never written)."""
    out: list[str] = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def find_in_database(engine: sa.Engine, needles: list[str]) -> dict[str, list[str]]:
    """Where any needle is in the live database: needle → ["table.column: value", ...].

    Every table and every text, varchar, JSON or binary column, as the database itself reports
    them (SQLAlchemy inspection), so tables added later and foreign ones (APScheduler's job
    store) are searched too. A needle matches as a whole word, in any case.
    """
    patterns = {n: re.compile(rf"(?<![\w]){re.escape(n)}(?![\w])", re.IGNORECASE) for n in needles if n}
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        metadata = sa.MetaData()
        for name in inspector.get_table_names():
            table = sa.Table(name, metadata, autoload_with=conn)
            columns = [
                c for c in table.columns if isinstance(c.type, sa.String | sa.JSON | sa.LargeBinary | sa.PickleType)
            ]
            if not columns:
                continue
            for row in conn.execute(sa.select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        bytes(value).decode("utf-8", "replace") if isinstance(value, bytes | memoryview) else str(value)
                    )
                    for needle, pattern in patterns.items():
                        if pattern.search(text):
                            found.setdefault(needle, []).append(f"{name}.{column.name}: {text[:200]}")
    return found
