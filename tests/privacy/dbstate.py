"""Reading the database as a whole: row counts per table, to prove that nothing was stored."""

from __future__ import annotations

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
