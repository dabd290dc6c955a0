"""A wijkambassadeur's /signaal that looks like it holds personal data: asked gently, through the fake Bot API."""

from __future__ import annotations

from sqlmodel import select

from bot.telegram import TelegramTransport
from storage.models import Signaal
from tests.bot.test_telegram import linked, telegram  # noqa: F401 - fixtures and helpers
from tests.support.fake_telegram import FakeTelegram
from tests.support.talk import TalkingBot


def _buttons(fake: FakeTelegram) -> list[tuple[str, str]]:
    rows = fake.sent[-1].get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def test_a_phone_number_is_pointed_out_at_the_last_check_and_aanpassen_goes_back_to_the_text(
    team: TalkingBot,  # noqa: F811
    tg: FakeTelegram,  # noqa: F811
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9101, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Buurman op nummer 7 maakt elke nacht herrie, bel hem op 06-12345678")
    await tg.tap(jan, "soort:overlast")
    await tg.tap(jan, "foto:geen")
    check = await tg.tap(jan, "plek:geen")
    assert "Klopt dit?" in check
    assert "Uw bericht lijkt persoonsgegevens te bevatten (een telefoonnummer). Wilt u het zo versturen?" in check
    assert _buttons(tg) == [("Toch versturen", "bevestig:ja"), ("Aanpassen", "bevestig:aanpassen")]

    assert "Schrijf uw bericht opnieuw" in await tg.tap(jan, "bevestig:aanpassen")
    # the new text goes straight to the last check: the kind, photo and place are still known
    again = await tg.say(jan, "Elke nacht harde muziek bij de buren in de Dijkstraat")
    assert "Klopt dit?" in again and "persoonsgegevens" not in again
    assert "Soort: Overlast of onveiligheid in de buurt" in again
    assert _buttons(tg) == [("Versturen", "bevestig:ja"), ("Annuleren", "bevestig:nee")]
    assert "S-1" in await tg.tap(jan, "bevestig:ja")
    with team.session() as s:
        assert s.exec(select(Signaal.text)).one() == "Elke nacht harde muziek bij de buren in de Dijkstraat"
    assert not any("06-12345678" in t for t in team.posted_to("#lbt-bolnes"))


async def test_toch_versturen_sends_the_text_as_written(
    team: TalkingBot,  # noqa: F811
    tg: FakeTelegram,  # noqa: F811
    telegram: TelegramTransport,  # noqa: F811
) -> None:
    jan = tg.user(9102, "Jan")
    await linked(team, tg, jan)
    await tg.say(jan, "/signaal Fietswrak voor 2981 AB 12 en mail gemeente@example.nl")
    await tg.tap(jan, "soort:woonomgeving")
    await tg.tap(jan, "foto:geen")
    check = await tg.tap(jan, "plek:geen")
    assert "(een e-mailadres en een postcode met huisnummer)" in check
    # a typed message instead of a tap: the same two buttons again
    assert "Toch versturen" in await tg.say(jan, "ja hoor")
    assert _buttons(tg) == [("Toch versturen", "bevestig:ja"), ("Aanpassen", "bevestig:aanpassen")]
    assert "S-1" in await tg.tap(jan, "bevestig:ja")
    with team.session() as s:
        assert s.exec(select(Signaal.text)).one() == "Fietswrak voor 2981 AB 12 en mail gemeente@example.nl"
