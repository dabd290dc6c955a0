"""Forms (Slack's modals): a filled-in form is a neutral event, turned into the command it stands for.

A `Form` names the form and carries its fields by neutral name (a person as their key, a date as
`YYYY-MM-DD`); `submit` checks the fields, runs the command through the router, and says which
field a refusal is about, so the form can show it there and stay open. Any transport with forms
(or a test) goes through here, as the console goes through `handlers.router.dispatch`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from handlers.base import Message, Reply
from handlers.parsing import looks_like_ref
from handlers.router import dispatch
from storage.config import OrgConfig

# The forms, and the names of their fields.
SIGNAAL, ACTIE, VERPLAATS = "signaal", "actie", "verplaats"
TEXT, CATEGORY, OWNER, DEADLINE, FROM_SIGNAAL = "text", "category", "owner", "deadline", "signaal"
FIELDS: dict[str, tuple[str, ...]] = {
    SIGNAAL: (TEXT, CATEGORY),
    ACTIE: (TEXT, OWNER, DEADLINE, FROM_SIGNAAL),
    VERPLAATS: (DEADLINE,),
}
UNKNOWN_OWNER = "Deze persoon staat niet in de configuratie van wijkbot; kies een teamlid."


@dataclass(frozen=True)
class Form:
    """A submitted form: which one, its fields ('' when empty), and the item it is about (`ref`)."""

    name: str
    fields: Mapping[str, str] = field(default_factory=dict)
    ref: str = ""

    def value(self, name: str) -> str:
        return str(self.fields.get(name) or "")


@dataclass
class Outcome:
    """The replies of the command; `errors` (field → one Dutch sentence) when it was refused."""

    replies: list[Reply] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.errors


def command(form: Form) -> str | tuple[str, str]:
    """The command text a form stands for, or (field, error) for a field that cannot be right."""
    text = " ".join(form.value(TEXT).split())
    deadline = form.value(DEADLINE)
    if form.name == VERPLAATS:
        return f"/actie verplaats {form.ref} {deadline}".strip()
    if form.name == SIGNAAL:
        category = form.value(CATEGORY)
        return f"/signaal {text}" + (f" #{category}" if category else "")
    if form.name != ACTIE:
        return TEXT, "Dit formulier ken ik niet; gebruik /help voor de commando's."
    owner = form.value(OWNER).lstrip("@")
    if not owner:
        return OWNER, UNKNOWN_OWNER
    signaal = form.value(FROM_SIGNAAL).strip()
    if signaal and not looks_like_ref(signaal, "S"):
        return FROM_SIGNAAL, f"'{signaal}' is geen signaal; schrijf bijvoorbeeld S-12, of laat het veld leeg."
    rest = f"{text} @{owner} {deadline}".strip()
    return f"/signaal {signaal} actie {rest}" if signaal else f"/actie {rest}"


def field_of(message: str, fields: tuple[str, ...]) -> str:
    """Which field a Dutch refusal is about (deadline errors belong on the deadline)."""
    present = set(fields)
    low = message.lower()
    for name, words in (
        (DEADLINE, ("deadline", "datum", "verleden")),
        (OWNER, ("eigenaar", "ik ken @")),
        (CATEGORY, ("categorie",)),
        (FROM_SIGNAAL, ("signaal s-", "s-", "hoort bij /signaal")),
    ):
        if name in present and any(w in low for w in words):
            return name
    return TEXT if TEXT in present else next(iter(sorted(present)), TEXT)


def submit(engine: Engine, config: OrgConfig, form: Form, msg: Message) -> Outcome:
    """Handle a submitted form as `msg` (who, where, when; its text is ignored): one transaction.

    A refusal (one private reply that changed nothing) is returned as the error of one field.
    """
    fields = FIELDS.get(form.name, (TEXT,))
    text = command(form)
    if isinstance(text, tuple):
        name, error = text
        return Outcome(errors={name: error})
    replies = dispatch(engine, config, Message(text, msg.person, msg.channel, msg.now, msg.transport))
    if len(replies) == 1 and replies[0].private and replies[0].ref is None:
        return Outcome(replies=replies, errors={field_of(replies[0].text, fields): replies[0].text})
    return Outcome(replies=replies)
