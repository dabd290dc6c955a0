"""Files in Slack: reports and exports are uploaded with files_upload_v2 to the right channel."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage import outbox
from storage.db import transaction
from storage.models import OutboxMessage
from tests.bot.conftest import BOLNES, SlackWorld
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def output_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "uitvoer"
    monkeypatch.setenv("WIJKBOT_OUTPUT_DIR", str(out))
    return out


def _queue(slack: SlackWorld, text: str, files: list[str], destination: str = "lbt-bolnes") -> None:
    with transaction(slack.bot.engine) as s:
        outbox.enqueue(
            s, kind="channel", destination=destination, text=text, now=slack.bot.clock.now(), payload={"files": files}
        )


async def test_actie_export_over_http_uploads_the_csv_with_its_bytes_to_the_teams_channel_once(
    slack: SlackWorld, output_dir: Path
) -> None:
    await slack.say("/actie Buurtgesprek plannen <@U0PIET|Piet> vrijdag")
    out = await slack.say("/actie export")
    assert out.startswith("Export van 1 actiepunt van Leefbaarheidsteam Bolnes")
    [upload] = await slack.fake.wait_for_uploads(1)
    [csv] = list(output_dir.glob("actiepunten-bolnes-*.csv"))
    assert upload.channel == BOLNES
    assert upload.filename == csv.name
    assert upload.data == csv.read_bytes()
    assert "Buurtgesprek plannen" in upload.data.decode("utf-8-sig")
    # the message that carries it went to the channel first, and the outbox row is done
    posts = [p for p in slack.fake.of("chat.postMessage") if p["channel"] == BOLNES]
    assert any(p["text"] == "Export van 1 actiepunt van Leefbaarheidsteam Bolnes." for p in posts)
    with Session(slack.bot.engine) as s:
        assert all(m.sent_at is not None for m in s.exec(select(OutboxMessage)).all())
    # the private reply names the same file: it is not uploaded a second time
    assert len(slack.fake.uploads) == 1


async def test_rapportage_verstuur_uploads_chart_and_pdf_to_the_regiegroep(slack: SlackWorld, output_dir: Path) -> None:
    slack.bot.clock.set(NOW + timedelta(days=21))  # 14 December: the half year's last month, when it may be sent
    await slack.say("/rapportage tekst Het jaarplan loopt op schema; de buurttent was een succes.")
    out = await slack.say("/rapportage verstuur")
    assert "verstuurd naar #regiegroep" in out
    uploads = await slack.fake.wait_for_uploads(4)
    png = output_dir / "voortgangsrapportage-bolnes-2026-H2.png"
    pdf = output_dir / "voortgangsrapportage-bolnes-2026-H2.pdf"
    to_regie = {u.filename: u.data for u in uploads if u.channel == "C0REGIE01"}
    assert to_regie == {png.name: png.read_bytes(), pdf.name: pdf.read_bytes()}
    assert to_regie[png.name].startswith(b"\x89PNG")
    assert to_regie[pdf.name].startswith(b"%PDF")
    # the chair's public reply in the team's channel carries the same two files
    assert sorted(u.filename for u in uploads if u.channel == BOLNES) == [pdf.name, png.name]


async def test_a_file_deleted_since_is_logged_and_the_text_still_goes_out(
    slack: SlackWorld, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kept = tmp_path / "agenda.ics"
    kept.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    gone = tmp_path / "verdwenen.csv"
    _queue(slack, "Twee bestanden, waarvan er een weg is.", [str(gone), str(kept)])
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        assert await slack.bot.flush() == 1
    [post] = slack.fake.of("chat.postMessage")
    assert post["text"] == "Twee bestanden, waarvan er een weg is."
    [upload] = slack.fake.uploads
    assert (upload.filename, upload.channel, upload.data) == ("agenda.ics", BOLNES, kept.read_bytes())
    assert "verdwenen.csv not uploaded" in caplog.text


async def test_a_failed_upload_is_retried_without_posting_the_text_twice(slack: SlackWorld, tmp_path: Path) -> None:
    chart = tmp_path / "grafiek.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _queue(slack, "Met grafiek.", [str(chart)], destination="regiegroep")
    slack.fake.fail(methods={"upload"})  # the upload URL answers 500, also to the client's own retries
    assert await slack.bot.flush() == 0
    assert [p["text"] for p in slack.fake.of("chat.postMessage")] == ["Met grafiek."]
    assert slack.fake.uploads == []
    slack.fake.heal()
    slack.bot.clock.advance(timedelta(hours=1))
    assert await slack.bot.flush() == 1
    assert [p["text"] for p in slack.fake.of("chat.postMessage")] == ["Met grafiek."]
    [upload] = slack.fake.uploads
    assert (upload.channel, upload.data) == ("C0REGIE01", chart.read_bytes())
