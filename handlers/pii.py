"""Personal data in free text (AVG, and every covenant's privacy clause): spot it, and ask before storing it.

`detect` finds what looks like a BSN (9 digits passing the 11-proef), a Dutch phone number, an
e-mail address, a Dutch licence plate (the sidecodes) or a postcode with a house number. When a
new signaal or actiepunt contains any of those, the handler does not store it but calls `ask`:
a private reply with the reason and the buttons *Toch opslaan* / *Aanpassen*.

The confirm flow needs no transport of its own:
- the buttons are `pii_bevestig` / `pii_aanpassen` with a short token as value, which by the
  button convention mean `/pii bevestig <token>` and `/pii aanpassen <token>` (also accepted:
  `/signaal bevestig <token>`, `/actie bevestig <token>`);
- or the person writes the same command again with a `!`: `/signaal! <tekst>` (or `/signaal ! …`).

The pending text is kept ONLY in the bot's memory (`ctx.state.pending`), for at most 15 minutes, and is dropped on
confirm, on *Aanpassen* and on expiry (docs/privacy.md says why). A token can be used once, only
by the person who wrote the text, in the same conversation.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from handlers.base import Button, Context, Reply, UserError
from handlers.state import Pending

PENDING_TTL = timedelta(minutes=15)
CONFIRM_MARK = "!"  # `/signaal! tekst` or `/signaal ! tekst`: store it even if it looks personal

# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------

_BSN = re.compile(r"(?<![\w.])(\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?![\w]|\.\d)")
# 0 or +31/0031 (optionally "(0)"), then exactly 9 digits, single spaces or dashes between them
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)31[ -]?(?:\(0\)[ -]?)?|0)([1-9](?:[ -]?\d){8})(?![\d])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_POSTCODE_NUMBER = re.compile(
    r"(?<!\d)[1-9]\d{3}(?:[A-Za-z]{2}|\s[A-Z]{2})\s*,?\s+\d{1,5}(?:\s?[a-zA-Z])?\b"  # 1234 AB 12
    r"|(?<!\d)\d{1,5}[a-zA-Z]?\s*,\s*[1-9]\d{3}(?:[A-Za-z]{2}|\s[A-Z]{2})\b"  # 12, 1234 AB
)
# Dutch licence plates, sidecodes 1-14 (X = letter, 9 = digit), written with dashes.
_SIDECODES = (
    "XX-99-99",
    "99-99-XX",
    "99-XX-99",
    "XX-99-XX",
    "XX-XX-99",
    "99-XX-XX",
    "99-XXX-9",
    "9-XXX-99",
    "XX-999-X",
    "X-999-XX",
    "XXX-99-X",
    "X-99-XXX",
    "9-XX-999",
    "999-XX-9",
)


def _sidecode_pattern(code: str) -> str:
    return "-".join(f"[A-Za-z]{{{len(p)}}}" if p[0] == "X" else f"\\d{{{len(p)}}}" for p in code.split("-"))


_PLATE = re.compile(r"(?<![\w-])(?:" + "|".join(_sidecode_pattern(c) for c in _SIDECODES) + r")(?![\w-])")

LABELS = {
    "bsn": "een BSN",
    "telefoon": "een telefoonnummer",
    "email": "een e-mailadres",
    "kenteken": "een kenteken",
    "adres": "een postcode met huisnummer",
}


def is_bsn(digits: str) -> bool:
    """Nine digits that pass the 11-proef (9·d1 + 8·d2 + … + 2·d8 - d9 ≡ 0 mod 11)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def _phone_ok(match: re.Match[str]) -> bool:
    # "06-12-2026 10:00" is a date, not a number: a phone number has at most one dash
    return match.group(0).count("-") <= 1


def detect(text: str) -> list[str]:
    """The kinds of personal data the text seems to contain (keys of LABELS), in a fixed order."""
    found: list[str] = []
    if any(is_bsn(re.sub(r"\D", "", m.group(1))) for m in _BSN.finditer(text)):
        found.append("bsn")
    if any(_phone_ok(m) for m in _PHONE.finditer(text)):
        found.append("telefoon")
    if _EMAIL.search(text):
        found.append("email")
    if _PLATE.search(text):
        found.append("kenteken")
    if _POSTCODE_NUMBER.search(text):
        found.append("adres")
    return found


def describe(kinds: list[str]) -> str:
    """'een BSN en een telefoonnummer'."""
    words = [LABELS[k] for k in kinds]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


# --------------------------------------------------------------------------------------------
# Pending texts (memory only)
# --------------------------------------------------------------------------------------------


_TOKEN = re.compile(r"^[a-z0-9]{8}$")


def split_confirmed(args: str) -> tuple[bool, str]:
    """`! tekst` or `tekst !` → (True, 'tekst'): the person already chose to store it anyway."""
    stripped = args.strip()
    if stripped.startswith(CONFIRM_MARK):
        return True, stripped[len(CONFIRM_MARK) :].lstrip()
    if stripped.endswith(" " + CONFIRM_MARK):
        return True, stripped[: -len(CONFIRM_MARK)].rstrip()
    return False, args


def check(ctx: Context, command: str, args: str, *texts: str) -> list[Reply] | None:
    """None when the texts look free of personal data; otherwise the question to ask (nothing is stored)."""
    kinds: list[str] = []
    for text in texts:
        kinds += [k for k in detect(text) if k not in kinds]
    if not kinds:
        return None
    return ask(ctx, command, args, kinds)


def ask(ctx: Context, command: str, args: str, kinds: list[str]) -> list[Reply]:
    """Keep the command in memory for 15 minutes and ask to confirm or rewrite it."""
    token = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(8))
    with ctx.state.pending.locked(ctx.now) as waiting:
        waiting[token] = Pending(ctx.person.key, ctx.channel, command, args, ctx.now + PENDING_TTL)
    what = {
        "signaal": "signaal",
        "actie": "actiepunt",
        "besluit": "besluit",
        "initiatief": "initiatief",
        "verzoek": "verzoek",
    }.get(command, "agendapunt")
    return [
        Reply(
            f"Uw {what} lijkt {describe(kinds)} te bevatten, dus ik heb nog niets opgeslagen: "
            "leg alleen persoonsgegevens vast die het team echt nodig heeft. "
            f"Kies Toch opslaan binnen 15 minuten, of Aanpassen en stuur /{command} opnieuw zonder die gegevens.",
            buttons=(
                Button("Toch opslaan", "pii_bevestig", token),
                Button("Aanpassen", "pii_aanpassen", token),
            ),
            private=True,
            extra={"pii": kinds, "pii_token": token},
        )
    ]


def _take(ctx: Context, token: str) -> Pending:
    with ctx.state.pending.locked(ctx.now) as waiting:
        pending = waiting.get(token)
        if pending is None:
            raise UserError(
                "Deze bevestiging is verlopen of al gebruikt; stuur het commando opnieuw en kies dan Toch opslaan."
            )
        if pending.person != ctx.person.key:
            raise UserError("Alleen wie de tekst schreef kan hem bevestigen.")
        if pending.channel != ctx.channel:
            raise UserError("Bevestig de tekst in het gesprek waarin u hem schreef.")
        del waiting[token]
    return pending


def confirm(ctx: Context, token: str) -> list[Reply]:
    """Store the pending text now, exactly once."""
    from handlers.router import COMMANDS  # the router imports this module

    pending = _take(ctx, token)
    return COMMANDS[pending.command](ctx, f"{CONFIRM_MARK} {pending.args}")


def discard(ctx: Context, token: str) -> list[Reply]:
    """Forget the pending text; the person writes it again without the personal data."""
    pending = _take(ctx, token)
    return [
        Reply(
            f"Niets opgeslagen. Pas de tekst aan en stuur /{pending.command} opnieuw, "
            "zonder persoonsgegevens die het team niet nodig heeft.",
            private=True,
        )
    ]


def is_decision(words: list[str]) -> bool:
    """`bevestig <token>` / `aanpassen <token>` after /signaal or /actie."""
    return len(words) == 2 and words[0].lower() in ("bevestig", "aanpassen") and bool(_TOKEN.match(words[1]))


def handle(ctx: Context, args: str) -> list[Reply]:
    """Persoonsgegevens: /pii bevestig <code> slaat een tekst toch op, /pii aanpassen <code> laat hem vervallen."""
    words = args.split()
    if not is_decision(words):
        raise UserError("Schrijf /pii bevestig <code> of /pii aanpassen <code>, met de code uit mijn vraag.")
    sub, token = words[0].lower(), words[1]
    return confirm(ctx, token) if sub == "bevestig" else discard(ctx, token)
