"""Staff exports: answers as CSV and Excel with the codebook, transcripts as JSON."""

from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.cli import defuse_formula
from bot.db.queries import (
    EXPORT_COLUMNS,
    erase_respondent,
    export_rows,
    record_consent,
    save_answer,
    start_respondent,
)
from bot.db.rebuild import load_tracker_store
from bot.questions import QUESTIONS
from bot.settings import PROJECT_ROOT
from bot.staff.exports import (
    CODEBOOK_COLUMNS,
    answers_csv,
    answers_xlsx,
    codebook_csv,
    transcripts,
    transcripts_json,
)

DOMAIN_PATH = PROJECT_ROOT / "domain.yml"
TRICKY = [
    '=HYPERLINK("http://example.com","click me")',
    "+44 is not a formula",
    "-1 for this plan",
    "@everyone",
    "\tindented",
    'He said "stop", then left,\nand came back',
    "café 🚓",
]


async def seed_answers(session_factory: sessionmaker) -> None:
    async with session_factory() as session, session.begin():
        for i, text in enumerate(TRICKY):
            respondent = await start_respondent(session, f"sender-{i}", "rest")
            await save_answer(session, respondent, "hate.comment", "given", text)
        first = await start_respondent(session, "sender-0", "rest")
        await save_answer(session, first, "hate.agreement", "agree")
        gone = await start_respondent(session, "gone", "rest")
        await save_answer(session, gone, "hate.comment", "given", "erase me")
    async with session_factory() as session, session.begin():
        await erase_respondent(session, "gone")


async def test_answers_csv_is_the_cli_format_defused(session_factory: sessionmaker) -> None:
    await seed_answers(session_factory)
    async with session_factory() as session:
        rows = await export_rows(session)
    header, *body = list(csv.reader(io.StringIO(answers_csv(rows).decode(), newline="")))
    assert header == list(EXPORT_COLUMNS)
    comments = [r[3] for r in body if r[2] == "hate.comment"]
    assert comments == [defuse_formula(t) for t in TRICKY]
    assert comments[0].startswith("'=")
    assert "erase me" not in answers_csv(rows).decode()
    assert len(body) == len(TRICKY) + 1


async def test_answers_xlsx_has_answers_and_codebook_sheets(
    session_factory: sessionmaker,
) -> None:
    await seed_answers(session_factory)
    async with session_factory() as session:
        rows = await export_rows(session)
    book = load_workbook(io.BytesIO(answers_xlsx(rows)))
    assert book.sheetnames == ["Answers", "Codebook"]
    answers = list(book["Answers"].iter_rows(values_only=True))
    assert answers[0] == EXPORT_COLUMNS
    assert len(answers) == len(TRICKY) + 2
    comments = [r[3] for r in answers[1:] if r[2] == "hate.comment"]
    assert comments == [defuse_formula(t) for t in TRICKY]
    assert "erase me" not in {r[3] for r in answers}
    # Stored as text, never as a formula.
    for row in book["Answers"].iter_rows(min_row=2):
        assert all(cell.data_type == "s" for cell in row)
    agreement = next(r for r in answers if r[2] == "hate.agreement")
    assert agreement[3] == "agree" and agreement[0] == answers[1][0]
    codebook = list(book["Codebook"].iter_rows(values_only=True))
    assert codebook[0] == CODEBOOK_COLUMNS
    assert len(codebook) - 1 == sum(len(q.values) for q in QUESTIONS)
    assert ("knife_crime.agreement", "strongly_disagree", "Strongly disagree") in {
        (r[0], r[5], r[6]) for r in codebook
    }


def test_codebook_csv_matches_the_codebook() -> None:
    header, *rows = list(csv.reader(io.StringIO(codebook_csv().decode(), newline="")))
    assert tuple(header) == CODEBOOK_COLUMNS
    assert {r[0] for r in rows} == {q.id for q in QUESTIONS}
    assert all("not MOPAC's" in r[7] for r in rows)


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for i, text in enumerate(texts):
        if i % 2 == 0:
            events.append(UserUttered(text, {"name": "greet"}, input_channel="rest"))
        else:
            events.append(BotUttered(text, {"buttons": [{"title": "Yes", "payload": "/affirm"}]}))
    events.append(SlotSet("consent", True))
    return DialogueStateTracker.from_events(sender, events)


async def test_transcripts_only_of_consenting_residents_without_sender_ids(
    migrated_url: str, session_factory: sessionmaker
) -> None:
    store = load_tracker_store(migrated_url, DOMAIN_PATH)
    senders = {
        name: f"browser-id-{name}-5f2a9c"
        for name in ("agreed", "declined", "no_consent", "erased", "other_agreed")
    }
    try:
        for name, sender in senders.items():
            await store.save(
                conversation(sender, f"hello from {name}", "Hello.", "=1+1", "Sure?", "/affirm")
            )
        async with session_factory() as session, session.begin():
            codes = {}
            for name in ("agreed", "no_consent", "erased", "other_agreed"):
                respondent = await start_respondent(session, senders[name], "socketio")
                if name != "no_consent":
                    await record_consent(session, respondent)
                codes[name] = respondent.reference_code
        # "Delete my answers": the respondent and the transcript both go.
        async with session_factory() as session, session.begin():
            await erase_respondent(session, senders["erased"])
        store.forget(senders["erased"])

        async with session_factory() as session:
            exported = await transcripts(session)
    finally:
        store.engine.dispose()
    assert [c["respondent"] for c in exported] == [codes["agreed"], codes["other_agreed"]]
    agreed = exported[0]
    assert agreed["channel"] == "socketio"
    assert [(t["speaker"], t["text"]) for t in agreed["turns"]] == [
        ("resident", "hello from agreed"),
        ("assistant", "Hello."),
        ("resident", "=1+1"),
        ("assistant", "Sure?"),
        ("resident", "Yes"),  # the pressed button's title, not its payload
    ]
    assert agreed["turns"][4]["pressed_button"] is True
    assert "pressed_button" not in agreed["turns"][2]
    assert all(t["time"].endswith("+00:00") for t in agreed["turns"])
    assert agreed["turns"][1]["buttons"] == ["Yes"]
    assert "buttons" not in agreed["turns"][0]
    document = transcripts_json(exported).decode()
    assert json.loads(document)["conversations"] == exported
    for sender in senders.values():
        assert sender not in document
    for name in ("declined", "no_consent", "erased"):
        assert f"hello from {name}" not in document


async def test_transcripts_without_an_events_table(session_factory: sessionmaker) -> None:
    async with session_factory() as session:
        assert await transcripts(session) == []
