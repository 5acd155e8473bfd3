"""The Export page and downloads over HTTP: signed in, with the CSRF token, audit-logged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db.models import AuditEntry
from bot.db.queries import record_consent, save_answer, start_respondent
from tests.staff_fixtures import csrf_from, save_conversation

DOWNLOADS = {
    "/staff/export/answers.csv": "text/csv",
    "/staff/export/answers.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "/staff/export/codebook.csv": "text/csv",
    "/staff/export/transcripts.json": "application/json",
}


async def test_export_page_refused_without_a_session(staff_client: TestClient) -> None:
    response = await staff_client.get("/staff/export", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/staff/sign-in"


@pytest.mark.parametrize("path", sorted(DOWNLOADS))
async def test_downloads_refused_without_a_session(staff_client: TestClient, path: str) -> None:
    response = await staff_client.post(path, allow_redirects=False)
    assert response.status in (302, 403)
    assert response.headers.get("Content-Disposition") is None


async def test_downloads_need_the_csrf_token(reviewer: TestClient) -> None:
    response = await reviewer.post("/staff/export/answers.csv", data={})
    assert response.status == 403


async def test_every_download_with_its_audit_entry(
    reviewer: TestClient, migrated_url: str, session_factory: sessionmaker
) -> None:
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, "browser-abc", "socketio")
        await record_consent(session, respondent)
        await save_answer(session, respondent, "hate.comment", "given", "=1+1 is a formula")
        code = respondent.reference_code
    await save_conversation(
        migrated_url, "browser-abc", [("resident", "hello"), ("assistant", "Hello.")]
    )
    await save_conversation(migrated_url, "never-agreed", [("resident", "hi there")])

    page = await (await reviewer.get("/staff/export")).text()
    assert "<h1>Export</h1>" in page
    token = csrf_from(page)
    bodies = {}
    for path, content_type in DOWNLOADS.items():
        response = await reviewer.post(path, data={"csrf_token": token})
        assert response.status == 200, path
        assert response.content_type == content_type
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        bodies[path] = await response.read()

    rows = list(csv.reader(io.StringIO(bodies["/staff/export/answers.csv"].decode(), newline="")))
    assert rows[1][:4] == [code, "socketio", "hate.comment", "'=1+1 is a formula"]
    book = load_workbook(io.BytesIO(bodies["/staff/export/answers.xlsx"]))
    assert book.sheetnames == ["Answers", "Codebook"]
    assert book["Answers"]["D2"].value == "'=1+1 is a formula"
    transcripts = json.loads(bodies["/staff/export/transcripts.json"])
    assert [c["respondent"] for c in transcripts["conversations"]] == [code]
    text = bodies["/staff/export/transcripts.json"].decode()
    assert "browser-abc" not in text and "hi there" not in text

    async with session_factory() as session:
        details = (
            await session.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.action == "export", AuditEntry.staff_name == "rita"
                )
            )
        ).scalars()
        assert sorted(details) == [
            "answers CSV: 1 answers",
            "answers Excel: 1 answers",
            "codebook CSV: codebook",
            "transcripts JSON: 1 conversations",
        ]
