"""Personal data in free text: spotted, and not stored until the person confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import SQLModel, select

from handlers import pii
from storage.models import Actiepunt, Signaal
from tests.support.talk import TalkingBot

VALID_BSN = "111222333"  # passes the 11-proef
INVALID_BSN = "123456789"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"bewoner met BSN {VALID_BSN} heeft overlast", "bsn"),
        ("BSN 1112.22.333 genoemd", "bsn"),
        ("bel haar op 06-12345678", "telefoon"),
        ("bel haar op 0612345678", "telefoon"),
        ("bel 06 1234 5678 na vijven", "telefoon"),
        ("nummer +31 6 12345678", "telefoon"),
        ("nummer +31612345678", "telefoon"),
        ("nummer 0031612345678", "telefoon"),
        ("huisarts 010-1234567", "telefoon"),
        ("kantoor 0180-123456", "telefoon"),
        ("+31 (0)10 123 45 67 is de centrale", "telefoon"),
        ("mail naar j.jansen@example.nl", "email"),
        ("auto 12-ABC-3 staat al weken", "kenteken"),
        ("busje AB-123-C op de stoep", "kenteken"),
        ("1-ABC-23 geparkeerd", "kenteken"),
        ("oude auto GH-12-34 ", "kenteken"),
        ("scooter 99-XX-XX", "kenteken"),
        ("bewoners van 2983 AB 12 klagen", "adres"),
        ("bewoners van 2983AB 12a klagen", "adres"),
        ("Dorpsstraat 12, 2983 AB", "adres"),
    ],
)
def test_personal_data_is_detected(text: str, kind: str) -> None:
    assert kind in pii.detect(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kapotte lantaarnpaal Dillenburgplein",
        f"zaaknummer {INVALID_BSN}",  # 9 digits, but no valid BSN
        "overleg op 06-12-2026 10:00 in de Fakkel",
        "zie S-12 en A-3, besproken in lbt-bolnes",
        "tussen 2019 en 2020 gestegen naar 1500 per jaar",
        "overleg met @piet over de 30 woningen",
        "rond 14:30 uur, 3 jongeren",
    ],
)
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert pii.detect(text) == []


def test_bsn_uses_the_eleven_check() -> None:
    assert pii.is_bsn(VALID_BSN)
    assert not pii.is_bsn(INVALID_BSN)
    assert not pii.is_bsn("000000000")


@given(st.text(max_size=300))
def test_detect_never_raises(text: str) -> None:
    assert set(pii.detect(text)) <= set(pii.LABELS)


def _count(bot: TalkingBot, model: type[SQLModel]) -> int:
    with bot.session() as s:
        return len(s.exec(select(model)).all())


def _all_stored_text(bot: TalkingBot) -> str:
    """Every value in every table, as one string (to prove something was never written)."""
    out: list[str] = []
    with bot.bot.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                out.extend(str(v) for v in row)
    return "\n".join(out)


async def test_signaal_with_a_bsn_is_not_stored_until_confirmed(bot: TalkingBot) -> None:
    reply = await bot.say(f"/signaal Bewoner met BSN {VALID_BSN} meldt overlast #overlast")
    assert "een BSN" in reply
    assert "nog niets opgeslagen" in reply
    question = bot.last[0]
    assert question.private
    assert [(b.label, b.action) for b in question.buttons] == [
        ("Toch opslaan", "pii_bevestig"),
        ("Aanpassen", "pii_aanpassen"),
    ]
    assert _count(bot, Signaal) == 0
    assert VALID_BSN not in _all_stored_text(bot)

    token = question.buttons[0].value
    # a click on "Toch opslaan" is /pii bevestig <token> (the button convention `<command>_<sub>`)
    stored = await bot.say(f"/pii bevestig {token}")
    assert stored.startswith("Signaal S-1 vastgelegd")
    assert "[overlast]" in stored
    assert _count(bot, Signaal) == 1

    again = await bot.say(f"/pii bevestig {token}")
    assert "verlopen of al gebruikt" in again
    assert _count(bot, Signaal) == 1


async def test_signaal_with_a_phone_number_is_not_stored_until_confirmed(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal Buurman belt steeds, zijn nummer is 06-12345678")
    assert "een telefoonnummer" in reply
    assert _count(bot, Signaal) == 0
    assert "12345678" not in _all_stored_text(bot)
    token = bot.last[0].buttons[0].value
    assert (await bot.say(f"/signaal bevestig {token}")).startswith("Signaal S-1 vastgelegd")
    with bot.session() as s:
        assert s.exec(select(Signaal.text)).one() == "Buurman belt steeds, zijn nummer is 06-12345678"


async def test_same_command_with_exclamation_mark_stores_at_once(bot: TalkingBot) -> None:
    assert (await bot.say("/signaal! Bel 06-12345678 voor de sleutel")).startswith("Signaal S-1 vastgelegd")
    assert (await bot.say("/signaal Bel 06-12345678 voor de sleutel !")).startswith("Signaal S-2 vastgelegd")
    assert (await bot.say("/signaal ! Bel 06-12345678 voor de sleutel")).startswith("Signaal S-3 vastgelegd")
    assert _count(bot, Signaal) == 3


async def test_actiepunt_with_an_email_address_waits_for_confirmation(bot: TalkingBot) -> None:
    reply = await bot.say("/actie Mail sturen naar j.jansen@example.nl @piet vrijdag")
    assert "Uw actiepunt lijkt een e-mailadres te bevatten" in reply
    assert _count(bot, Actiepunt) == 0
    token = bot.last[0].buttons[0].value
    stored = await bot.say(f"/actie bevestig {token}")
    assert stored.startswith("Actiepunt A-1 vastgelegd: Mail sturen naar j.jansen@example.nl. Eigenaar @piet")
    assert _count(bot, Actiepunt) == 1


async def test_actiepunt_from_a_signaal_with_a_licence_plate_waits_for_confirmation(bot: TalkingBot) -> None:
    await bot.say("/signaal Foutparkeerders bij de school")
    reply = await bot.say("/signaal S-1 actie Eigenaar van 12-ABC-3 aanspreken @piet vrijdag")
    assert "een kenteken" in reply
    assert _count(bot, Actiepunt) == 0
    stored = await bot.say(f"/pii bevestig {bot.last[0].buttons[0].value}")
    assert stored.startswith("Actiepunt A-1 uit S-1")
    assert _count(bot, Actiepunt) == 1


async def test_aanpassen_forgets_the_text(bot: TalkingBot) -> None:
    await bot.say("/signaal Overlast bij 2983 AB 12")
    token = bot.last[0].buttons[1].value
    assert "Niets opgeslagen" in await bot.say(f"/pii aanpassen {token}")
    assert "verlopen of al gebruikt" in await bot.say(f"/pii bevestig {token}")
    assert _count(bot, Signaal) == 0


async def test_only_the_writer_can_confirm_in_the_same_conversation(bot: TalkingBot) -> None:
    await bot.say("/signaal Bel 06-12345678")
    token = bot.last[0].buttons[0].value
    assert "Alleen wie de tekst schreef" in await bot.say(f"/pii bevestig {token}", as_="piet")
    assert "in het gesprek waarin u hem schreef" in await bot.say(f"/pii bevestig {token}", in_="@anna")
    assert _count(bot, Signaal) == 0
    assert (await bot.say(f"/pii bevestig {token}")).startswith("Signaal S-1")


async def test_pending_text_expires_after_fifteen_minutes(bot: TalkingBot) -> None:
    await bot.say("/signaal Bel 06-12345678")
    token = bot.last[0].buttons[0].value
    bot.bot.clock.advance(timedelta(minutes=16))  # time only; no jobs needed here
    assert "verlopen of al gebruikt" in await bot.say(f"/pii bevestig {token}")
    assert _count(bot, Signaal) == 0


async def test_refusals_come_before_the_privacy_question(bot: TalkingBot) -> None:
    reply = await bot.say("/signaal Bel 06-12345678", as_="kevin")  # not in Bolnes
    assert reply.startswith("Alleen leden van Leefbaarheidsteam Bolnes")
    assert not bot.last[0].buttons
