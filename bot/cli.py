"""`consult`: run the database migrations, export the answers, print the codebook.

    consult db upgrade
    consult export --format csv [--output FILE]
    consult codebook [--format text|csv|json]
    consult purge [--older-than DAYS]
    consult rebuild
    consult staff add-user NAME --role reviewer|admin
    consult safeguarding export-labelled [--output FILE]

Errors a user can fix (an unreachable or unmigrated database, a bad DATABASE_URL) end with a
one-line message on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import IO, Any, TypeVar

from bot.questions import MAX_PRIORITIES, QUESTIONS, value_label

WORDING_NOTE = (
    "The wording is the assistant's own, not MOPAC's survey wording "
    "(the original survey wording was never found)."
)
# A cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP "CSV injection"); tab and carriage return as well as the usual four.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
T = TypeVar("T")


class CommandError(Exception):
    """A problem the user can fix: printed as one line, exit status 1."""


def defuse_formula(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- database helpers -------------------------------------------------------------------


def _database_url() -> str:
    from bot.db.engine import safe_url, sync_url
    from bot.settings import get_settings

    url = get_settings().database_url
    try:
        sync_url(url)
    except Exception as error:
        raise CommandError(f"DATABASE_URL {safe_url(url)!r} is not usable: {error}") from None
    return url


def _unreachable(url: str, error: BaseException) -> CommandError:
    from bot.db.engine import safe_url

    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    detail = reason[0] if reason else type(error).__name__
    return CommandError(f"cannot reach the database at {safe_url(url)}: {detail}")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import make_sync_engine, safe_url
    from bot.db.migrations import alembic_config, current_revision, head_revision

    url = _database_url()
    try:
        engine = make_sync_engine(url)
        connection = engine.connect()
    except (SQLAlchemyError, OSError) as error:
        raise _unreachable(url, error) from None
    try:
        before = current_revision(connection)
        command.upgrade(alembic_config(connection=connection), "head")
        connection.commit()
    except (SQLAlchemyError, OSError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        raise CommandError(
            f"the migration of {safe_url(url)} failed: "
            f"{reason[0] if reason else type(error).__name__}"
        ) from None
    finally:
        connection.close()
        engine.dispose()
    head = head_revision()
    if before == head:
        print(f"The database at {safe_url(url)} is already up to date (revision {head}).")
    else:
        print(f"Upgraded the database at {safe_url(url)} from {before or 'empty'} to {head}.")
    return 0


async def _export_rows(url: str) -> list[dict[str, str]]:
    from bot.db.queries import export_rows

    return await _in_migrated_database(url, export_rows)


async def _in_migrated_database(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """`await work(session)` in one transaction, once the database is known to be at head."""
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import sessionmaker

    from bot.db.engine import make_engine, safe_url
    from bot.db.migrations import current_revision, head_revision

    engine = make_engine(url)
    try:
        try:
            async with engine.connect() as connection:
                revision = await connection.run_sync(current_revision)
        except (SQLAlchemyError, OSError) as error:
            raise _unreachable(url, error) from None
        head = head_revision()
        if revision is None:
            raise CommandError(
                f"the database at {safe_url(url)} is not set up (no migrations applied): "
                "run `consult db upgrade`"
            )
        if revision != head:
            raise CommandError(
                f"the database at {safe_url(url)} is at revision {revision}, this version "
                f"needs {head}: run `consult db upgrade`"
            )
        factory = sessionmaker(engine, class_=AsyncSession, future=True)
        async with factory() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _write_export(rows: Iterable[dict[str, str]], out: IO[str]) -> None:
    # The staff console's CSV download uses the same writer, so the two never differ.
    from bot.staff.exports import write_answers_csv

    write_answers_csv(rows, out)


def _write_file_privately(path: Path, write: Any) -> None:
    """Write all or nothing, readable by the owner only: the export holds residents' words."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise CommandError(f"cannot write {path}: no directory {directory}")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_export(args: argparse.Namespace) -> int:
    from bot.db.engine import safe_url, sqlite_path

    url = _database_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():  # don't create an empty database by reading
        raise CommandError(f"no database at {path}: run `consult db upgrade` first")
    try:
        rows = asyncio.run(_export_rows(url))
    except CommandError:
        raise
    except (ImportError, ValueError) as error:
        raise CommandError(f"cannot use the database at {safe_url(url)}: {error}") from None

    def write(out: IO[str]) -> None:
        _write_export(rows, out)

    if args.output:
        try:
            _write_file_privately(Path(args.output), write)
        except OSError as error:
            raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
        respondents = len({row["respondent"] for row in rows})
        print(
            f"Exported {len(rows)} answers from {respondents} respondents to {args.output}.",
            file=sys.stderr,
        )
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        write(out)
        out.flush()
        out.detach()
    return 0


# --- codebook -----------------------------------------------------------------------------


def codebook_entries() -> list[dict[str, Any]]:
    """Every question with its wording and allowed values (also the staff exports' codebook)."""
    entries = []
    for q in QUESTIONS:
        entry: dict[str, Any] = {
            "id": q.id,
            "slot": q.slot,
            "part": q.part,
            "kind": q.kind,
            "wording": q.wording,
            "values": [{"value": v, "label": value_label(q, v)} for v in q.values],
        }
        if q.kind == "priorities":
            entry["stored_as"] = f"up to {MAX_PRIORITIES} codes joined by ';'"
        if q.is_free_text:
            entry["stored_as"] = "'given' with the resident's text in the export's answer column"
        entries.append(entry)
    return entries


def cmd_codebook(args: argparse.Namespace) -> int:
    entries = codebook_entries()
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    if args.format == "json":
        json.dump({"note": WORDING_NOTE, "questions": entries}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "csv":
        from bot.staff.exports import write_codebook_csv

        write_codebook_csv(out)
    else:
        out.write(f"Codebook: {len(entries)} questions. {WORDING_NOTE}\n")
        for e in entries:
            out.write(f"\n{e['id']}  ({e['kind']}; slot {e['slot']})\n  {e['wording']}\n")
            if "stored_as" in e:
                out.write(f"  Stored as {e['stored_as']}.\n")
            width = max(len(v["value"]) for v in e["values"])
            for v in e["values"]:
                out.write(f"    {v['value']:<{width}}  {v['label']}\n")
    out.flush()
    out.detach()
    return 0


# --- entry point --------------------------------------------------------------------------


def cmd_purge(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import make_sync_engine
    from bot.db.retention import purge

    if args.older_than < 0:
        raise CommandError("--older-than must be 0 or more days")
    url = _database_url()
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            purged = purge(connection, args.older_than)
    except (SQLAlchemyError, OSError) as error:
        raise _unreachable(url, error) from None
    finally:
        engine.dispose()
    print(
        f"Deleted {purged.conversations} conversations, {purged.respondents} respondents "
        f"with their answers, and {purged.flags} safeguarding flags older than "
        f"{args.older_than} days."
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    import contextlib

    from bot.settings import PROJECT_ROOT

    url = _database_url()
    # Loading Rasa prints warnings about its own internals and dependencies (its imports
    # reset warning filters): noise for someone running this command, so swallowed. Errors
    # still reach stderr, as CommandError, outside this block.
    with contextlib.redirect_stderr(io.StringIO()):
        rebuilt = asyncio.run(_rebuild(url, PROJECT_ROOT / "domain.yml"))
    print(
        f"Read {rebuilt.conversations} conversations; saved {rebuilt.answers} answers "
        f"of {rebuilt.respondents} residents who agreed to take part."
    )
    return 0


async def _rebuild(url: str, domain_path: Path) -> Any:
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import sessionmaker

    from bot.db.engine import make_engine
    from bot.db.rebuild import load_tracker_store, rebuild_answers

    engine = make_engine(url)
    try:
        tracker_store = load_tracker_store(url, domain_path)
        factory = sessionmaker(engine, class_=AsyncSession, future=True)
        async with factory() as session, session.begin():
            return await rebuild_answers(session, tracker_store)
    except (SQLAlchemyError, OSError) as error:
        raise _unreachable(url, error) from None
    finally:
        await engine.dispose()


def _read_password() -> str:
    """Prompted twice at a terminal (not echoed); else the first line of stdin (scripts)."""
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("The same password again: ") != password:
        raise CommandError("the two passwords are not the same")
    return password


def cmd_staff_add_user(args: argparse.Namespace) -> int:
    url = _database_url()
    password = _read_password()
    try:
        asyncio.run(_add_staff_user(url, args.name, args.role, password))
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(f"Added {args.role} {args.name!r}. Sign in at http://localhost:8080/staff (WEB_PORT).")
    return 0


async def _add_staff_user(url: str, name: str, role: str, password: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import sessionmaker

    from bot.db.engine import make_engine
    from bot.staff.auth import add_user

    engine = make_engine(url)
    try:
        factory = sessionmaker(engine, class_=AsyncSession, future=True)
        async with factory() as session, session.begin():
            await add_user(session, name, role, password)
    except (SQLAlchemyError, OSError) as error:
        raise _unreachable(url, error) from None
    finally:
        await engine.dispose()


# --- safeguarding ---------------------------------------------------------------------


def cmd_safeguarding_export_labelled(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from bot.db.engine import safe_url, sqlite_path
    from bot.staff.safeguarding_corpus import corpus_yaml, describe_left_out

    url = _database_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():  # don't create an empty database by reading
        raise CommandError(f"no database at {path}: run `consult db upgrade` first")
    try:
        labelled = asyncio.run(_in_migrated_database(url, _labelled_messages))
    except CommandError:
        raise
    except (ImportError, ValueError) as error:
        raise CommandError(f"cannot use the database at {safe_url(url)}: {error}") from None
    text = corpus_yaml(labelled.messages, datetime.now(timezone.utc).strftime("%Y-%m-%d"))
    if args.output:
        try:
            _write_file_privately(Path(args.output), lambda out: out.write(text))
        except OSError as error:
            raise CommandError(f"cannot write {args.output}: {error.strerror or error}") from None
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        out.write(text)
        out.flush()
        out.detach()
    disclosures = sum(1 for m in labelled.messages if m["label"] == "disclosure")
    # On stderr, so that stdout is only the YAML when no --output is given.
    print(
        f"Wrote {len(labelled.messages)} reviewed messages ({disclosures} disclosures, "
        f"{len(labelled.messages) - disclosures} not) to {args.output or 'stdout'}; "
        f"{describe_left_out(labelled.left_out)}.",
        file=sys.stderr,
    )
    return 0


async def _labelled_messages(session: Any) -> Any:
    from bot.staff import audit
    from bot.staff.safeguarding_corpus import labelled_messages

    labelled = await labelled_messages(session)
    # Residents' words leave the database: recorded as the console's downloads are.
    await audit.record(
        session,
        None,
        "export_labelled",
        detail=f"{len(labelled.messages)} messages, {sum(labelled.left_out.values())} left out",
        staff_name="(command line)",
    )
    return labelled


def build_parser() -> argparse.ArgumentParser:
    from bot.db.retention import DEFAULT_RETENTION_DAYS

    parser = argparse.ArgumentParser(
        prog="consult",
        description="Tools for the police and crime plan consultation assistant. "
        "The database is DATABASE_URL (default: var/consult.db).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    db = commands.add_parser("db", help="manage the response database")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the tables (safe to rerun)")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    export = commands.add_parser("export", help="export every answer, one row each")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format")
    export.add_argument("--output", "-o", metavar="FILE", help="write here, not to stdout")
    export.set_defaults(handler=cmd_export)

    codebook = commands.add_parser("codebook", help="list every question and allowed value")
    codebook.add_argument("--format", choices=["text", "csv", "json"], default="text")
    codebook.set_defaults(handler=cmd_codebook)

    purge = commands.add_parser(
        "purge", help="delete conversations and answers past the retention period"
    )
    purge.add_argument(
        "--older-than",
        type=int,
        metavar="DAYS",
        default=DEFAULT_RETENTION_DAYS,
        help="delete conversations last active more than DAYS ago (default: %(default)s)",
    )
    purge.set_defaults(handler=cmd_purge)

    rebuild = commands.add_parser(
        "rebuild",
        help="save every answer held in the transcripts (after a database fault; safe to rerun)",
    )
    rebuild.set_defaults(handler=cmd_rebuild)

    staff = commands.add_parser("staff", help="staff console accounts")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add_user = staff_commands.add_parser(
        "add-user",
        help="create a staff console account (password prompted, or the first line of stdin)",
    )
    add_user.add_argument("name", help="the user name to sign in with")
    add_user.add_argument("--role", choices=["reviewer", "admin"], required=True)
    add_user.set_defaults(handler=cmd_staff_add_user)

    safeguarding = commands.add_parser("safeguarding", help="safeguarding review")
    safeguarding_commands = safeguarding.add_subparsers(
        dest="safeguarding_command", metavar="ACTION", required=True
    )
    export_labelled = safeguarding_commands.add_parser(
        "export-labelled",
        help="write the reviewed messages of residents who agreed to take part, redacted, "
        "as YAML for bot/safeguarding/corpus/",
    )
    export_labelled.add_argument("--output", "-o", metavar="FILE", help="write here, not to stdout")
    export_labelled.set_defaults(handler=cmd_safeguarding_export_labelled)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except CommandError as error:
        print(f"consult: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `consult export | head`: the reader stopped early. Python would complain on exit
        # when flushing stdout again, so point it at /dev/null (as the Python docs advise).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("consult: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
