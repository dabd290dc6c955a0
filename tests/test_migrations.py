"""The migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage import identity
from storage.db import alembic_config, at_head, make_engine, migrate, script_heads, transaction, with_migrations

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


def test_the_heads_read_from_the_files_are_alembics() -> None:
    assert script_heads() == set(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_a_database_at_head_is_known_without_alembic(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/head.db")
    assert not at_head(engine)  # a new database: no alembic_version yet
    migrate(engine)
    assert at_head(engine)
    with_migrations(engine, lambda cfg: command.downgrade(cfg, "-1"))
    assert not at_head(engine)
    migrate(engine)  # not at head: Alembic upgrades it again
    assert at_head(engine)
    engine.dispose()


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


def _fresh(engine: sa.Engine) -> None:
    """An empty database: a new SQLite file is one already; PostgreSQL loses its schema."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")


def test_slack_and_telegram_ids_move_into_identity_and_back(db_url: str, tmp_path: Path) -> None:
    """0014 moves Person.slack_id/telegram_id into `identity`, with the people still referenced."""
    url = db_url if db_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        _fresh(engine)
        with_migrations(engine, lambda cfg: command.upgrade(cfg, "0013_addresses"))
        at = "2026-11-23 08:00:00"
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO person (id, key, name, kind, slack_id, telegram_id, is_admin, active, created_at) "
                    "VALUES (:id, :key, :name, :kind, :slack, :tg, false, true, :at)"
                ),
                [
                    {
                        "id": 1,
                        "key": "piet",
                        "name": "Piet",
                        "kind": "partner",
                        "slack": "U0PIET",
                        "tg": None,
                        "at": at,
                    },
                    {
                        "id": 2,
                        "key": "amb-2",
                        "name": "Els",
                        "kind": "ambassadeur",
                        "slack": None,
                        "tg": 5550123456,
                        "at": at,
                    },
                    {"id": 3, "key": "anna", "name": "Anna", "kind": "partner", "slack": "U0ANNA", "tg": 42, "at": at},
                    {"id": 4, "key": "karin", "name": "Karin", "kind": "partner", "slack": None, "tg": None, "at": at},
                ],
            )
            conn.execute(
                sa.text(
                    "INSERT INTO wijkgroup (id, key, kind, name, channel, wijken, chair_id, reminder_days, "
                    "reports_to, on_request, jaarplan, areas) "
                    "VALUES (1, 'noord', 'team', 'Team Noord', 'lt-noord', '', 3, '7,1', '', false, true, '')"
                )
            )
            conn.execute(
                sa.text("INSERT INTO membership (group_id, person_id, role, yearly) VALUES (1, :p, 'lid', false)"),
                [{"p": 1}, {"p": 2}, {"p": 3}],
            )
            conn.execute(
                sa.text("INSERT INTO identity (person_id, transport, external_id) VALUES (4, 'teams', '29:k')")
            )
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT person_id, transport, external_id FROM identity")).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("person")}
            members = conn.execute(sa.text("SELECT count(*) FROM membership")).scalar_one()
            chair = conn.execute(sa.text("SELECT chair_id FROM wijkgroup")).scalar_one()
        assert sorted(rows) == [
            (1, "slack", "U0PIET"),
            (2, "telegram", "5550123456"),
            (3, "slack", "U0ANNA"),
            (3, "telegram", "42"),
            (4, "teams", "29:k"),
        ]
        assert not {"slack_id", "telegram_id"} & columns
        assert (members, chair) == (3, 3)
        with transaction(engine) as s:
            anna = identity.person_at(s, "telegram", "42")
            assert anna is not None
            assert anna.key == "anna"
        if engine.dialect.name == "sqlite":  # the rebuilt person table still guards its references
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM person WHERE id = 1"))

        with_migrations(engine, lambda cfg: command.downgrade(cfg, "0013_addresses"))
        with engine.connect() as conn:
            back = conn.execute(sa.text("SELECT id, slack_id, telegram_id FROM person ORDER BY id")).all()
            left = conn.execute(sa.text("SELECT person_id, transport FROM identity")).all()
        assert [tuple(r) for r in back] == [
            (1, "U0PIET", None),
            (2, None, 5550123456),
            (3, "U0ANNA", 42),
            (4, None, None),
        ]
        assert [tuple(r) for r in left] == [(4, "teams")]
        migrate(engine)
    finally:
        if engine.dialect.name == "postgresql":  # leave the shared database as the other tests expect it
            with engine.begin() as conn:
                conn.exec_driver_sql("TRUNCATE person, wijkgroup, membership, identity CASCADE")
        engine.dispose()
