"""The `consult` command, run as the installed console script in a subprocess."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import sessionmaker

from bot.cli import defuse_formula
from bot.db.engine import make_engine, make_sync_engine, sqlite_path
from bot.db.migrations import head_revision, upgrade
from bot.db.queries import save_answer, start_respondent
from bot.questions import QUESTIONS

CONSULT = Path(sys.executable).with_name("consult")  # the console script of this venv
HEADER = ["respondent", "channel", "question", "answer", "answered_at"]
TRICKY_TEXTS = [
    'He said "stop", then left,\nand came back',
    '=HYPERLINK("http://example.com","click me")',
    "+44 is not a formula",
    "-1 for this plan",
    "@everyone should read it",
    "\tindented",
    "Line one\r\nLine two",
    "café, naïve 🚓",
    "'already quoted",
    "an = sign inside is fine",
]


def consult(
    *args: str, url: str | None = None, cwd: Path | None = None, text: bool = True
) -> subprocess.CompletedProcess:
    env = {**os.environ, "SENDER_ID_SECRET": "cli-test-secret"}
    if url is not None:
        env["DATABASE_URL"] = url
    return subprocess.run(
        [str(CONSULT), *args], env=env, cwd=cwd, capture_output=True, text=text, timeout=120
    )


def read_csv_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as file:
        return file.read()


def assert_clean_failure(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("consult: ") and result.stderr.count("\n") == 1
    for phrase in phrases:
        assert phrase in result.stderr


def seed(url: str, answers: list[tuple[str, str, str, str | None]]) -> None:
    async def run() -> None:
        engine = make_engine(url)
        factory = sessionmaker(engine, class_=AsyncSession, future=True)
        try:
            for sender, question, value, free_text in answers:
                async with factory() as session, session.begin():
                    respondent = await start_respondent(session, sender, "twilio")
                    await save_answer(session, respondent, question, value, free_text)
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_console_script_is_installed() -> None:
    assert CONSULT.exists(), f"{CONSULT} missing: pip install -e . declares it"
    result = consult("--help")
    assert result.returncode == 0
    for command in ("db", "export", "codebook"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "args", [[], ["export", "--format", "xlsx"], ["codebook", "--format", "pdf"], ["db"], ["nope"]]
)
def test_bad_arguments_get_usage_not_a_traceback(args: list[str]) -> None:
    result = consult(*args)
    assert result.returncode == 2
    assert "usage: consult" in result.stderr and "Traceback" not in result.stderr


def test_codebook_text(tmp_path: Path) -> None:
    result = consult("codebook", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the assistant's own, not MOPAC's" in result.stdout
    for question in QUESTIONS:
        assert f"\n{question.id}  ({question.kind};" in result.stdout
    assert "strongly_disagree  Strongly disagree" in result.stdout
    assert "Stored as up to 2 codes joined by ';'" in result.stdout


def test_codebook_json() -> None:
    result = consult("codebook", "--format", "json")
    assert result.returncode == 0, result.stderr
    book = json.loads(result.stdout)
    assert "not MOPAC's" in book["note"]
    assert [q["id"] for q in book["questions"]] == [q.id for q in QUESTIONS]
    for entry, question in zip(book["questions"], QUESTIONS, strict=True):
        assert entry["wording"] == question.wording and entry["kind"] == question.kind
        assert [v["value"] for v in entry["values"]] == list(question.values)
        assert all(v["label"] for v in entry["values"])
    hackney = next(v for v in book["questions"][-2]["values"] if v["value"] == "hackney")
    assert hackney["label"] == "Hackney"


def test_codebook_csv_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "codebook", "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert {r["question"] for r in rows} == {q.id for q in QUESTIONS}
    assert len(rows) == sum(len(q.values) for q in QUESTIONS)
    assert all("not MOPAC's" in r["note"] for r in rows)


def test_db_upgrade_creates_the_database_and_is_repeatable(database_url: str) -> None:
    path = sqlite_path(database_url)
    assert path is None or not path.parent.exists()

    first = consult("db", "upgrade", url=database_url)
    assert first.returncode == 0, first.stderr
    assert f"from empty to {head_revision()}" in first.stdout
    assert path is None or path.exists()

    again = consult("db", "upgrade", url=database_url)
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout
    exported = consult("export", url=database_url)
    assert (exported.returncode, exported.stdout.strip()) == (0, ",".join(HEADER))


def test_export_without_a_database_says_what_to_do(sqlite_url: str) -> None:
    result = consult("export", url=sqlite_url)
    assert_clean_failure(result, "no database at", "run `consult db upgrade`")
    assert not sqlite_path(sqlite_url).exists()  # reading created nothing


def test_export_of_an_unmigrated_database_says_what_to_do(database_url: str) -> None:
    path = sqlite_path(database_url)
    if path is not None:  # an empty file, as a half-finished set-up leaves
        path.parent.mkdir(parents=True)
        path.touch()
    assert_clean_failure(
        consult("export", url=database_url), "not set up", "run `consult db upgrade`"
    )


def test_export_of_an_outdated_database_says_what_to_do(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = make_sync_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    assert_clean_failure(consult("export", url=sqlite_url), "revision 0000", "consult db upgrade")


def test_unreachable_database_is_reported_without_a_password() -> None:
    url = "postgresql://postgres:hunter2@127.0.0.1:1/nowhere"
    for args in (["export"], ["db", "upgrade"], ["rebuild"]):
        result = consult(*args, url=url)
        assert_clean_failure(result, "cannot reach the database at postgresql://postgres:***@")
        assert "hunter2" not in result.stderr


def test_unsupported_database_url_is_reported() -> None:
    result = consult("export", url="mysql://root:hunter2@db/consult")
    assert_clean_failure(result, "unsupported database URL", "sqlite:///")
    assert "hunter2" not in result.stderr


def test_export_csv_quotes_and_defuses_free_text(database_url: str, tmp_path: Path) -> None:
    upgrade(database_url)
    seed(
        database_url,
        [(f"sender-{i}", "hate.comment", "given", words) for i, words in enumerate(TRICKY_TEXTS)]
        + [
            ("sender-0", "local.priorities", "robbery;burglary", None),
            ("sender-0", "hate.agreement", "strongly_agree", None),
            ("sender-1", "children.comment", "skipped", None),
        ],
    )

    to_stdout = consult("export", "--format", "csv", url=database_url, text=False)
    assert to_stdout.returncode == 0, to_stdout.stderr
    output = tmp_path / "answers.csv"
    to_file = consult("export", "--output", str(output), url=database_url)
    assert to_file.returncode == 0, to_file.stderr
    assert f"Exported {len(TRICKY_TEXTS) + 3} answers from {len(TRICKY_TEXTS)} respondents" in (
        to_file.stderr
    )
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert output.read_bytes() == to_stdout.stdout  # the same bytes either way

    reader = csv.reader(io.StringIO(read_csv_text(output), newline=""))
    header, *rows = list(reader)
    assert header == HEADER
    assert len(rows) == len(TRICKY_TEXTS) + 3
    assert all(len(row) == 5 for row in rows)
    assert {row[1] for row in rows} == {"twilio"}

    comments = [row[3] for row in rows if row[2] == "hate.comment"]
    assert comments == [defuse_formula(words) for words in TRICKY_TEXTS]
    assert comments[1] == "'" + TRICKY_TEXTS[1]
    assert comments[0] == TRICKY_TEXTS[0]  # commas, quotes and newlines survive intact
    assert comments[6] == "Line one\r\nLine two"
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in comments)

    first = [row for row in rows if row[0] == rows[0][0]]
    assert [row[2] for row in first] == ["hate.agreement", "hate.comment", "local.priorities"]
    assert first[2][3] == "robbery;burglary"
    assert ["children.comment", "skipped"] in [row[2:4] for row in rows]
    assert all(row[4].endswith("+00:00") and "T" in row[4] for row in rows)


def test_export_of_an_empty_database_is_just_the_header(sqlite_url: str) -> None:
    assert consult("db", "upgrade", url=sqlite_url).returncode == 0
    result = consult("export", url=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [",".join(HEADER)]


def test_export_to_a_missing_directory_fails_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    result = consult(
        "export", "--output", str(tmp_path / "no" / "such" / "dir.csv"), url=sqlite_url
    )
    assert_clean_failure(result, "cannot write")


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_defuse_formula(cell: str, expected: str) -> None:
    assert defuse_formula(cell) == expected
