"""Who may do what: one table, checked by every command (see docs/security.md)."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from handlers.base import Context, UserError
from storage import org
from storage.models import Group, Person, PersonKind


class Role(StrEnum):
    member = "lid van de groep"
    chair = "voorzitter van de groep"
    overseer = "partner in een groep waaraan de groep rapporteert (reports_to)"
    guest = "gast van de groep (guests)"
    owner = "eigenaar van het actiepunt"
    admin = "beheerder"
    ambassador = "wijkambassadeur van het team"


# action → the roles that may perform it on a group's data
PERMISSIONS: dict[str, frozenset[Role]] = {
    "item.read": frozenset({Role.member, Role.chair, Role.overseer, Role.admin}),
    "item.create": frozenset({Role.member, Role.chair}),
    "item.edit": frozenset({Role.member, Role.chair}),
    "meeting.read": frozenset({Role.member, Role.chair, Role.overseer, Role.admin}),
    "meeting.plan": frozenset({Role.member, Role.chair}),
    "meeting.absence": frozenset({Role.member, Role.chair}),
    "meeting.agenda": frozenset({Role.member, Role.chair}),
    "meeting.change": frozenset({Role.chair}),
    "attendance.confirm": frozenset({Role.chair}),
    "report.complete": frozenset({Role.chair}),
    "ambassador.invite": frozenset({Role.chair}),
    "ambassador.read": frozenset({Role.member, Role.chair}),
    "privacy.request": frozenset({Role.admin}),
    "person.link": frozenset({Role.chair, Role.admin}),
    "signaal.own.read": frozenset({Role.ambassador}),
    "actie.own": frozenset({Role.owner}),
    "initiatief.contact": frozenset({Role.owner}),
}

# what each action means, for docs/security.md (generated from this module; a test compares)
DESCRIPTIONS: dict[str, str] = {
    "item.read": "signalen en actiepunten van de groep bekijken (lijst, S-12, A-12, exports)",
    "item.create": "een signaal, actiepunt of participatiebijeenkomst vastleggen",
    "item.edit": "signalen en actiepunten van de groep wijzigen (sluiten, gedaan, verplaatsen, ...)",
    "meeting.read": "het volgende overleg, de agenda en de bijeenkomsten bekijken",
    "meeting.plan": "een overleg (of een reeks) plannen",
    "meeting.absence": "zich afmelden voor een overleg van de groep",
    "meeting.agenda": "een agendapunt inbrengen voor het volgende overleg, eventueel met een gast "
    "(`/overleg agendapunt`)",
    "meeting.change": "één overleg afzeggen of verplaatsen, als gehouden melden, een agendapunt weghalen",
    "attendance.confirm": "de aanwezigheid bij een overleg bevestigen",
    "report.complete": "de halfjaarlijkse voortgangsrapportage afronden",
    "ambassador.invite": "wijkambassadeurs uitnodigen of verwijderen",
    "ambassador.read": "de wijkambassadeurs van het team zien",
    "privacy.request": "inzage- en verwijderverzoeken (AVG) afhandelen: `wijkbot privacy export` / `erase`",
    "person.link": "een koppelcode maken waarmee een lid zijn Slack-account aan zijn naam koppelt (`/koppel @persoon`)",
    "signaal.own.read": "de eigen meldingen volgen (Telegram: /mijnsignalen), nooit die van anderen",
    "actie.own": "een eigen actiepunt bekijken, afronden of verplaatsen, ook in een direct gesprek "
    "(`/actie lijst mijn` toont die van elke groep); zo werkt een gast of partner buiten de groep mee",
    "initiatief.contact": "als contactpersoon (de eigenaar) een verzoek of initiatief (I-12) bekijken en "
    "bijwerken, ook in een direct gesprek",
}

REFUSALS: dict[str, str] = {
    "item.read": "U kunt alleen items van uw eigen groep bekijken.",
    "item.create": "Alleen leden van {group} kunnen hier iets vastleggen; vraag de voorzitter om u toe te voegen.",
    "item.edit": "Alleen leden van {group} kunnen items van deze groep wijzigen.",
    "meeting.read": "Alleen leden van {group} kunnen dit overleg bekijken.",
    "meeting.plan": "Alleen leden van {group} kunnen een overleg plannen.",
    "meeting.absence": "U bent geen lid van {group}, dus u hoeft zich niet af te melden.",
    "meeting.agenda": "Alleen leden van {group} kunnen een agendapunt inbrengen; vraag een lid het voor u te doen.",
    "meeting.change": "Alleen de voorzitter van {group} kan een overleg afzeggen, verplaatsen of als gehouden melden.",
    "attendance.confirm": "Alleen de voorzitter van {group} kan de aanwezigheid bevestigen.",
    "report.complete": "Alleen de voorzitter van {group} kan de voortgangsrapportage afronden.",
    "ambassador.invite": "Alleen de voorzitter van {group} kan wijkambassadeurs uitnodigen of verwijderen.",
    "ambassador.read": "Alleen leden van {group} kunnen de wijkambassadeurs zien.",
    "privacy.request": "Alleen een beheerder kan privacyverzoeken afhandelen.",
    "person.link": "Alleen de voorzitter van {group} of een beheerder kan koppelcodes maken.",
    "signaal.own.read": "Alleen wijkambassadeurs van {group} volgen hier hun eigen meldingen; gebruik /signaal lijst.",
    "actie.own": "Alleen de eigenaar van een actiepunt van {group} kan het buiten de groep bekijken of afronden.",
    "initiatief.contact": "Alleen de contactpersoon van een initiatief van {group} kan het buiten de groep bijwerken.",
}


def roles_of(session: Session, person: Person, group: Group, *, owner_id: int | None = None) -> set[Role]:
    """The roles a person has towards a group's data (`owner_id`: the owner of the actiepunt at hand).

    Reading down the reporting lines: a partner who is a member of a group that this group reports
    to (directly, or through the groups above it) oversees it. A resident (bewoner) never does: a
    resident reads only the items of their own groups.
    """
    roles: set[Role] = set()
    if person.is_admin:
        roles.add(Role.admin)
    if group.chair_id == person.id:
        roles.add(Role.chair)
    if owner_id is not None and owner_id == person.id:
        roles.add(Role.owner)
    mine = org.memberships_of(session, person.id)
    here = {m.role for m in mine if m.group_id == group.id}
    if "ambassadeur" in here:
        roles.add(Role.ambassador)
    if "lid" in here:
        roles.add(Role.member)
    if "gast" in here:
        roles.add(Role.guest)
    if person.kind == PersonKind.partner and group.reports_to_keys:
        member_of = {m.group_id for m in mine if m.role == "lid"}
        if member_of and any(g.id in member_of for g in org.above(org.all_groups(session), group)):
            roles.add(Role.overseer)
    return roles


def may(session: Session, person: Person, action: str, group: Group, *, owner_id: int | None = None) -> bool:
    return bool(PERMISSIONS[action] & roles_of(session, person, group, owner_id=owner_id))


def require(session: Session, person: Person, action: str, group: Group, *, owner_id: int | None = None) -> None:
    """Raise a Dutch refusal when the person may not perform `action` on the group's data."""
    if not may(session, person, action, group, owner_id=owner_id):
        raise UserError(REFUSALS[action].format(group=group.name))


def markdown_table() -> str:
    """The permission table as Markdown (docs/security.md holds exactly this; a test checks)."""
    roles = list(Role)
    head = "| actie | betekenis | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|---|" + "---|" * len(roles)
    rows = [
        f"| `{action}` | {DESCRIPTIONS[action]} | " + " | ".join("ja" if r in allowed else "–" for r in roles) + " |"
        for action, allowed in PERMISSIONS.items()
    ]
    return "\n".join([head, rule, *rows])


def readable_group(ctx: Context, ref: str, group_id: int, *, owner_id: int | None = None) -> Group:
    """The group of item `ref`, when this person may read it (or owns the actiepunt); otherwise a refusal."""
    group = ctx.session.get(Group, group_id)
    assert group is not None
    if may(ctx.session, ctx.person, "item.read", group):
        return group
    if owner_id is not None and may(ctx.session, ctx.person, "actie.own", group, owner_id=owner_id):
        return group
    raise UserError(f"{ref} hoort bij {group.name}; u kunt alleen items van uw eigen groep bekijken.")


def editable_group(ctx: Context, ref: str, group_id: int, *, owner_id: int | None = None) -> Group:
    """The group of item `ref`, when this person may change it here (in a direct chat: anywhere).

    `owner_id`: the owner of an actiepunt, who may close or move it even from outside the group.
    """
    own = ctx.session.get(Group, group_id)
    assert own is not None
    owner_may = owner_id is not None and may(ctx.session, ctx.person, "actie.own", own, owner_id=owner_id)
    if ctx.group is None and ctx.channel.startswith("@"):
        if not owner_may:
            require(ctx.session, ctx.person, "item.edit", own)
        return own
    group = ctx.require_group()
    if group.id != group_id:
        raise UserError(f"{ref} hoort bij {own.name}; wijzigen kan alleen in #{own.channel}.")
    if not owner_may:
        require(ctx.session, ctx.person, "item.edit", group)
    return group
