"""The staff console in headless Chromium (Debian's package, driven by Playwright).

Only the website process is started (`python -m bot.web`, as `make run` starts it), on a
SQLite database holding transcripts saved through the assistant's own tracker store, and
accounts made with `consult staff add-user`. Covered: sign in, filter, open a transcript,
tag it, see the results, download the answers as CSV and Excel, sign out; label a flagged
message; an admin reveals personal data; a reviewer can neither find nor download personal
data, an admin can, and the audit log says so; wrong passwords slow down one name from one
address, not the colleague beside them; an axe-core audit of every staff page.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.pseudonyms import sender_key
from bot.settings import PROJECT_ROOT
from bot.stack import BIN, free_port, start_web_server
from tests.e2e.browser import axe_violations, chromium
from tests.staff_fixtures import save_conversation

PASSWORD = "a long staff pass phrase"
SECRET = "e2e-sender-secret"
COMMENT = "Youth clubs in Peckham would do more than stop and search"
PERSONAL_COMMENT = "Ring me on 07700 900123 or email jane@example.org about my street"


def _consult(url: str, *args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SENDER_ID_SECRET": SECRET}
    subprocess.run([str(BIN / "consult"), *args], env=env, input=stdin, text=True, check=True)


async def _seed(url: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import sessionmaker

    from bot.db.engine import make_engine
    from bot.db.queries import (
        flag_conversation,
        mark_completed,
        record_consent,
        save_answer,
        start_respondent,
    )

    day = datetime(2026, 11, 20, 12, tzinfo=timezone.utc).timestamp()
    await save_conversation(
        url,
        "widget-resident",
        [("resident", "/greet"), ("assistant", "Hello. I'm a chat assistant."),
         ("resident", COMMENT), ("resident", "my name is Jane Doe, 07700 900123"),
         ("resident", "<img src=x onerror=alert(1)>")],
        channel="socketio",
        start=day,
    )  # fmt: skip
    await save_conversation(url, "texter", [("resident", "my ex keeps threatening me")], start=day)
    engine = make_engine(url)
    try:
        factory = sessionmaker(engine, class_=AsyncSession, future=True)
        async with factory() as db, db.begin():
            respondent = await start_respondent(db, "widget-resident", "socketio")
            await record_consent(db, respondent)
            await save_answer(db, respondent, "knife_crime.comment", "given", COMMENT)
            await save_answer(db, respondent, "hate.comment", "given", PERSONAL_COMMENT)
            await mark_completed(db, respondent)
            # The texter's message is their first event after the start (save_conversation).
            await flag_conversation(db, "texter", "domestic_abuse", message_timestamp=day + 1)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('staff') / 'consult.db'}"
    _consult(url, "db", "upgrade")
    from bot.settings import get_settings

    # The respondents' keys must be the server's: seed with its secret, then put back ours.
    before = os.environ.get("SENDER_ID_SECRET")
    os.environ["SENDER_ID_SECRET"] = SECRET
    get_settings.cache_clear()
    try:
        asyncio.run(_seed(url))
    finally:
        if before is None:
            del os.environ["SENDER_ID_SECRET"]
        else:
            os.environ["SENDER_ID_SECRET"] = before
        get_settings.cache_clear()
    _consult(url, "staff", "add-user", "rita", "--role", "reviewer", stdin=PASSWORD + "\n")
    _consult(url, "staff", "add-user", "ade", "--role", "admin", stdin=PASSWORD + "\n")
    _consult(url, "staff", "add-user", "ivy", "--role", "reviewer", stdin=PASSWORD + "\n")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SENDER_ID_SECRET": SECRET, "WEB_PORT": str(port)}
    env["STAFF_SESSION_SECRET"] = "e2e-staff-session-secret-0123456789"
    log = open(tmp_path_factory.mktemp("logs") / "web.log", "w")
    process = start_web_server(env, log)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: the console's policy rightly refuses the injected audit script.
    context = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield page
    context.close()
    assert errors == []


def sign_in(page: Page, website: str, name: str) -> None:
    page.goto(f"{website}/staff")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations", level=1)).to_be_visible()


def test_a_reviewer_finds_reads_and_tags_a_conversation(page: Page, website: str) -> None:
    sign_in(page, website, "rita")
    expect(page.get_by_role("heading", name="2 conversations")).to_be_visible()
    page.get_by_label("Words in the messages").fill("youth clubs")
    page.get_by_label("Channel").select_option("socketio")
    page.get_by_role("button", name="Show conversations").click()
    expect(page.get_by_role("heading", name="1 conversation", exact=True)).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    _screenshot(page, "staff-conversations.png")
    rows.first.get_by_role("link").click()

    expect(page.get_by_text(COMMENT).first).to_be_visible()
    body = page.locator("main").inner_text()
    assert "Jane Doe" not in body and "07700 900123" not in body
    assert "[name]" in body and "[phone number]" in body
    assert "widget-resident" not in page.content()
    # Markup a resident typed is shown as text.
    expect(page.get_by_text("<img src=x onerror=alert(1)>")).to_be_visible()
    assert page.locator("main img").count() == 0
    assert page.get_by_role("button", name="Show personal data").count() == 0

    page.get_by_label("Add a tag").fill("Youth services")
    page.get_by_role("button", name="Add the tag").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator(".tags li")).to_have_count(1)
    page.get_by_label("Review status").select_option("reviewed")
    page.get_by_role("button", name="Save the review").click()

    page.get_by_role("link", name="Back to conversations").click()
    page.get_by_label("Tag").select_option("youth services")
    page.get_by_role("button", name="Show conversations").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr td").nth(6)).to_have_text("Reviewed")

    # Results show the answer; the export downloads hold it (Excel with its codebook sheet).
    page.get_by_role("link", name="Results", exact=True).click()
    expect(page.get_by_role("heading", name="Results", level=1)).to_be_visible()
    _screenshot(page, "staff-results.png")
    page.get_by_role("link", name="Export", exact=True).click()
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download answers (CSV)").click()
    assert COMMENT in Path(csv_download.value.path()).read_text(encoding="utf-8")
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Download answers and codebook (Excel)").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert "Codebook" in workbook.sheetnames
    assert any(COMMENT in str(cell.value) for row in workbook.active.iter_rows() for cell in row)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{website}/staff/conversations")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_a_reviewer_labels_a_flagged_message(page: Page, website: str) -> None:
    sign_in(page, website, "rita")
    page.get_by_role("link", name="Safeguarding", exact=True).click()
    expect(page.get_by_role("heading", name="Safeguarding", level=1)).to_be_visible()
    row = page.locator("tbody tr", has_text="my ex keeps threatening me")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Domestic abuse")
    row.get_by_role("button", name="Disclosure", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is labelled “Disclosure”")
    expect(row).to_contain_text("by rita")
    page.get_by_label("Show", exact=True).select_option("unreviewed")
    page.get_by_role("button", name="Show messages").click()
    expect(page.get_by_text("Every flagged message has been reviewed.")).to_be_visible()


def test_an_admin_reveals_personal_data_and_sees_it_in_the_audit_log(
    page: Page, website: str
) -> None:
    sign_in(page, website, "ade")
    page.goto(f"{website}/staff/conversations/{_key('widget-resident')}")
    page.get_by_role("button", name="Show personal data").click()
    expect(page.get_by_text("Personal data is shown.")).to_be_visible()
    assert "07700 900123" in page.locator("main").inner_text()
    page.get_by_role("link", name="Audit log").click()
    expect(
        page.get_by_role("cell", name="Revealed personal data in a transcript").first
    ).to_be_visible()


def _download(page: Page, button: str) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name=button, exact=True).click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def test_a_reviewer_can_neither_find_nor_download_personal_data(page: Page, website: str) -> None:
    sign_in(page, website, "rita")
    for hidden in ("07700 900123", "Jane Doe"):
        page.get_by_label("Words in the messages").fill(hidden)
        page.get_by_role("button", name="Show conversations").click()
        expect(page.get_by_role("heading", name="0 conversations")).to_be_visible()
    page.get_by_label("Words in the messages").fill("phone number")
    page.get_by_role("button", name="Show conversations").click()
    expect(page.get_by_role("heading", name="1 conversation", exact=True)).to_be_visible()

    page.get_by_role("link", name="Export", exact=True).click()
    assert (
        page.get_by_role("button", name="Download transcripts with personal data (JSON)").count()
        == 0
    )
    for button in ("Download transcripts (JSON)", "Download answers (CSV)"):
        text = _download(page, button)
        for secret in ("07700 900123", "Jane Doe", "jane@example.org"):
            assert secret not in text, (button, secret)
        assert "[phone number]" in text, button
    page.get_by_role("link", name="Results", exact=True).click()
    page.get_by_role("link", name="Read the comments and their themes").click()
    html = page.content()  # the comments are in closed <details>
    assert "07700 900123" not in html and "Ring me on [phone number]" in html


def test_an_admin_finds_and_downloads_personal_data_and_the_log_says_so(
    page: Page, website: str
) -> None:
    sign_in(page, website, "ade")
    page.get_by_label("Words in the messages").fill("07700 900123")
    page.get_by_role("button", name="Show conversations").click()
    expect(page.get_by_role("heading", name="1 conversation", exact=True)).to_be_visible()
    page.get_by_role("link", name="Export", exact=True).click()
    assert "07700 900123" not in _download(page, "Download transcripts (JSON)")
    text = _download(page, "Download transcripts with personal data (JSON)")
    assert "07700 900123" in text and "Jane Doe" in text
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="Exported with personal data shown").first).to_be_visible()
    searched = page.locator("tbody tr", has_text="Searched conversations for words")
    expect(searched.first).to_contain_text("words: 07700 900123")


def test_wrong_passwords_slow_down_one_name_not_the_colleague_beside_it(
    page: Page, website: str
) -> None:
    page.goto(f"{website}/staff/sign-in")
    for _ in range(5):
        page.get_by_label("User name").fill("ivy")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("The user name or password is not right")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/staff/sign-in")) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    expect(page.get_by_role("alert")).to_contain_text(
        "too many failed attempts to sign in from here. Wait 15 seconds"
    )
    # Rita, at the same address (the same office), signs in at once.
    sign_in(page, website, "rita")


def _screenshot(page: Page, name: str) -> None:
    """With SAVE_STAFF_SCREENSHOTS=1 (`make screenshot`), keep the page for the README."""
    if os.environ.get("SAVE_STAFF_SCREENSHOTS"):
        page.screenshot(path=str(PROJECT_ROOT / "docs" / name), full_page=False)


def _key(sender: str) -> str:
    return sender_key(sender, secret=SECRET)


@pytest.mark.parametrize("width", [1200, 320])
def test_accessibility_audit_of_every_staff_page(
    browser: Browser, website: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{website}/staff/sign-in")
    assert axe_violations(page) == [], "sign in"
    sign_in(page, website, "ade")
    pages = {
        "conversations": "/staff/conversations",
        "filtered": "/staff/conversations?flagged=yes&completion=partial",
        "transcript": f"/staff/conversations/{_key('widget-resident')}",
        "erase": "/staff/erase",
        "audit": "/staff/audit",
        "safeguarding": "/staff/safeguarding",
        "safeguarding, not reviewed": "/staff/safeguarding?show=unreviewed",
        "results": "/staff/results",
        "comments": "/staff/results/comments",
        "export": "/staff/export",
    }
    for name, path in pages.items():
        page.goto(website + path)
        assert axe_violations(page) == [], name
    page.goto(website + pages["transcript"])
    page.get_by_role("button", name="Show personal data").click()
    assert axe_violations(page) == [], "transcript with personal data shown"
    page.goto(website + pages["comments"])
    page.get_by_role("button", name="Show personal data in the comments").click()
    assert axe_violations(page) == [], "comments with personal data shown"
    page.goto(website + "/staff/erase")
    page.get_by_label("Reference code").fill("NOPE-NOPE")
    page.get_by_role("button", name="Erase this respondent").click()
    assert axe_violations(page) == [], "erase with an error"
    context.close()
