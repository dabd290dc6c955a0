"""The rapportage as a document a regiegroep accepts: read back from the PDF (pypdf) with a realistic
plan (60 activities whose texts are full of & and <), sent from the half year's last month on, corrected
and sent again as a numbered "herziene versie", and in January the report due is last year's H2."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import select

from storage.models import Voortgangsrapportage
from tests.conftest import NOW, TZ
from tests.privacy.dbstate import table_counts
from tests.support.talk import TalkingBot

ITEMS = 60


def _flat(text: str) -> str:
    return " ".join(text.split())


async def seed_plan(bot: TalkingBot) -> None:
    for n in range(1, ITEMS + 1):
        trekker = ("@piet", "@fatima", "@marieke", "")[n % 4]
        said = await bot.say(f"/jaarplan toevoegen Activiteit {n} & <buurt> {trekker} partners Facet & Wooncompas "
                             f"periode Q{n % 4 + 1} budget €{n}.000")  # fmt: skip
        assert f"J-{n} toegevoegd" in said, said
    await bot.say("/signaal Losse tegels <Vlietkade> & Kerkweg #openbare-ruimte")
    await bot.say("/signaal S-1 actie Tegels melden & nalopen @piet vrijdag")
    await bot.say("/actie Bewonersbrief <concept> & verspreiden @fatima over twee weken bij J-2")
    await bot.say("/jaarplan J-2 voortgang Brief met Facet & Wooncompas <afgestemd>")
    await bot.say("/jaarplan J-3 klaar")
    await bot.say("/jaarplan J-4 vervallen geen budget")


async def test_the_pdf_has_header_page_numbers_and_the_plan_and_actielijst_tables(
    bot: TalkingBot, output_dir: Path
) -> None:
    await seed_plan(bot)
    # a month early: the draft says from when it can be sent, and sending is refused (nothing stored)
    assert "Versturen kan vanaf di 1 dec 2026 (door @anna)." in await bot.say("/rapportage")
    before = table_counts(bot.bot.engine)
    early = await bot.say("/rapportage verstuur")
    assert early.startswith("De rapportage 2026-H2 kan pas vanaf di 1 dec 2026 verstuurd worden")
    assert table_counts(bot.bot.engine) == before
    assert bot.posted_to("#regiegroep") == []

    await bot.advance(timedelta(days=21))  # Monday 14 December
    sent = await bot.say("/rapportage verstuur")  # no chair's text needed: it is drafted from the plan
    assert sent.startswith("Voortgangsrapportage 2026-H2 van Leefbaarheidsteam Bolnes verstuurd naar #regiegroep.")
    pdf = Path(re.search(r"PDF: (\S+)", sent).group(1))  # type: ignore[union-attr]
    reader = PdfReader(pdf)
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 4  # header and plan, the rest of the plan, actielijst and figures, the chart
    for number, text in enumerate(pages, start=1):
        assert f"pagina {number} van {total}" in text
        if number > 1:
            assert "Voortgangsrapportage Leefbaarheidsteam Bolnes, 2026-H2" in _flat(text)
    first = _flat(pages[0])
    assert first.startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2026-H2 (juli – december 2026)")
    assert re.search(r"Groep:\s*Leefbaarheidsteam Bolnes", first)
    assert re.search(r"Periode:\s*2026-H2 \(juli – december 2026\)", first)
    assert re.search(r"Opgesteld door:\s*Anna de Vries \(wijkregisseur, Gemeente Ridderkerk\)", first)
    assert re.search(r"Datum:\s*ma 14 dec 2026", first)
    body = _flat(" ".join(pages))
    assert "Voortgang jaarplan: Jaarplan 2026: 60 activiteiten, 1 klaar, 58 open, 1 vervallen" in body
    # every activity is a row of the table, with its texts as typed (& and < are no markup)
    for n in range(1, ITEMS + 1):
        assert re.search(rf"J-{n} Activiteit {n} & <buurt>", body), n
    assert "Brief met Facet & Wooncompas <afgestemd>" in body
    assert "Politie Rotterdam (wijkagent)" in body
    assert "€ 60.000" in body
    assert "A-2 (open)" in body  # the actiepunt linked to J-2
    # the actielijst: its rows, with the activity they belong to
    assert "Actielijst: open aan het eind van de periode en afgerond in de periode" in body
    assert re.search(r"A-1 Tegels melden & nalopen Politie Rotterdam \(wijkagent\)", body)
    assert re.search(r"A-2 Bewonersbrief <concept> & verspreiden Facet \(sociaal makelaar\)", body)
    # the figures and the chart
    assert "Nieuwe signalen: 1 (openbare-ruimte 1)" in body
    assert reader.pages[-1].images
    # the message leaves the team: no names, signalen only by reference
    [message] = [t for t in bot.posted_to("#regiegroep") if t.startswith("Voortgangsrapportage")]
    assert "Piet" not in message
    assert "Fatima" not in message
    assert "Losse tegels" not in message
    assert "… en nog 20 activiteiten: zie de PDF." in message
    assert "gekoppeld: A-2 (open)" in message


async def test_a_sent_report_is_corrected_and_sent_again_as_a_numbered_herziene_versie(
    bot: TalkingBot, output_dir: Path
) -> None:
    await bot.say("/jaarplan toevoegen Buurtschouw Vlietkade @piet")
    await bot.advance(timedelta(days=21))
    assert "verstuurd naar #regiegroep" in await bot.say("/rapportage verstuur")
    await bot.advance(timedelta(hours=2))
    corrected = await bot.say("/rapportage tekst De schouw is verschoven naar januari.")
    assert corrected.startswith("Toelichting van de voortgangsrapportage 2026-H2 verbeterd; die was al verstuurd op")
    assert "Stuur de herziene versie 2 met /rapportage 2026-H2 verstuur." in corrected
    assert "Aangepast na het versturen" in await bot.say("/rapportage")
    second = await bot.say("/rapportage verstuur")
    assert second.startswith("Voortgangsrapportage 2026-H2 (herziene versie 2) van Leefbaarheidsteam Bolnes verstuurd")
    pdf = Path(re.search(r"PDF: (\S+)", second).group(1))  # type: ignore[union-attr]
    assert pdf.name == "voortgangsrapportage-bolnes-2026-H2-v2.pdf"
    first_page = _flat(PdfReader(pdf).pages[0].extract_text())
    assert "herziene versie 2" in first_page
    assert "De schouw is verschoven naar januari." in _flat(" ".join(p.extract_text() for p in PdfReader(pdf).pages))
    posted = [t for t in bot.posted_to("#regiegroep") if t.startswith("Voortgangsrapportage")]
    assert len(posted) == 2
    assert posted[1].startswith(
        "Voortgangsrapportage Leefbaarheidsteam Bolnes, 2026-H2 (juli – december 2026), herziene versie 2"
    )
    # nothing changed since: not again by accident; on purpose it is version 3
    assert "is al verstuurd op" in await bot.say("/rapportage verstuur")
    assert "(herziene versie 3)" in await bot.say("/rapportage verstuur herzien")
    with bot.session() as s:
        assert s.exec(select(Voortgangsrapportage)).one().versie == 3


async def test_in_january_the_report_due_is_last_years_second_half(db_url: str, output_dir: Path) -> None:
    tb = TalkingBot(db_url, datetime(2027, 1, 5, 9, 0, tzinfo=TZ))
    try:
        assert (await tb.say("/rapportage")).startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2026-H2")
        assert "verstuurd naar #regiegroep" in await tb.say("/rapportage verstuur")
        # once it is sent, the running half year is the one shown
        assert (await tb.say("/rapportage")).startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2027-H1")
    finally:
        tb.bot.engine.dispose()
    assert NOW.month == 11  # (the other tests start in November)
