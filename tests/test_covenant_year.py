"""Issue 15 acceptance, in the console: a year of Leefbaarheidsteam Bolnes under the Ridderkerk covenant.

One `wijkbot console` process on the default configuration (config/ridderkerk.toml: six teams
report to the regiegroep, the regiegroep to the stuurgroep), from Monday 4 January 2027 to
1 October 2027. Time moves only with `:advance` (each step says where it lands: the console's
"Het is nu ..." line is checked). The meetings come from the configuration: Bolnes every 8 weeks
on Thursday 10:00 (28 January, 25 March, 20 May, 15 July, ...), the regiegroep every 12 weeks
(11 March, 3 June, ...), the stuurgroep every 26 weeks (19 January, 20 July).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.test_console import run_console

START = "2027-01-04T09:00"

SCRIPT = """\
# --- January: the jaarplan is made; members bring in agendapunten; a guest is invited -------
/jaarplan toevoegen Buurtschouw Vlietkade @piet partners Wooncompas periode Q2 budget €1.500
/jaarplan toevoegen Zomeractiviteiten jongeren @fatima partners Facet periode juli en augustus budget €2.500
/jaarplan toevoegen Opknappen speelplein Bolnes @marieke partners Wooncompas, Facet periode Q3 budget €4.000
/jaarplan
/actie Schouwroute uitzetten @piet eind februari bij J-1
/overleg agendapunt Veiligheid rond de basisschool gast @rick
:as marieke
/overleg agendapunt Stand van zaken speelplein
:as fatima
/afmelden 28 januari op cursus
:as anna
/overleg
# Thursday 28 January 11:00: the first meeting of the year has been going on for an hour
:advance 24d2h
/besluit Het jaarplan 2027 is vastgesteld
/besluit De schouw van de Vlietkade wordt in april gelopen
/overleg aanwezig 28 januari @anna @piet @marieke @rick
# --- February: a signaal the team cannot solve goes up to the regiegroep --------------------
# Monday 8 February 09:00
:advance 10d22h
/signaal Drugsoverlast in de portiekflats aan de Vlietkade #veiligheid
/opschalen S-1 structureel probleem; de politie heeft meer capaciteit nodig
:as piet
/actie gedaan A-1 route staat
/overleg kom 25 maart
:as anna
# --- March: the regiegroep decides on S-1; Bolnes cancels its March meeting -----------------
# Thursday 11 March 10:00, an hour into the regiegroep's meeting
:advance 31d1h
:in regiegroep
:as monique
/besluit Politie zet extra surveillance in bij de Vlietkade over S-1
/besluit Elk team bespreekt de aanpak van drugsoverlast in het volgende overleg
/overleg aanwezig 11 maart alle
:in lbt-bolnes
:as anna
# Monday 15 March 09:00
:advance 3d23h
/overleg afzeggen 25 maart te weinig agendapunten
# --- April: progress on the plan; the May meeting is moved a week ------------------------------
# Monday 12 April 09:00 (summer time since 28 March)
:advance 27d23h
/jaarplan J-1 voortgang schouw gelopen met Wooncompas en politie; 12 knelpunten genoteerd
:as fatima
/afmelden 20 mei vakantie
:as anna
/overleg verplaats 20 mei naar 27 mei 10:00
# --- May: the moved meeting ----------------------------------------------------------------------
# Thursday 27 May 11:00
:advance 45d2h
/besluit De knelpunten van de schouw gaan naar de gemeente
/overleg aanwezig 27 mei @anna @piet @marieke
# --- June: the rapportage over the first half year, drafted from the plan, is sent ---------------
# Tuesday 1 June 10:00
:advance 4d23h
/jaarplan J-1 klaar alle knelpunten gemeld
/jaarplan J-2 voortgang programma met Facet rond, start 12 juli
/rapportage
/rapportage verstuur
# --- July: the stuurgroep decides; it reaches the regiegroep and the teams -----------------------
# Tuesday 20 July 15:00, an hour into the stuurgroep's meeting
:advance 49d5h
:in stuurgroep
:as els
/besluit Het budget voor de aanpak van drugsoverlast wordt in 2028 verhoogd
/overleg aanwezig 20 juli alle
:in lbt-bolnes
:as anna
# --- October: the last quarter; the chair is asked to evaluate the plan ---------------------------
# Friday 1 October 10:00
:advance 72d19h
"""


def _script() -> str:
    """The script without its comment lines (the console would take them as messages)."""
    return "".join(line + "\n" for line in SCRIPT.splitlines() if line and not line.startswith("#"))


def _between(out: list[str], first: str, last: str | None = None) -> list[str]:
    """The lines after the line `first` (exact) up to the line `last` (exact) or the end."""
    i = out.index(first) + 1
    return out[i : out.index(last, i) if last else len(out)]


def _message(out: list[str], start: str, last: str | None = None) -> str:
    """A message of several lines: the line that starts with `start` and the lines that belong to it:
    up to the line that starts with `last`, or else until the next line that is a message of its own
    (`[#...]`, `[@...]`) or a console line."""
    i = next(k for k, line in enumerate(out) if line.startswith(start))
    lines = [out[i]]
    for line in out[i + 1 :]:
        if last is None and line.startswith(("[#", "[@", "Het is nu ", "U bent nu ")):
            break
        lines.append(line)
        if last is not None and line.startswith(last):
            break
    return "\n".join(lines)


def test_a_year_of_one_team_from_jaarplan_to_q4_evaluation(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(tmp_path / "uitvoer"))
    result = run_console(db_url, _script(), "--now", START)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    text = result.stdout

    # time moved only with :advance, and landed where the comments say
    assert [line for line in out if line.startswith("Het is nu ")] == [
        "Het is nu do 28 jan 2027 11:00.",
        "Het is nu ma 8 feb 2027 09:00.",
        "Het is nu do 11 mrt 2027 10:00.",
        "Het is nu ma 15 mrt 2027 09:00.",
        "Het is nu ma 12 apr 2027 09:00.",
        "Het is nu do 27 mei 2027 11:00.",
        "Het is nu di 1 jun 2027 10:00.",
        "Het is nu di 20 jul 2027 15:00.",
        "Het is nu vr 1 okt 2027 10:00.",
    ]
    jan_28 = _between(out, "Het is nu do 28 jan 2027 11:00.", "Het is nu ma 8 feb 2027 09:00.")
    feb_8 = _between(out, "Het is nu ma 8 feb 2027 09:00.", "Het is nu do 11 mrt 2027 10:00.")
    mar_11 = _between(out, "Het is nu do 11 mrt 2027 10:00.", "Het is nu ma 15 mrt 2027 09:00.")
    mar_15 = _between(out, "Het is nu ma 15 mrt 2027 09:00.", "Het is nu ma 12 apr 2027 09:00.")
    apr_12 = _between(out, "Het is nu ma 12 apr 2027 09:00.", "Het is nu do 27 mei 2027 11:00.")
    may_27 = _between(out, "Het is nu do 27 mei 2027 11:00.", "Het is nu di 1 jun 2027 10:00.")
    jun_1 = _between(out, "Het is nu di 1 jun 2027 10:00.", "Het is nu di 20 jul 2027 15:00.")
    jul_20 = _between(out, "Het is nu di 20 jul 2027 15:00.", "Het is nu vr 1 okt 2027 10:00.")

    # 1. January: the jaarplan, three activities with trekker, periode and budget; an actiepunt bij J-1
    assert out[0] == (
        "J-1 toegevoegd aan Jaarplan 2027 van Leefbaarheidsteam Bolnes: Buurtschouw Vlietkade. "
        "Trekker @piet; partners: Wooncompas; periode: Q2; budget: € 1.500."
    )
    assert out[2].startswith("J-3 toegevoegd aan Jaarplan 2027 van Leefbaarheidsteam Bolnes: Opknappen speelplein")
    plan = _between(out, out[2])[:4]
    assert plan == [
        "Jaarplan 2027 van Leefbaarheidsteam Bolnes: 3 activiteiten (3 open, 0 klaar, 0 vervallen):",
        "• J-1 Buurtschouw Vlietkade | trekker @piet | partners Wooncompas | Q2 | € 1.500 | open",
        "• J-2 Zomeractiviteiten jongeren | trekker @fatima | partners Facet | juli en augustus | € 2.500 | open",
        "• J-3 Opknappen speelplein Bolnes | trekker @marieke | partners Wooncompas, Facet | Q3 | € 4.000 | open",
    ]
    assert "Actiepunt A-1 vastgelegd: Schouwroute uitzetten. Eigenaar @piet, deadline vr 26 feb 2027, bij J-1." in out

    # 2. agendapunten by members; the guest (a boa of the gemeente, no member of Bolnes) gets the
    #    invitation with the agenda, and the reminders of that meeting
    assert (
        "Agendapunt toegevoegd aan het overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027 10:00: Veiligheid "
        "rond de basisschool. Rick Hendriks is uitgenodigd en krijgt de agenda en de herinneringen."
    ) in out
    invitation = _message(out, "[@rick] U bent uitgenodigd voor het overleg van Leefbaarheidsteam Bolnes")
    assert (
        "op do 28 jan 2027 10:00, Ontmoetingscentrum Bolnes, voor het agendapunt: Veiligheid rond de basisschool"
    ) in invitation
    assert (
        "\nAgenda:\n1. Jaarplan 2027 vaststellen\n   Jaarplan 2027: 3 activiteiten (3 open, 0 klaar, 0 vervallen)\n2."
    ) in invitation
    assert "trekker @piet" not in invitation  # the plan's activities, like its actiepunten, stay in the team
    assert "1) Veiligheid rond de basisschool (ingebracht door Anna de Vries; gast: Rick Hendriks)" in invitation
    assert "Schouwroute" not in invitation  # a guest gets the outline: the team's actiepunten stay in the team
    agenda = _message(out, "Volgend overleg van Leefbaarheidsteam Bolnes: do 28 jan 2027 10:00")
    assert "1. Jaarplan 2027 vaststellen\n   Jaarplan 2027: 3 activiteiten (3 open, 0 klaar, 0 vervallen)" in agenda
    assert "   1) Veiligheid rond de basisschool (ingebracht door Anna de Vries; gast: Rick Hendriks)\n" in agenda
    assert "   2) Stand van zaken speelplein (ingebracht door Marieke Kok)" in agenda
    assert any(
        line.startswith("[@rick] Herinnering: u bent morgen te gast bij het overleg van Leefbaarheidsteam Bolnes")
        for line in out
    )

    # 4. the meeting of 28 January: besluiten, attendance confirmed, the verslag up the chain once
    assert (
        "Besluit B-1 vastgelegd bij het overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027 10:00: "
        "Het jaarplan 2027 is vastgesteld"
    ) in jan_28
    assert (
        "Aanwezigheid bij het overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027 10:00 vastgelegd "
        "(aanwezig: @anna, @marieke, @piet, @rick; afgemeld: @fatima)."
    ) in jan_28
    assert "Het verslag (besluiten, actiepunten, aanwezigheid in aantallen) is doorgestuurd." in jan_28
    for channel in ("#regiegroep", "#stuurgroep"):
        head = f"[{channel}] Verslag van het overleg van Leefbaarheidsteam Bolnes op do 28 jan 2027 10:00"
        assert out.count(head) == 1, channel  # once: not again at 23:00 on the meeting day
        verslag = _message(out, head, last="Participatie:")
        assert "Aanwezigheid: aanwezig 4; afgemeld 1; afwezig 0." in verslag
        assert "• B-1 Het jaarplan 2027 is vastgesteld\n• B-2 De schouw van de Vlietkade wordt in april gelopen" in (
            verslag
        )
        assert "• A-1 Schouwroute uitzetten | Politie Rotterdam (wijkagent) | deadline vr 26 feb 2027" in verslag
        assert "@piet" not in verslag
        assert "Piet" not in verslag

    # 6. an escalation from the team: the regiegroep's chair is told at once, it is on their agenda,
    #    they decide it in their meeting, and the outcome comes back to the team's channel
    assert (
        "[@monique] Anna de Vries (Leefbaarheidsteam Bolnes) schaalt S-1 op naar Regiegroep leefbaarheid "
        "Ridderkerk: structureel probleem; de politie heeft meer capaciteit nodig"
    ) in feb_8
    assert any(line.startswith("S-1 is opgeschaald naar Regiegroep leefbaarheid Ridderkerk;") for line in feb_8)
    reminder = _message(out, "[#regiegroep] Herinnering: Regiegroep leefbaarheid Ridderkerk vergadert over 7 dagen.")
    assert "Wanneer: do 11 mrt 2027 09:00" in reminder
    assert "Opgeschaald: 1 zaak\n   - S-1 uit Leefbaarheidsteam Bolnes: Drugsoverlast in de portiekflats" in reminder
    outcome = _message(mar_11, "[#lbt-bolnes] Uitkomst van het opschalen van S-1:")
    assert outcome.startswith(
        "[#lbt-bolnes] Uitkomst van het opschalen van S-1: besluit B-3 van Regiegroep leefbaarheid Ridderkerk: "
        "Politie zet extra surveillance in bij de Vlietkade"
    )
    assert "opgeschaald: naar Regiegroep leefbaarheid Ridderkerk: structureel probleem" in outcome  # its history
    assert "besluit na opschalen: Politie zet extra surveillance in bij de Vlietkade (door Monique Dekker)" in outcome
    assert "Het opschalen van S-1 is daarmee afgehandeld; de uitkomst staat in #lbt-bolnes." in mar_11
    # the regiegroep's verslag goes up to the stuurgroep; its besluiten down to every team
    rg = _message(mar_11, "[#stuurgroep] Verslag van het overleg van Regiegroep leefbaarheid Ridderkerk op do 11 mrt")
    assert "• B-3 Politie zet extra surveillance in bij de Vlietkade (over S-1)" in rg
    down = _message(mar_11, "[#lbt-bolnes] Besluiten van Regiegroep leefbaarheid Ridderkerk (overleg van do 11 mrt")
    assert "• B-4 Elk team bespreekt de aanpak van drugsoverlast in het volgende overleg" in down
    assert any(line.startswith("[#lbt-slikkerveer] Besluiten van Regiegroep leefbaarheid") for line in mar_11)

    # 3. the March meeting is cancelled: Piet, who had said he comes, is told
    assert "Genoteerd: u komt naar het overleg van Leefbaarheidsteam Bolnes op do 25 mrt 2027 10:00." in feb_8
    assert mar_15[0] == (
        "Het overleg van Leefbaarheidsteam Bolnes op do 25 mrt 2027 10:00 gaat niet door. Reden: te weinig "
        "agendapunten. Het volgende overleg is op do 20 mei 2027 10:00."
    )
    assert mar_15[1].startswith(
        "[@piet] Het overleg van Leefbaarheidsteam Bolnes op do 25 mrt 2027 10:00 gaat niet door."
    )
    assert mar_15[1].endswith("Uw aanmelding daarvoor is niet meer nodig.")
    assert (
        "Overleg van Leefbaarheidsteam Bolnes op do 25 mrt 2027 10:00 afgezegd. Het kanaal en 1 persoon die had "
        "gereageerd of uitgenodigd was, krijgen bericht."
    ) in mar_15
    assert "Herinnering: Leefbaarheidsteam Bolnes vergadert morgen." not in "\n".join(mar_15)  # none for 25 March
    #    ... and the May meeting is moved: Fatima's afmelding goes with it, and she is told
    assert (
        "[@fatima] Het overleg van Leefbaarheidsteam Bolnes is verplaatst van do 20 mei 2027 10:00 naar "
        "do 27 mei 2027 10:00, Ontmoetingscentrum Bolnes. Uw afmelding geldt nu voor do 27 mei 2027 10:00; "
        "kunt u dan wel, zeg het met /overleg kom in #lbt-bolnes."
    ) in apr_12
    assert (
        "Overleg van Leefbaarheidsteam Bolnes verplaatst van do 20 mei 2027 10:00 naar do 27 mei 2027 10:00. "
        "De antwoorden gaan mee; 1 persoon die had gereageerd of uitgenodigd was, krijgt bericht."
    ) in apr_12
    eve = _message(apr_12, "Herinnering: Leefbaarheidsteam Bolnes vergadert morgen.")  # reminders at the new time
    assert "Wanneer: do 27 mei 2027 10:00" in eve
    assert (
        "Aanwezigheid bij het overleg van Leefbaarheidsteam Bolnes op do 27 mei 2027 10:00 vastgelegd "
        "(aanwezig: @anna, @marieke, @piet; afgemeld: @fatima)."
    ) in may_27
    may = _message(may_27, "[#regiegroep] Verslag van het overleg van Leefbaarheidsteam Bolnes op do 27 mei 2027")
    assert "• B-5 De knelpunten van de schouw gaan naar de gemeente" in may
    assert "• A-1 Schouwroute uitzetten | Politie Rotterdam (wijkagent) | deadline vr 26 feb 2027 (gedaan)" in may

    # 7. June: asked for the rapportage; it is drafted from the plan and sent with the PDF
    assert any(
        line.startswith("[@anna] Het is tijd voor de voortgangsrapportage van het jaarplan 2027 van Leefbaarheidsteam")
        for line in apr_12 + may_27  # the prompt of 1 June 09:00 comes during the advance to 10:00
    )
    assert "J-1 is klaar: Buurtschouw Vlietkade. Toelichting: alle knelpunten gemeld" in jun_1
    draft = _message(jun_1, "Voortgangsrapportage Leefbaarheidsteam Bolnes, 2027-H1 (januari – juni 2027)")
    assert (
        "Voortgang jaarplan:\n"
        "• Jaarplan 2027: 3 activiteiten, 1 klaar, 2 open, 0 vervallen; 2 voortgangsnotities in dit halfjaar\n"
        "• J-1 Buurtschouw Vlietkade | trekker Politie Rotterdam (wijkagent) | Q2 | € 1.500 | klaar\n"
        "   voortgang: ma 12 apr 2027: schouw gelopen met Wooncompas en politie; 12 knelpunten genoteerd\n"
        "   gekoppeld: A-1 (gedaan)\n"
        "• J-2 Zomeractiviteiten jongeren | trekker Facet (sociaal makelaar) | juli en augustus | € 2.500 | open\n"
        "   voortgang: di 1 jun 2027: programma met Facet rond, start 12 juli\n"
    ) in draft
    assert "• Gehouden: 2 (norm: minstens 3, elke 8 weken); geannuleerd: 1" in draft  # the cancelled one counts not
    assert "Klaar om te versturen: /rapportage 2027-H1 verstuur (door @anna)." in draft
    sent = _message(jun_1, "[#regiegroep] Voortgangsrapportage Leefbaarheidsteam Bolnes, 2027-H1")
    assert "• J-1 Buurtschouw Vlietkade | trekker Politie Rotterdam (wijkagent) | Q2 | € 1.500 | klaar" in sent
    assert "@piet" not in sent
    assert "/rapportage" not in sent
    assert "Voortgangsrapportage 2027-H1 van Leefbaarheidsteam Bolnes verstuurd naar #regiegroep." in jun_1
    [pdf_line] = [line for line in jun_1 if line.startswith("PDF: ")]
    pdf = Path(pdf_line.removeprefix("PDF: "))
    assert pdf == tmp_path / "uitvoer" / "voortgangsrapportage-bolnes-2027-H1.pdf"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]  # words, not layout
    first = pages[0]
    assert first.startswith("Voortgangsrapportage Leefbaarheidsteam Bolnes, 2027-H1 (januari – juni 2027)")
    assert "Groep: Leefbaarheidsteam Bolnes Periode: 2027-H1 (januari – juni 2027)" in first
    assert "Opgesteld door: Anna de Vries (wijkregisseur, Gemeente Ridderkerk) Datum: di 1 jun 2027" in first
    assert all(p.endswith(f"pagina {n} van {len(pages)}") for n, p in enumerate(pages, 1))
    assert "pagina 1 van" in first
    assert "Nr Activiteit Trekker Periode Budget Status Voortgang in dit halfjaar Gekoppeld" in first  # the table
    assert "J-1 Buurtschouw Vlietkade Politie Rotterdam (wijkagent) Q2 € 1.500 klaar ma 12 apr 2027:" in first
    assert "J-3 Opknappen speelplein Bolnes Wooncompas (wijkbeheerder) Q3 € 4.000 open" in first
    assert "A-1 Schouwroute uitzetten Politie Rotterdam (wijkagent) vr 26 feb 2027 gedaan J-1" in first  # actielijst

    # 5. July: the stuurgroep's besluit arrives in the regiegroep, and through it in the team channels
    assert (
        "Besluit B-6 vastgelegd bij het overleg van Stuurgroep leefbaarheid Ridderkerk op di 20 jul 2027 14:00: "
        "Het budget voor de aanpak van drugsoverlast wordt in 2028 verhoogd"
    ) in jul_20
    i = jul_20.index(
        "[#regiegroep] Besluiten van Stuurgroep leefbaarheid Ridderkerk (overleg van di 20 jul 2027 14:00):"
    )
    assert jul_20[i + 1] == "• B-6 Het budget voor de aanpak van drugsoverlast wordt in 2028 verhoogd"
    j = jul_20.index(
        "[#lbt-bolnes] Besluiten van Stuurgroep leefbaarheid Ridderkerk (overleg van di 20 jul 2027 14:00), "
        "doorgegeven door Regiegroep leefbaarheid Ridderkerk:"
    )
    assert j > i
    assert jul_20[j + 1] == "• B-6 Het budget voor de aanpak van drugsoverlast wordt in 2028 verhoogd"
    assert text.count("Besluiten van Stuurgroep leefbaarheid Ridderkerk (overleg van di 20 jul 2027 14:00)") == 7

    # 8. 1 October: the chair is asked to evaluate the plan, and sees it
    q4 = _message(out, "[@anna] Het laatste kwartaal is begonnen: tijd om het jaarplan 2027 van Leefbaarheidsteam")
    assert "het jaarplan 2028 wordt vastgesteld in het eerste overleg van het nieuwe jaar" in q4
    assert "Met /jaarplan nieuw-jaar in #lbt-bolnes gaan de open activiteiten mee naar 2028." in q4
    assert "\nJaarplan 2027: 3 activiteiten (2 open, 1 klaar, 0 vervallen)\n" in q4
    assert "• J-2 Zomeractiviteiten jongeren | trekker @fatima" in q4
    assert "voortgang di 1 jun 2027 10:00: programma met Facet rond, start 12 juli" in q4
    assert "• J-3 Opknappen speelplein Bolnes" in q4
    assert "J-1 " not in q4
    assert out.index(q4.splitlines()[0]) > out.index("Het is nu di 20 jul 2027 15:00.")
