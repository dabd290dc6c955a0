"""Issue 16 acceptance in the console: a year of Roermond's wijkbudget (config/roermond.toml) with grants, a
refusal at what is left, the monitoring line in the digest, chasing a phase that stands still, and the lapse
at year end (`:advance`, exactly as the live scheduler would run the jobs)."""

from __future__ import annotations

from tests.test_console import run_console

SCRIPT = """\
/initiatief Buurtbarbecue voor heel Hoogvonderen bedrag €2.000 @@Hoogvonderen
/initiatief I-1 contact @wendy
/initiatief I-1 fase gesprek
/initiatief I-1 fase principebesluit stimuleren We helpen met de vergunning
/initiatief I-1 fase plan
/initiatief I-1 fase besluit
/initiatief I-1 toekennen €2.000
/initiatief Straatfeest Componistenbuurt bedrag €800 @@Componistenbuurt
/initiatief I-2 contact @wendy
/initiatief I-2 fase gesprek
:advance 5w
/initiatief Kunstwerk bij de entree van de wijk bedrag €1.900 @@Hoogvonderen
/initiatief I-3 fase gesprek
/initiatief I-3 fase principebesluit loslaten
/initiatief I-3 fase plan
/initiatief I-3 fase besluit
/initiatief I-3 toekennen €1.900
/initiatief I-3 toekennen €1.700
/initiatief I-3 fase uitvoering
/initiatief I-2 fase principebesluit faciliteren
:advance 1w
/budget Hoogvonderen
:advance 46w
/initiatief I-2 fase plan
/initiatief I-2 fase besluit
/initiatief I-2 toekennen €800
"""


def test_a_year_of_the_wijkbudget_grants_refusal_digest_chase_and_lapse(db_url: str) -> None:
    result = run_console(
        db_url, SCRIPT, "--config", "config/roermond.toml", "--now", "2027-01-11T09:00", "--as", "shaun",
        "--in", "wt-donderberg",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()

    # grants against Hoogvonderen's share (33% of € 11.280 = € 3.722,40), and a refusal at what is left
    assert "€ 2.000,00 toegekend aan I-1 uit het wijkbudget 2027 van Hoogvonderen; nog € 1.722,40 over" in out
    assert (
        "Overschrijding is niet mogelijk: nog € 1.722,40 over in het wijkbudget 2027 voor inwonerinitiatieven "
        "van Hoogvonderen (Wijken- en kernenbeleid Roermond). Er is niets toegekend." in out
    )
    assert "€ 1.700,00 toegekend aan I-3 uit het wijkbudget 2027 van Hoogvonderen; nog € 22,40 over" in out
    assert "€ 1.900,00 toegekend" not in out
    assert "• Toegekend: € 3.700,00 (2 initiatieven)" in out
    assert "• Over: € 22,40" in out

    # the monitoring line in the weekly digest of the managementoverleg the team reports to
    monitoring = (
        "• Wijkbudget 2027 Hoogvonderen: voor inwonerinitiatieven € 3.722,40; toegekend € 3.700,00 "
        "(2 initiatieven), besteed € 3.700,00, over € 22,40"
    )
    assert monitoring in lines
    zuid = [i for i, line in enumerate(lines) if line.startswith("[#mo-zuid] Weekoverzicht")]
    assert zuid
    assert any(monitoring in lines[i : i + 30] for i in zuid)

    # a phase that stood still for 4 weeks (the default `initiatief_fase_weken`) goes to the contact person
    chased = [line for line in lines if line.startswith("[@wendy] Deze verzoeken en initiatieven staan al")]
    assert chased, "the contact person was never chased"

    # the year end closes the books: once, to the chair, with what lapses
    closed = [line for line in lines if line.startswith("[@shaun] Het wijkbudget 2027 van Hoogvonderen is afgesloten")]
    assert len(closed) == 1
    assert "toegekend € 3.700,00 aan 2 initiatieven" in closed[0]
    assert "€ 22,40 was niet besteed en vervalt aan de algemene middelen" in closed[0]
    assert sum(line.startswith("[@shaun] Het wijkbudget 2027 van Donderberg is afgesloten") for line in lines) == 1
    assert "€ 8.048,70 was niet besteed" in out  # Donderberg granted nothing
    # and after it nothing more is granted from the closed year
    assert out.rstrip().endswith("Het wijkbudget 2027 van Donderberg is afgesloten; wat over was, is vervallen.")
