"""Database setup: engines for SQLite and PostgreSQL, migrations on start, one transaction per write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

DEFAULT_DATABASE_URL = "sqlite:///wijkbot.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the URL forms people paste (postgres://, postgresql://) and pick our drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **kw: Any) -> Engine:
    """Create an engine; `sqlite://` is one shared in-memory database."""
    url = normalise_url(url or DEFAULT_DATABASE_URL)
    if url.startswith("sqlite"):
        args: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            args["poolclass"] = StaticPool
        engine = sa.create_engine(url, **args, **kw)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kw)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode")
    row = cur.fetchone()
    if row and str(row[0]).lower() == "wal":
        # in WAL mode NORMAL cannot corrupt the database; a power cut may lose the last commits
        # (not an application crash). FULL costs an fsync per commit.
        cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")  # this connection was opened before WAL
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back on any exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
