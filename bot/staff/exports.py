"""Exports for staff: answers as CSV or Excel (with the codebook), transcripts as JSON.

The answers come from bot.db.queries.export_rows, the same rows as `consult export`, and the
CSV is written by the same function, so the console's CSV and the command's are identical.
Every export is read fresh from the database, so an erased resident (whose rows are deleted)
never appears. Residents' words are defused against spreadsheet formulas in CSV and Excel.

Residents' words are redacted (bot/staff/redaction.py) as the transcript page shows them:
written answers, and every message and button title in the transcripts. Only an admin can
ask for them with personal data shown, and that is recorded as such in the audit log.

Transcripts come from Rasa's `events` table. Only conversations of residents who agreed to
take part (a respondent with `consented_at`) are exported, each under the respondent's
reference code; the raw sender id, which may be a browser id, is never written out, and
neither is anything but the turns' speaker, text, time and (for the assistant) the titles
of the buttons it offered.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import WORDING_NOTE, codebook_entries, defuse_formula
from bot.db.models import Respondent
from bot.db.queries import EXPORT_COLUMNS
from bot.pseudonyms import sender_key
from bot.questions import BY_ID
from bot.staff.conversations import EVENTS as _EVENTS  # Rasa's table, defined once
from bot.staff.conversations import TRANSCRIPT_EVENTS, Turn, events_table_exists, turns_of
from bot.staff.redaction import redact

CODEBOOK_COLUMNS = ("question", "slot", "part", "kind", "wording", "value", "label", "note")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- answers and codebook -----------------------------------------------------------------


def redacted_rows(rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """The rows with personal data hidden in written answers (a closed question's code is
    left as it is, so the codebook still applies)."""
    return [
        {**row, "answer": row["answer"] if _is_code(row["question"]) else redact(row["answer"])}
        for row in rows
    ]


def _is_code(question_id: str) -> bool:
    question = BY_ID.get(question_id)
    return question is not None and not question.is_free_text


def write_answers_csv(rows: Iterable[dict[str, str]], out: IO[str]) -> None:
    """The answers as CSV, one row each (`consult export`'s format), formulas defused."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: defuse_formula(value) for key, value in row.items()})


def codebook_rows() -> list[list[str]]:
    """The codebook, one row per allowed value of each question (CODEBOOK_COLUMNS)."""
    return [
        [
            e["id"],
            e["slot"],
            e["part"],
            e["kind"],
            e["wording"],
            v["value"],
            v["label"],
            WORDING_NOTE,
        ]
        for e in codebook_entries()
        for v in e["values"]
    ]


def write_codebook_csv(out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(CODEBOOK_COLUMNS)
    writer.writerows(codebook_rows())


def answers_csv(rows: Iterable[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    write_answers_csv(rows, out)
    return out.getvalue().encode("utf-8")


def codebook_csv() -> bytes:
    out = io.StringIO(newline="")
    write_codebook_csv(out)
    return out.getvalue().encode("utf-8")


def _text_cell(sheet: Any, row: int, column: int, value: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters are not allowed in the file format; set the type explicitly, as
    # openpyxl would otherwise store any text starting with "=" as a formula.
    cell = sheet.cell(row=row, column=column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", defuse_formula(value))
    cell.data_type = "s"


def answers_xlsx(rows: Iterable[dict[str, str]]) -> bytes:
    """An Excel workbook: the answers on the first sheet, the codebook on the second."""
    from openpyxl import Workbook

    book = Workbook()
    answers = book.active
    answers.title = "Answers"
    codebook = book.create_sheet("Codebook")
    for sheet, header, body in (
        (answers, EXPORT_COLUMNS, ([row[c] for c in EXPORT_COLUMNS] for row in rows)),
        (codebook, CODEBOOK_COLUMNS, iter(codebook_rows())),
    ):
        for column, name in enumerate(header, start=1):
            _text_cell(sheet, 1, column, name)
        for number, values in enumerate(body, start=2):
            for column, value in enumerate(values, start=1):
                _text_cell(sheet, number, column, value)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- transcripts --------------------------------------------------------------------------


def _exported(turn: Turn, reveal: bool) -> dict[str, Any]:
    """A turn as the JSON export writes it: what was said, and the buttons apart; with
    personal data hidden unless `reveal`, as on the transcript page."""
    shown: Callable[[str], str] = (lambda text: text) if reveal else redact
    exported: dict[str, Any] = {
        "speaker": turn.speaker,
        "text": shown(turn.said),
        "time": turn.at.isoformat(timespec="seconds"),
    }
    if turn.buttons:
        exported["buttons"] = [shown(title) for title in turn.buttons]
    if turn.pressed_button:
        exported["pressed_button"] = True
    return exported


async def transcripts(session: AsyncSession, reveal: bool = False) -> list[dict[str, Any]]:
    """Consenting residents' conversations: resident and assistant turns with their times,
    personal data hidden unless `reveal`.

    One entry per conversation, keyed by the respondent's reference code, in the order the
    conversations started. Conversations without a consenting respondent are left out.
    """
    if not await events_table_exists(session):
        return []
    consented = {
        key: (code, channel)
        for key, code, channel in await session.execute(
            sa.select(Respondent.sender_key, Respondent.reference_code, Respondent.channel).where(
                Respondent.consented_at.is_not(None)
            )
        )
    }
    result = await session.execute(
        sa.select(_EVENTS.c.sender_id, _EVENTS.c.type_name, _EVENTS.c.timestamp, _EVENTS.c.data)
        .where(_EVENTS.c.type_name.in_(TRANSCRIPT_EVENTS))
        .order_by(_EVENTS.c.id)
    )
    rows_of: dict[str, list[tuple[str, float | None, str | None]]] = {}
    keys: dict[str, str] = {}
    for sender_id, type_name, timestamp, data in result:
        if sender_id not in keys:
            keys[sender_id] = sender_key(sender_id)
        if keys[sender_id] in consented:
            rows_of.setdefault(sender_id, []).append((type_name, timestamp, data))
    conversations = []
    for sender_id, rows in rows_of.items():  # in the order the conversations started
        code, channel = consented[keys[sender_id]]
        turns = [_exported(turn, reveal) for turn in turns_of(rows)]
        if turns:
            conversations.append({"respondent": code, "channel": channel, "turns": turns})
    return conversations


def transcripts_json(conversations: list[dict[str, Any]], revealed: bool = False) -> bytes:
    hidden = (
        "Personal data is SHOWN: this download is recorded in the audit log."
        if revealed
        else "Personal data (phone numbers, email addresses, full postcodes, street "
        "addresses, names) is hidden and shown in square brackets."
    )
    document = {
        "note": "Conversations of residents who agreed to take part, by reference code. "
        "Times are UTC. A pressed button is given by its title, with pressed_button true. "
        + hidden,
        "conversations": conversations,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
