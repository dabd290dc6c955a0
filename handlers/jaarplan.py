"""/jaarplan: the group's yearly plan of activities (J-12), as the configuration names it (`jaarplan_naam`).

After the covenant's jaarplan and the wijkagenda of seed 004: per activity a trekker, partners, a
period and the financing; progress is noted during the year, the plan is evaluated in the last
quarter and next year's is drafted from the open items. Groups with `jaarplan = false` have none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.base import Context, Reply, UserError
from handlers.format import euros, history_lines, label, person_tag, plural, ref_a, ref_j, when
from handlers.parsing import check_text, resolve_person
from handlers.permissions import editable_group, readable_group, require
from storage import items as item_store
from storage import jaarplan as store
from storage.items import TransitionError
from storage.models import Group, JaarplanItem, JaarplanStatus, Person

MAX_BUDGET_CENTS = 100_000_000 * 100  # far beyond a wijk's budget: a typing error
_MENTION = re.compile(r"(?<![\w@])@(?P<name>[\w.\-']+)", re.UNICODE)
# `budget €1.500`, `€ 1500,50`, `€1.500,-`, `budget 1500 euro`
_BUDGET = re.compile(r"(?:(?<!\w)budget\s*:?\s*)?€\s*(?P<amount>\S*)|(?<!\w)budget\s*:?\s*(?P<bare>\d\S*)", re.I)
_AMOUNT = re.compile(r"^(?P<whole>\d{1,3}(?:\.\d{3})+|\d{1,12})(?:,(?P<cents>\d{1,2}|-{1,2}))?$")
_QUARTER = re.compile(r"(?<!\w)(?:Q[1-4]|[1-4]e\s+kwartaal|kwartaal\s+[1-4])(?!\w)", re.I)
# `jaar` only before a year: "het hele jaar door" is text
_KEYWORD = re.compile(r"(?<!\w)(partners|partner|periode|jaar(?=\s*:?\s+\d{4}(?!\w)))\s*:?\s+", re.I)
_LINK = re.compile(r"(?<!\w)bij\s+J-?(?P<num>\d{1,9})(?!\w)", re.I)


def plan_name(ctx: Context) -> str:
    return ctx.config.jaarplan_naam


def _title(ctx: Context, year: int) -> str:
    name = plan_name(ctx)
    return f"{name[:1].upper()}{name[1:]} {year}"


def require_plan(ctx: Context, group: Group) -> None:
    """A group without a jaarplan (`jaarplan = false`) has none of it: say so."""
    if not group.jaarplan:
        plan = plan_name(ctx)
        raise UserError(
            f"{group.name} werkt niet met een {plan}, dus /jaarplan doet hier niets; "
            f"gebruik het in het kanaal van een groep met een {plan}."
        )


def _this_year(ctx: Context) -> int:
    return ctx.now.astimezone(ctx.tz).year


def get(ctx: Context, item_id: int) -> JaarplanItem:
    item = ctx.session.get(JaarplanItem, item_id)
    if item is None:
        raise UserError(f"{ref_j(item_id)} bestaat niet; zie /jaarplan voor de activiteiten van uw groep.")
    readable_group(ctx, ref_j(item_id), item.group_id)
    return item


def _editable(ctx: Context, item: JaarplanItem) -> Group:
    group = editable_group(ctx, ref_j(item.id), item.group_id)
    require_plan(ctx, group)
    return group


# --- reading what someone typed -------------------------------------------------------------------


def parse_budget(text: str) -> tuple[str, int | None]:
    """Take `budget €1.500` / `€ 1500,50` out of the text; returns (rest, cents). A bad amount is an error."""
    m = _BUDGET.search(text)
    if m is None:
        return text, None
    raw = (m["amount"] if m["amount"] is not None else m["bare"] or "").rstrip(".;")
    if raw.lower() in ("euro", "eur"):
        raw = ""
    amount = _AMOUNT.match(raw)
    if amount is None:
        shown = raw or "(leeg)"
        raise UserError(
            f"Het budget '{shown}' begrijp ik niet; schrijf het bedrag in euro's zoals budget €1.500 of € 1500,50."
        )
    whole = int(amount["whole"].replace(".", ""))
    cents_text = amount["cents"] or ""
    cents = 0 if not cents_text or cents_text.startswith("-") else int(cents_text.ljust(2, "0"))
    total = whole * 100 + cents
    if total > MAX_BUDGET_CENTS:
        raise UserError(f"Een budget van {euros(total)} is niet aannemelijk; controleer het bedrag.")
    end = m.end()
    after = text[end:]
    if re.match(r"\s*(euro|eur)(?!\w)", after, re.I):
        end += re.match(r"\s*(euro|eur)", after, re.I).end()  # type: ignore[union-attr]
    return (text[: m.start()] + " " + text[end:]).strip(), total


@dataclass
class Parsed:
    activiteit: str
    trekker: Person | None
    partners: str | None
    periode: str | None
    budget_cents: int | None
    year: int | None


def parse_item(ctx: Context, args: str) -> Parsed:
    """`<activiteit> [@trekker] [partners <wie>] [periode <wanneer>|Q2] [budget €...] [jaar 2027]`."""
    text, cents = parse_budget(args)
    trekker: Person | None = None
    mentions = list(_MENTION.finditer(text))
    if len(mentions) > 1:
        raise UserError("Noem één trekker met @, bijvoorbeeld @piet; zet andere partners achter 'partners'.")
    if mentions:
        trekker = resolve_person(ctx, mentions[0]["name"])
        text = (text[: mentions[0].start()] + " " + text[mentions[0].end() :]).strip()
    parts = _KEYWORD.split(text)
    activiteit, fields = parts[0], {k.lower().rstrip("s") if k.lower() != "partners" else "partner": v
                                    for k, v in zip(parts[1::2], parts[2::2], strict=True)}  # fmt: skip
    periode = fields.get("periode", "").strip() or None
    if periode is None and (q := _QUARTER.search(activiteit)):
        periode = q.group(0)
        activiteit = activiteit[: q.start()] + activiteit[q.end() :]
    partners = " ".join(fields.get("partner", "").split()) or None
    year: int | None = None
    if "jaar" in fields:
        word = fields["jaar"].strip()
        if not re.fullmatch(r"\d{4}", word):
            raise UserError(f"'{word}' is geen jaar; schrijf bijvoorbeeld jaar {_this_year(ctx) + 1}.")
        year = int(word)
        if year not in (_this_year(ctx), _this_year(ctx) + 1):
            raise UserError(
                f"Een activiteit hoort in het {plan_name(ctx)} van dit jaar of volgend jaar "
                f"({_this_year(ctx)} of {_this_year(ctx) + 1}), niet {year}."
            )
    activiteit = check_text(activiteit, "omschrijving van de activiteit")
    if partners:
        partners = check_text(partners, "lijst van partners", limit=500)
    if periode:
        periode = check_text(periode, "periode", limit=100)
    return Parsed(activiteit, trekker, partners, periode, cents, year)


def take_link(ctx: Context, args: str) -> tuple[str, JaarplanItem | None]:
    """`/actie ... bij J-3`: the words without the link, and the J-item of this group it names."""
    m = _LINK.search(args)
    if m is None:
        return args, None
    item = get(ctx, int(m["num"]))
    group = ctx.require_group()
    if item.group_id != group.id:
        own = ctx.session.get(Group, item.group_id)
        raise UserError(f"{ref_j(item.id)} hoort bij {own.name if own else 'een andere groep'}; "
                        f"koppel alleen aan een activiteit van {group.name}.")  # fmt: skip
    if item.status != JaarplanStatus.open:
        raise UserError(f"{ref_j(item.id)} is {label('jaarplan', item.status)}; heropen het eerst met "
                        f"/jaarplan {ref_j(item.id)} heropen.")  # fmt: skip
    return (args[: m.start()] + " " + args[m.end() :]).strip(), item


# --- commands ---------------------------------------------------------------------------------------


def item_line(session: Session, item: JaarplanItem) -> str:
    """`J-3 Buurtschouw | trekker @piet | partners Facet | Q2 | € 1.500 | open`."""
    bits = [f"{ref_j(item.id)} {item.activiteit}"]
    if item.trekker_id:
        bits.append(f"trekker {person_tag(session, item.trekker_id)}")
    if item.partners:
        bits.append(f"partners {item.partners}")
    if item.periode:
        bits.append(item.periode)
    if item.budget_cents is not None:
        bits.append(euros(item.budget_cents))
    bits.append(label("jaarplan", item.status))
    return " | ".join(bits)


def plan_lines(
    session: Session,
    group: Group,
    year: int,
    *,
    tz: ZoneInfo,
    indent: str = "",
    only_open: bool = False,
    limit: int | None = None,
) -> list[str]:
    """The plan with progress per item: the last note and the linked actiepunten (for /jaarplan, the
    agenda's "vaststellen" item and the Q4 evaluation prompt)."""
    rows = store.items_of(session, group.id or 0, year)
    if only_open:
        rows = [i for i in rows if i.status == JaarplanStatus.open]
    ids = [i.id or 0 for i in rows]
    notes = store.notes_of(session, ids)
    acts = store.linked_actiepunten(session, ids)
    lines = []
    for item in rows[:limit]:
        lines.append(f"{indent}• {item_line(session, item)}")
        its = notes[item.id or 0]
        if its:
            last = its[-1]
            more = f" ({plural(len(its), 'notitie', 'notities')})" if len(its) > 1 else ""
            lines.append(f"{indent}   voortgang {when(last.at, tz)}: {last.detail}{more}")
        if acts[item.id or 0]:
            shown = ", ".join(f"{ref_a(a.id)} ({label('actiepunt', a.status)})" for a in acts[item.id or 0])
            lines.append(f"{indent}   actiepunten: {shown}")
    if limit is not None and len(rows) > limit:
        lines.append(f"{indent}… en nog {len(rows) - limit}; zie /jaarplan.")
    return lines


def counts(rows: list[JaarplanItem]) -> str:
    by = {s: sum(1 for i in rows if i.status == s) for s in JaarplanStatus}
    return f"{by[JaarplanStatus.open]} open, {by[JaarplanStatus.klaar]} klaar, {by[JaarplanStatus.vervallen]} vervallen"


def show_plan(ctx: Context, args: str) -> list[Reply]:
    """/jaarplan [lijst [jaar]]: this year's plan of the group with progress per item."""
    group = ctx.require_group()
    require_plan(ctx, group)
    require(ctx.session, ctx.person, "item.read", group)
    year = _this_year(ctx)
    word = args.strip()
    if word:
        if not re.fullmatch(r"\d{4}", word):
            raise UserError(f"Schrijf /jaarplan lijst gevolgd door een jaar, bijvoorbeeld /jaarplan lijst {year}.")
        year = int(word)
    rows = store.items_of(ctx.session, group.id or 0, year)
    if not rows:
        nxt = store.items_of(ctx.session, group.id or 0, year + 1) if not word else []
        hint = f" Voor {year + 1} staan er al {len(nxt)} klaar: /jaarplan lijst {year + 1}." if nxt else ""
        return [
            Reply(
                f"{_title(ctx, year)} van {group.name} heeft nog geen activiteiten. Voeg er een toe met "
                f"/jaarplan toevoegen <activiteit> [@trekker] [partners ...] [periode ...] [budget €...].{hint}",
                private=True,
            )
        ]
    head = f"{_title(ctx, year)} van {group.name}: {plural(len(rows), 'activiteit')} ({counts(rows)})"
    return [Reply("\n".join([head + ":", *plan_lines(ctx.session, group, year, tz=ctx.tz)]), private=True)]


def add(ctx: Context, args: str) -> list[Reply]:
    """/jaarplan toevoegen <activiteit> [@trekker] [partners ...] [periode ...] [budget €...]"""
    group = ctx.require_group()
    require_plan(ctx, group)
    require(ctx.session, ctx.person, "item.edit", group)
    p = parse_item(ctx, args)
    year = p.year or _this_year(ctx)
    item = store.record_item(
        ctx.session,
        group_id=group.id or 0,
        year=year,
        activiteit=p.activiteit,
        trekker_id=p.trekker.id if p.trekker else None,
        partners=p.partners,
        periode=p.periode,
        budget_cents=p.budget_cents,
        created_by_id=ctx.person.id,
        now=ctx.now,
    )
    understood = [
        f"Trekker {'@' + p.trekker.key if p.trekker else 'nog niemand (noem die met @)'}",
        f"partners: {p.partners or 'geen genoemd'}",
        f"periode: {p.periode or 'niet genoemd'}",
        f"budget: {euros(p.budget_cents) if p.budget_cents is not None else 'geen'}",
    ]
    return [
        Reply(
            f"{ref_j(item.id)} toegevoegd aan {_title(ctx, year)} van {group.name}: {p.activiteit}. "
            + "; ".join(understood)
            + ".",
            ref=ref_j(item.id),
        )
    ]


def show(ctx: Context, item: JaarplanItem) -> list[Reply]:
    """/jaarplan J-3: one activity with its history and linked actiepunten."""
    group = ctx.session.get(Group, item.group_id)
    assert group is not None
    require_plan(ctx, group)
    acts = store.linked_actiepunten(ctx.session, [item.id or 0])[item.id or 0]
    lines = [f"{item_line(ctx.session, item)} ({_title(ctx, item.year)}, {group.name})"]
    if acts:
        lines.append("Actiepunten:")
        lines += [f"  {ref_a(a.id)} {a.text} ({label('actiepunt', a.status)})" for a in acts]
    lines.append("Geschiedenis:")
    lines += history_lines(ctx.session, item_store.history(ctx.session, store.ITEM_TYPE, item.id or 0), ctx.tz)
    return [Reply("\n".join(lines), private=True)]


def progress(ctx: Context, item: JaarplanItem, text: str) -> list[Reply]:
    """/jaarplan J-3 voortgang <tekst>"""
    _editable(ctx, item)
    note = check_text(text, "voortgang") if text.strip() else ""
    if not note:
        raise UserError(
            f"Schrijf de voortgang erachter, bijvoorbeeld: /jaarplan {ref_j(item.id)} voortgang eerste schouw gehouden."
        )
    store.add_note(ctx.session, item, note, actor_id=ctx.person.id, now=ctx.now)
    return [Reply(f"Voortgang bij {ref_j(item.id)} ({item.activiteit}) genoteerd: {note}", ref=ref_j(item.id))]


def _status(ctx: Context, item: JaarplanItem, status: JaarplanStatus, text: str) -> list[Reply]:
    _editable(ctx, item)
    note = check_text(text, "toelichting") if text.strip() else ""
    try:
        store.set_status(ctx.session, item, status, actor_id=ctx.person.id, now=ctx.now, detail=note)
    except TransitionError as exc:
        if status == JaarplanStatus.open:
            raise UserError(f"{ref_j(item.id)} is al open.") from exc
        ref = ref_j(item.id)
        now_is = label("jaarplan", item.status)
        raise UserError(f"{ref} is {now_is}; heropen het eerst met /jaarplan {ref} heropen.") from exc
    said = {JaarplanStatus.klaar: "is klaar", JaarplanStatus.vervallen: "vervalt", JaarplanStatus.open: "is weer open"}
    extra = f" Toelichting: {note}" if note else ""
    return [Reply(f"{ref_j(item.id)} {said[status]}: {item.activiteit}.{extra}", ref=ref_j(item.id))]


def done(ctx: Context, item: JaarplanItem, text: str) -> list[Reply]:
    return _status(ctx, item, JaarplanStatus.klaar, text)


def cancel(ctx: Context, item: JaarplanItem, text: str) -> list[Reply]:
    return _status(ctx, item, JaarplanStatus.vervallen, text)


def reopen(ctx: Context, item: JaarplanItem, text: str) -> list[Reply]:
    return _status(ctx, item, JaarplanStatus.open, text)


def draft_years(ctx: Context) -> tuple[int, int]:
    """(from, into) for nieuw-jaar: until the end of March last year's plan into this year's (it is made
    final in the first meeting of the year); from April on this year's into next year's."""
    local = ctx.now.astimezone(ctx.tz)
    return (local.year - 1, local.year) if local.month <= 3 else (local.year, local.year + 1)


def next_year(ctx: Context) -> list[Reply]:
    """/jaarplan nieuw-jaar: the coming plan drafted from the open items (see draft_years; once per item)."""
    group = ctx.require_group()
    require_plan(ctx, group)
    require(ctx.session, ctx.person, "item.edit", group)
    year, _ = draft_years(ctx)
    copies = store.copy_open_items(ctx.session, group.id or 0, year, actor_id=ctx.person.id, now=ctx.now)
    total = len(store.items_of(ctx.session, group.id or 0, year + 1))
    if not copies:
        return [
            Reply(
                f"Er zijn geen open activiteiten uit {_title(ctx, year)} meer over te nemen; "
                f"{_title(ctx, year + 1)} heeft {plural(total, 'activiteit')}. Zie /jaarplan lijst {year + 1}.",
                private=True,
            )
        ]
    refs = ", ".join(f"{ref_j(c.copied_from_id)} → {ref_j(c.id)}" for c in copies)
    return [
        Reply(
            f"{plural(len(copies), 'open activiteit')} uit {_title(ctx, year)} overgenomen in "
            f"{_title(ctx, year + 1)} van {group.name} ({refs}); dat heeft nu {plural(total, 'activiteit')}. "
            f"Vul aan met /jaarplan toevoegen <activiteit> jaar {year + 1}; het wordt vastgesteld in het eerste "
            f"overleg van {year + 1}.",
            ref=ref_j(copies[0].id),
        )
    ]


def overview_lines(session: Session, group: Group, year: int, *, tz: ZoneInfo, plan: str, limit: int = 15) -> list[str]:
    """The plan in short for the agenda's "vaststellen" item and the Q4 evaluation: counts, then the open items."""
    rows = store.items_of(session, group.id or 0, year)
    title = f"{plan[:1].upper()}{plan[1:]} {year}"
    if not rows:
        return [f"{title} heeft nog geen activiteiten."]
    lines = [f"{title}: {plural(len(rows), 'activiteit')} ({counts(rows)})"]
    return lines + plan_lines(session, group, year, tz=tz, only_open=True, limit=limit)
