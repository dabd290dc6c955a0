"""Fixtures: a fresh, migrated database per test (SQLite or PostgreSQL), and a bot to talk to.

The suite runs once per database: `WIJKBOT_TEST_DATABASE=sqlite` (default) or `postgresql`
with `WIJKBOT_TEST_PG_URL` (scripts/test starts a throwaway server).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from storage.db import make_engine, migrate

TZ = ZoneInfo("Europe/Amsterdam")
# A Monday morning, ten days before the first Bolnes meeting (2026-12-03 10:00).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
DB_KIND = os.environ.get("WIJKBOT_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("WIJKBOT_TEST_PG_URL", "")


@pytest.fixture(autouse=True)
def _files_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports, charts and PDFs go to the test's own directory, never into the checkout."""
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(tmp_path / "wijkbot-uitvoer"))
    # no pace between two messages to one channel (a second in production): tests of the pace set it
    monkeypatch.setenv("WIJKBOT_OUTBOX_PACE", "0")


@pytest.fixture(autouse=True)
def _own_log_record_factory() -> Iterator[None]:
    """A test that runs `wijkbot ...` in-process installs its log filters (record factories) for the
    whole process; put the previous one back so the next test starts as a fresh process would."""
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.fixture(autouse=True)
def _slack_would_show_it() -> Iterator[None]:
    """Every message and view sent to a fake Slack in this test is one Slack would accept
    (tests/support/fake_slack.py checks each with slack_sdk's Block Kit models)."""
    from tests.support import fake_slack

    before = len(fake_slack.VIOLATIONS)
    yield
    new = fake_slack.VIOLATIONS[before:]
    assert not new, "Slack would refuse what wijkbot sent:\n" + "\n".join(v[:300] for v in new[:20])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The whole suite: no payload the bot produced would be refused by Slack."""
    from tests.support import fake_slack

    if fake_slack.VIOLATIONS:
        first = fake_slack.VIOLATIONS[0][:300]
        print(f"\n{len(fake_slack.VIOLATIONS)} Slack payloads would be refused; the first: {first}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_migrated() -> str:
    if not PG_URL:
        pytest.fail("WIJKBOT_TEST_DATABASE=postgresql needs WIJKBOT_TEST_PG_URL")
    engine = make_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    migrate(engine)
    engine.dispose()
    return PG_URL


def _truncate_pg(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            if r[0] != "alembic_version"
        ]
        if tables:
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database for this test."""
    if DB_KIND == "postgresql":
        url = request.getfixturevalue("_pg_migrated")
        _truncate_pg(url)
        yield url
    else:
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "wijkbot.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
async def bot(db_url: str):  # type: ignore[no-untyped-def]
    """A bot on the Ridderkerk example, as Anna in #lbt-bolnes at NOW."""
    from tests.support.talk import TalkingBot

    tb = TalkingBot(db_url, NOW)
    yield tb
    tb.bot.engine.dispose()


@pytest.fixture
async def team(bot):  # type: ignore[no-untyped-def]
    """The same bot, by the name the Telegram tests use: the team beside the resident."""
    return bot


@pytest.fixture
async def tg():  # type: ignore[no-untyped-def]
    """The fake Telegram Bot API on 127.0.0.1 (tests/support/fake_telegram.py)."""
    from tests.support.fake_telegram import FakeTelegram

    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()
