"""Staff review of safeguarding: the queue, reviewers' labels, and the corpus export."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.db.engine import get_sessionmaker
from bot.db.models import AuditEntry, SafeguardingFlag
from bot.db.queries import flag_conversation, get_respondent, record_consent, start_respondent
from bot.pseudonyms import sender_key
from bot.staff.conversations import Turn
from bot.staff.safeguarding_review import label_flag, message_at
from tests.staff_fixtures import add_staff_user, csrf_from, save_conversation, sign_in

CONSULT = Path(sys.executable).with_name("consult")
START = datetime(2026, 11, 20, 12, tzinfo=timezone.utc).timestamp()
ABUSE = "my ex hits me, ring me on 07700 900123 please"
WORRY = "I'm Jane Smith and honestly I'm so done with it all"
ORDINARY = "knife crime near the station worries me"
NOT_CONSENTED = "he follows me home from Brixton every night"


async def seed(url: str) -> dict[str, int]:
    """Flags on two conversations: one resident agreed to take part, one did not.

    Flags are written in an order unlike their times, so "newest first" is by time.
    """
    await save_conversation(
        url,
        "agreed-sender",
        [("resident", "hello"), ("resident", ABUSE), ("resident", WORRY), ("resident", ORDINARY)],
        start=START,
    )
    await save_conversation(url, "declined-sender", [("resident", NOT_CONSENTED)], start=START)
    day = datetime(2026, 11, 20, tzinfo=timezone.utc)
    flags = {
        # name: (sender, category, tier, situation, question, message number, flagged at)
        "abuse": ("agreed-sender", "domestic_abuse", "clear", "current", None, 2, 10),
        "worry": ("agreed-sender", "self_harm", "possible", "past", "policing.comment", 3, 13),
        "ordinary": ("agreed-sender", "crime_report", "possible", None, None, 4, 11),
        "declined": ("declined-sender", "stalking_harassment", "clear", "current", None, 1, 12),
        "no_time": ("agreed-sender", "hate_crime", "clear", "current", None, None, 9),
    }
    ids = {}
    async with get_sessionmaker()() as db, db.begin():
        agreed = await start_respondent(db, "agreed-sender", "rest")
        await record_consent(db, agreed)
        await start_respondent(db, "declined-sender", "rest")  # never agreed
        for name, (sender, category, tier, situation, question, number, hour) in flags.items():
            await flag_conversation(
                db,
                sender,
                category,
                tier=tier,
                situation=situation,
                question_id=question,
                message_timestamp=START + number if number else None,
            )
            flag_id = (
                (await db.execute(select(SafeguardingFlag.id).order_by(SafeguardingFlag.id.desc())))
                .scalars()
                .first()
            )
            await db.execute(
                update(SafeguardingFlag)
                .where(SafeguardingFlag.id == flag_id)
                .values(flagged_at=day + timedelta(hours=hour))
            )
            ids[name] = flag_id
    return ids


def listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="flag-(\d+)">', page)]


def row(page: str, flag_id: int) -> str:
    match = re.search(rf'<tr id="flag-{flag_id}">(.*?)</tr>', page, re.S)
    assert match, f"flag {flag_id} is not listed"
    return match.group(1)


async def audit_entries() -> list[tuple[str, str, str, str]]:
    async with get_sessionmaker()() as db:
        result = await db.execute(
            select(
                AuditEntry.staff_name, AuditEntry.action, AuditEntry.target, AuditEntry.detail
            ).order_by(AuditEntry.id)
        )
        return [tuple(r) for r in result.all()]


async def stored(flag_id: int) -> SafeguardingFlag:
    async with get_sessionmaker()() as db:
        flag = await db.get(SafeguardingFlag, flag_id)
        assert flag is not None
        return flag


async def test_queue_lists_flags_newest_first_with_category_tier_and_situation(
    reviewer: TestClient, migrated_url: str
) -> None:
    ids = await seed(migrated_url)
    response = await reviewer.get("/staff/safeguarding")
    assert response.status == 200
    page = await response.text()
    order = ["worry", "declined", "ordinary", "abuse", "no_time"]
    assert listed(page) == [ids[name] for name in order]
    assert "5 flagged messages" in page and "5 not reviewed yet" in page
    worry = row(page, ids["worry"])
    assert "20 Nov 2026 13:00" in worry
    assert "Self harm" in worry and "Possible (checked in)" in worry and "Past" in worry
    assert "Yes: <code>policing.comment</code>" in worry
    abuse = row(page, ids["abuse"])
    assert "Domestic abuse" in abuse and "Clear (answered as a disclosure)" in abuse
    assert "Current" in abuse and "<td>No</td>" in abuse and "Not reviewed yet" in abuse
    code = re.search(r">([A-Z0-9]{4}-[A-Z0-9]{4})<", abuse)
    assert code, abuse
    assert f'href="/staff/conversations/{sender_key("agreed-sender")}"' in abuse
    assert "Not known" in row(page, ids["ordinary"])
    assert "Not found in the transcript" in row(page, ids["no_time"])
    assert ("rita", "view_safeguarding", "", "filters: none") in await audit_entries()
    # In the navigation of every page, marked as the current one here.
    assert '<a href="/staff/safeguarding" aria-current="page">Safeguarding</a>' in page
    other = await (await reviewer.get("/staff/conversations")).text()
    assert '<a href="/staff/safeguarding">Safeguarding</a>' in other


async def test_a_reviewer_sees_the_message_redacted_as_in_transcripts(
    reviewer: TestClient, migrated_url: str
) -> None:
    ids = await seed(migrated_url)
    page = await (await reviewer.get("/staff/safeguarding")).text()
    abuse = row(page, ids["abuse"])
    assert "my ex hits me, ring me on [phone number] please" in abuse
    assert "07700 900123" not in page
    assert "I&#39;m [name] and honestly I&#39;m so done with it all" in row(page, ids["worry"])
    assert "Jane Smith" not in page
    assert ORDINARY in row(page, ids["ordinary"])
    assert NOT_CONSENTED in row(page, ids["declined"])  # reviewers see every flagged message
    for sender in ("agreed-sender", "declined-sender"):
        assert sender not in page


async def test_a_reviewers_label_is_stored_and_audited(
    reviewer: TestClient, migrated_url: str
) -> None:
    ids = await seed(migrated_url)
    page = await (await reviewer.get("/staff/safeguarding", params={"show": "unreviewed"})).text()
    assert len(listed(page)) == 5
    response = await reviewer.post(
        f"/staff/safeguarding/{ids['abuse']}/label",
        data={"csrf_token": csrf_from(page), "label": "disclosure", "show": "unreviewed"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"].startswith("/staff/safeguarding?show=unreviewed&")
    flag = await stored(ids["abuse"])
    assert flag.review_label == "disclosure" and flag.reviewed_by == "rita"
    assert flag.reviewed_at is not None
    assert abs(flag.reviewed_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert (await stored(ids["worry"])).review_label is None

    await reviewer.post(
        f"/staff/safeguarding/{ids['worry']}/label",
        data={"csrf_token": csrf_from(page), "label": "not_disclosure"},
    )
    assert (await stored(ids["worry"])).review_label == "not_disclosure"

    entries = [e for e in await audit_entries() if e[1] == "label_flag"]
    async with get_sessionmaker()() as db:
        respondent = await get_respondent(db, "agreed-sender")
    assert respondent is not None
    assert entries == [
        ("rita", "label_flag", respondent.reference_code, f"flag {ids['abuse']}: disclosure"),
        ("rita", "label_flag", respondent.reference_code, f"flag {ids['worry']}: not_disclosure"),
    ]
    for entry in await audit_entries():
        assert "hits me" not in " ".join(entry) and "[phone number]" not in " ".join(entry)

    page = await (await reviewer.get("/staff/safeguarding")).text()
    assert '<strong>Disclosure</strong><span class="hint">by rita' in row(page, ids["abuse"])
    assert "<strong>Not a disclosure</strong>" in row(page, ids["worry"])
    assert "3 not reviewed yet" in page
    unreviewed = await (
        await reviewer.get("/staff/safeguarding", params={"show": "unreviewed"})
    ).text()
    assert listed(unreviewed) == [ids["declined"], ids["ordinary"], ids["no_time"]]
    done = await (
        await reviewer.get(
            "/staff/safeguarding", params={"labelled": "disclosure", "flag": str(ids["abuse"])}
        )
    ).text()
    assert f"Saved: flag {ids['abuse']} is labelled “Disclosure”." in done


async def test_signed_out_wrong_token_and_bad_requests_are_refused(
    staff_client: TestClient, migrated_url: str
) -> None:
    ids = await seed(migrated_url)
    url = f"/staff/safeguarding/{ids['abuse']}/label"
    response = await staff_client.get("/staff/safeguarding", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/staff/sign-in"
    response = await staff_client.post(url, data={"label": "disclosure"}, allow_redirects=False)
    assert response.status == 403

    await add_staff_user("rita", "reviewer")
    page = await sign_in(staff_client, "rita")
    token = csrf_from(page)
    response = await staff_client.post(url, data={"csrf_token": "x" + token, "label": "disclosure"})
    assert response.status == 403
    response = await staff_client.post(url, data={"label": "disclosure"})
    assert response.status == 403
    response = await staff_client.post(url, data={"csrf_token": token, "label": "maybe"})
    assert response.status == 400
    response = await staff_client.post(
        "/staff/safeguarding/999999/label", data={"csrf_token": token, "label": "disclosure"}
    )
    assert response.status == 404
    assert (await stored(ids["abuse"])).review_label is None
    assert [e for e in await audit_entries() if e[1] == "label_flag"] == []


async def test_an_admin_may_label_too(admin: TestClient, migrated_url: str) -> None:
    ids = await seed(migrated_url)
    page = await (await admin.get("/staff/safeguarding")).text()
    await admin.post(
        f"/staff/safeguarding/{ids['ordinary']}/label",
        data={"csrf_token": csrf_from(page), "label": "not_disclosure"},
    )
    flag = await stored(ids["ordinary"])
    assert (flag.review_label, flag.reviewed_by) == ("not_disclosure", "ade")


def test_the_message_is_found_by_its_timestamp_and_only_from_the_resident() -> None:
    at = datetime(2026, 11, 20, 12, 0, 1, 250000, tzinfo=timezone.utc)
    turns = [
        Turn("assistant", at, "What do you think?"),
        Turn("resident", at + timedelta(seconds=1), "first"),
        Turn("resident", at + timedelta(seconds=2), "second"),
    ]
    assert message_at(turns, at.timestamp()) is None  # the assistant's, not the resident's
    assert message_at(turns, at.timestamp() + 2) == turns[2]
    assert message_at(turns, at.timestamp() + 2.5) is None
    assert message_at(turns, None) is None


def export(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CONSULT), "safeguarding", "export-labelled", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_export_writes_only_consenting_reviewed_redacted_messages(
    app_engine: None, migrated_url: str, tmp_path: Path
) -> None:
    ids = await seed(migrated_url)
    async with get_sessionmaker()() as db, db.begin():
        await label_flag(db, ids["abuse"], "disclosure", "rita")
        await label_flag(db, ids["worry"], "not_disclosure", "rita")
        await label_flag(db, ids["declined"], "disclosure", "rita")  # no consent: never written
        await label_flag(db, ids["no_time"], "disclosure", "rita")  # its message is unknown
        # "ordinary" is left unreviewed.

    output = tmp_path / "reviewed.yml"
    result = export(migrated_url, "--output", str(output))
    assert result.returncode == 0, result.stderr
    written = output.read_text(encoding="utf-8")
    assert yaml.safe_load(written) == {
        "messages": [
            {
                "text": "my ex hits me, ring me on [phone number] please",
                "label": "disclosure",
                "category": "domestic_abuse",
            },
            {"text": "I'm [name] and honestly I'm so done with it all", "label": "none"},
        ]
    }
    for secret in ("07700 900123", "Jane Smith", "Brixton", ORDINARY):
        assert secret not in written
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    assert result.stdout == ""
    assert (
        "Wrote 2 reviewed messages (1 disclosures, 1 not)" in result.stderr
        and "3 left out: 1 the resident did not agree to take part; 1 not reviewed yet; "
        "1 the message is not in the transcript"
        in result.stderr
    )
    assert "hits me" not in result.stderr
    # The same YAML on stdout without --output; and each run is in the audit log.
    to_stdout = export(migrated_url)
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert yaml.safe_load(to_stdout.stdout) == yaml.safe_load(written)
    runs = [e for e in await audit_entries() if e[1] == "export_labelled"]
    assert runs == [("(command line)", "export_labelled", "", "2 messages, 3 left out")] * 2


async def test_export_of_nothing_reviewed_writes_an_empty_list(
    app_engine: None, migrated_url: str
) -> None:
    await seed(migrated_url)
    result = export(migrated_url)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {"messages": []}
    assert "Wrote 0 reviewed messages" in result.stderr
    assert "5 left out: 1 the resident did not agree to take part; 4 not reviewed yet" in (
        result.stderr
    )


def test_export_refuses_an_unmigrated_database(sqlite_url: str) -> None:
    result = export(sqlite_url)
    assert result.returncode == 1
    assert result.stderr.startswith("consult: no database at") and "Traceback" not in result.stderr
