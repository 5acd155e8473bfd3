"""Staff console: the conversations list, transcripts, reveal, tags, review, erasure, audit."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.db.engine import get_sessionmaker
from bot.db.models import AuditEntry, ConversationReview, ConversationTag, Respondent
from bot.db.queries import flag_conversation, mark_completed, save_answer, start_respondent
from bot.pseudonyms import sender_key
from tests.staff_fixtures import (
    add_staff_user,
    csrf_from,
    save_conversation,
    sign_in,
    without_csrf_tokens,
)

PERSONAL = (
    "My name is Jane Doe, call me on 07700 900123 or jane@example.org, "
    "I live at 12 Acacia Road SE15 4QT"
)


async def seed(url: str) -> dict[str, str]:
    """Three conversations: a finished one with answers, a flagged one, one without consent."""
    day = datetime(2026, 11, 20, 12, tzinfo=timezone.utc).timestamp()
    await save_conversation(
        url,
        "finished-sender",
        [
            ("resident", "hello"),
            ("assistant", "Hello, I'm a chat assistant"),
            ("resident", "More youth clubs please"),
            ("resident", PERSONAL),
        ],
        channel="socketio",
        start=day,
    )
    await save_conversation(
        url,
        "flagged-sender",
        [("resident", "my ex keeps threatening me"), ("assistant", "Call 999")],
        start=day + 86400,
    )
    await save_conversation(
        url,
        "anonymous-sender",
        [("resident", "<script>alert('x')</script> <b>bold</b>")],
        start=day + 2 * 86400,
    )
    async with get_sessionmaker()() as db, db.begin():
        respondent = await start_respondent(db, "finished-sender", "socketio")
        await save_answer(db, respondent, "knife_crime.agreement", "agree")
        await save_answer(db, respondent, "knife_crime.comment", "given", PERSONAL)
        await mark_completed(db, respondent)
        flagged = await start_respondent(db, "flagged-sender", "rest")
        await flag_conversation(db, "flagged-sender", "domestic_abuse")
        codes = {"finished": respondent.reference_code, "flagged": flagged.reference_code}
    codes["anonymous"] = sender_key("anonymous-sender")[:10]
    return codes


def rows(page: str) -> list[str]:
    return re.findall(
        r'<th scope="row"><a href="/staff/conversations/[0-9a-f]{64}">([^<]+)</a>', page
    )


async def audit_actions() -> list[tuple[str, str, str]]:
    async with get_sessionmaker()() as db:
        result = await db.execute(
            select(AuditEntry.staff_name, AuditEntry.action, AuditEntry.target).order_by(
                AuditEntry.id
            )
        )
        return [tuple(r) for r in result.all()]


async def test_list_newest_first_with_counts_and_no_sender_ids(
    reviewer: TestClient, migrated_url: str
) -> None:
    codes = await seed(migrated_url)
    page = await (await reviewer.get("/staff/conversations")).text()
    assert rows(page) == [codes["anonymous"], codes["flagged"], codes["finished"]]
    assert "3 conversations" in page
    assert "1 finished, 2 not finished, 1 with a safeguarding flag" in page
    for sender in ("finished-sender", "flagged-sender", "anonymous-sender"):
        assert sender not in page


async def test_filters(reviewer: TestClient, migrated_url: str) -> None:
    codes = await seed(migrated_url)

    async def listed(**query: str) -> list[str]:
        return rows(await (await reviewer.get("/staff/conversations", params=query)).text())

    assert await listed(completion="completed") == [codes["finished"]]
    assert await listed(completion="partial") == [codes["anonymous"], codes["flagged"]]
    assert await listed(flagged="yes") == [codes["flagged"]]
    assert await listed(part="knife_crime") == [codes["finished"]]
    assert await listed(channel="socketio") == [codes["finished"]]
    assert await listed(q="youth CLUBS") == [codes["finished"]]
    assert await listed(q="100%_") == []
    assert await listed(**{"from": "2026-11-21", "to": "2026-11-21"}) == [codes["flagged"]]
    assert await listed(status="reviewed") == []
    assert await listed(status="unreviewed") == [
        codes["anonymous"],
        codes["flagged"],
        codes["finished"],
    ]


async def test_paging(reviewer: TestClient, migrated_url: str, staff_settings) -> None:
    for number in range(staff_settings.page_size + 2):
        await save_conversation(
            migrated_url, f"sender-{number}", [("resident", "hi")], start=1e9 + number
        )
    first = await (await reviewer.get("/staff/conversations")).text()
    assert len(rows(first)) == staff_settings.page_size
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = await (await reviewer.get("/staff/conversations", params={"page": "2"})).text()
    assert len(rows(second)) == 2
    assert rows(second)[-1] == sender_key("sender-0")[:10]


async def test_transcript_is_redacted_and_html_is_text(
    reviewer: TestClient, migrated_url: str
) -> None:
    await seed(migrated_url)
    page = await (
        await reviewer.get(f"/staff/conversations/{sender_key('finished-sender')}")
    ).text()
    assert "More youth clubs please" in page
    assert "Hello, I&#39;m a chat assistant" in page
    for secret in ("Jane Doe", "07700 900123", "jane@example.org", "12 Acacia Road", "4QT"):
        assert secret not in without_csrf_tokens(page), secret
    assert "[phone number]" in page and "SE15 [rest of postcode]" in page
    assert "Show personal data" not in page  # reviewers cannot reveal
    hostile = await (
        await reviewer.get(f"/staff/conversations/{sender_key('anonymous-sender')}")
    ).text()
    assert "<script>alert" not in hostile and "<b>bold" not in hostile
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in hostile


async def test_reviewer_cannot_reveal_admin_can_and_it_is_audited(
    staff_client: TestClient, migrated_url: str
) -> None:
    codes = await seed(migrated_url)
    url = f"/staff/conversations/{sender_key('finished-sender')}"
    await add_staff_user("rita", "reviewer")
    page = await sign_in(staff_client, "rita")
    response = await staff_client.post(url + "/reveal", data={"csrf_token": csrf_from(page)})
    assert response.status == 403
    await add_staff_user("ade", "admin")
    page = await sign_in(staff_client, "ade")
    page = await (await staff_client.get(url)).text()
    response = await staff_client.post(url + "/reveal", data={"csrf_token": csrf_from(page)})
    assert response.status == 200
    revealed = await response.text()
    assert "07700 900123" in revealed and "Personal data is shown" in revealed
    assert ("ade", "reveal", codes["finished"]) in await audit_actions()


async def test_tag_review_and_notes(reviewer: TestClient, migrated_url: str) -> None:
    codes = await seed(migrated_url)
    key = sender_key("flagged-sender")
    url = f"/staff/conversations/{key}"
    token = csrf_from(await (await reviewer.get(url)).text())
    await reviewer.post(url + "/tags", data={"csrf_token": token, "tag": "  Follow  UP "})
    await reviewer.post(
        url + "/review", data={"csrf_token": token, "status": "reviewed", "notes": "Called back"}
    )
    page = await (await reviewer.get(url)).text()
    assert "follow up" in page and "Called back" in page
    listed = await (await reviewer.get("/staff/conversations", params={"tag": "follow up"})).text()
    assert rows(listed) == [codes["flagged"]]
    listed = await (
        await reviewer.get("/staff/conversations", params={"status": "reviewed"})
    ).text()
    assert rows(listed) == [codes["flagged"]]
    await reviewer.post(url + "/tags/remove", data={"csrf_token": token, "tag": "follow up"})
    assert "follow up" not in (await (await reviewer.get(url)).text()).split("<h2>Tags</h2>")[1]
    actions = [a for _, a, t in await audit_actions() if t == codes["flagged"]]
    assert {"tag", "review", "note", "untag", "view_transcript"} <= set(actions)
    bad = await reviewer.post(url + "/tags", data={"csrf_token": token, "tag": "<b>"})
    assert bad.status == 400


async def test_admin_erases_by_reference_code(admin: TestClient, migrated_url: str) -> None:
    codes = await seed(migrated_url)
    key = sender_key("finished-sender")
    url = f"/staff/conversations/{key}"
    token = csrf_from(await (await admin.get(url)).text())
    await admin.post(
        url + "/review", data={"csrf_token": token, "status": "follow_up", "notes": "Jane"}
    )
    await admin.post(url + "/tags", data={"csrf_token": token, "tag": "quote"})
    response = await admin.post(
        "/staff/erase", data={"csrf_token": token, "reference_code": codes["finished"].lower()}
    )
    assert response.status == 400  # not confirmed
    response = await admin.post(
        "/staff/erase",
        data={"csrf_token": token, "reference_code": codes["finished"].lower(), "confirm": "yes"},
    )
    assert response.status == 200
    assert "Erased: 2 answers and" in await response.text()
    assert (await admin.get(url)).status == 404
    async with get_sessionmaker()() as db:
        assert (await db.execute(select(func.count(Respondent.id)))).scalar_one() == 1
        assert (await db.execute(select(func.count(ConversationReview.id)))).scalar_one() == 0
        assert (await db.execute(select(func.count(ConversationTag.id)))).scalar_one() == 0
    entries = await audit_actions()
    assert ("ade", "erase", "") in entries
    assert all(codes["finished"] not in target for _, _, target in entries)
    page = await (await admin.get("/staff/audit")).text()
    assert "Erased a respondent" in page and codes["finished"] not in page
    missing = await admin.post(
        "/staff/erase", data={"csrf_token": token, "reference_code": "NOPE-NOPE", "confirm": "yes"}
    )
    assert missing.status == 404


async def audit_details(action: str) -> list[tuple[str, str]]:
    async with get_sessionmaker()() as db:
        result = await db.execute(
            select(AuditEntry.staff_name, AuditEntry.detail)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        )
        return [tuple(r) for r in result.all()]


async def test_listing_and_views_are_audited(reviewer: TestClient, migrated_url: str) -> None:
    await seed(migrated_url)
    await reviewer.get("/staff/conversations", params={"flagged": "yes"})
    entries = await audit_actions()
    assert ("rita", "sign_in", "") in entries
    assert ("rita", "list_conversations", "") in entries
    assert ("rita", "filters: flagged") in await audit_details("list_conversations")
    assert await audit_details("search") == []  # no words, no search entry


async def test_a_search_is_audited_with_its_words(reviewer: TestClient, migrated_url: str) -> None:
    await seed(migrated_url)
    await reviewer.get("/staff/conversations", params={"q": "Jane Doe", "flagged": "yes"})
    await reviewer.get("/staff/conversations", params={"q": "07700 900123"})
    # The words searched for, not what was found.
    assert await audit_details("search") == [
        ("rita", "words: Jane Doe"),
        ("rita", "words: 07700 900123"),
    ]
    assert ("rita", "filters: flagged, q") in await audit_details("list_conversations")


async def test_a_reviewers_search_finds_only_what_the_transcript_shows(
    reviewer: TestClient, migrated_url: str
) -> None:
    """Searching for personal data must not tell a reviewer it is there (PERSONAL is in
    the finished conversation, with its phone number, email, name and postcode)."""
    codes = await seed(migrated_url)

    async def found(words: str) -> list[str]:
        return rows(await (await reviewer.get("/staff/conversations", params={"q": words})).text())

    for hidden in (
        "07700 900123",
        "07700",
        "900123",
        "jane@example.org",
        "example.org",
        "Jane Doe",
        "Jane",
        "Acacia",
        "SE15 4QT",
        "4QT",
    ):
        assert await found(hidden) == [], hidden
    # What the reviewer reads, redaction's labels included, is found.
    for shown in ("youth clubs", "SE15", "[phone number]", "phone number", "[name]", "postcode"):
        assert await found(shown) == [codes["finished"]], shown
    assert await found("call 999") == [codes["flagged"]]
    # The intent stored with each message is not what the transcript shows.
    assert await found("greet") == []


async def test_an_admins_search_finds_personal_data_and_is_audited(
    admin: TestClient, migrated_url: str
) -> None:
    codes = await seed(migrated_url)
    page = await (await admin.get("/staff/conversations", params={"q": "07700 900123"})).text()
    assert rows(page) == [codes["finished"]]
    assert await audit_details("search") == [("ade", "words: 07700 900123")]


async def test_audit_log_is_for_admins_only(reviewer: TestClient) -> None:
    assert (await reviewer.get("/staff/audit")).status == 403
    assert (await reviewer.get("/staff/erase")).status == 403


async def test_no_events_table_yet(reviewer: TestClient) -> None:
    page = await (await reviewer.get("/staff/conversations")).text()
    assert "0 conversations" in page


async def test_a_pressed_button_is_shown_by_its_title(migrated_url: str) -> None:
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.staff.conversations import transcript
    from bot.tracker_store import ConsultTrackerStore
    from tests.staff_fixtures import _domain

    buttons = [
        {"title": "Yes, I'm happy", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    store = ConsultTrackerStore(domain=_domain(), host=migrated_url)
    try:
        await store.save(
            DialogueStateTracker.from_events(
                "button-presser",
                [BotUttered("Are you happy?", {"buttons": buttons}), UserUttered("/affirm")],
            )
        )
    finally:
        store.engine.dispose()
    async with get_sessionmaker()() as db:
        turns = await transcript(db, "button-presser")
    assert [t.text for t in turns] == [
        "Are you happy?\nButtons: Yes, I'm happy | No",
        "Yes, I'm happy (pressed a button)",
    ]


async def test_search_reads_buttons_titles_and_any_letters(
    migrated_url: str, app_engine: None
) -> None:
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.staff.conversations import keys_mentioning
    from bot.tracker_store import ConsultTrackerStore
    from tests.staff_fixtures import _domain

    buttons = [{"title": "Yes, I'm happy", "payload": "/affirm"}]
    store = ConsultTrackerStore(domain=_domain(), host=migrated_url)
    try:
        await store.save(
            DialogueStateTracker.from_events(
                "presser",
                [BotUttered("Are you happy?", {"buttons": buttons}), UserUttered("Café 100%")],
            )
        )
    finally:
        store.engine.dispose()
    async with get_sessionmaker()() as db, db.begin():
        for redacted in (True, False):
            for term in ("yes, i'm HAPPY", "café", "100%", "Are you"):
                assert await keys_mentioning(db, term, redacted) == {sender_key("presser")}, term
            for term in ("payload", "10_%", "caf_"):
                assert await keys_mentioning(db, term, redacted) == set(), term


async def test_one_conversation_is_summarised_as_in_the_full_list(
    migrated_url: str, app_engine: None
) -> None:
    """Opening a transcript reads only its own rows, and shows what the list shows for it."""
    from bot.staff.conversations import all_conversations, find

    await seed(migrated_url)
    async with get_sessionmaker()() as db, db.begin():
        finished_key = sender_key("finished-sender")
        db.add(ConversationTag(sender_key=finished_key, tag="youth", tagged_by="a"))
        db.add(ConversationReview(sender_key=sender_key("anonymous-sender"), status="reviewed"))
    async with get_sessionmaker()() as db:
        everyone = {c.key: c for c in await all_conversations(db)}
        assert len(everyone) == 3
        for sender in ("finished-sender", "flagged-sender", "anonymous-sender"):
            alone = await all_conversations(db, only_sender_id=sender)
            assert alone == [everyone[sender_key(sender)]]
            assert await find(db, sender_key(sender)) == (sender, everyone[sender_key(sender)])
        assert await all_conversations(db, only_sender_id="nobody") == []
        assert await find(db, sender_key("nobody")) is None
    finished = everyone[sender_key("finished-sender")]
    assert finished.parts == {"knife_crime"} and finished.completed and finished.tags == ["youth"]
    assert everyone[sender_key("anonymous-sender")].status == "reviewed"
    assert everyone[sender_key("flagged-sender")].flags == ["domestic_abuse"]
