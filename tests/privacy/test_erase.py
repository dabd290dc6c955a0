"""Erase means erase: a person seeded everywhere is, after `wijkbot privacy erase` or `/stop`, found
in no text column of any table of the live database (SQLAlchemy inspection, so every table counts,
also the ones added later and APScheduler's job store)."""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlmodel import col, select

from bot.privacy_cli import privacy
from bot.telegram import TelegramTransport
from storage import outbox
from storage.db import transaction
from storage.erase import JOB_STORE_TABLE, Identity
from storage.models import Attendance, Draft, Membership, Person, Signaal, Wijziging
from storage.privacy import ERASED
from tests.bot.test_telegram import linked, saved, start_telegram, stop_telegram
from tests.privacy.dbstate import find_in_database, table_counts
from tests.support.addresses import give_address, held_by
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot

PIET_SLACK, PIET_CHAT = "U0PIET", 612345678
GERDA_CHAT = 700123456
REASON = "ziek, huisarts"  # health data: it must go with the person


def _job_naming(db_url: str, key: str) -> None:
    """A job in APScheduler's persistent store whose arguments name the person."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    sched = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=db_url, tablename=JOB_STORE_TABLE)})
    sched.start(paused=True)
    sched.add_job(
        "schedules.live:run_spec",
        DateTrigger(run_date="2030-01-01T09:00:00+00:00"),
        args=[f"herinnering:{key}"],
        id=f"herinnering-{key}",
    )
    sched.shutdown(wait=False)


async def seed_piet(bot: TalkingBot, db_url: str) -> int:
    """Piet Verhoeven, partner in Bolnes, in every part of the bot."""
    with transaction(bot.bot.engine) as s:
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        give_address(s, piet, "slack", PIET_SLACK, now=bot.bot.clock.now())
        give_address(s, piet, "telegram", PIET_CHAT, now=bot.bot.clock.now())
        assert piet.id is not None
        piet_id = piet.id
    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd", as_="piet")  # reporter
    await bot.say("/actie Gesprek met jongerenwerk @piet vrijdag")  # owner, a DM to him
    await bot.say("/actie Bellen met Wooncompas @fatima over twee weken", as_="piet")  # creator
    await bot.say("/actie overdragen A-2 @piet")  # "aan @piet" in the audit trail
    await bot.say(f"/afmelden volgende {REASON}", as_="piet")  # the chair gets a DM with the reason
    await bot.say("/afmelden volgende vakantie vervanger @piet", as_="fatima")  # substitute, named in a DM
    await bot.say("/signaal Piet Verhoeven loopt vrijdag mee met de boa's", as_="fatima")  # someone else's text
    await bot.say("/actie Piet vragen naar de sleutel van het buurthuis @anna vrijdag", as_="fatima")
    now = bot.bot.clock.now()
    with transaction(bot.bot.engine) as s:
        outbox.enqueue(s, kind="dm", destination="piet", text="Herinnering: A-1", now=now + timedelta(days=1))
        outbox.enqueue(
            s,
            kind="channel",
            destination="lbt-bolnes",
            text=f"<@{PIET_SLACK}> neemt A-2 over van Piet",
            payload={"mention": PIET_SLACK, "chat_id": PIET_CHAT, "buttons": [{"label": "Piet Verhoeven"}]},
            now=now,
            dedupe_key="overname:piet:A-2",
        )
        s.add(
            Draft(
                transport="telegram",
                address=str(PIET_CHAT),
                person_id=piet_id,
                flow="signaal",
                state=json.dumps({"step": "soort", "text": "x"}),
                updated_at=now,
            )
        )
    _job_naming(db_url, "piet")
    return piet_id


async def seed_gerda(bot: TalkingBot, tg: FakeTelegram, telegram: TelegramTransport) -> tuple[int, str]:
    """Gerda, a wijkambassadeur on Telegram: linked, a signaal that names her, a draft in progress."""
    gerda = tg.user(GERDA_CHAT, "Gerda")
    await linked(bot, tg, gerda)  # "Gerda (@amb-N) is nu wijkambassadeur" in the channel
    await tg.say(gerda, "/signaal Gerda hier: de lantaarn bij het hofje is al een week kapot")
    await tg.tap(gerda, "soort:woonomgeving")
    await tg.tap(gerda, "foto:geen")
    await tg.tap(gerda, "plek:geen")
    assert "S-" in await tg.tap(gerda, "bevestig:ja")
    with bot.session() as s:
        person = held_by(s, "telegram", GERDA_CHAT)
        assert person is not None
        sig = s.exec(select(Signaal).where(Signaal.reported_by_id == person.id)).one()
        assert person.id is not None
        gerda_id, gerda_key = person.id, person.key
    await bot.say(f"/signaal S-{sig.id} actie Gerda terugbellen over de lantaarn @piet morgen")
    await tg.say(gerda, "/signaal Nog iets over het hofje")  # a half-told signaal in its draft
    await saved(telegram)
    with bot.session() as s:
        assert s.exec(select(Draft).where(col(Draft.address).contains(str(GERDA_CHAT)))).all()
    return gerda_id, gerda_key


def _erase_cli(db_url: str, who: str) -> str:
    out = io.StringIO()
    args = argparse.Namespace(privacy_command="erase", person=who, yes=True)
    assert privacy(args, db_url=db_url, config_path=None, stdout=out) == 0, out.getvalue()
    return out.getvalue()


async def test_an_erased_person_is_in_no_text_column_of_any_table(
    bot: TalkingBot, db_url: str, tg: FakeTelegram
) -> None:
    telegram = await start_telegram(bot, tg)
    try:
        piet_id = await seed_piet(bot, db_url)
        gerda_id, gerda_key = await seed_gerda(bot, tg, telegram)
        piet_needles = ["Piet Verhoeven", "Piet", "piet", PIET_SLACK, str(PIET_CHAT), REASON]
        gerda_needles = ["Gerda", gerda_key, str(GERDA_CHAT)]
        assert set(find_in_database(bot.bot.engine, piet_needles)) >= {"ziek, huisarts", "Piet", PIET_SLACK}
        assert find_in_database(bot.bot.engine, gerda_needles)
        with bot.session() as s:
            audit_piet = len(s.exec(select(Wijziging).where(Wijziging.actor_id == piet_id)).all())
        before = table_counts(bot.bot.engine)

        assert "is gewist" in _erase_cli(db_url, "piet")  # the operator's way
        assert "afgemeld" in await tg.say(tg.user(GERDA_CHAT, "Gerda"), "/stop")  # the ambassador's way
        await saved(telegram)
    finally:
        await stop_telegram(bot, telegram)  # nothing is written on the way out any more

    leftovers = find_in_database(bot.bot.engine, piet_needles + gerda_needles)
    assert leftovers == {}, leftovers

    # what stays: the rows that point at them, so history and figures stay right
    after = table_counts(bot.bot.engine)
    for table in ("signaal", "actiepunt", "attendance", "wijziging", "person"):
        assert after[table] >= before[table], table
    with bot.session() as s:
        assert len(s.exec(select(Wijziging).where(Wijziging.actor_id == piet_id)).all()) == audit_piet
        for pid in (piet_id, gerda_id):
            person = s.get(Person, pid)
            assert person is not None
            assert (person.name, person.key) == (ERASED, f"verwijderd-{pid}")
            assert s.exec(select(Membership).where(Membership.person_id == pid)).all() == []
        attendance = s.exec(select(Attendance).where(Attendance.person_id == piet_id)).one()
        assert attendance.status == "afgemeld"
        assert attendance.reason is None
        texts = [sig.text for sig in s.exec(select(Signaal)).all()]
        assert f"{ERASED} loopt vrijdag mee met de boa's" in texts
        assert f"{ERASED} hier: de lantaarn bij het hofje is al een week kapot" in texts
        assert s.exec(select(Draft)).all() == []
    with bot.bot.engine.connect() as conn:
        from sqlalchemy import inspect, text

        assert JOB_STORE_TABLE in inspect(conn).get_table_names()
        assert conn.execute(text(f"SELECT count(*) FROM {JOB_STORE_TABLE}")).scalar_one() == 0


async def test_the_chair_dm_keeps_the_absence_but_loses_name_and_reason(bot: TalkingBot, db_url: str) -> None:
    await bot.say(f"/afmelden volgende {REASON}", as_="piet")
    await bot.say("/afmelden volgende ziek", as_="fatima")  # someone else's reason stays
    _erase_cli(db_url, "piet")
    with bot.session() as s:
        from storage.models import OutboxMessage

        to_chair = [m.text for m in s.exec(select(OutboxMessage).where(OutboxMessage.destination == "anna")).all()]
    assert any(t.startswith(f"{ERASED} meldt zich af") and f"Reden: {ERASED}." in t for t in to_chair), to_chair
    assert any(t.startswith("Fatima Benali meldt zich af") and "Reden: ziek." in t for t in to_chair), to_chair


def test_scrubbing_spares_other_people_dates_and_keeps_json_json() -> None:
    who = Identity(
        name="Jan Jansen",
        key="jan",
        addresses={"slack": "U0JAN", "telegram": "612345678"},
        other_names=["Jan de Boer"],
        reasons=["op cursus"],
    )
    assert who.scrub_text("Jan Jansen en Jan de Boer, do 14 jan 2027", ERASED) == (
        f"{ERASED} en Jan de Boer, do 14 jan 2027"
    )
    assert who.scrub_text("Reden: op cursus. Jan", ERASED) == f"Reden: {ERASED}. {ERASED}"
    assert who.scrub_text("Reden: op cursus.", ERASED) == "Reden: op cursus."  # not about him
    assert who.scrub_text("bij @jan, Januari, Jantje", ERASED) == f"bij {ERASED}, Januari, Jantje"
    cleaned = json.loads(who.scrub('{"chat_id": 612345678, "user": "U0JAN", "n": 6123456789}', "x"))
    assert cleaned == {"chat_id": None, "user": "x", "n": 6123456789}


async def test_an_ambassador_removed_mid_conversation_leaves_no_telegram_state(
    bot: TalkingBot, tg: FakeTelegram
) -> None:
    telegram = await start_telegram(bot, tg)
    try:
        gerda = tg.user(GERDA_CHAT, "Gerda")
        await linked(bot, tg, gerda)
        await tg.say(gerda, "/signaal Gerda hier: de stoep bij het hofje ligt open")  # a draft in memory
        assert "geen wijkambassadeur meer" in await bot.say("/ambassadeur verwijder Gerda")  # the chair, in Slack
        await saved(telegram)
        await tg.tap(gerda, "soort:woonomgeving")  # and her conversation goes on there
        await saved(telegram)
    finally:
        await stop_telegram(bot, telegram)
    with bot.session() as s:
        assert s.exec(select(Draft)).all() == []
    assert find_in_database(bot.bot.engine, ["Gerda", str(GERDA_CHAT)]) == {}
