"""The Dutch refusals of the status tables (storage/items.py): what a user reads when a change is not allowed.

The tables decide; this only words their `TransitionError`. The router answers every
TransitionError with `refusal(exc)` (and rolls the transaction back), so a handler neither checks a
status itself nor words a refusal of its own: where it wants the refusal before it parses the rest
of the command, it asks the table with `storage.items.check_transition`.
"""

from __future__ import annotations

from handlers.format import label
from storage.items import EDIT, TransitionError
from storage.models import ActieStatus, SignaalStatus

_S, _A = SignaalStatus, ActieStatus
_PREFIX = {"signaal": "S", "actiepunt": "A"}


def refusal(exc: TransitionError) -> str:
    """One Dutch sentence for a refused change, naming the item (`S-12`) and what it is now."""
    ref = f"{_PREFIX.get(exc.item_type, '')}-{exc.item_id}" if exc.item_id else "Dit item"
    now_is = label(exc.item_type, exc.current)
    if exc.current in (_S.ingetrokken, _A.ingetrokken):
        return f"{ref} is ingetrokken; er valt niets meer aan te veranderen."
    if exc.item_type == "signaal":
        if exc.wanted == _S.gesloten:
            return f"{ref} is al gesloten."
        if exc.wanted == _S.actie:
            return f"{ref} is gesloten; heropen het eerst met /signaal {ref} heropen."
        if exc.wanted == _S.in_behandeling:
            return f"{ref} is niet meer open maar {now_is}."
        if exc.wanted == _S.open:
            return f"{ref} is niet gesloten."
    if exc.item_type == "actiepunt":
        if exc.wanted in (_A.gedaan, _A.vervallen):
            return f"{ref} is al {now_is}."
        if exc.wanted == _A.open:
            return f"{ref} is al open."
        if exc.wanted == "verplaatsen":
            return f"{ref} is {now_is}; alleen open actiepunten kunnen verplaatst worden."
        if exc.wanted == "overdragen":
            return f"{ref} is {now_is}; alleen open actiepunten kunnen worden overgedragen."
    if exc.wanted == EDIT:
        return f"{ref} is {now_is}; er valt niets meer aan te veranderen."
    return f"{ref} is {now_is}; dat kan in deze status niet."
