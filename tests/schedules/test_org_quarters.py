"""Issue 14 acceptance: each shipped organisation runs a quarter in the console, from its configuration alone.

Meetings with reminders, afmeldingen, overdue work, actielijsten up and down the reporting lines and
the digest: who got what. None of Ridderkerk's words or paragraph numbers appear in Waalwijk's or
Roermond's output.
"""

from __future__ import annotations

import re

from tests.test_console import ROOT, run_console

RIDDERKERK_WORDS = re.compile(r"§|leefbaarheidsteam|regiegroep|stuurgroep|jaarplan|ridderkerk|lbt-|bolnes", re.I)


def messages(stdout: str) -> list[tuple[str, str]]:
    """(destination, text) of every message posted elsewhere: `[#kanaal] ...` or `[@persoon] ...` and its lines."""
    out: list[tuple[str, str]] = []
    for line in stdout.splitlines():
        m = re.match(r"^\[([#@][\w.-]+)\] (.*)$", line)
        if m:
            out.append((m[1], m[2]))
        elif out and not line.startswith(("Het is nu ", "U bent nu ")):
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
    return out


def to(msgs: list[tuple[str, str]], destination: str, start: str = "") -> list[str]:
    return [text for dest, text in msgs if dest == destination and text.startswith(start)]


def quarter(db_url: str, config: str | None, now: str, who: str, where: str, script: str) -> str:
    args = ["--now", now, "--as", who, "--in", where]
    if config:
        args += ["--config", str(ROOT / "config" / config)]
    result = run_console(db_url, script, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


RIDDERKERK = """\
/signaal Hangjongeren bij de Vlietkade #jeugd
/signaal S-1 actie Gesprek met de jongeren @piet over twee weken
/actie Container laten legen @marieke vrijdag
:as piet
/afmelden volgende op cursus
:as anna
:in nergens
:advance 13w
"""


def test_ridderkerk_quarter_keeps_its_covenant(db_url: str) -> None:
    out = quarter(db_url, None, "2026-11-23T09:00", "anna", "lbt-bolnes", RIDDERKERK)
    msgs = messages(out)
    assert to(msgs, "@piet", "Anna de Vries heeft actiepunt A-1 van Leefbaarheidsteam Bolnes aan u gegeven")
    assert to(msgs, "@anna", "Piet Verhoeven meldt zich af voor het overleg van Leefbaarheidsteam Bolnes op do 3 dec")
    assert to(msgs, "#lbt-bolnes", "Herinnering: Leefbaarheidsteam Bolnes vergadert over 7 dagen.")
    assert len(to(msgs, "@marieke", "Goedemorgen Marieke")) >= 10  # overdue from 28 November, every working day
    # the team's list goes up; the regiegroep's comes down to every team; the digest every Monday
    assert to(msgs, "#regiegroep", "Actielijst Leefbaarheidsteam Bolnes na het overleg van do 3 dec 2026 10:00")
    assert not [d for d, t in msgs if t.startswith("Actielijst Leefbaarheidsteam Bolnes") and d != "#regiegroep"]
    for team in ("#lbt-bolnes", "#lbt-oost", "#lbt-slikkerveer"):
        assert to(msgs, team, "Actielijst Regiegroep leefbaarheid Ridderkerk na het overleg van do 17 dec 2026")
    digests = [d for d, t in msgs if t.startswith("Weekoverzicht leefbaarheidsteams")]
    assert digests == ["#regiegroep"] * 13
    # the jaarplan at the year's first meeting, and the participation line in the verslag to both groups above
    assert any("1. Jaarplan 2027 vaststellen" in t for t in to(msgs, "#lbt-bolnes", "Herinnering"))
    for above in ("#regiegroep", "#stuurgroep"):
        verslagen = to(msgs, above, "Verslag van het overleg van Leefbaarheidsteam Bolnes op do 3 dec 2026 10:00")
        assert len(verslagen) == 1
        assert "Participatie: geen participatiebijeenkomsten gepland." in verslagen[0]
    assert not [t for _, t in msgs if t.startswith("Komende participatiebijeenkomsten")]  # no empty posts


WAALWIJK = """\
/signaal Inbraak in schuur achter de Akkerlaan @@Akkerlaan #inbraak
/signaal Auto's rijden te hard door de Eikenlaan #verkeer @@eikenlaan
/signaal S-1 actie Extra surveillance rond de schuren @bas over twee weken
/actie Buurtbrief over inbraakpreventie @annie vrijdag
:as truus
:in bpt-zuid
/signaal Verdacht adres, veel aanloop 's nachts @@Laageinde #drugs
:as kees
:in coordinatorenoverleg
/signaal S-3
:as annie
:in bpt-noord
/afmelden volgende op vakantie
:in nergens
:advance 3w
:as bas
:in @bas
/actie lijst mijn
/actie gedaan A-1 surveillance gedaan, niets gezien
:in nergens
:advance 10w
"""


def test_waalwijk_quarter_from_its_configuration(db_url: str) -> None:
    out = quarter(db_url, "waalwijk.toml", "2027-01-04T09:00", "kees", "bpt-noord", WAALWIJK)
    msgs = messages(out)
    assert (
        "Signaal S-1 vastgelegd voor Buurtpreventieteam Noord: Inbraak in schuur achter de Akkerlaan [inbraak]" in out
    )
    assert "S-3 hoort bij Buurtpreventieteam Zuid; u kunt alleen items van uw eigen groep bekijken." in out
    # the guest wijkagent: told, reminded while overdue, closes from his direct chat, then hears no more
    assert to(msgs, "@bas", "Kees van Dongen heeft actiepunt A-1 van Buurtpreventieteam Noord aan u gegeven")
    reminders = to(msgs, "@bas", "Goedemorgen Bas")
    assert 1 <= len(reminders) <= 5
    assert all("in dit directe gesprek" in r for r in reminders)
    assert "Actiepunt A-1 is gedaan: Extra surveillance rond de schuren." in out
    assert out.index(reminders[-1]) < out.index("Actiepunt A-1 is gedaan")
    assert not [t for d, t in msgs if d == "@bas" and "Komt u naar het overleg van Buurtpreventieteam" in t]
    # afmelding to the resident coördinator; reminders and nudges in the teams
    assert to(msgs, "@kees", "Annie Vermeulen meldt zich af voor het overleg van Buurtpreventieteam Noord op do 14 jan")
    assert to(msgs, "#bpt-noord", "Herinnering: Buurtpreventieteam Noord vergadert over 7 dagen.")
    assert to(msgs, "@joop", "Komt u naar het overleg van Buurtpreventieteam Noord")
    # lists up to the coördinatorenoverleg (no names of residents, no signaal texts) and its own down
    up = to(msgs, "#coordinatorenoverleg", "Actielijst Buurtpreventieteam Noord na het overleg van do 14 jan 2027")
    assert len(up) == 1
    assert "straatvertegenwoordiger" in up[0]
    assert "Annie" not in up[0]
    assert "schuur" not in up[0]
    assert to(msgs, "#coordinatorenoverleg", "Actielijst Buurtpreventieteam Zuid")
    for team in ("#bpt-noord", "#bpt-zuid"):
        assert to(msgs, team, "Actielijst Coördinatorenoverleg buurtpreventie Waalwijk na het overleg van di 9 feb")
    assert not [d for d, t in msgs if t.startswith("Actielijst Buurtpreventieteam") and d != "#coordinatorenoverleg"]
    # twice a year: no jaarplan, no digest (digest = false), no interval warning
    assert not [t for _, t in msgs if t.startswith("Weekoverzicht")]
    assert "moet minstens" not in out
    assert "vaststellen" not in out
    assert not RIDDERKERK_WORDS.search(out), RIDDERKERK_WORDS.search(out)


ROERMOND = """\
/signaal Losliggende stoeptegels bij de school @@Kastelenbuurt #openbare-ruimte
/signaal S-1 actie Tegels laten herstellen @wendy over drie weken
:as maria
:in wt-centrum
/signaal Fietsers over de stoep in de Binnenstad @@binnenstad #verkeersveiligheid
/actie Gesprek met winkeliers @tom over twee weken
:as rob
/afmelden volgende cursus
:as frank
:in mo-noord
/actie Inzet boa's afstemmen @joris 1 maart
:in nergens
:advance 13w
"""


def test_roermond_quarter_from_its_configuration(db_url: str) -> None:
    out = quarter(db_url, "roermond.toml", "2027-01-04T09:00", "shaun", "wt-donderberg", ROERMOND)
    msgs = messages(out)
    assert to(msgs, "@wendy", "Shaun Hermans heeft actiepunt A-1 van Wijkteamoverleg Donderberg + Hoogvonderen")
    assert to(msgs, "@maria", "Rob Smeets meldt zich af voor het overleg van Wijkteamoverleg Centrum op di 12 jan")
    # the wijkagenda (jaarplan_naam) at the year's first meeting of a wijkteam, never in a managementoverleg
    assert any("1. Wijkagenda 2027 vaststellen" in t for t in to(msgs, "#wt-centrum", "Herinnering"))
    assert not any("vaststellen" in t for t in to(msgs, "#mo-noord", "Herinnering"))
    assert len(to(msgs, "@tom", "Goedemorgen Tom")) >= 5
    # per gebied: Centrum to Noord, Donderberg and the wijkcoalitie to Zuid
    assert to(msgs, "#mo-noord", "Actielijst Wijkteamoverleg Centrum na het overleg van di 12 jan 2027")
    assert to(msgs, "#mo-zuid", "Actielijst Wijkteamoverleg Donderberg + Hoogvonderen na het overleg van wo 13 jan")
    assert to(msgs, "#mo-zuid", "Actielijst Wijkcoalitie Donderberg")
    assert not to(msgs, "#mo-noord", "Actielijst Wijk") or all(
        "Centrum" in t for t in to(msgs, "#mo-noord", "Actielijst Wijk")
    )
    noord = "Actielijst Managementoverleg gebied Noord"
    assert sorted({d for d, t in msgs if t.startswith(noord)}) == ["#bestuurlijk", "#wt-centrum"]
    zuid = "Actielijst Managementoverleg gebied Zuid"
    assert sorted({d for d, t in msgs if t.startswith(zuid)}) == [
        "#bestuurlijk",
        "#wijkcoalitie-donderberg",
        "#wt-donderberg",
    ]
    # the bestuurlijk overleg's list goes down to both managementoverleggen
    assert sorted({d for d, t in msgs if t.startswith("Actielijst Bestuurlijk overleg")}) == ["#mo-noord", "#mo-zuid"]
    # the digest on Tuesday 08:30, each managementoverleg its own gebied's groups
    noord_digests = to(msgs, "#mo-noord", "Weekoverzicht wijkteamoverleggen")
    zuid_digests = to(msgs, "#mo-zuid", "Weekoverzicht")
    assert len(noord_digests) == len(zuid_digests) == 13
    assert all("Donderberg" not in t for t in noord_digests)
    assert all("Centrum" not in t for t in zuid_digests)
    assert any("• Per buurt of kern: Binnenstad 1" in t for t in noord_digests)
    assert not [d for d, t in msgs if t.startswith("Weekoverzicht") and d not in ("#mo-noord", "#mo-zuid")]
    assert not RIDDERKERK_WORDS.search(out), RIDDERKERK_WORDS.search(out)
