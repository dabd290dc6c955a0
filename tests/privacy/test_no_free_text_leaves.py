"""What leaves a group (weekly digest, actielijsten up and down the chain) carries no free text of
signalen, no names and nothing that looks like personal data (covenant §4.5, docs/reports.md)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from handlers import pii
from storage.models import Group, OutboxMessage, Person
from tests.conftest import NOW, TZ
from tests.support.talk import TalkingBot

BSN = "111222333"  # passes the 11-proef
PHONE = "06-12345678"
PHONE_R = "06-87654321"
# Texts typed in Bolnes (B) and in the regiegroep (R); confirmed with `!` where they hold personal data.
SIGNALEN_B = [
    f"Buurman Gerrit de Wit (BSN {BSN}) intimideert bewoners bij de Zwanenhof, bel {PHONE} #overlast",
    "Krijtgraffiti op de Pluimpjesstraat bij de speeltuin #jeugd",
]
CLOSING_NOTE = "opgelost door Piet Verhoeven met de Kroezeboom-aanpak"
ACTIES_B_PERSONAL = [
    f"Huisbezoek bij Gerrit de Wit, BSN {BSN}",
    "Gesprek met Fatima Benali en Piet Verhoeven over de Zwanenhof",
    "Terugkoppeling aan @fatima over de Zwanenhof",
]
ACTIE_B_PLAIN = "Buurtschouw Vlietkade plannen"
ACTIE_R_PERSONAL = f"Casus Hoefslag bespreken met de buurtbewoner, tel {PHONE_R}"
ACTIE_R_PLAIN = "Evaluatie van de wijkschouwen opstellen"
WORDS = ["Gerrit", "de Wit", "Zwanenhof", "Pluimpjesstraat", "Krijtgraffiti", "Kroezeboom", "intimideert"]


async def seed(bot: TalkingBot) -> None:
    said = [
        await bot.say(f"/signaal! {SIGNALEN_B[0]}"),
        await bot.say(f"/signaal {SIGNALEN_B[1]}"),
        await bot.say(f"/actie! {ACTIES_B_PERSONAL[0]} @piet vrijdag"),
        await bot.say(f"/actie {ACTIES_B_PERSONAL[1]} @marieke vrijdag"),
        await bot.say(f"/actie {ACTIES_B_PERSONAL[2]} @piet volgende week"),
        await bot.say(f"/signaal S-1 actie {ACTIE_B_PLAIN} @anna over twee weken"),
        await bot.say(f"/signaal S-2 sluit {CLOSING_NOTE}"),
        await bot.say(f"/actie! {ACTIE_R_PERSONAL} @hans volgende week", as_="monique", in_="regiegroep"),
        await bot.say(f"/actie {ACTIE_R_PLAIN} @hans over drie weken", as_="monique", in_="regiegroep"),
    ]
    refs = ["S-1", "S-2", "A-1", "A-2", "A-3", "A-4", "S-2", "A-5", "A-6"]
    assert all(ref in reply for ref, reply in zip(refs, said, strict=True)), said


async def test_digest_and_actielijsten_that_leave_a_group_hold_no_free_text_names_or_personal_data(
    bot: TalkingBot,
) -> None:
    await seed(bot)
    # Past two Monday digests, the Bolnes meeting (3 Dec) and the regiegroep meeting (17 Dec).
    await bot.advance(datetime(2026, 12, 18, 12, 0, tzinfo=TZ) - NOW)

    with bot.session() as s:
        names = [p.name for p in s.exec(select(Person)).all()]
        keys = [p.key for p in s.exec(select(Person)).all()]
        channel_of = {g.key: g.channel for g in s.exec(select(Group)).all()}
        produced = s.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "channel", col(OutboxMessage.created_at) > NOW)
            .order_by(col(OutboxMessage.id))
        ).all()
    # Everything the jobs sent to a channel other than Bolnes' own (regiegroep, stuurgroep, other
    # teams), and other than the regiegroep's own; and of those, the reports that leave a group.
    outside_bolnes = [m.text for m in produced if m.destination != channel_of["bolnes"]]
    outside_regie = [m.text for m in produced if m.destination != channel_of["regiegroep"]]
    digests = [t for t in outside_bolnes if t.startswith("Weekoverzicht")]
    team_list = [t for t in outside_bolnes if t.startswith("Actielijst Leefbaarheidsteam Bolnes")]
    regie_lists = [t for t in outside_regie if t.startswith("Actielijst Regiegroep")]
    verslagen = [t for t in outside_bolnes if t.startswith("Verslag van het overleg van Leefbaarheidsteam Bolnes")]
    verslagen += [t for t in outside_regie if t.startswith("Verslag van het overleg van Regiegroep")]
    assert len(verslagen) == 3  # Bolnes' to the regiegroep and the stuurgroep, the regiegroep's to the stuurgroep
    assert len(digests) == 3, [t[:50] for t in outside_bolnes]
    assert len(team_list) == 1, [t[:50] for t in outside_bolnes]
    assert len(regie_lists) == 7, [t[:50] for t in outside_bolnes]

    for text in outside_bolnes:
        for free in [*SIGNALEN_B, CLOSING_NOTE, *ACTIES_B_PERSONAL]:
            assert free.split(" #")[0] not in text, (free, text)
        for word in [BSN, PHONE, *WORDS]:
            assert word not in text, (word, text)
    for text in outside_regie:
        assert ACTIE_R_PERSONAL not in text, text
        assert PHONE_R not in text, text
        assert "Hoefslag" not in text, text
    for text in digests + team_list + regie_lists + verslagen:
        assert pii.detect(text) == [], text
        for name in names:
            assert name not in text, (name, text)
        for key in keys:
            assert f"@{key}" not in text, (key, text)
    # by design the actielijst carries the group's agreements when they hold no personal data; the
    # withheld ones are still counted and referenced, so the regiegroep can ask the team
    assert ACTIE_B_PLAIN in team_list[0]
    assert ACTIE_R_PLAIN in regie_lists[0]
    assert team_list[0].count("tekst niet gedeeld") == 3
    assert all(t.count("tekst niet gedeeld") == 1 for t in regie_lists)
