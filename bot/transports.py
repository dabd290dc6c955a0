"""The registry of transports: every chat service wijkbot talks through, one module in bot/ each.

An adapter module registers itself when it is imported (`register(Transport(...))` at its end);
MODULES lists the modules `wijkbot run` imports to find them. Adding a transport is one module
plus its name here (and its settings in bot/settings.py): nothing else chooses between them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from starlette.routing import BaseRoute

from bot.settings import Settings
from handlers.notify import Notifier

if TYPE_CHECKING:
    from bot.core import Wijkbot

# The adapter modules, in the order their notifiers are asked whether they deliver a message.
MODULES = ("bot.slack", "bot.telegram", "bot.teams")


class Adapter(Protocol):
    """A running transport: its HTTP routes, its outbox Notifier, started and stopped by `wijkbot run`."""

    name: str
    notifier: Notifier

    def routes(self) -> list[BaseRoute]:
        """HTTP routes it needs on the shared server (HTTP mode, webhooks); empty when it connects out."""
        ...

    async def start(self, *, listen: bool = True) -> None:
        """Connect (Socket Mode, long polling, set a webhook); return once running. `listen=False`
        (a worker or scheduler process): only what sending needs; the web process listens."""
        ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Transport:
    """What the registry knows of a transport before it runs."""

    name: str  # the transport name everywhere ("slack"): Message.transport, identities, notifiers
    switch: str  # the environment variable that turns it on (named when nothing is configured)
    enabled: Callable[[Settings], bool]
    build: Callable[[Wijkbot, Settings], Adapter]


_REGISTRY: dict[str, Transport] = {}


def register(transport: Transport) -> Transport:
    """Called by an adapter module at import; registering the same name again replaces it."""
    _REGISTRY[transport.name] = transport
    return transport


def registered() -> list[Transport]:
    """Every transport, in the order of MODULES (the modules are imported on the first call)."""
    for module in MODULES:
        importlib.import_module(module)

    def place(t: Transport) -> int:
        module = getattr(t.build, "__module__", "")
        return MODULES.index(module) if module in MODULES else len(MODULES)

    return sorted(_REGISTRY.values(), key=place)


def enabled(settings: Settings) -> list[Transport]:
    return [t for t in registered() if t.enabled(settings)]


def build_enabled(bot: Wijkbot, settings: Settings) -> list[Adapter]:
    """An adapter for every transport the settings turn on."""
    return [t.build(bot, settings) for t in enabled(settings)]


def nothing_configured() -> str:
    """The one sentence `wijkbot run` says when no transport is configured."""
    switches = [t.switch for t in registered()]
    named = ", ".join(switches[:-1]) + f" of {switches[-1]}" if len(switches) > 1 else "".join(switches)
    return (
        f"wijkbot: er is geen chatdienst ingesteld (zet {named}); "
        "probeer de bot zonder chatdienst met `wijkbot console`."
    )
