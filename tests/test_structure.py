"""The layers, read from the imports (issue #13 "One way in"; CONTRIBUTING.md "The layers").

- bot/ imports no sqlmodel and no sqlalchemy, and from storage only storage.config and storage.db,
  and from storage.db only what wiring needs (opening and migrating the database, its errors, the
  Database alias): no `transaction`, so no queries;
- handlers/ imports no chat library;
- schedules/ imports no bot.

Every import counts, also one inside a function or under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHAT_LIBRARIES = ("slack_bolt", "slack_sdk", "telegram", "botbuilder", "aiohttp")
STORAGE_FOR_WIRING = ("storage.config", "storage.db")
DB_WIRING = frozenset(
    {
        "Database",  # the engine type, by the name bot/ uses
        "DatabaseSetupError",
        "database_errors",
        "make_engine",
        "open_database",
        "migrate",
        "reachable",  # /healthz: does the database answer
        "url_password",  # keeping the database password out of the logs
    }
)

# Exceptions to the rules, each with its reason: (file, what it imports). None today.
# An entry that is no longer a violation fails the test, so the list only shrinks.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for every import in the file; `import x` has no names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(ROOT).parent.parts
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names = [alias.name for alias in node.names]
            # `from storage import outbox` imports the module storage.outbox
            found += [(f"{module}.{n}", []) for n in names if _is_module(f"{module}.{n}")]
            rest = [n for n in names if not _is_module(f"{module}.{n}")]
            if rest or not names:
                found.append((module, rest))
    return found


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _within(module: str, roots: tuple[str, ...]) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def _violations_of(rel: str, module: str, names: list[str]) -> list[str]:
    layer = rel.split("/")[0]
    if layer == "bot":
        if _within(module, ("sqlmodel", "sqlalchemy")):
            return [module]
        if _within(module, ("storage",)) and module != "storage":
            if module not in STORAGE_FOR_WIRING:
                return [module]
            if module == "storage.db":
                return [f"storage.db:{n}" for n in names if n not in DB_WIRING] if names else ["storage.db"]
        if module == "storage":
            return ["storage"]  # `import storage`: any query would be in reach
    if layer == "handlers" and _within(module, CHAT_LIBRARIES):
        return [module]
    if layer == "schedules" and _within(module, ("bot",)):
        return [module]
    return []


def violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for layer in ("bot", "handlers", "schedules"):
        for path in sorted((ROOT / layer).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for module, names in _imports(path):
                found |= {(rel, v) for v in _violations_of(rel, module, names)}
    return found


def test_the_layers_import_only_what_they_may() -> None:
    new = sorted(violations() - ALLOWED)
    assert not new, (
        "imports across the layers (see tests/test_structure.py's docstring and CONTRIBUTING.md); "
        f"put the query in storage/ and call it through handlers/: {new}"
    )


def test_the_allow_list_only_shrinks() -> None:
    gone = sorted(ALLOWED - violations())
    assert not gone, f"no longer violations: remove them from ALLOWED in tests/test_structure.py: {gone}"


def test_the_check_sees_what_it_should() -> None:
    """The reader itself: `from storage import outbox` is the module, relative imports resolve."""
    assert _violations_of("bot/x.py", "storage.outbox", []) == ["storage.outbox"]
    assert _violations_of("bot/x.py", "storage.db", ["transaction", "migrate"]) == ["storage.db:transaction"]
    assert _violations_of("bot/x.py", "sqlalchemy.exc", ["IntegrityError"]) == ["sqlalchemy.exc"]
    assert _violations_of("bot/x.py", "storage.config", ["load_config"]) == []
    assert _violations_of("handlers/x.py", "slack_sdk.errors", []) == ["slack_sdk.errors"]
    assert _violations_of("schedules/x.py", "bot.core", ["Wijkbot"]) == ["bot.core"]
    assert ("storage.outbox", []) in _imports(ROOT / "handlers" / "base.py")


# Transport names handlers/ must not carry: no identifier spells one (`slack_id`, `telegram_chat`)
# and no string is one ("slack" == ctx.transport). A transport is a value that passes through.
# "teams" alone is not checked: it is also the domain's word (the plural of team, wijkteams).
TRANSPORT_WORDS = ("slack", "telegram")
TRANSPORT_STRINGS = ("slack", "telegram", "msteams")


def transport_names(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted((root / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.lower() in TRANSPORT_STRINGS:
                    names.append(repr(node.value))
            elif isinstance(node, ast.Name):
                names.append(node.id)
            elif isinstance(node, ast.Attribute):
                names.append(node.attr)
            elif isinstance(node, (ast.arg, ast.keyword)) and node.arg:
                names.append(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
            for name in names:
                if name.startswith("'") or any(w in name.lower() for w in TRANSPORT_WORDS):
                    found.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}: {name}")
    return found


def test_handlers_name_no_transport() -> None:
    assert not transport_names(ROOT), (
        f"handlers/ pass the transport through (ctx.transport, storage.identity); name none: {transport_names(ROOT)}"
    )


def test_the_transport_check_sees_a_transport_name(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "x.py").write_text(
        'def f(ctx, slack_id):\n    return ctx.transport == "telegram"\n', encoding="utf-8"
    )
    found = transport_names(tmp_path)
    assert any("slack_id" in f for f in found)
    assert any("'telegram'" in f for f in found)
