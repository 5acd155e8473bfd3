"""`consult staff add-user`, run as the installed console script."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.db.engine import make_engine
from bot.db.models import StaffUser
from bot.staff.auth import check_password

CONSULT = Path(sys.executable).with_name("consult")


def add_user(url: str, *args: str, password: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [str(CONSULT), "staff", "add-user", *args],
        input=password + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def users(url: str) -> dict[str, StaffUser]:
    async def read() -> dict[str, StaffUser]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                result = await connection.execute(select(StaffUser))
                return {row.name: row for row in result}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_add_user_reads_the_password_from_stdin_and_hashes_it(migrated_url: str) -> None:
    result = add_user(migrated_url, "alice", "--role", "admin", password="a long pass phrase")
    assert result.returncode == 0, result.stderr
    assert "Added admin 'alice'" in result.stdout
    stored = users(migrated_url)["alice"]
    assert stored.role == "admin"
    assert stored.password_hash.startswith("$argon2id$")
    assert "a long pass phrase" not in stored.password_hash
    assert check_password(stored.password_hash, "a long pass phrase")


def test_add_user_refuses_with_a_reason(migrated_url: str) -> None:
    add_user(migrated_url, "alice", "--role", "reviewer", password="a long pass phrase")
    for args, password, reason in [
        (("alice", "--role", "reviewer"), "a long pass phrase", "already a user called 'alice'"),
        (("bob", "--role", "reviewer"), "short", "at least 12 characters"),
        (("bob", "--role", "reviewer"), "Password2024!", "the password is too common"),
        (("bob", "--role", "reviewer"), "qwertyuiop123", "the password is too common"),
        (("bob", "--role", "admin"), "Bob's long pass phrase", "must not contain the user name"),
    ]:
        result = add_user(migrated_url, *args, password=password)
        assert result.returncode == 1
        assert result.stderr.startswith("consult: ") and reason in result.stderr
        assert "Traceback" not in result.stderr
    result = add_user(migrated_url, "bob", "--role", "boss", password="a long pass phrase")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert set(users(migrated_url)) == {"alice"}
