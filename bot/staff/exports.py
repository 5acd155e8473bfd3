"""Exports for staff: answers as CSV or Excel (with the codebook), transcripts as JSON.

The answers come from bot.db.queries.export_rows, the same rows as `consult export`, and the
CSV is written by the same function, so the console's CSV and the command's are identical.
Every export is read fresh from the database, so an erased resident (whose rows are deleted)
never appears. Residents' words are defused against spreadsheet formulas in CSV and Excel.

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
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli import WORDING_NOTE, codebook_entries, defuse_formula
from bot.db.models import Respondent
from bot.db.queries import EXPORT_COLUMNS
from bot.pseudonyms import sender_key
from bot.staff.conversations import EVENTS as _EVENTS  # Rasa's table, defined once

CODEBOOK_COLUMNS = ("question", "slot", "part", "kind", "wording", "value", "label", "note")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SPEAKERS = {"user": "resident", "bot": "assistant"}


# --- answers and codebook -----------------------------------------------------------------


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


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


def _turn(type_name: str, timestamp: float | None, data: str | None) -> dict[str, Any] | None:
    try:
        event = json.loads(data or "{}")
    except ValueError:
        return None
    text = event.get("text") if isinstance(event, dict) else None
    if not isinstance(text, str) or not text:
        return None
    turn: dict[str, Any] = {"speaker": _SPEAKERS[type_name], "text": text, "time": _iso(timestamp)}
    extra = event.get("data")
    buttons = extra.get("buttons") if isinstance(extra, dict) else None
    if type_name == "bot" and isinstance(buttons, list) and buttons:
        turn["buttons"] = [str(b.get("title", "")) for b in buttons if isinstance(b, dict)]
    return turn


async def transcripts(session: AsyncSession) -> list[dict[str, Any]]:
    """Consenting residents' conversations: resident and assistant turns with their times.

    One entry per conversation, keyed by the respondent's reference code, in the order the
    conversations started. Conversations without a consenting respondent are left out.
    """
    connection = await session.connection()
    has_events = await connection.run_sync(lambda c: sa.inspect(c).has_table("events"))
    if not has_events:
        return []
    consented = {
        key: (code, channel)
        for key, code, channel in await session.execute(
            sa.select(Respondent.sender_key, Respondent.reference_code, Respondent.channel).where(
                Respondent.consented_at.is_not(None)
            )
        )
    }
    conversations: dict[str, dict[str, Any]] = {}
    result = await session.execute(
        sa.select(_EVENTS.c.sender_id, _EVENTS.c.type_name, _EVENTS.c.timestamp, _EVENTS.c.data)
        .where(_EVENTS.c.type_name.in_(tuple(_SPEAKERS)))
        .order_by(_EVENTS.c.id)
    )
    keys: dict[str, str] = {}
    for sender_id, type_name, timestamp, data in result:
        if sender_id not in keys:
            keys[sender_id] = sender_key(sender_id)
        respondent = consented.get(keys[sender_id])
        if respondent is None:
            continue
        turn = _turn(type_name, timestamp, data)
        if turn is None:
            continue
        code, channel = respondent
        conversation = conversations.setdefault(
            code, {"respondent": code, "channel": channel, "turns": []}
        )
        conversation["turns"].append(turn)
    return list(conversations.values())


def transcripts_json(conversations: list[dict[str, Any]]) -> bytes:
    document = {
        "note": "Conversations of residents who agreed to take part, by reference code. "
        "Times are UTC.",
        "conversations": conversations,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
