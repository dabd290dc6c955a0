"""The rights of the person: `wijkbot privacy export` and `erase`, on a seeded database."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.privacy_cli import privacy
from storage import identity, outbox
from storage.db import transaction
from storage.models import Actiepunt, Attendance, Membership, OutboxMessage, Person, Signaal, Wijziging
from storage.privacy import ERASED
from tests.support.addresses import give_address
from tests.support.talk import TalkingBot

ROOT = Path(__file__).resolve().parents[2]


async def seed_piet(bot: TalkingBot) -> int:
    """A week of work that involves Piet: signalen, actiepunten, an absence, messages to him."""
    await bot.say("/signaal Hangjongeren bij de Vlietkade #jeugd", as_="piet")
    await bot.say("/actie Gesprek met jongerenwerk @piet vrijdag")
    await bot.say("/actie Bellen met Wooncompas @fatima over twee weken", as_="piet")
    await bot.say("/actie overdragen A-2 @piet")  # a DM to Piet, and "aan @piet" in the audit row
    await bot.say("/afmelden volgende ziek, huisarts", as_="piet")
    await bot.say("/signaal Piet Verhoeven loopt vrijdag mee met de boa's", as_="fatima")
    with transaction(bot.bot.engine) as s:  # a message that has not left yet
        outbox.enqueue(
            s, kind="dm", destination="piet", text="Herinnering: A-1", now=bot.bot.clock.now() + timedelta(days=1)
        )
        piet = s.exec(select(Person).where(Person.key == "piet")).one()
        give_address(s, piet, "slack", "U0PIET", now=bot.bot.clock.now())
        assert piet.id is not None
        return piet.id


def _args(command: str, person: str, *, yes: bool = False) -> argparse.Namespace:
    return argparse.Namespace(privacy_command=command, person=person, yes=yes)


async def test_export_prints_everything_stored_about_a_person(bot: TalkingBot, db_url: str) -> None:
    piet_id = await seed_piet(bot)
    out = io.StringIO()
    assert privacy(_args("export", "piet"), db_url=db_url, config_path=None, stdout=out) == 0
    data = json.loads(out.getvalue())
    assert data["persoon"]["name"] == "Piet Verhoeven"
    assert [(a["transport"], a["external_id"]) for a in data["chatadressen"]] == [("slack", "U0PIET")]
    assert [m["groep"] for m in data["lidmaatschappen"]] == ["bolnes"]
    assert [s["text"] for s in data["signalen_gemeld"]] == ["Hangjongeren bij de Vlietkade"]
    assert {a["id"] for a in data["actiepunten_eigenaar"]} == {1, 2}
    assert [a["id"] for a in data["actiepunten_aangemaakt"]] == [2]
    assert data["aanwezigheid"][0]["reason"] == "ziek, huisarts"
    assert all(w["actor_id"] == piet_id for w in data["wijzigingen_door_persoon"])
    assert len(data["wijzigingen_door_persoon"]) == 3  # signaal, actiepunt, afmelding
    texts = [m["text"] for m in data["berichten_aan_persoon"]]
    assert "Herinnering: A-1" in texts
    assert any("overgedragen" in t for t in texts)
    assert {"signaal": 2, "tekst": "Piet Verhoeven loopt vrijdag mee met de boa's"} in data["vermeldingen_in_teksten"]


async def test_export_finds_a_person_by_slack_id_and_refuses_unknown(bot: TalkingBot, db_url: str) -> None:
    await seed_piet(bot)
    out, err = io.StringIO(), io.StringIO()
    assert privacy(_args("export", "U0PIET"), db_url=db_url, config_path=None, stdout=out) == 0
    assert json.loads(out.getvalue())["persoon"]["key"] == "piet"
    assert privacy(_args("export", "niemand"), db_url=db_url, config_path=None, stderr=err) == 1
    assert "niet gevonden" in err.getvalue()


async def test_erase_anonymises_the_person_and_keeps_history_consistent(bot: TalkingBot, db_url: str) -> None:
    piet_id = await seed_piet(bot)
    with bot.session() as s:
        audit_before = len(s.exec(select(Wijziging).where(Wijziging.actor_id == piet_id)).all())
    out = io.StringIO()
    assert privacy(_args("erase", "piet", yes=True), db_url=db_url, config_path=None, stdout=out) == 0
    assert "Piet Verhoeven (@piet) is gewist" in out.getvalue()
    assert "staat nog in de configuratie" in out.getvalue()

    with bot.session() as s:
        piet = s.get(Person, piet_id)
        assert piet is not None
        assert (piet.name, piet.key, identity.transports_of(s, piet)) == (ERASED, f"verwijderd-{piet_id}", [])
        assert piet.organisation is None
        assert piet.role is None
        assert not piet.active
        assert piet.erased_at is not None
        assert s.exec(select(Membership).where(Membership.person_id == piet_id)).all() == []
        # history keeps pointing at the (anonymised) person
        assert len(s.exec(select(Wijziging).where(Wijziging.actor_id == piet_id)).all()) == audit_before
        assert {a.owner_id for a in s.exec(select(Actiepunt)).all()} == {piet_id}
        assert s.exec(select(Signaal.reported_by_id).where(Signaal.id == 1)).one() == piet_id
        attendance = s.exec(select(Attendance).where(Attendance.person_id == piet_id)).one()
        assert attendance.reason is None
        assert attendance.status == "afgemeld"
        # an audit row says what was removed
        erased = s.exec(select(Wijziging).where(Wijziging.item_type == "persoon", Wijziging.item_id == piet_id)).one()
        assert "chat-id's" in erased.detail
        # his key and full name no longer appear in stored texts
        details = [w.detail for w in s.exec(select(Wijziging)).all()]
        assert f"aan {ERASED}" in details
        assert not any("@piet" in d for d in details)
        assert s.exec(select(Signaal.text).where(Signaal.id == 2)).one() == f"{ERASED} loopt vrijdag mee met de boa's"
        # messages to him: pending ones deleted, sent ones emptied
        to_him = s.exec(
            select(OutboxMessage).where(col(OutboxMessage.destination).in_(["piet", f"verwijderd-{piet_id}"]))
        ).all()
        assert to_him
        assert all(m.sent_at is not None and m.text == ERASED for m in to_him)
        assert all(m.destination == f"verwijderd-{piet_id}" for m in to_him)
    # an erased person can no longer use the bot
    assert "staat nog niet in de configuratie" in await bot.say("/signaal lijst", as_=f"verwijderd-{piet_id}")


async def test_erase_asks_for_confirmation(bot: TalkingBot, db_url: str) -> None:
    await seed_piet(bot)
    out = io.StringIO()
    code = privacy(_args("erase", "piet"), db_url=db_url, config_path=None, stdin=io.StringIO("nee\n"), stdout=out)
    assert code == 1
    assert "Weet u het zeker? (ja/nee)" in out.getvalue()
    assert "er is niets gewijzigd" in out.getvalue()
    with bot.session() as s:
        assert s.exec(select(Person.name).where(Person.key == "piet")).one() == "Piet Verhoeven"
    out = io.StringIO()
    code = privacy(_args("erase", "piet"), db_url=db_url, config_path=None, stdin=io.StringIO("ja\n"), stdout=out)
    assert code == 0
    with bot.session() as s:
        assert s.exec(select(Person).where(Person.key == "piet")).first() is None


async def test_wijkbot_privacy_command_line(bot: TalkingBot, db_url: str) -> None:
    await seed_piet(bot)
    env = {**os.environ, "WIJKBOT_LOG_LEVEL": "WARNING"}
    run = [sys.executable, "-m", "bot", "privacy"]
    exported = subprocess.run(
        [*run, "export", "piet", "--db", db_url], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["persoon"]["name"] == "Piet Verhoeven"
    refused = subprocess.run(
        [*run, "erase", "piet", "--db", db_url], input="nee\n", capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert refused.returncode == 1
    assert "Weet u het zeker? (ja/nee)" in refused.stdout
    erased = subprocess.run(
        [*run, "erase", "piet", "--yes", "--db", db_url], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert erased.returncode == 0, erased.stderr
    assert "is gewist" in erased.stdout
