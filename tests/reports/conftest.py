"""Reports write files: every test gets its own output directory."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "uitvoer"
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(out))
    return out
