"""The database fails during a command: a clear Dutch sentence, and nothing half-written."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from handlers.base import Message
from handlers.router import dispatch
from handlers.state import BotState
from storage.config import load_config
from storage.db import make_engine
from tests.conftest import DB_KIND, NOW
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

DOWN = "De database is even niet bereikbaar; er is niets opgeslagen. Probeer het zo opnieuw."


def _impatient(engine: sa.Engine) -> None:
    """New connections of this engine give up on a lock after a fraction of a second."""
    engine.dispose()

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("PRAGMA busy_timeout=200")
        else:
            cur.execute("SET lock_timeout = '300ms'")
        cur.close()
        if engine.dialect.name != "sqlite":
            dbapi_conn.commit()

    sa.event.listen(engine, "connect", on_connect)


@contextmanager
def writes_blocked(db_url: str) -> Iterator[None]:
    """Another connection holds the lock that a new signaal needs, for real (no fakes).

    SQLite: an exclusive transaction (reads still work in WAL mode, the first write fails).
    PostgreSQL: an exclusive lock on the audit table, so the signaal row is written and the
    audit row that belongs to it fails: a failure in the middle of the transaction.
    """
    if DB_KIND == "postgresql":
        engine = make_engine(db_url)
        with engine.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE wijziging IN ACCESS EXCLUSIVE MODE")
            try:
                yield
            finally:
                conn.rollback()
        engine.dispose()
    else:
        path = sa.engine.make_url(db_url).database
        assert path
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


async def test_database_locked_mid_command_gives_clear_error_and_stores_nothing(bot: TalkingBot, db_url: str) -> None:
    await bot.say("/signaal Eerste signaal")
    _impatient(bot.bot.engine)
    before = table_counts(bot.bot.engine)
    with writes_blocked(db_url):
        reply = await bot.say("/signaal Kapotte lantaarnpaal Dillenburgplein #openbare-ruimte")
        assert reply == DOWN
        assert bot.last[0].private
        assert bot.last[0].extra.get("error") == "database"
        reply = await bot.say("/actie Buurtgesprek plannen @piet vrijdag")
        assert reply == DOWN
    assert table_counts(bot.bot.engine) == before
    # once the database is back, the same command works (PostgreSQL may skip a number: sequences
    # are not rolled back)
    assert (await bot.say("/signaal Kapotte lantaarnpaal Dillenburgplein")).startswith("Signaal S-")
    assert table_counts(bot.bot.engine)["signaal"] == before["signaal"] + 1


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_database_gives_clear_error(tmp_path: Any) -> None:
    config = load_config(None)
    for url in (
        f"sqlite:///{tmp_path}/no/such/dir/wijkbot.db",
        f"postgresql+psycopg://wijkbot@127.0.0.1:{_dead_port()}/wijkbot?connect_timeout=2",
    ):
        engine = make_engine(url)
        msg = Message(text="/signaal Kapotte lantaarnpaal", person="anna", channel="lbt-bolnes", now=NOW)
        replies = dispatch(engine, config, msg, BotState())
        assert [r.text for r in replies] == [DOWN], url
        engine.dispose()
