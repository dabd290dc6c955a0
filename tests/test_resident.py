"""The wijkambassadeur's conversations, each run twice: through the handler port (neutral events on
the console transport, no chat library) and through Telegram (the real PTB adapter against the
fake Bot API). One scenario, one set of assertions: the adapter only translates.

Moved here from tests/bot/test_telegram.py, test_telegram_pii.py and test_telegram_native.py
(their assertions unchanged, the Telegram-only ones kept there: webhook, restart, groups, HTML).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlmodel import col, select

from handlers import resident_flow
from storage import identity
from storage.models import Draft, Invitation, Membership, OutboxMessage, Person, PersonAddress, Signaal
from tests.bot.test_telegram import start_telegram, stop_telegram
from tests.support.fake_telegram import FakeTelegram
from tests.support.resident import PortResident, Resident, TelegramResident
from tests.support.talk import TalkingBot

MELDINGEN_URL = "https://www.ridderkerk.nl/melding-openbare-ruimte"  # config/ridderkerk.toml
Residents = Callable[[int, str], Resident]


@pytest.fixture(params=["console", "telegram"])
async def residents(request: pytest.FixtureRequest, team: TalkingBot, tg: FakeTelegram) -> AsyncIterator[Residents]:
    """Make a resident (an id, a first name) on the way in of this run: the handler port or Telegram."""
    if request.param == "telegram":
        transport = await start_telegram(team, tg)
        yield lambda uid, name: TelegramResident(tg, tg.user(uid, name))
        await stop_telegram(team, transport)
    else:
        yield lambda uid, name: PortResident(team, str(uid), name)


async def invite(team: TalkingBot) -> str:
    reply = await team.say("/ambassadeur uitnodigen")
    m = re.search(r"\?start=([A-Za-z0-9_-]+)", reply)
    assert m, reply
    return m[1]


async def linked(team: TalkingBot, who: Resident) -> None:
    code = await invite(team)
    assert f"Welkom, {who.first_name}!" in await who.say(f"/start {code}")


def counts(team: TalkingBot) -> dict[str, int]:
    return {m.__name__: team.rows(m) for m in (Person, PersonAddress, Invitation, Signaal, Membership, Draft)}


def holder(team: TalkingBot, who: Resident) -> Person | None:
    """Whoever is bound to the resident's address, active or not (None: nobody)."""
    with team.session() as s:
        for person in s.exec(select(Person)).all():
            if identity.address_of(s, person, who.transport) == who.address:
                return person
    return None


# --- the whole way round -----------------------------------------------------------------------


async def test_ambassador_reports_with_photo_and_location_and_hears_back_when_the_team_closes_it(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7001, "Jan")
    code = await invite(team)
    assert "U bent nu wijkambassadeur voor Leefbaarheidsteam Bolnes" in await jan.say(f"/start {code}")
    assert any("Jan (@amb-" in t for t in team.posted_to("#lbt-bolnes"))

    assert "Wat wilt u melden?" in await jan.say("/signaal")
    assert "Wat voor melding is het?" in await jan.say("Het steegje achter de Kerkweg is 's avonds pikdonker")
    assert "Heeft u een foto?" in await jan.tap("soort:woonomgeving")
    assert "Waar is het?" in await jan.photo("AgACAgQ-steeg")
    summary = await jan.location(51.87234, 4.59011)
    assert "Klopt dit?" in summary
    assert "Foto: ja" in summary
    assert "51.87234, 4.59011" in summary
    thanks = await jan.tap("bevestig:ja")
    assert "S-1" in thanks
    assert "Leefbaarheidsteam Bolnes" in thanks

    posted = team.posted_to("#lbt-bolnes")[-1]
    assert "S-1" in posted
    assert "van een wijkambassadeur" in posted
    assert "pikdonker" in posted
    assert "Locatie: 51.87234, 4.59011" in posted
    assert "Foto" in posted
    with team.session() as s:
        sig = s.exec(select(Signaal)).one()
        row = s.exec(select(OutboxMessage).where(OutboxMessage.destination == "lbt-bolnes")).all()[-1]
    assert (sig.source, sig.category, sig.triage) == ("ambassadeur", "woonomgeving", "woonomgeving")
    assert sig.photo_ref == f"{jan.transport}:AgACAgQ-steeg"
    assert sig.location == "51.87234, 4.59011"
    assert json.loads(row.payload)["buttons"] == [
        {"label": "Maak actie", "action": "signaal_actie", "value": "S-1"},
        {"label": "Sluit", "action": "signaal_sluit", "value": "S-1"},
    ]

    closed = await team.say("/signaal S-1 sluit Lamp is gemaakt")
    assert "De wijkambassadeur krijgt hiervan bericht" in closed
    status = jan.inbox()[-1]
    assert "S-1" in status
    assert "Lamp is gemaakt" in status
    assert "afgehandeld" in await jan.say("/mijnsignalen")
    assert team.rows(Draft) == 0  # the conversation ended with its last step


async def test_ambassador_hears_that_the_team_acts_but_never_the_actiepunt_or_its_owner(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7002, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Jongeren hangen elke avond op het bankje bij de speeltuin")
    await jan.tap("soort:overlast")
    await jan.tap("foto:geen")
    await jan.tap("plek:geen")
    assert "S-1" in await jan.tap("bevestig:ja")

    await team.say("/signaal S-1 oppakken")
    assert "is opgepakt" in jan.inbox()[-1]
    reply = await team.say("/signaal S-1 actie Gesprek met de jongerenwerker over de bank @fatima vrijdag")
    assert "A-1" in reply
    told = jan.inbox()[-1]
    assert "aan de slag" in told
    assert "jongerenwerker" not in told
    assert "fatima" not in told.lower()
    assert "A-1" not in told


# --- refusals: nothing stored ----------------------------------------------------------------


async def test_a_used_code_is_refused_and_stores_nothing_about_the_second_person(
    team: TalkingBot, residents: Residents
) -> None:
    code = await invite(team)
    assert "Welkom, Jan" in await residents(7101, "Jan").say(f"/start {code}")
    before = counts(team)
    kees = residents(7102, "Kees")
    answer = await kees.say(f"/start {code}")
    assert "al gebruikt" in answer
    assert "wijkregisseur" in answer
    assert counts(team) == before
    assert holder(team, kees) is None


async def test_an_expired_code_is_refused_after_fourteen_days_and_stores_nothing(
    team: TalkingBot, residents: Residents
) -> None:
    code = await invite(team)
    team.bot.clock.advance(timedelta(days=15))
    before = counts(team)
    answer = await residents(7201, "Kees").say(f"/start {code}")
    assert "verlopen" in answer
    assert "wijkregisseur" in answer
    assert counts(team) == before
    with team.session() as s:
        assert s.exec(select(Invitation)).one().used_at is None


async def test_start_without_or_with_an_unknown_code_explains_how_to_become_an_ambassador(
    team: TalkingBot, residents: Residents
) -> None:
    before = counts(team)
    kees = residents(7301, "Kees")
    assert "Vraag dan de wijkregisseur" in await kees.say("/start")
    assert "ken ik niet" in await kees.say("/start verzonnen-code")
    assert counts(team) == before


async def test_an_unlinked_user_cannot_report_and_nothing_about_them_is_stored(
    team: TalkingBot, residents: Residents
) -> None:
    stranger = residents(7401, "Kees")
    before = counts(team)
    assert "geen wijkambassadeur" in await stranger.say("/signaal")
    assert "/signaal" in await stranger.say("De lantaarnpaal is kapot")  # not in a conversation
    assert "geen wijkambassadeur" in await stranger.say("/mijnsignalen")
    assert counts(team) == before
    with team.session() as s:
        assert s.exec(select(Draft).where(col(Draft.address).contains("7401"))).first() is None


# --- leaving ---------------------------------------------------------------------------------


async def test_stop_erases_the_address_and_name_and_keeps_the_signalen_anonymously(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7601, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Veel zwerfkatten in de tuinen aan de Dijkstraat")
    await jan.tap("soort:vraag")
    await jan.tap("foto:geen")
    await jan.tap("plek:geen")
    await jan.tap("bevestig:ja")
    await jan.say("/signaal Nog iets")  # a half-told second signaal: personal data too
    assert team.rows(Draft) == 1

    answer = await jan.say("/stop")
    assert "afgemeld" in answer
    assert "gewist" in answer
    with team.session() as s:
        person = s.exec(select(Person).where(Person.kind == "ambassadeur")).one()
        assert identity.address_of(s, person, jan.transport) is None
        assert person.name == "[verwijderd]"
        assert person.key == f"verwijderd-{person.id}"
        assert not person.active
        assert person.erased_at is not None
        assert s.exec(select(Person).where(col(Person.name).contains("Jan"))).first() is None
        assert identity.person_at(s, jan.transport, jan.address) is None
    assert holder(team, jan) is None
    with team.session() as s:
        assert s.exec(select(PersonAddress).where(PersonAddress.person_id == person.id)).first() is None
        assert s.exec(select(Membership).where(Membership.person_id == person.id)).first() is None
        assert s.exec(select(Draft)).first() is None
        sig = s.exec(select(Signaal)).one()
        assert sig.reported_by_id == person.id
        assert "zwerfkatten" in sig.text
    assert "heeft zich afgemeld" in team.posted_to("#lbt-bolnes")[-1]
    assert "geen wijkambassadeur" in await jan.say("/signaal")


async def test_chair_lists_and_removes_an_ambassador_and_only_the_chair_may(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7701, "Jan")
    await linked(team, jan)
    listing = await team.say("/ambassadeur lijst")
    assert "1. Jan (@amb-" in listing
    assert "sinds 23 nov 2026" in listing
    assert "Jan" in await team.say("/ambassadeur lijst", as_="piet")  # members may see who they are
    assert "Alleen de voorzitter" in await team.say("/ambassadeur verwijder 1", as_="piet")
    assert "Alleen de voorzitter" in await team.say("/ambassadeur uitnodigen", as_="piet")
    assert "geen wijkambassadeur meer" in await team.say("/ambassadeur verwijder Jan")
    assert holder(team, jan) is None
    assert "nog geen wijkambassadeurs" in await team.say("/ambassadeur lijst")
    assert "geen wijkambassadeur" in await jan.say("/signaal")


# --- triage, cancelling, time ------------------------------------------------------------------


async def test_a_public_space_complaint_gets_the_municipalitys_reporting_link_and_no_signaal(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7801, "Jan")
    await linked(team, jan)
    posted = len(team.posted_to("#lbt-bolnes"))
    await jan.say("/signaal")
    await jan.say("Lantaarnpaal op de hoek van de Kerkweg is kapot")
    answer = await jan.tap("soort:openbare-ruimte")
    assert MELDINGEN_URL in answer
    assert "Dank u wel" in answer
    assert team.rows(Signaal) == 0
    assert len(team.posted_to("#lbt-bolnes")) == posted
    assert "/signaal" in await jan.say("hallo?")  # the conversation is over
    assert team.rows(Draft) == 0


async def test_annuleer_leaves_the_conversation_at_any_step_and_sends_nothing(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(7901, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Harde muziek bij de buren, elke nacht")
    await jan.tap("soort:overlast")
    assert "Gestopt" in await jan.say("/annuleer")
    assert "niets om te annuleren" in await jan.say("/annuleer")
    assert team.rows(Signaal) == 0
    assert team.rows(Draft) == 0


async def test_a_conversation_left_alone_for_thirty_minutes_ends_without_sending(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(8001, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Er staat al weken een auto zonder kenteken")
    team.bot.clock.advance(timedelta(minutes=31))
    assert "30 minuten" in await jan.tap("soort:vraag")
    assert team.rows(Signaal) == 0
    assert team.rows(Draft) == 0


async def test_a_button_of_another_step_or_a_finished_conversation_is_explained_and_changes_nothing(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(8002, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Kapotte bank in het park")
    await jan.tap("soort:woonomgeving")  # "Geen foto" is offered ...
    assert "Waar is het?" in await jan.photo("AgAC-bank")  # ... but a photo comes; "Sla over" is offered
    assert "Klopt dit?" in await jan.say("Parkweg")
    assert "al afgerond of gestopt" in await jan.tap("foto:geen")  # a button of an earlier step
    assert "S-1" in await jan.tap("bevestig:ja")  # the conversation went on where it was
    assert "al afgerond of gestopt" in await jan.tap("plek:geen")  # and it is over now
    with team.session() as s:
        sig = s.exec(select(Signaal)).one()
    assert (sig.location, sig.photo_ref) == ("Parkweg", f"{jan.transport}:AgAC-bank")
    assert team.rows(Draft) == 0


# --- personal data in the text (was tests/bot/test_telegram_pii.py) ----------------------------


async def test_a_phone_number_is_pointed_out_at_the_last_check_and_aanpassen_goes_back_to_the_text(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(9101, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Buurman op nummer 7 maakt elke nacht herrie, bel hem op 06-12345678")
    await jan.tap("soort:overlast")
    await jan.tap("foto:geen")
    check = await jan.tap("plek:geen")
    assert "Klopt dit?" in check
    assert "Uw bericht lijkt persoonsgegevens te bevatten (een telefoonnummer). Wilt u het zo versturen?" in check
    assert jan.buttons() == [("Toch versturen", "bevestig:ja"), ("Aanpassen", "bevestig:aanpassen")]

    assert "Schrijf uw bericht opnieuw" in await jan.tap("bevestig:aanpassen")
    # the new text goes straight to the last check: the kind, photo and place are still known
    again = await jan.say("Elke nacht harde muziek bij de buren in de Dijkstraat")
    assert "Klopt dit?" in again
    assert "persoonsgegevens" not in again
    assert "Soort: Overlast of onveiligheid in de buurt" in again
    assert jan.buttons() == [("Versturen", "bevestig:ja"), ("Annuleren", "bevestig:nee")]
    assert "S-1" in await jan.tap("bevestig:ja")
    with team.session() as s:
        assert s.exec(select(Signaal.text)).one() == "Elke nacht harde muziek bij de buren in de Dijkstraat"
    assert not any("06-12345678" in t for t in team.posted_to("#lbt-bolnes"))


async def test_toch_versturen_sends_the_text_as_written(team: TalkingBot, residents: Residents) -> None:
    jan = residents(9102, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Fietswrak voor 2981 AB 12 en mail gemeente@example.nl")
    await jan.tap("soort:woonomgeving")
    await jan.tap("foto:geen")
    check = await jan.tap("plek:geen")
    assert "(een e-mailadres en een postcode met huisnummer)" in check
    # a typed message instead of a tap: the same two buttons again
    assert "Toch versturen" in await jan.say("ja hoor")
    assert jan.buttons() == [("Toch versturen", "bevestig:ja"), ("Aanpassen", "bevestig:aanpassen")]
    assert "S-1" in await jan.tap("bevestig:ja")
    with team.session() as s:
        assert s.exec(select(Signaal.text)).one() == "Fietswrak voor 2981 AB 12 en mail gemeente@example.nl"


# --- photos sent as files (was tests/bot/test_telegram_native.py) ------------------------------


async def test_a_photo_sent_as_a_file_is_taken_like_a_photo_and_another_file_is_not(
    team: TalkingBot, residents: Residents
) -> None:
    jan = residents(9502, "Jan")
    await linked(team, jan)
    await jan.say("/signaal Grafitti op de muur van het buurthuis")
    await jan.tap("soort:woonomgeving")
    assert "Dat is geen foto" in await jan.photo_as_file("BQAC-brief", "application/pdf", "brief.pdf")
    assert "foto is erbij" in await jan.photo_as_file("BQAC-muur", "image/jpeg", "IMG_2041.JPG")
    assert "Foto: ja" in await jan.tap("plek:geen")
    assert "S-1" in await jan.tap("bevestig:ja")
    with team.session() as s:
        assert s.exec(select(Signaal.photo_ref)).one() == f"{jan.transport}:BQAC-muur"


# --- the state machine on its own ------------------------------------------------------------


def test_every_step_offers_buttons_of_its_own_action_only() -> None:
    offered = {
        resident_flow.KIND: resident_flow.KIND_BUTTONS,
        resident_flow.PHOTO: resident_flow.PHOTO_BUTTONS,
        resident_flow.WHERE: resident_flow.WHERE_BUTTONS,
        resident_flow.CONFIRM: resident_flow.CONFIRM_BUTTONS + resident_flow.PII_BUTTONS,
    }
    for step, buttons in offered.items():
        assert {b.action for b in buttons} == {resident_flow.ACTIONS[step]}, step
    assert resident_flow.ACTIONS[resident_flow.WHAT] == ""
