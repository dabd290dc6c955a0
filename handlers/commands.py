"""The one command table: every family with its forms, aliases, usage, example and handler.

The router, `/help`, `/<command> help` and the README's command table are all made from
FAMILIES (tests/test_commands.py keeps the README equal to `markdown_table()`; print it with
`python -m handlers.commands`). Aliases include English and common misspelt forms; other
misspellings are caught by `handlers.grammar` (difflib) and answered with 'Bedoelt u ...?'.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers import (
    actie,
    afmelden,
    ambassadeur,
    besluit,
    bijeenkomst,
    exports,
    initiatief,
    jaarplan,
    koppel,
    opschalen,
    overleg,
    pii,
    signaal,
    verslag,
)
from handlers.base import Context, Reply, UserError
from handlers.grammar import Call, Family, Run, Sub, family_help, own_people
from handlers.parsing import CATEGORIES
from handlers.reports import voortgang
from storage.models import Actiepunt, Initiatief, InitiatiefKind, JaarplanItem, Signaal


def _sig(fn: Callable[[Context, Signaal, str], list[Reply]]) -> Run:
    """A form on one signaal: fn(ctx, signaal, rest)."""
    return lambda ctx, c: fn(ctx, signaal.get(ctx, c.ref or 0), c.rest)


def _act(fn: Callable[[Context, Actiepunt, str], list[Reply]]) -> Run:
    """A form on one actiepunt: fn(ctx, actiepunt, rest)."""
    return lambda ctx, c: fn(ctx, actie.get(ctx, c.ref or 0), c.rest)


def _jp(fn: Callable[[Context, JaarplanItem, str], list[Reply]]) -> Run:
    """A form on one J-item: fn(ctx, item, rest)."""
    return lambda ctx, c: fn(ctx, jaarplan.get(ctx, c.ref or 0), c.rest)


def _ini(fn: Callable[[Context, Initiatief, str], list[Reply]]) -> Run:
    """A form on one verzoek or initiatief: fn(ctx, initiatief, rest)."""
    return lambda ctx, c: fn(ctx, initiatief.get(ctx, c.ref or 0), c.rest)


def _words(fn: Callable[[Context, str], list[Reply]]) -> Run:
    """A form that takes the words after it: fn(ctx, rest)."""
    return lambda ctx, c: fn(ctx, c.rest)


def _alone(fn: Callable[[Context], list[Reply]], usage: str) -> Run:
    """A form that takes no words: fn(ctx); extra words are an error that shows the usage."""

    def run(ctx: Context, c: Call) -> list[Reply]:
        if c.rest:
            new = c.family.sub("nieuw")
            how = f", of /{c.family.name} nieuw <tekst> voor een nieuw {c.family.item}" if new else ""
            raise UserError(f"'{c.rest}' past niet achter {usage}; schrijf alleen {usage}{how}.")
        return fn(ctx)

    return run


def _help(ctx: Context, c: Call) -> list[Reply]:
    wanted = c.rest.lstrip("/").split()
    if not wanted:
        return [Reply(own_people(help_text(ctx.config.categories), ctx), private=True)]
    family = find(wanted[0])
    if family is None:
        raise UserError(f"/{wanted[0]} ken ik niet; typ /help voor alle commando's.")
    return [Reply(own_people(family_help(family, ctx.config.categories), ctx), private=True)]


CATEGORY_MARK = "{categorieen}"  # filled in with the organisation's categories (ctx.config.categories)
CATEGORY_NOTE = "    categorieën (die van uw organisatie): " + CATEGORY_MARK
DEADLINE_NOTE = "    zonder deadline: het volgende overleg; deadlines als 'vrijdag', '1 maart', 'eind januari'"

SIGNAAL = Family(
    name="signaal",
    title="signalen uit de wijk (S-12)",
    aliases=("signalen", "sig", "signal", "melding"),
    prefix="S",
    item="signaal",
    free_text=True,
    pii_decisions=True,
    empty="Wat wilt u melden? Schrijf bijvoorbeeld: /signaal Kapotte lantaarnpaal Dillenburgplein #openbare-ruimte.",
    notes=(CATEGORY_NOTE,),
    subs=(
        Sub("", lambda ctx, c: signaal.record(ctx, c.rest, confirmed=c.confirmed, command=c.args),
            usage="/signaal <tekst> [#categorie] [@@buurt]", example="/signaal Hangjongeren bij de Vlietkade #jeugd",
            summary="een signaal vastleggen",
            doc="record a signaal; `#categorie`: the organisation's `categories` (default `"
            + " ".join(f"#{c}" for c in CATEGORIES) + "`), `@@buurt`: one of the group's `areas`"),
        Sub("nieuw", lambda ctx, c: signaal.record(ctx, c.rest, confirmed=c.confirmed, command=c.args),
            usage="/signaal nieuw <tekst>", example="/signaal nieuw Lijst van klachten kwijt",
            summary="een signaal vastleggen waarvan de tekst met een commandowoord begint",
            aliases=("new",), needs_words=True),
        Sub("lijst", _words(signaal.list_signalen), usage="/signaal lijst [open|alle] [#categorie]",
            example="/signaal lijst alle #jeugd", summary="de open (of alle) signalen van de groep",
            doc="list; one signaal with its history; search the group's signalen",
            aliases=("list", "lijsten", "overzicht", "ls")),
        Sub("", lambda ctx, c: signaal.show(ctx, signaal.get(ctx, c.ref or 0)), ref=True,
            usage="/signaal S-12", example="/signaal S-12", summary="het signaal met zijn geschiedenis"),
        Sub("zoek", _words(signaal.search), usage="/signaal zoek <woorden> [#categorie]",
            example="/signaal zoek Vlietkade", summary="signalen waarvan de tekst alle woorden bevat",
            aliases=("zoeken", "search", "find", "vind"), needs_words=True),
        Sub("actie", lambda ctx, c: signaal.make_actie(ctx, signaal.get(ctx, c.ref or 0), c.rest,
                                                       confirmed=c.confirmed, args=c.args),
            usage="/signaal S-12 actie <tekst> @eigenaar [deadline]",
            example="/signaal S-12 actie Gesprek met bewoners @piet vrijdag",
            summary="maak er een actiepunt van (de koppeling blijft)", doc="turn it into an actiepunt (linked)",
            aliases=("actiepunt", "action", "maak-actie"), ref=True),
        Sub("oppakken", _sig(signaal.pick_up), usage="/signaal S-12 oppakken [toelichting]",
            example="/signaal S-12 oppakken", summary="het signaal is in behandeling", doc="change its status",
            aliases=("oppak", "opgepakt", "behandelen", "pickup"), ref=True),
        Sub("sluit", _sig(signaal.close), usage="/signaal S-12 sluit [toelichting]",
            example="/signaal S-12 sluit opgelost na gesprek", summary="het signaal sluiten",
            aliases=("sluiten", "gesloten", "afsluiten", "dicht", "klaar", "afgehandeld", "close", "done"),
            ref=True),
        Sub("heropen", _sig(lambda ctx, sig, _rest: signaal.reopen(ctx, sig)), usage="/signaal S-12 heropen",
            example="/signaal S-12 heropen", summary="een gesloten signaal weer openen",
            aliases=("heropenen", "reopen"), ref=True),
        Sub("tekst", lambda ctx, c: signaal.correct_text(ctx, signaal.get(ctx, c.ref or 0), c.rest,
                                                         confirmed=c.confirmed, command=c.args),
            usage="/signaal S-12 tekst <nieuwe tekst>", example="/signaal S-12 tekst Hangjongeren bij de Vlietkade",
            summary="de tekst verbeteren", doc="correct its text or category",
            aliases=("text", "wijzig", "wijzigen", "corrigeer", "verbeter", "edit"), ref=True),
        Sub("categorie", _sig(signaal.change_category), usage="/signaal S-12 categorie #categorie",
            example="/signaal S-12 categorie #jeugd", summary="in een andere categorie zetten",
            aliases=("category", "cat", "rubriek"), ref=True),
        Sub("intrekken", _sig(signaal.withdraw), usage="/signaal S-12 intrekken [reden]",
            example="/signaal S-12 intrekken dubbel gemeld",
            summary="per vergissing vastgelegd: binnen 24 uur, door wie het vastlegde of de voorzitter; "
            "het blijft in de geschiedenis en telt nergens mee",
            doc="withdraw one recorded by mistake (within 24 h, by who recorded it or the chair; kept in the "
            "history as *ingetrokken*, counted nowhere)",
            aliases=("intrek", "ingetrokken", "verwijder", "verwijderen", "wis", "wissen", "schrap", "delete",
                     "remove", "withdraw"), ref=True),
        Sub("export", _alone(exports.export_signalen, "/signaal export"), usage="/signaal export",
            example="/signaal export", summary="alle signalen als CSV (Excel)", doc="all signalen as CSV for Excel",
            aliases=("exporteer", "exporteren", "csv", "excel")),
    ),
)  # fmt: skip

ACTIE = Family(
    name="actie",
    title="actiepunten met eigenaar en deadline (A-12)",
    aliases=("acties", "actiepunt", "actiepunten", "action", "todo"),
    prefix="A",
    item="actiepunt",
    free_text=True,
    pii_decisions=True,
    empty="Wat moet er gebeuren, door wie? Schrijf bijvoorbeeld: /actie Buurtgesprek plannen @piet vrijdag.",
    notes=(DEADLINE_NOTE,),
    subs=(
        Sub("", lambda ctx, c: actie.record(ctx, c.rest, confirmed=c.confirmed, command=c.args),
            usage="/actie <tekst> @eigenaar [deadline]", example="/actie Buurtgesprek plannen @fatima over twee weken",
            summary="een actiepunt vastleggen", doc="record an actiepunt; no deadline = the next overleg"),
        Sub("nieuw", lambda ctx, c: actie.record(ctx, c.rest, confirmed=c.confirmed, command=c.args),
            usage="/actie nieuw <tekst> @eigenaar [deadline]", example="/actie nieuw Zoek een zaal @piet vrijdag",
            summary="een actiepunt waarvan de tekst met een commandowoord begint", aliases=("new",),
            needs_words=True),
        Sub("lijst", _words(actie.list_acties), usage="/actie lijst [mijn|open|te-laat|alle] [@persoon ...]",
            example="/actie lijst te-laat", summary="de actiepunten, die over de deadline eerst",
            doc="list (overdue first, marked); one with its history; search",
            aliases=("list", "lijsten", "overzicht", "ls")),
        Sub("", lambda ctx, c: actie.show(ctx, actie.get(ctx, c.ref or 0)), ref=True, usage="/actie A-12",
            example="/actie A-12", summary="het actiepunt met zijn geschiedenis"),
        Sub("zoek", _words(actie.search), usage="/actie zoek <woorden>", example="/actie zoek buurtgesprek",
            summary="actiepunten waarvan de tekst alle woorden bevat", aliases=("zoeken", "search", "find", "vind"),
            needs_words=True),
        Sub("gedaan", _act(actie.done), usage="/actie gedaan A-12 [toelichting]",
            example="/actie gedaan A-12 gesprek gevoerd", summary="het actiepunt is gedaan",
            doc="keep it moving (reference and word in either order: `/actie A-12 gedaan`)",
            aliases=("klaar", "af", "afgerond", "afgehandeld", "gereed", "done", "finished"), ref=True),
        Sub("verplaats", _act(actie.move), usage="/actie verplaats A-12 <deadline>",
            example="/actie verplaats A-12 volgende week dinsdag", summary="een nieuwe deadline",
            aliases=("verplaatsen", "uitstellen", "move", "postpone"), ref=True),
        Sub("overdragen", _act(actie.hand_over), usage="/actie overdragen A-12 @persoon",
            example="/actie overdragen A-12 @fatima", summary="een nieuwe eigenaar",
            aliases=("overdracht", "draag-over", "toewijzen", "assign", "handover"), ref=True),
        Sub("vervallen", _act(actie.cancel), usage="/actie vervallen A-12 <reden>",
            example="/actie vervallen A-12 niet meer nodig", summary="het actiepunt vervalt",
            aliases=("vervalt", "annuleer", "annuleren", "cancel"), ref=True),
        Sub("heropen", _act(actie.reopen), usage="/actie heropen A-12", example="/actie heropen A-12",
            summary="weer open zetten", aliases=("heropenen", "reopen"), ref=True),
        Sub("tekst", lambda ctx, c: actie.correct_text(ctx, actie.get(ctx, c.ref or 0), c.rest,
                                                       confirmed=c.confirmed, command=c.args),
            usage="/actie A-12 tekst <nieuwe tekst>", example="/actie A-12 tekst Buurtgesprek plannen met Facet",
            summary="de tekst verbeteren", doc="correct its text",
            aliases=("text", "wijzig", "wijzigen", "corrigeer", "verbeter", "edit"), ref=True),
        Sub("intrekken", _act(actie.withdraw), usage="/actie A-12 intrekken [reden]",
            example="/actie A-12 intrekken per ongeluk twee keer",
            summary="per vergissing vastgelegd: binnen 24 uur, door wie het vastlegde of de voorzitter",
            doc="withdraw one recorded by mistake (within 24 h; kept in the history, counted nowhere)",
            aliases=("intrek", "ingetrokken", "verwijder", "verwijderen", "wis", "wissen", "schrap", "delete",
                     "remove", "withdraw"), ref=True),
        Sub("export", _alone(exports.export_acties, "/actie export"), usage="/actie export", example="/actie export",
            summary="alle actiepunten als CSV (Excel)", doc="all actiepunten as CSV for Excel",
            aliases=("exporteer", "exporteren", "csv", "excel")),
    ),
)  # fmt: skip

AFMELDEN = Family(
    name="afmelden",
    title="afmelden voor een overleg; de voorzitter krijgt bericht",
    aliases=("afmelding", "afwezig"),
    free_text=True,
    subs=(
        Sub("", _words(afmelden.handle), usage="/afmelden [volgende|<datum>] [reden] [vervanger @persoon]",
            example="/afmelden volgende ziek vervanger @karin",
            summary="afmelden voor het volgende overleg of dat op een datum; een los getal is een dag (3 = de 3e)",
            doc="report absence (a bare number is a day: `/afmelden 3 ziek`); the chair gets a DM"),
    ),
)  # fmt: skip

OVERLEG = Family(
    name="overleg",
    title="de overleggen van de groep",
    aliases=("vergadering", "overleggen", "meeting"),
    pii_decisions=True,  # an agendapunt's text is checked for personal data (`/overleg bevestig <code>`)
    subs=(
        Sub("", _alone(overleg.show_next, "/overleg"), usage="/overleg", example="/overleg",
            summary="het volgende overleg en de agenda",
            doc="next meeting with agenda; list; plan one or a series (a new series asks before it replaces "
            "planned meetings)"),
        Sub("lijst", _alone(overleg.list_upcoming, "/overleg lijst"), usage="/overleg lijst",
            example="/overleg lijst", summary="de geplande overleggen", aliases=("list", "overzicht", "ls")),
        Sub("plan", _words(overleg.plan), usage="/overleg plan <datum en tijd> [elke <n> weken] [locatie <plaats>]",
            example="/overleg plan 3 december 10:00 elke 8 weken", summary="een overleg of een reeks plannen",
            aliases=("plannen", "inplannen", "schedule"), needs_words=True),
        Sub("kom", _words(overleg.kom), usage="/overleg kom [volgende|<datum>]", example="/overleg kom",
            summary="laat weten dat u komt", doc="say you come, or report absence; the chair confirms who attended",
            aliases=("komen", "ik-kom")),
        Sub("afmelden", _words(afmelden.handle), usage="/overleg afmelden [<datum>] [reden]",
            example="/overleg afmelden 3 ziek", summary="zie /afmelden", aliases=("afmelding",)),
        Sub("aanwezig", _words(overleg.aanwezig), usage="/overleg aanwezig [<datum>] @a @b | alle",
            example="/overleg aanwezig 3 december @piet @fatima",
            summary="voorzitter: wie er waren (de rest telt als afwezig)", aliases=("aanwezigheid", "presentie"),
            needs_words=True),
        Sub("agenda", _words(exports.export_agenda), usage="/overleg agenda",
            example="/overleg agenda", summary="de geplande overleggen als agendabestand (ICS)",
            doc="the meetings as an ICS calendar (a cancelled one as `STATUS:CANCELLED`)",
            aliases=("ics", "kalender", "calendar")),
        Sub("agendapunt", lambda ctx, c: overleg.agendapunt(ctx, c.rest, confirmed=c.confirmed),
            usage="/overleg agendapunt [volgende] <tekst> [gast @persoon] | weg <n>",
            example="/overleg agendapunt Overlast Vlietkade bespreken gast @karin",
            summary="een punt op de agenda van het volgende overleg (een gast krijgt een uitnodiging en de agenda); "
            "voorzitter: weg <n> haalt punt n eraf",
            doc="add an item to the next meeting's agenda; a guest (any partner) is invited for it and gets the "
            "agenda and the reminders; the chair removes item n with `weg <n>`", aliases=("punt", "agendapunten"),
            needs_words=True),
        Sub("afzeggen", _words(overleg.afzeggen), usage="/overleg afzeggen [<datum>] [reden]",
            example="/overleg afzeggen 3 december te weinig punten",
            summary="voorzitter: één overleg afzeggen; wie reageerde krijgt bericht",
            doc="the chair cancels one meeting: who answered is told, no more reminders, actiepunten due then move "
            "to the next meeting", aliases=("annuleren", "annuleer", "afgelast", "cancel")),
        Sub("verplaats", _words(overleg.verplaats), usage="/overleg verplaats <datum> naar <datum en tijd>",
            example="/overleg verplaats 3 december naar 10 december 14:00",
            summary="voorzitter: één overleg verplaatsen; de afmeldingen gaan mee en krijgen bericht",
            doc="the chair moves one meeting: answers, agendapunten and deadlines move with it, who answered is told",
            aliases=("verplaatsen", "verzetten", "move"), needs_words=True),
        Sub("gehouden", _words(overleg.gehouden), usage="/overleg gehouden [<datum>]",
            example="/overleg gehouden 3-12-2026",
            summary="voorzitter: het overleg is gehouden (telt mee, ook zonder aanwezigheidslijst)",
            doc="the chair says a meeting was held; only held meetings count (figures, norm, absence)",
            aliases=("gehad", "geweest")),
        Sub("verslag", _words(verslag.show), usage="/overleg verslag [datum]", example="/overleg verslag 3 december",
            summary="besluiten, nieuwe en afgeronde actiepunten en aanwezigheid van het overleg van vandaag "
            "(of het vorige)",
            doc="the meeting's verslag: besluiten, actiepunten new and finished, attendance; it goes up the "
            "reporting line once, after `/overleg aanwezig` or at the end of the meeting day",
            aliases=("notulen", "minutes")),
    ),
)  # fmt: skip

BESLUIT = Family(
    name="besluit",
    title="besluiten van het overleg (B-12), de besluitenlijst van het verslag",
    aliases=("besluiten", "decision", "besloten"),
    item="besluit",
    free_text=True,
    empty="Wat is er besloten? Schrijf bijvoorbeeld: /besluit Buurtschouw in maart met Wooncompas.",
    subs=(
        Sub("", lambda ctx, c: besluit.record(ctx, c.rest, confirmed=c.confirmed, command=c.args),
            usage="/besluit <tekst> [over S-12]", example="/besluit Extra handhaving bij de Vlietkade over S-12",
            summary="een besluit bij het overleg van vandaag (of het vorige); met over S-12 (of A-12) "
            "handelt de groep erboven een opgeschaald item af",
            doc="record a besluit (B-12) of today's or the last meeting; `over S-12` decides an escalated item "
            "(the outcome goes back to the team)"),
        Sub("lijst", _alone(besluit.list_besluiten, "/besluit lijst"), usage="/besluit lijst",
            example="/besluit lijst", summary="de laatste besluiten van de groep",
            aliases=("list", "overzicht", "ls")),
    ),
)  # fmt: skip

OPSCHALEN = Family(
    name="opschalen",
    title="een signaal, actiepunt of frequente afwezigheid doorgeven aan de groep erboven",
    aliases=("opschaling", "escaleer", "escalate"),
    free_text=True,
    empty="Wat wilt u opschalen? Schrijf bijvoorbeeld: /opschalen S-12 geen budget in het team.",
    subs=(
        Sub("", _words(opschalen.handle), usage="/opschalen S-12 [naar <groep>] <waarom>",
            example="/opschalen S-12 structurele overlast, het team komt er niet uit",
            summary="naar de groep waaraan het team rapporteert: de voorzitter hoort het meteen, het komt op "
            "hun volgende agenda",
            doc="escalate a signaal or actiepunt to the group above (its chair is told, it goes on their agenda)"),
        Sub("", _words(opschalen.handle), usage="/opschalen S-12 terug <toelichting>",
            example="/opschalen S-12 terug pak het op met de wijkagent",
            summary="de groep erboven stuurt het terug; de uitkomst komt in het kanaal van het team"),
        Sub("afwezigheid", _words(opschalen.absence), usage="/opschalen afwezigheid @persoon",
            example="/opschalen afwezigheid @piet",
            summary="voorzitter: frequente afwezigheid doorgeven aan de voorzitter van de groep erboven",
            doc="the chair passes a frequent-absence flag on to the group above, with what the covenant says",
            aliases=("afwezig", "absentie", "absence"), needs_words=True),
    ),
)  # fmt: skip

BIJEENKOMST = Family(
    name="bijeenkomst",
    title="participatiebijeenkomsten van de wijk",
    aliases=("bijeenkomsten", "participatie"),
    free_text=True,
    empty="Schrijf /bijeenkomst <datum> <omschrijving>, bijvoorbeeld /bijeenkomst 14 januari 19:30 Bewonersavond.",
    subs=(
        Sub("", _words(bijeenkomst.record), usage="/bijeenkomst <datum> <omschrijving>",
            example="/bijeenkomst 14 januari 19:30 Bewonersavond in De Fakkel", summary="een bijeenkomst plannen",
            doc="participatiebijeenkomsten of the wijk"),
        Sub("lijst", _alone(bijeenkomst.list_bijeenkomsten, "/bijeenkomst lijst"), usage="/bijeenkomst lijst",
            example="/bijeenkomst lijst", summary="de geplande bijeenkomsten", aliases=("list", "overzicht", "ls")),
    ),
)  # fmt: skip

RAPPORTAGE = Family(
    name="rapportage",
    title="de halfjaarlijkse voortgangsrapportage van het team",
    aliases=("rapport", "voortgang", "report"),
    free_text=True,
    subs=(
        Sub("", _words(voortgang.handle), usage="/rapportage [2026-H2]", example="/rapportage 2026-H2",
            summary="het concept met de cijfers van het halfjaar",
            doc="the half-yearly voortgangsrapportage: draft, chair's text, send with PNG chart and PDF"),
        Sub("tekst", lambda ctx, c: voortgang.handle(ctx, f"tekst {c.rest}"),
            usage="/rapportage [2026-H2] tekst <voortgang>", example="/rapportage tekst De buurttent is gehouden.",
            summary="voorzitter: de voortgang van het jaarplan invullen", aliases=("text",)),
        Sub("verstuur", lambda ctx, c: voortgang.handle(ctx, f"verstuur {c.rest}"),
            usage="/rapportage [2026-H2] verstuur", example="/rapportage verstuur",
            summary="voorzitter: naar de regiegroep, met grafiek (PNG) en PDF",
            aliases=("versturen", "verzend", "verzenden", "send")),
    ),
)  # fmt: skip

JAARPLAN = Family(
    name="jaarplan",
    title="het jaarplan van de groep: activiteiten met trekker, partners, periode en budget (J-12)",
    aliases=("jaarplannen",),
    prefix="J",
    item="item",
    subs=(
        Sub("", _alone(lambda ctx: jaarplan.show_plan(ctx, ""), "/jaarplan"), usage="/jaarplan",
            example="/jaarplan", summary="het plan van dit jaar met de voortgang per activiteit",
            doc="the group's jaarplan (`jaarplan_naam`, e.g. wijkagenda) of this year, with progress and linked "
            "actiepunten per activity (`J-12`); one activity with its history; another year"),
        Sub("", lambda ctx, c: jaarplan.show(ctx, jaarplan.get(ctx, c.ref or 0)), ref=True, usage="/jaarplan J-12",
            example="/jaarplan J-12", summary="één activiteit met de geschiedenis en de actiepunten"),
        Sub("lijst", _words(jaarplan.show_plan), usage="/jaarplan lijst [jaar]", example="/jaarplan lijst 2027",
            summary="het plan van een ander jaar", aliases=("list", "overzicht", "ls")),
        Sub("toevoegen", _words(jaarplan.add),
            usage="/jaarplan toevoegen <activiteit> [@trekker] [partners <wie>] [periode <wanneer>] [budget €...]",
            example="/jaarplan toevoegen Buurtschouw Vlietkade @piet partners Wooncompas, Facet periode Q2 "
            "budget €1.500",
            summary="een activiteit toevoegen (ook: jaar 2027; bedragen als €1.500 of € 1500,50)",
            doc="add an activity; `partners`, `periode` (or `Q2`), `budget €1.500` / `€ 1500,50`, `jaar 2027`; "
            "the reply says what was understood",
            aliases=("voeg-toe", "toevoeg", "erbij", "add"), needs_words=True),
        Sub("voortgang", _jp(jaarplan.progress), usage="/jaarplan J-12 voortgang <tekst>",
            example="/jaarplan J-12 voortgang eerste schouw gehouden, 14 bewoners",
            summary="een notitie over de voortgang (met wie en wanneer)",
            doc="a progress note; its status (with history); `/actie <tekst> @eigenaar [deadline] bij J-12` links an "
            "actiepunt", aliases=("notitie", "update", "progress"), ref=True),
        Sub("klaar", _jp(jaarplan.done), usage="/jaarplan J-12 klaar [toelichting]", example="/jaarplan J-12 klaar",
            summary="de activiteit is uitgevoerd", aliases=("gedaan", "afgerond", "done"), ref=True),
        Sub("vervallen", _jp(jaarplan.cancel), usage="/jaarplan J-12 vervallen [reden]",
            example="/jaarplan J-12 vervallen geen subsidie", summary="de activiteit gaat niet door",
            aliases=("vervalt", "annuleer", "cancel"), ref=True),
        Sub("heropen", _jp(jaarplan.reopen), usage="/jaarplan J-12 heropen", example="/jaarplan J-12 heropen",
            summary="weer open zetten", aliases=("heropenen", "reopen"), ref=True),
        Sub("nieuw-jaar", _alone(jaarplan.next_year, "/jaarplan nieuw-jaar"), usage="/jaarplan nieuw-jaar",
            example="/jaarplan nieuw-jaar", summary="het plan van volgend jaar beginnen met de open activiteiten",
            doc="next year's plan drafted from this year's open activities (says how many; twice copies nothing "
            "twice)", aliases=("volgend-jaar", "nieuwjaar", "next-year")),
    ),
)  # fmt: skip

AMBASSADEUR = Family(
    name="ambassadeur",
    title="de wijkambassadeurs van het team (bewoners op Telegram)",
    aliases=("ambassadeurs", "wijkambassadeur"),
    subs=(
        Sub("", _alone(ambassadeur.list_ambassadors, "/ambassadeur"), usage="/ambassadeur", example="/ambassadeur",
            summary="de wijkambassadeurs van dit team", hidden=True),
        Sub("uitnodigen", _alone(ambassadeur.invite, "/ambassadeur uitnodigen"), usage="/ambassadeur uitnodigen",
            example="/ambassadeur uitnodigen", summary="een link voor een nieuwe wijkambassadeur (14 dagen geldig)",
            doc="wijkambassadeurs on Telegram (the chair invites with a 14-day code)",
            aliases=("uitnodiging", "nodig-uit", "invite")),
        Sub("lijst", _alone(ambassadeur.list_ambassadors, "/ambassadeur lijst"), usage="/ambassadeur lijst",
            example="/ambassadeur lijst", summary="de wijkambassadeurs van dit team",
            aliases=("list", "overzicht", "ls")),
        Sub("verwijder", _words(ambassadeur.remove), usage="/ambassadeur verwijder <naam of nummer>",
            example="/ambassadeur verwijder 2", summary="een wijkambassadeur ontkoppelen; de gegevens worden gewist",
            aliases=("verwijderen", "remove")),
    ),
)  # fmt: skip


def _new_ini(kind: InitiatiefKind) -> Run:
    return lambda ctx, c: initiatief.record(ctx, c.rest, kind=kind, confirmed=c.confirmed, command=c.args)


INITIATIEF = Family(
    name="initiatief",
    title="verzoeken en initiatieven van bewoners, door de fasen van aanmelding tot evaluatie (I-12)",
    aliases=("initiatieven", "inwonerinitiatief", "bewonersinitiatief", "initiative"),
    prefix="I",
    item="initiatief",
    free_text=True,
    pii_decisions=True,
    empty="Wat is het initiatief? Schrijf bijvoorbeeld: /initiatief Straatfeest in de Lindelaan bedrag €800.",
    notes=(
        "    fasen van een initiatief: aangemeld → gesprek → principebesluit → plan → besluit → uitvoering → "
        "evaluatie → afgerond (afgewezen kan altijd); een verzoek: aangemeld → in-behandeling → afgerond; "
        "een beleidswens: aangemeld → gesprek → jaarplan",
        "    de toelichting bij een fase is OPENBAAR: de initiatiefnemer krijgt hem; een notitie is intern",
    ),
    subs=(
        Sub("", _new_ini(InitiatiefKind.initiatief), usage="/initiatief <omschrijving> [bedrag €...] [@@buurt]",
            example="/initiatief Straatfeest in de Lindelaan bedrag €800",
            summary="een inwonerinitiatief vastleggen (met @@buurt: voor een straat of plek, anders voor de hele "
            "wijk); de voorzitter krijgt bericht",
            doc="residents' initiatives (`I-12`) through the phases of seed 004 bijlage 3; `@@buurt`: for a "
            "street or spot (the smaller cap), else for the whole wijk; the chair is told of every new one"),
        Sub("nieuw", _new_ini(InitiatiefKind.initiatief), usage="/initiatief nieuw <omschrijving>",
            example="/initiatief nieuw Contact met de buren leggen via een buurtapp",
            summary="een initiatief waarvan de omschrijving met een commandowoord begint", aliases=("new",),
            needs_words=True),
        Sub("triage", _alone(initiatief.triage, "/initiatief triage"), usage="/initiatief triage",
            example="/initiatief triage",
            summary="waar gaat wat een bewoner inbrengt heen: meldingen, klachten, buurtbemiddeling, verzoek, "
            "beleidswens of initiatief", doc="where residents' input goes (seed 004, bijlage 3, fase 2): the "
            "`meldingen_url`, `klachten_url`, `buurtbemiddeling_url`, or a verzoek, beleidswens or initiatief"),
        Sub("lijst", _words(initiatief.list_initiatieven), usage="/initiatief lijst [open|alle|mijn]",
            example="/initiatief lijst mijn", summary="de lopende (of alle) verzoeken en initiatieven van de groep; "
            "mijn: waarvan u contactpersoon bent (ook in een direct gesprek)",
            doc="list; one with its phase, notes and history", aliases=("list", "overzicht", "ls")),
        Sub("", lambda ctx, c: initiatief.show(ctx, initiatief.get(ctx, c.ref or 0)), ref=True,
            usage="/initiatief I-12", example="/initiatief I-12",
            summary="het initiatief met fase, notities en geschiedenis"),
        Sub("fase", _ini(initiatief.phase),
            usage="/initiatief I-12 fase gesprek|principebesluit|plan|besluit|uitvoering|evaluatie|afgewezen "
            "[toelichting]",
            example="/initiatief I-12 fase principebesluit faciliteren We denken graag mee over de vergunning",
            summary="naar de volgende fase (ook afgerond; verzoek: in-behandeling; beleidswens: jaarplan); de "
            "toelichting is OPENBAAR en gaat naar de initiatiefnemer; bij principebesluit mag de trede voorop",
            doc="the next phase; the toelichting is the public note for the initiatiefnemer (a wijkambassadeur "
            "gets it on Telegram); a beleidswens goes to the jaarplan (`fase jaarplan`)",
            ref=True),
        Sub("contact", _ini(initiatief.contact), usage="/initiatief I-12 contact @persoon",
            example="/initiatief I-12 contact @piet",
            summary="de vaste contactpersoon (lid of gast van de groep); die kan het ook in een direct gesprek "
            "bijwerken", doc="the fixed contact person (a member or guest), who can update it from a direct chat",
            aliases=("contactpersoon",), ref=True),
        Sub("toekennen", _ini(initiatief.grant), usage="/initiatief I-12 toekennen €800",
            example="/initiatief I-12 toekennen €800",
            summary="een bijdrage uit het wijkbudget, na het definitieve besluit; getoetst aan het maximum en wat "
            "er over is", doc="a grant from the wijkbudget, checked against the caps per scope and what is left",
            aliases=("toekenning", "grant"), ref=True),
        Sub("notitie", _ini(initiatief.note), usage="/initiatief I-12 notitie <tekst>",
            example="/initiatief I-12 notitie Eerst Volksfeesten-subsidie proberen",
            summary="een INTERNE notitie: alleen voor het team, nooit naar de initiatiefnemer",
            doc="an internal note (never sent to the initiatiefnemer); the rung of participation; another kind; "
            "the scope", aliases=("intern", "note"), ref=True),
        Sub("trede", _ini(initiatief.rung), usage="/initiatief I-12 trede loslaten|stimuleren|faciliteren|"
            "regisseren|reguleren", example="/initiatief I-12 trede faciliteren",
            summary="de vorm van overheidsparticipatie (zo laag mogelijk)", aliases=("participatie",), ref=True),
        Sub("soort", _ini(initiatief.kind), usage="/initiatief I-12 soort verzoek|beleidswens|initiatief",
            example="/initiatief I-12 soort beleidswens", summary="het bleek een andere soort", ref=True),
        Sub("schaal", _ini(initiatief.scope), usage="/initiatief I-12 schaal wijk|buurt [@@buurt]",
            example="/initiatief I-12 schaal buurt", summary="voor de hele wijk, of voor een straat of plek",
            ref=True),
    ),
)  # fmt: skip

VERZOEK = Family(
    name="verzoek",
    title="een eenvoudig verzoek van bewoners, dit jaar op te pakken (I-12)",
    aliases=("verzoeken", "inwonerverzoek", "request"),
    item="verzoek",
    free_text=True,
    pii_decisions=True,
    empty="Wat is het verzoek? Schrijf bijvoorbeeld: /verzoek Een extra bankje bij de speeltuin.",
    subs=(
        Sub("", _new_ini(InitiatiefKind.verzoek), usage="/verzoek <omschrijving>",
            example="/verzoek Een extra bankje bij de speeltuin aan de Lindelaan",
            summary="een verzoek vastleggen (aangemeld → in-behandeling → afgerond; verder als /initiatief I-12)",
            doc="record a simple request (`I-12`; aangemeld → in behandeling → afgerond, with the forms of "
            "`/initiatief I-12`)"),
        Sub("nieuw", _new_ini(InitiatiefKind.verzoek), usage="/verzoek nieuw <omschrijving>",
            example="/verzoek nieuw Help bij een buurtapp", summary="een verzoek dat met een commandowoord begint",
            aliases=("new",), needs_words=True, hidden=True),
    ),
)  # fmt: skip

BUDGET = Family(
    name="budget",
    title="het wijkbudget voor inwonerinitiatieven",
    aliases=("wijkbudget", "budgetten"),
    free_text=True,
    subs=(
        Sub("", _words(initiatief.budget), usage="/budget [wijk]", example="/budget Donderberg",
            summary="per wijk: totaal, het deel voor initiatieven, toegekend, besteed en wat er over is",
            doc="the wijkbudget per wijk: totaal, share for initiatives, granted, spent, left"),
    ),
)  # fmt: skip

HELP = Family(
    name="help",
    title="uitleg",
    aliases=("hulp", "commando's", "commandos", "?"),
    free_text=True,
    subs=(
        Sub("", _help, usage="/help", example="/help", summary="alle commando's met een voorbeeld",
            doc="every command with an example; one command's forms"),
        Sub("", _help, usage="/<commando> help", example="/actie help", summary="de uitleg van één commando"),
    ),
)  # fmt: skip

KOPPEL = Family(
    name="koppel",
    title="uw Slack-account aan uw naam in wijkbot koppelen",
    aliases=("koppelen", "link"),
    free_text=True,
    subs=(
        Sub("", _words(koppel.handle), usage="/koppel @persoon", example="/koppel @piet",
            summary="voorzitter of beheerder: een koppelcode (14 dagen geldig) voor die persoon",
            doc="the chair (or an admin) makes a 14-day code; the person binds their Slack account with it"),
        Sub("", _words(koppel.handle), usage="/koppel <code>", example="/koppel ABCD-EFGH-JKLM",
            summary="uw Slack-account koppelen met de code die u kreeg"),
    ),
)  # fmt: skip

PII = Family(
    name="pii",
    title="persoonsgegevens: een tekst toch opslaan of aanpassen",
    hidden=True,
    free_text=True,
    subs=(
        Sub("", _words(pii.handle), usage="/pii bevestig <code> · /pii aanpassen <code>",
            example="/pii bevestig abcd2345", summary="de knoppen *Toch opslaan* en *Aanpassen*"),
    ),
)  # fmt: skip

FAMILIES: tuple[Family, ...] = (
    SIGNAAL, ACTIE, AFMELDEN, OVERLEG, BESLUIT, OPSCHALEN, BIJEENKOMST, JAARPLAN, INITIATIEF, VERZOEK, BUDGET,
    RAPPORTAGE, AMBASSADEUR, KOPPEL, HELP, PII,
)  # fmt: skip
_BY_NAME = {name: f for f in FAMILIES for name in (f.name, *f.aliases)}


def find(name: str) -> Family | None:
    """The family a command name (or alias) means."""
    return _BY_NAME.get(name.lower())


def names() -> list[str]:
    """Every command name and alias (for 'bedoelt u /signaal?')."""
    return list(_BY_NAME)


HEADER = "wijkbot: de commando's (in het kanaal van uw team); /<commando> help geeft de uitleg van één commando"


def help_text(categories: list[str] | tuple[str, ...] = CATEGORIES) -> str:
    """`/help`: every visible form with an example (`categories`: the organisation's)."""
    return _help_lines().replace(CATEGORY_MARK, " ".join(f"#{c}" for c in categories))


def _help_lines() -> str:
    lines = [HEADER]
    for family in FAMILIES:
        if family.hidden:
            continue
        for sub in family.subs:
            if sub.hidden:
                continue
            right = sub.example if sub.example != sub.usage else sub.summary
            lines.append(f"{sub.usage:<36} {right}" if len(sub.usage) < 36 else f"{sub.usage}   {right}")
        lines += list(family.notes)
    return "\n".join(lines)


def _cell(usage: str) -> str:
    return "`" + usage.replace("|", "\\|") + "`"


def markdown_table() -> str:
    """The README's command table: one row per documented form; a form without `doc` joins the row above."""
    rows: list[tuple[list[str], str]] = []
    for family in FAMILIES:
        if family.hidden:
            continue
        for sub in family.subs:
            if sub.hidden:
                continue
            if sub.doc is not None:
                rows.append(([], sub.doc))
            rows[-1][0].append(_cell(sub.usage))
    head = ["| command | what it does |", "|---|---|"]
    return "\n".join(head + [f"| {', '.join(cells)} | {doc} |" for cells, doc in rows])


if __name__ == "__main__":
    print(markdown_table())
