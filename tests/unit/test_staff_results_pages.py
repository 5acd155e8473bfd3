"""The Results pages over HTTP: signed in they render, signed out they are refused."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.db.models import AuditEntry
from bot.db.queries import save_answer, start_respondent
from bot.staff import views_results
from bot.staff.themes import ThemeListError
from tests.staff_fixtures import csrf_from, without_csrf_tokens


async def seed(session_factory: sessionmaker) -> str:
    async with session_factory() as session, session.begin():
        for i in range(12):
            respondent = await start_respondent(session, f"s{i}", "rest")
            await save_answer(session, respondent, "knife_crime.agreement", "agree")
            await save_answer(session, respondent, "local.borough", "hackney")
        for i in range(3):
            respondent = await start_respondent(session, f"t{i}", "rest")
            await save_answer(session, respondent, "knife_crime.agreement", "disagree")
            await save_answer(session, respondent, "about.age_band", "18_24")
        await save_answer(
            session,
            respondent,
            "knife_crime.comment",
            "given",
            "<script>alert(1)</script> more knife arches",
        )
        return respondent.reference_code


@pytest.mark.parametrize("path", ["/staff/results", "/staff/results/comments"])
async def test_refused_without_a_session(staff_client: TestClient, path: str) -> None:
    response = await staff_client.get(path, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/staff/sign-in"


async def test_results_page(reviewer: TestClient, session_factory: sessionmaker) -> None:
    await seed(session_factory)
    response = await reviewer.get("/staff/results")
    assert response.status == 200
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    page = await response.text()
    assert "<h1>Results</h1>" in page
    assert '<svg class="chart" role="img" aria-labelledby="chart-knife_crime-agreement-title' in (
        page
    )
    assert "Agree: 12 (80.0%); " in page  # the chart's text description
    assert '<td class="num">12</td><td class="num">80.0%</td>' in page
    assert "fewer than 10" in page  # 3 respondents aged 18 to 24
    # Nothing the strict CSP would block: no script, no style attribute or element.
    assert "<script" not in page and "<style" not in page
    assert not re.search(r"\sstyle=", page)
    async with session_factory() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.staff_name))).all()
    assert ("view_results", "rita") in actions


async def test_comments_page_shows_themes_and_escaped_comments(
    reviewer: TestClient, session_factory: sessionmaker
) -> None:
    code = await seed(session_factory)
    response = await reviewer.get("/staff/results/comments")
    assert response.status == 200
    page = await response.text()
    assert "<h1>Comments and themes</h1>" in page
    assert "Knife crime: 1 comment</summary>" in page
    assert f"{code}</span>: &lt;script&gt;alert(1)&lt;/script&gt; more knife arches" in page
    assert "<script>" not in page
    assert re.search(r"Knife crime</a></th><td class=\"num\">1</td>", page)


async def test_a_broken_theme_list_is_explained(
    reviewer: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ThemeListError("themes.yml: theme 3 (cctv): patterns must be a non-empty list")

    monkeypatch.setattr(views_results, "default_matcher", broken)
    response = await reviewer.get("/staff/results/comments")
    assert response.status == 500
    assert "theme 3 (cctv): patterns must be a non-empty list" in await response.text()


PERSONAL = "Ring me on 07700 900123 or jane@example.org, I live in SE15 4QT, more knife arches"


async def seed_personal(session_factory: sessionmaker) -> str:
    async with session_factory() as session, session.begin():
        respondent = await start_respondent(session, "jane", "rest")
        await save_answer(session, respondent, "knife_crime.comment", "given", PERSONAL)
        return respondent.reference_code


async def test_the_comments_page_hides_personal_data_from_reviewers(
    reviewer: TestClient, session_factory: sessionmaker
) -> None:
    code = await seed_personal(session_factory)
    page = await (await reviewer.get("/staff/results/comments")).text()
    for secret in ("07700 900123", "jane@example.org", "SE15 4QT", "4QT"):
        assert secret not in without_csrf_tokens(page), secret
    assert (
        f"{code}</span>: Ring me on [phone number] or [email address], "
        "I live in SE15 [rest of postcode], more knife arches"
    ) in page
    # Themes are still found in the comment.
    assert "Knife crime: 1 comment</summary>" in page
    assert "Show personal data" not in page
    token = csrf_from(page)
    refused = await reviewer.post("/staff/results/comments/reveal", data={"csrf_token": token})
    assert refused.status == 403


async def test_an_admin_reveals_the_comments_and_it_is_audited(
    admin: TestClient, session_factory: sessionmaker
) -> None:
    await seed_personal(session_factory)
    page = await (await admin.get("/staff/results/comments")).text()
    assert "07700 900123" not in page
    token = csrf_from(page)
    response = await admin.post("/staff/results/comments/reveal", data={"csrf_token": token})
    assert response.status == 200
    revealed = await response.text()
    assert PERSONAL in revealed and "Personal data is shown" in revealed
    async with session_factory() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.staff_name))).all()
    assert ("reveal_comments", "ade") in actions
