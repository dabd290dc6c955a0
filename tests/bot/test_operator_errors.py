"""An operator's mistake at start is one Dutch line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # a start that fails takes ~2 s; PostgreSQL's connect timeout is 10 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wijkbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WIJKBOT_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        input="/help\n",
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def _one_dutch_line(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode != 0, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("wijkbot: "), line
    for word in words:
        assert word in line, line
    assert proc.stdout == "", proc.stdout  # nothing was started
    return line


def test_console_with_a_db_that_is_no_url(tmp_path: Path) -> None:
    line = _one_dutch_line(_wijkbot("console", "--db", "foo", cwd=tmp_path), "'foo'", "geen database-URL", "sqlite:///")
    assert line.endswith(".")


def test_console_with_an_unknown_kind_of_database(tmp_path: Path) -> None:
    _one_dutch_line(_wijkbot("console", "--db", "mysql://u@host/db", cwd=tmp_path), "SQLite en PostgreSQL")


@pytest.mark.parametrize("where", ["missing/dir/wijkbot.db", "a-file/wijkbot.db"])
def test_console_with_a_sqlite_path_that_cannot_be_written(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("geen map")
    path = tmp_path / where
    line = _one_dutch_line(
        _wijkbot("console", "--db", f"sqlite:///{path}", cwd=tmp_path), str(path), "kan niet worden geopend"
    )
    assert ("bestaat niet" in line) if "missing" in where else ("is geen map" in line)
    assert not path.exists()


def test_console_with_an_unreachable_postgresql_hides_the_password(tmp_path: Path) -> None:
    url = f"postgresql://wijkbot:geheim-wachtwoord@127.0.0.1:{_free_port()}/wijkbot"
    line = _one_dutch_line(_wijkbot("console", "--db", url, cwd=tmp_path), "PostgreSQL", "niet bereikbaar", "127.0.0.1")
    assert "weigert de verbinding" in line
    assert "geheim-wachtwoord" not in line


def test_privacy_command_with_a_bad_db_is_one_line_too(tmp_path: Path) -> None:
    _one_dutch_line(_wijkbot("privacy", "export", "anna", "--db", "foo", cwd=tmp_path), "geen database-URL")
