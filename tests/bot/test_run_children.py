"""`wijkbot run` is one command and several processes: the web process starts a worker and a
scheduler, starts a killed worker again, and stops them with itself."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.parse
from pathlib import Path

import httpx

from tests.bot.conftest import BOLNES, SECRET, sign
from tests.bot.test_run_process import ROOT, _free_port, _healthy
from tests.support.fake_slack import FakeSlack


def _children(pid: int) -> dict[int, str]:
    """The child processes of `pid` with their role (from their command line)."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            args = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            role = args[args.index(b"--role") + 1].decode() if b"--role" in args else "?"
            found[int(child)] = role
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


async def _wait(predicate: object, what: str, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, what
        await asyncio.sleep(0.05)


async def test_wijkbot_run_starts_a_worker_again_after_a_kill_and_stops_its_children(
    db_url: str, fake_slack: FakeSlack, bound_config: Path
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMS_", "WIJKBOT_"))}
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": db_url,
        "WIJKBOT_CONFIG": str(bound_config),
        "PORT": str(port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await _healthy(f"http://127.0.0.1:{port}", proc)
        await _wait(lambda: sorted(_children(proc.pid).values()) == ["scheduler", "worker"], "no worker and scheduler")
        [worker] = [pid for pid, role in _children(proc.pid).items() if role == "worker"]
        os.kill(worker, signal.SIGKILL)
        await _wait(lambda: worker not in _children(proc.pid), "the killed worker was not reaped")
        body = urllib.parse.urlencode(
            {
                "team_id": "T0RIDDER",
                "channel_id": BOLNES,
                "channel_name": "lbt-bolnes",
                "user_id": "U0ANNA",
                "command": "/signaal",
                "text": "Losliggende stoeptegels bij de school #openbare-ruimte",
                "api_app_id": "A0WIJKBOT",
                "response_url": fake_slack.response_url("after-kill"),
                "trigger_id": "trigger.after-kill",
            }
        )
        headers = sign(body) | {"Content-Type": "application/x-www-form-urlencoded"}
        async with httpx.AsyncClient(timeout=10) as http:
            assert (
                await http.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers)
            ).status_code == 200
        [reply] = await fake_slack.wait_for("response", timeout=60)  # by the worker started again
        assert reply["text"].startswith("Signaal S-1 vastgelegd")
        children = list(_children(proc.pid))
        assert worker not in children
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), timeout=30) == 0
        await _wait(lambda: not any(_alive(c) for c in children), "a child outlived wijkbot run", timeout=15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
