"""The shape of every command: a family, its subcommands, and how a message's words find them.

`handlers.commands` declares the families; this module only reads words. The rules (issue 11):
a first word that is a subcommand, an alias, a reference or `help` (or an English or misspelt
form of one) is executed or answered with a question, never stored as an item's text;
subcommand and reference may come in either order (`/actie A-1 gedaan` = `/actie gedaan A-1`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers import pii
from handlers.base import Button, Context, Reply, UserError
from handlers.parsing import parse_ref

HELP_WORDS = frozenset({"help", "hulp", "?", "uitleg", "helpen"})
_TRIM = ".,:;!?"
_BARE_NUMBER = re.compile(r"^[0-9]{1,9}$")
_OWN_REF = re.compile(r"^(?P<p>[SsAaJjIi])-?(?P<num>[0-9]{1,9})$")


@dataclass(frozen=True)
class Call:
    """One resolved command: which form, for which item, with what words after it."""

    family: Family
    sub: Sub
    rest: str = ""
    ref: int | None = None
    confirmed: bool = False  # the writer already chose *Toch opslaan* (`/signaal! ...`)
    args: str = ""  # everything after the command name, as written (kept for the PII question)


Run = Callable[[Context, Call], list[Reply]]


@dataclass(frozen=True)
class Sub:
    """One form of a command: `/signaal S-12 sluit [toelichting]`.

    `name` "" is the family's form without a subcommand: with `ref` it is a reference alone
    (`/signaal S-12`), without it the free text (`/signaal <tekst>`) or the bare command.
    `doc` is the README's English text; None joins this form to the README row above.
    """

    name: str
    run: Run
    usage: str
    example: str
    summary: str
    doc: str | None = None
    aliases: tuple[str, ...] = ()
    ref: bool = False
    needs_words: bool = False  # alone (`/signaal zoek`) it is a question, not an action
    hidden: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return ((self.name,) if self.name else ()) + self.aliases


@dataclass(frozen=True)
class Family:
    """A command (`/signaal`) with its forms, in the order `/help` and the README show them."""

    name: str
    title: str  # for `/signaal help`: "Signalen uit de wijk"
    subs: tuple[Sub, ...]
    aliases: tuple[str, ...] = ()
    prefix: str | None = None  # "S" or "A": the family's item references
    item: str | None = None  # "signaal", "actiepunt": what the free text records ('een signaal')
    free_text: bool = False  # words that are no subcommand go to the "" form
    empty: str | None = None  # the question when the command comes without words
    notes: tuple[str, ...] = ()  # extra help lines (categories, deadline forms)
    hidden: bool = False
    pii_decisions: bool = False  # `/signaal bevestig <code>` (the PII buttons)
    _lookup: dict[str, Sub] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for sub in self.subs:
            for word in sub.words:
                assert word not in self._lookup, f"/{self.name}: '{word}' twice"
                self._lookup[word] = sub

    def sub(self, word: str) -> Sub | None:
        """The named form for a word (name or alias), or None."""
        return self._lookup.get(word)

    def form(self, *, ref: bool) -> Sub | None:
        """The form without a subcommand: a reference alone (`ref`) or the free text / bare command."""
        return next((s for s in self.subs if not s.name and s.ref == ref), None)

    def named(self) -> list[Sub]:
        return [s for s in self.subs if s.name]

    def close_match(self, word: str, *, ref: bool | None = None) -> Sub | None:
        """The form a misspelt word most likely means (two letters swapped, or difflib), among those with or
        without a reference (`ref`)."""
        if len(word) < 3:
            return None
        vocab = {w: s for w, s in self._lookup.items() if ref is None or s.ref == ref}
        swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        hits = [w for w in vocab if w in swapped] or difflib.get_close_matches(word, list(vocab), n=1, cutoff=0.8)
        return vocab[hits[0]] if hits else None

    def handle(self, ctx: Context, args: str) -> list[Reply]:
        """Run the command for the words after its name."""
        return run(self, ctx, args)


def _visible(word: str) -> str:
    return "".join(ch for ch in word if unicodedata.category(ch) != "Cf")


def key(word: str) -> str:
    """A word as the grammar compares it: no zero-width or direction marks, NFKC, lower case, no end punctuation."""
    word = unicodedata.normalize("NFKC", _visible(word)).lower()
    return word.strip(_TRIM) or word


def _words(text: str) -> list[str]:
    """The words of a message; a 'word' of only zero-width or direction marks is none."""
    return [w for w in text.split() if _visible(w)]


def ref_like(family: Family, word: str) -> str | None:
    """How a word reads as a reference of this family: "ref" (S-12, 12), "other" (A-12 in /signaal),
    "bad" (S-1.5), or None (no reference at all)."""
    k = key(word)
    if family.prefix is None or not k:
        return None
    if _BARE_NUMBER.match(k):
        return "ref"
    m = _OWN_REF.match(k)
    if m:
        return "ref" if m["p"].upper() == family.prefix else ("other" if "-" in k else None)
    head = k[0].upper()
    if head in "SAJI" and len(k) > 2 and k[1] == "-" and any(ch.isdigit() for ch in k):
        return "bad"
    return None


def _ref_number(family: Family, word: str) -> int:
    kind = ref_like(family, word)
    item = family.item or "item"
    if kind == "bad":
        runs = re.findall(r"[0-9]{1,9}", key(word)) or ["12"]
        meant = dict.fromkeys([f"{family.prefix}-{int(runs[0])}", f"{family.prefix}-{int(''.join(runs)[:9])}"])
        raise UserError(f"'{word}' is geen verwijzing naar een {item}; bedoelt u {' of '.join(meant)}?")
    return parse_ref(key(word) if kind == "ref" else word, family.prefix or "")


def family_help(family: Family, categories: list[str] | tuple[str, ...] | None = None) -> str:
    """`/<command> help`: every form with what it does and an example (`categories`: the organisation's)."""
    if categories is not None:
        return family_help(family).replace("{categorieen}", " ".join(f"#{c}" for c in categories))
    lines = [f"/{family.name}: {family.title}"]
    for sub in family.subs:
        if sub.hidden:
            continue
        example = f" Bijvoorbeeld: {sub.example}" if sub.example and sub.example != sub.usage else ""
        lines.append(f"• {sub.usage}: {sub.summary}.{example}")
    lines += list(family.notes)
    if family.prefix:
        p = family.prefix
        lines.append(
            f"Verwijzingen: {p}-12 of 12; woord en verwijzing mogen in elke volgorde "
            f"(/{family.name} {p}-12 {_first_ref_sub(family)} = /{family.name} {_first_ref_sub(family)} {p}-12)."
        )
    return "\n".join(lines)


# the people the examples name (those of the default example configuration); in another organisation
# the help names its own people instead: the asker's fellow members first, a guest for the guest
EXAMPLE_PEOPLE = ("piet", "fatima")
EXAMPLE_GUEST = "karin"


def own_people(text: str, ctx: Context) -> str:
    """The help's examples with people of the asker's own organisation (`@piet` → `@bas`)."""
    people = ctx.config.people
    if all(k in people for k in (*EXAMPLE_PEOPLE, EXAMPLE_GUEST)):
        return text
    group = ctx.config.groups.get(ctx.group.key) if ctx.group is not None else None
    me = ctx.person.key
    members = [k for k in ([*group.members, group.chair or ""] if group else []) if k and k != me]
    partners = [k for k, p in people.items() if p.kind == "partner" and k != me]
    guests = list(group.guests if group else []) + [k for k in partners if k not in members]
    taken: set[str] = set()

    def pick(sample: str, choices: list[str]) -> str:
        if sample in people:
            return sample
        key = next((k for k in choices if k not in taken), sample)
        taken.add(key)
        return key

    swap = {s: pick(s, [*members, *partners]) for s in EXAMPLE_PEOPLE}
    swap[EXAMPLE_GUEST] = pick(EXAMPLE_GUEST, [*guests, *partners])
    return re.sub(r"(?<![\w@])@(" + "|".join(swap) + r")(?![\w.\-'])", lambda m: "@" + swap[m[1]], text)


def _first_ref_sub(family: Family) -> str:
    return next((s.name for s in family.named() if s.ref and not s.hidden), "")


def _suggest(family: Family, sub: Sub, *, ref: int | None = None, text: bool = False) -> list[Reply]:
    """'Bedoelt u ...?' with the usage line: nothing is stored."""
    usage = sub.usage
    if ref is not None and family.prefix:
        usage = usage.replace(f"{family.prefix}-12", f"{family.prefix}-{ref}")
    new = f"; is het de tekst van een {family.item}, schrijf dan /{family.name} nieuw <tekst>" if text else ""
    return [
        Reply(f"Bedoelt u /{family.name} {sub.name}? Schrijf: {usage}{new}.", private=True, extra={"error": "user"})
    ]


def _ask_before_storing(family: Family, sub: Sub, word: str) -> list[Reply]:
    """One word that looks like a command: ask whether it is the command or an item's whole text."""
    assert family.item is not None
    meant = f"/{family.name} {sub.name}"
    new = family.sub("nieuw")
    buttons: tuple[Button, ...] = ()
    if new is not None:
        buttons = (Button(f"Nieuw {family.item}", f"{family.name}_nieuw", word),)
        if not sub.needs_words and not sub.ref:
            buttons = (Button(meant, f"{family.name}_{sub.name}", ""), *buttons)
    how = f"; om het vast te leggen: /{family.name} nieuw {word}" if new else ""
    return [
        Reply(
            f"Bedoelt u {meant}, of wilt u een {family.item} '{word}' vastleggen? Voor {meant}: {sub.usage}{how}.",
            buttons=buttons,
            private=True,
            extra={"error": "user"},
        )
    ]


def _unknown(family: Family, word: str) -> UserError:
    words = ", ".join(s.name for s in family.named() if not s.hidden)
    return UserError(f"/{family.name} {word} ken ik niet; kies uit {words} (zie /{family.name} help).")


def run(family: Family, ctx: Context, args: str) -> list[Reply]:
    """Resolve the words after `/family` to one form and run it (or ask what was meant)."""
    confirmed, text = pii.split_confirmed(args) if family.item or family.pii_decisions else (False, args)
    words = _words(text)
    if family.pii_decisions and pii.is_decision(words):
        return pii.handle(ctx, text)
    if not words:
        bare = family.form(ref=False)
        if family.empty is not None or bare is None:
            raise UserError(f"{family.empty or 'Wat wilt u doen?'} Typ /{family.name} help voor alle vormen.")
        return bare.run(ctx, Call(family, bare, "", confirmed=confirmed, args=args))
    first = key(words[0])
    if first in HELP_WORDS and family.name != "help":
        return [Reply(own_people(family_help(family, ctx.config.categories), ctx), private=True)]

    def call(sub: Sub, rest: list[str], ref: int | None = None) -> Call:
        return Call(family, sub, " ".join(rest), ref=ref, confirmed=confirmed, args=text)

    sub = family.sub(first)
    if sub is not None:
        if len(words) == 1 and family.item and (sub.needs_words or first != sub.name):
            return _ask_before_storing(family, sub, words[0])  # `/signaal list`, `/signaal zoek`
        if sub.ref:
            if len(words) == 1:
                raise UserError(f"Welk {family.item}? Schrijf bijvoorbeeld: {sub.usage}")
            if ref_like(family, words[1]) is None and family.sub("nieuw") is not None:
                raise UserError(
                    f"Na /{family.name} {words[0]} hoort een verwijzing ({sub.usage}); is het de tekst van een "
                    f"nieuw {family.item}, schrijf dan /{family.name} nieuw {words[0]} ..."
                )
            return sub.run(ctx, call(sub, words[2:], _ref_number(family, words[1])))
        if sub.needs_words and len(words) == 1:
            raise UserError(f"Schrijf er meer bij, bijvoorbeeld: {sub.example}")
        return sub.run(ctx, call(sub, words[1:]))

    kind = ref_like(family, words[0])
    second = key(words[1]) if len(words) > 1 else ""
    if kind in ("other", "bad") or (kind == "ref" and (_OWN_REF.match(first) or len(words) == 1)):
        number = _ref_number(family, words[0])
        return _after_ref(family, ctx, words, number, call)
    if kind == "ref" and second:  # `12 sluit` is S-12; `12 jongeren bij de school` is a text
        wanted = family.sub(second) or (family.close_match(second, ref=True) if len(words) <= 3 else None)
        if wanted is not None and wanted.ref:
            return _after_ref(family, ctx, words, _ref_number(family, words[0]), call)

    near = family.close_match(first)
    # in a family that records free text, a word that only resembles a command word ("Losse
    # stoeptegel" ~ close) is the text, unless what follows fits that command: a reference after a
    # form on one item, or one word after a form such as lijst ("lijts alle")
    fits = len(words) == 1 or (ref_like(family, words[1]) == "ref" if near and near.ref else len(words) == 2)
    if near is not None and (not family.free_text or fits):
        if len(words) == 1 and family.item:
            return _ask_before_storing(family, near, words[0])
        return _suggest(family, near, text=family.free_text and family.sub("nieuw") is not None)
    default = family.form(ref=False)
    if not family.free_text or default is None:
        raise _unknown(family, words[0])
    return default.run(ctx, call(default, words))


def _after_ref(family: Family, ctx: Context, words: list[str], number: int, call: Callable[..., Call]) -> list[Reply]:
    """`/signaal S-12 [sub ...]`: show the item, or run the subcommand named after the reference."""
    if len(words) == 1:
        show = family.form(ref=True)
        assert show is not None
        return show.run(ctx, call(show, [], number))
    second = key(words[1])
    if second in HELP_WORDS:
        return [Reply(own_people(family_help(family, ctx.config.categories), ctx), private=True)]
    sub = family.sub(second)
    if sub is not None and sub.ref:
        return sub.run(ctx, call(sub, words[2:], number))
    near = family.close_match(second, ref=True)
    if near is not None:
        return _suggest(family, near, ref=number)
    choices = ", ".join(s.name for s in family.named() if s.ref and not s.hidden)
    raise UserError(f"Wat wilt u met {family.prefix}-{number} doen? Kies uit: {choices}.")
