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


PERSONAL = "Call me on 07700 900123 or jane@example.org, I live in SE15 4QT"
SECRETS = ("07700 900123", "07700900123", "jane@example.org", "SE15 4QT", "4QT")
WORDED = (
    "/staff/export/answers.csv",
    "/staff/export/answers.xlsx",
    "/staff/export/transcripts.json",
)


async def seed_personal(url: str, session_factory: sessionmaker) -> str:
    """A consenting resident who typed personal data, in an answer and in the chat."""
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, "browser-jane", "socketio")
        await record_consent(session, respondent)
        await save_answer(session, respondent, "knife_crime.agreement", "agree")
        await save_answer(session, respondent, "knife_crime.comment", "given", PERSONAL)
        code = respondent.reference_code
    await save_conversation(
        url, "browser-jane", [("assistant", "What do you think?"), ("resident", PERSONAL)]
    )
    return code


def text_of(path: str, body: bytes) -> str:
    """Everything a download says, as text (every cell of every sheet for Excel)."""
    if path.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(body))
        return "\n".join(
            str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row
        )
    return body.decode("utf-8")


@pytest.mark.parametrize("path", WORDED)
async def test_a_reviewers_download_hides_personal_data(
    reviewer: TestClient, migrated_url: str, session_factory: sessionmaker, path: str
) -> None:
    await seed_personal(migrated_url, session_factory)
    token = csrf_from(await (await reviewer.get("/staff/export")).text())
    response = await reviewer.post(path, data={"csrf_token": token})
    assert response.status == 200
    text = text_of(path, await response.read())
    for secret in SECRETS:
        assert secret not in text, secret
    assert "[phone number]" in text and "[email address]" in text
    assert "SE15 [rest of postcode]" in text
    # Closed answers keep their codes, so the codebook still applies.
    if "answers" in path:
        assert "agree" in text
    # Asking for personal data is refused to a reviewer, and nothing is downloaded.
    refused = await reviewer.post(path, data={"csrf_token": token, "personal_data": "yes"})
    assert refused.status == 403
    assert refused.headers.get("Content-Disposition") is None
    async with session_factory() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "export_personal_data" not in actions


@pytest.mark.parametrize("path", WORDED)
async def test_an_admins_download_with_personal_data_is_audited(
    admin: TestClient, migrated_url: str, session_factory: sessionmaker, path: str
) -> None:
    await seed_personal(migrated_url, session_factory)
    page = await (await admin.get("/staff/export")).text()
    assert "with personal data" in page
    token = csrf_from(page)
    hidden = text_of(path, await (await admin.post(path, data={"csrf_token": token})).read())
    assert "07700 900123" not in hidden  # by default, admins' downloads hide it too
    response = await admin.post(path, data={"csrf_token": token, "personal_data": "yes"})
    assert response.status == 200
    assert "with-personal-data" in response.headers["Content-Disposition"]
    shown = text_of(path, await response.read())
    assert "07700 900123" in shown and "jane@example.org" in shown
    async with session_factory() as session:
        entries = (
            await session.execute(
                select(AuditEntry.staff_name, AuditEntry.action).order_by(AuditEntry.id)
            )
        ).all()
    assert entries[-2:] == [("ade", "export"), ("ade", "export_personal_data")]
    audit_page = await (await admin.get("/staff/audit")).text()
    assert "Exported with personal data shown" in audit_page


async def test_the_codebook_has_no_version_with_personal_data(admin: TestClient) -> None:
    token = csrf_from(await (await admin.get("/staff/export")).text())
    response = await admin.post(
        "/staff/export/codebook.csv", data={"csrf_token": token, "personal_data": "yes"}
    )
    assert response.status == 400


async def test_reviewers_see_no_downloads_with_personal_data(reviewer: TestClient) -> None:
    page = await (await reviewer.get("/staff/export")).text()
    assert "is hidden and shown in square brackets" in page
    assert 'name="personal_data"' not in page
