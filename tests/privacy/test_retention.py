"""Retention: personal data of old items is removed by the daily job; audit rows stay."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from schedules.jobs import JobSpec, fire_times
from schedules.retention import apply_retention_job, retention_jobs
from storage.config import ConfigError, RetentionConfig, load_config
from storage.models import Actiepunt, AgendaItem, Attendance, OutboxMessage, Signaal, Wijziging
from storage.retention import ANONYMISED, months_before
from tests.conftest import NOW, TZ
from tests.privacy.dbstate import all_values
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]


async def seed(bot: TalkingBot) -> None:
    """Signalen and actiepunten in every status, an absence with a reason, a message sent."""
    await bot.say("/signaal Geluidsoverlast Vlietkade 14 #overlast")  # S-1, closed now
    with bot.session() as s:
        sig = s.get(Signaal, 1)
        assert sig is not None
        sig.location, sig.photo_ref = "Vlietkade 14", "telegram:abc"
        s.add(sig)
        s.commit()
    await bot.say("/signaal S-1 sluit Opgelost na gesprek met mevrouw Jansen")
    await bot.say("/signaal Zwerfvuil bij het winkelcentrum")  # S-2 stays open
    await bot.say("/actie Dubbel ingevoerd @piet vrijdag")  # A-1, cancelled now
    await bot.say("/actie vervallen A-1 dubbel met A-2, zei meneer De Boer")
    await bot.say("/actie Gesprek met bewoners Vlietkade @piet vrijdag")  # A-2, done now
    await bot.say("/actie gedaan A-2 gesproken met familie Yilmaz")
    await bot.say("/actie Hekwerk repareren @fatima vrijdag")  # A-3 stays open
    await bot.say("/actie overdragen A-3 @marieke")  # a DM to Marieke, sent at once
    await bot.say("/afmelden volgende ziek, bij de huisarts", as_="piet")
    bot.bot.clock.set(NOW + timedelta(days=180))
    await bot.say("/signaal Zes maanden later gemeld")  # S-3
    await bot.say("/signaal S-3 sluit klaar")


def run_job(bot: TalkingBot, at: datetime) -> None:
    apply_retention_job(bot.bot.engine, bot.bot.config, at)


async def test_after_thirteen_months_closed_signalen_and_cancelled_actiepunten_lose_personal_data(
    bot: TalkingBot, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(bot)
    with bot.session() as s:
        audit_rows = len(s.exec(select(Wijziging)).all())
    with caplog.at_level(logging.INFO, logger="schedules.retention"):
        run_job(bot, NOW + timedelta(days=396))  # 13 months
    assert "signalen_geanonimiseerd=1" in caplog.text
    assert "actiepunten_verwijderd=1" in caplog.text

    with bot.session() as s:
        s1, s2, s3 = (s.get(Signaal, i) for i in (1, 2, 3))
        assert s1 is not None
        assert s2 is not None
        assert s3 is not None
        assert (s1.text, s1.location, s1.photo_ref, s1.reported_by_id, s1.closing_note) == (
            ANONYMISED,
            None,
            None,
            None,
            None,
        )
        assert s1.category == "overlast"
        assert s1.status == "gesloten"
        assert s2.text == "Zwerfvuil bij het winkelcentrum"
        assert s3.text == "Zes maanden later gemeld"  # closed only 7 months ago
        assert s.get(Actiepunt, 1) is None  # cancelled: removed
        assert s.get(Actiepunt, 2).text == "Gesprek met bewoners Vlietkade"  # type: ignore[union-attr]  # done: 24 months
        assert s.get(Actiepunt, 3) is not None
        assert s.exec(select(Attendance.reason)).all() == [None]
        assert {m.text for m in s.exec(select(OutboxMessage)).all()} == {ANONYMISED}
        # audit rows stay, with free text emptied, plus a row saying what was removed
        rows = s.exec(select(Wijziging)).all()
        assert len(rows) == audit_rows + 3  # signaal, actiepunt, overleg
        removed = [w for w in rows if w.item_type == "actiepunt" and w.item_id == 1]
        assert [w.action for w in removed][-1] == "verwijderd (bewaartermijn)"
        assert [w.action for w in rows if w.item_type == "signaal" and w.item_id == 1][-1] == (
            "geanonimiseerd (bewaartermijn)"
        )
    stored = all_values(bot.bot.engine)
    for gone in ("mevrouw Jansen", "meneer De Boer", "Vlietkade 14", "bij de huisarts", "Dubbel ingevoerd"):
        assert gone not in stored
    assert "familie Yilmaz" in stored  # done 13 months ago: kept until 24


async def test_retention_runs_twice_without_change(bot: TalkingBot) -> None:
    await seed(bot)
    run_job(bot, NOW + timedelta(days=396))
    before = all_values(bot.bot.engine)
    run_job(bot, NOW + timedelta(days=397))
    assert all_values(bot.bot.engine) == before


async def test_done_actiepunten_lose_their_text_after_two_years(bot: TalkingBot) -> None:
    await seed(bot)
    run_job(bot, NOW + timedelta(days=740))
    with bot.session() as s:
        a2 = s.get(Actiepunt, 2)
        assert a2 is not None
        assert a2.text == ANONYMISED
        assert a2.status == "gedaan"
        a3 = s.get(Actiepunt, 3)
        assert a3 is not None
        assert a3.text == "Hekwerk repareren"
        details = [w.detail for w in s.exec(select(Wijziging).where(Wijziging.item_id == 2)).all()]
    assert "gesproken met familie Yilmaz" not in details
    assert "familie Yilmaz" not in all_values(bot.bot.engine)


async def test_retention_periods_come_from_the_configuration(bot: TalkingBot, tmp_path: Path) -> None:
    config = tmp_path / "org.toml"
    config.write_text(
        (ROOT / "config" / "ridderkerk.toml").read_text(encoding="utf-8")
        + "\n[retention]\nsignaal_gesloten = 6\nactie_gedaan = 36\n",
        encoding="utf-8",
    )
    loaded = load_config(config)
    assert loaded.retention == RetentionConfig(signaal_gesloten=6, actie_gedaan=36)
    assert load_config(ROOT / "config" / "ridderkerk.toml").retention == RetentionConfig()
    await seed(bot)
    apply_retention_job(bot.bot.engine, loaded, NOW + timedelta(days=200))
    with bot.session() as s:
        assert s.get(Signaal, 1).text == ANONYMISED  # type: ignore[union-attr]
    config.write_text("[retention]\nsignaal_gesloten = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention\.signaal_gesloten"):
        load_config(config)


def test_job_runs_daily_at_quarter_past_four_never_in_the_dst_hour() -> None:
    config = load_config(None)
    (spec,) = retention_jobs(config)
    assert isinstance(spec, JobSpec)
    assert spec.id == "retention"
    # across the night the clocks go back (25 October 2026) and forward (28 March 2027)
    for start in (datetime(2026, 10, 20, tzinfo=TZ), datetime(2027, 3, 24, tzinfo=TZ)):
        times = fire_times(spec, start, start + timedelta(days=7))
        assert len(times) == 7
        assert {(t.astimezone(TZ).hour, t.astimezone(TZ).minute) for t in times} == {(4, 15)}


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    assert months_before(datetime(2027, 3, 31, 12, tzinfo=TZ), 1) == datetime(2027, 2, 28, 12, tzinfo=TZ)
    assert months_before(datetime(2027, 1, 15, tzinfo=TZ), 12) == datetime(2026, 1, 15, tzinfo=TZ)


def test_old_slack_event_marks_are_pruned(engine: sa.Engine) -> None:
    from datetime import UTC

    from storage.models import ProcessedEvent
    from storage.retention import apply_retention

    now = datetime(2027, 3, 1, 4, 15, tzinfo=UTC)
    with Session(engine) as s:
        s.add(ProcessedEvent(event_id="Ev-old", at=now - timedelta(days=8)))
        s.add(ProcessedEvent(event_id="Ev-new", at=now - timedelta(hours=1)))
        s.commit()
        counts = apply_retention(s, RetentionConfig(), now=now)
        s.commit()
        left = s.exec(select(ProcessedEvent.event_id)).all()
    assert counts["gebeurtenissen_opgeruimd"] == 1
    assert left == ["Ev-new"]


async def test_agendapunten_lose_their_text_and_guest_a_year_after_the_meeting(bot: TalkingBot) -> None:
    added = await bot.say("/overleg agendapunt Overlast Vlietkade bespreken gast @rick")
    assert "Agendapunt toegevoegd" in added, added
    run_job(bot, NOW + timedelta(days=300))  # the meeting (3 December 2026) is not a year past
    with bot.session() as s:
        item = s.exec(select(AgendaItem)).one()
        assert item.text == "Overlast Vlietkade bespreken"
        assert item.guest_id is not None
    run_job(bot, NOW + timedelta(days=400))
    with bot.session() as s:
        item = s.exec(select(AgendaItem)).one()
        assert item.text == ANONYMISED
        assert item.guest_id is None
        assert item.added_by_id is not None
        actions = [w.action for w in s.exec(select(Wijziging).where(Wijziging.item_type == "overleg")).all()]
    assert "agendapunten gewist (bewaartermijn)" in actions
    assert "Overlast Vlietkade bespreken" not in all_values(bot.bot.engine)
    before = all_values(bot.bot.engine)
    run_job(bot, NOW + timedelta(days=401))
    assert all_values(bot.bot.engine) == before
