"""Database setup: engines for SQLite and PostgreSQL, migrations on start, one transaction per write."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config  # Alembic is imported when there is something to migrate

DEFAULT_DATABASE_URL = "sqlite:///wijkbot.db"
MIGRATIONS = Path(__file__).parent / "migrations"
PG_CONNECT_TIMEOUT = 10  # seconds: an unreachable server is an error, not a start that hangs
URL_EXAMPLE = "sqlite:///wijkbot.db of postgresql://gebruiker:wachtwoord@server/database"

# What bot/ calls the database it wires up (bot/ imports no SQLAlchemy itself).
Database = Engine


class DatabaseSetupError(Exception):
    """The database cannot be opened: one Dutch sentence for the operator, never a traceback."""


def _shown(url: str) -> str:
    """A URL as it may be printed: without its password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):  # not a URL at all: hide whatever sits before an @
        return re.sub(r"(?<=://)[^@/]*@", "***@", url)


def _pg_reason(message: str) -> str:
    low = message.lower()
    for needle, reason in (
        ("password authentication failed", "gebruikersnaam of wachtwoord klopt niet"),
        ("does not exist", "die database of gebruiker bestaat niet"),
        ("could not translate host name", "de servernaam is onbekend"),
        ("name or service not known", "de servernaam is onbekend"),
        ("connection refused", "de server weigert de verbinding"),
        ("timeout", "de server antwoordt niet"),
        ("timed out", "de server antwoordt niet"),
    ):
        if needle in low:
            return reason
    return "geen verbinding"


def _sqlite_reason(path: str) -> str:
    target = Path(path).expanduser().absolute()
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        return f"{folder} is geen map"
    if not folder.is_dir():
        return f"de map {folder} bestaat niet"
    if target.exists() and not os.access(target, os.W_OK):
        return "het bestand is alleen-lezen"
    if not os.access(folder, os.W_OK):
        return f"de map {folder} is niet schrijfbaar"
    return "het bestand is geen SQLite-database of is niet te openen"


@contextmanager
def database_errors(url: str | None) -> Iterator[None]:
    """Turn the ways a database cannot be opened (bad URL, unwritable file, unreachable server)
    into a DatabaseSetupError with one Dutch sentence that says what to change."""
    url = normalise_url(url or DEFAULT_DATABASE_URL)
    try:
        yield
    except DatabaseSetupError:
        raise
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseSetupError(
            f"'{_shown(url)}' is geen database-URL die wijkbot kent; schrijf bijvoorbeeld {URL_EXAMPLE} "
            "(met --db of DATABASE_URL)."
        ) from exc
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        parsed = sa.make_url(url)
        if parsed.get_backend_name() == "sqlite":
            where = parsed.database or ""
            raise DatabaseSetupError(
                f"De SQLite-database {where or '(in het geheugen)'} kan niet worden geopend of aangemaakt: "
                f"{_sqlite_reason(where) if where else 'geen verbinding'}; kies een ander pad met --db of DATABASE_URL."
            ) from exc
        server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        raise DatabaseSetupError(
            f"De PostgreSQL-database {parsed.database or ''} op {server} is niet bereikbaar "
            f"({_pg_reason(str(exc.orig or exc))}); controleer de server en --db of DATABASE_URL."
        ) from exc


def normalise_url(url: str) -> str:
    """Accept the URL forms people paste (postgres://, postgresql://) and pick our drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **kw: Any) -> Engine:
    """Create an engine; `sqlite://` is one shared in-memory database. A URL that is no database
    URL wijkbot can use raises DatabaseSetupError."""
    url = normalise_url(url or DEFAULT_DATABASE_URL)
    with database_errors(url):
        parsed = sa.make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseSetupError(
                f"wijkbot werkt met SQLite en PostgreSQL, niet met '{parsed.get_backend_name()}'; "
                f"schrijf bijvoorbeeld {URL_EXAMPLE}."
            )
        return _make_engine(url, parsed, **kw)


def _make_engine(url: str, parsed: sa.URL, **kw: Any) -> Engine:
    if url.startswith("sqlite"):
        args: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            args["poolclass"] = StaticPool
        engine = sa.create_engine(url, **args, **kw)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if "connect_timeout" not in parsed.query:
        kw["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT, **kw.get("connect_args", {})}
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def open_database(url: str | None) -> Engine:
    """An engine on a migrated database; what stands in the way is a DatabaseSetupError."""
    engine = make_engine(url)
    with database_errors(url):
        migrate(engine)
    return engine


def reachable(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (for /healthz)."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, OSError):  # any database or network failure means: not reachable
        return False
    return True


def url_password(url: str) -> str | None:
    """The password in a database URL (to keep it out of the logs); None when there is none or no URL."""
    try:
        return sa.make_url(url).password
    except (sa.exc.ArgumentError, ValueError):  # not a URL we can read: nothing to hide
        return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent).

    A database already at the newest migration is left as it is without Alembic (importing it and
    reading its scripts is a tenth of a second of every start)."""
    if at_head(engine):
        return
    from alembic import command

    with_migrations(engine, lambda cfg: command.upgrade(cfg, "head"))


_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)


def script_heads() -> set[str] | None:
    """The newest revisions of the migration scripts, read from their files without Alembic; None
    when a file does not say its revision plainly (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    return (revisions - parents) or None


def at_head(engine: Engine) -> bool:
    """Whether the database stands at the scripts' newest revision (and a SQLite file is in WAL
    mode, which migrating sets); no alembic_version table (a new database) is False."""
    heads = script_heads()
    if heads is None:
        return False
    with engine.connect() as conn:  # a database that cannot be reached raises here, as migrating would
        try:
            current = {str(v) for (v,) in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
        except sa.exc.DBAPIError:  # no such table (a new database): migrating makes it
            conn.rollback()
            return False
        if conn.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            if str(mode).lower() != "wal":
                return False
        conn.rollback()
    return current == heads


def with_migrations(engine: Engine, run: Callable[[Config], object]) -> None:
    """Run an Alembic command (`run(cfg)`) on the engine, in one transaction.

    On SQLite a migration that drops a column rebuilds the table (Alembic's batch mode: copy,
    drop, rename), which the foreign keys pointing at it would refuse; so there the migrations run
    with foreign keys off, and `PRAGMA foreign_key_check` must find nothing before they commit.
    """
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it does nothing
            conn.commit()
        try:
            with conn.begin():
                if sqlite and engine.url.database not in (None, "", ":memory:"):
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")  # this connection was opened before WAL
                cfg.attributes["connection"] = conn
                run(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left foreign keys that point nowhere: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")  # the pool hands this connection out again
                conn.commit()


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
