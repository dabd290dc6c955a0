"""`wijkbot run` as its own process against a fake Bot API on 127.0.0.1: Telegram failing at start."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

from tests.support.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _healthy(base: str, proc: asyncio.subprocess.Process, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while loop.time() < deadline:
            assert proc.returncode is None, "wijkbot run stopped"
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("wijkbot run did not answer /healthz")


async def test_wijkbot_run_keeps_running_when_getme_is_flood_limited_at_start_and_telegram_reconnects(
    db_url: str,
) -> None:
    tg = FakeTelegram()
    await tg.start()
    # getMe at start: flood control (429) on the first try and on both of the rate limiter's retries
    tg.refuse("getMe", times=3, status=429, retry_after=1)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "WIJKBOT_CONFIG"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_URL": tg.api_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = b""
    try:
        await _healthy(f"http://127.0.0.1:{port}", proc)  # the rest of wijkbot runs
        # Telegram is retried in the background and answers once getMe works
        jan = tg.user(9901, "Jan")
        answer = await asyncio.wait_for(tg.say(jan, "/start"), timeout=30)
        assert "wijkregisseur" in answer
        assert proc.returncode is None
        assert len(tg.calls_to("getMe")) >= 4
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            output, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
        except TimeoutError:
            proc.kill()
            output, _ = await proc.communicate()
        await tg.close()
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert "Telegram is niet bereikbaar (RetryAfter)" in text
    # PTB's rate limiter logs its own traceback; none goes through wijkbot's code
    assert f'File "{ROOT / "bot"}' not in text, text[-3000:]
