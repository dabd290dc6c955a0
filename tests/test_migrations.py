"""The migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.db import alembic_config, migrate

# Tables that are not ours to migrate (APScheduler's job store creates its own).
FOREIGN_TABLES = {"apscheduler_jobs"}


def _table_of(change: tuple) -> str | None:  # type: ignore[type-arg]
    """The table an autogenerate change is about (a Table, an Index, or a column tuple)."""
    obj = change[1]
    if isinstance(obj, sa.Table):
        return obj.name
    if isinstance(obj, sa.Index) and obj.table is not None:
        return obj.table.name
    return change[2] if len(change) > 2 and isinstance(change[2], str) else None


def test_models_and_migrations_agree(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    relevant = [d for d in diff if _table_of(d) not in FOREIGN_TABLES]
    assert relevant == [], f"a model change has no migration: {relevant}"


def test_migrating_twice_changes_nothing(engine: sa.Engine) -> None:
    migrate(engine)
    migrate(engine)
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == heads
