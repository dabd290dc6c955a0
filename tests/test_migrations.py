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


def test_history_is_one_line() -> None:
    """One head, and no revision with two parents (a merge) or two children (a branch)."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
    revisions = list(script.walk_revisions())
    merges = [r.revision for r in revisions if isinstance(r.down_revision, tuple | list)]
    assert merges == [], f"revisions with more than one parent: {merges}"
    parents = [r.down_revision for r in revisions if r.down_revision is not None]
    branched = sorted({p for p in parents if parents.count(p) > 1})
    assert branched == [], f"revisions with more than one child: {branched}"
    assert len(script.get_bases()) == 1
