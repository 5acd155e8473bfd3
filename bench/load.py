"""Many residents at once, each talking to a Rasa server over the REST channel.

One asyncio task per resident, all sharing one aiohttp session, so hundreds of residents
cost the machine little next to the servers being measured. A resident stops at their first
failed turn: once a reply is wrong or missing, what they say next would not make sense.
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.conversation import TROUBLE, Turn

REFERENCE = re.compile(r"reference code is ([0-9A-Z]{4}-[0-9A-Z]{4})")
# Sanic (under Rasa) closes an idle keep-alive connection after 5 s: reusing one just as it
# closes fails the request, so the client lets connections go sooner.
KEEPALIVE_SECONDS = 3.0


@dataclass
class TurnRecord:
    """What happened to one message: when it was sent, how long the reply took, any error."""

    resident: int
    turn: int
    message: str
    started: float  # seconds since the scenario started
    latency: float | None = None  # seconds until the whole reply was read; None if none came
    error: str | None = None  # "http 500", "timeout", "connection", "unexpected reply", ...
    detail: str = ""


@dataclass
class Resident:
    """One simulated resident: their script, and what happened as they followed it."""

    number: int
    turns: list[Turn]
    # As our REST channel names the conversation (bot/channels/rest.py: "rest:" and the
    # sender), so that bench.answers finds it in the database by this id.
    sender: str = field(default_factory=lambda: f"rest:bench-{secrets.token_hex(8)}")
    records: list[TurnRecord] = field(default_factory=list)
    reference_code: str | None = None

    @property
    def answered_turns(self) -> list[Turn]:
        """The turns whose reply came and was right (what should be stored)."""
        ok = {r.turn for r in self.records if r.error is None}
        return [turn for i, turn in enumerate(self.turns) if i in ok]

    @property
    def completed(self) -> bool:
        return len(self.records) == len(self.turns) and all(r.error is None for r in self.records)


def reply_texts(replies: Sequence[dict]) -> str:
    return "\n".join(str(reply.get("text") or "") for reply in replies)


def button_payload(replies: Sequence[dict], title_start: str) -> str | None:
    """The payload of the last offered button whose title starts with `title_start`."""
    buttons: list[dict] = []
    for reply in replies:
        buttons = reply.get("buttons") or buttons
    for button in buttons:
        if str(button.get("title", "")).startswith(title_start):
            return str(button.get("payload"))
    return None


def check_reply(turn: Turn, replies: Sequence[dict]) -> str | None:
    """Why this reply is not what the turn expects, or None if it is."""
    text = reply_texts(replies)
    if not text.strip():
        return "no text in the reply"
    lowered = text.lower()
    for phrase in TROUBLE:
        if phrase in lowered:
            return f"trouble reply ({phrase!r})"
    if turn.expect and turn.expect.lower() not in lowered:
        return f"expected {turn.expect!r}"
    return None


def _excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _send(
    session: aiohttp.ClientSession, url: str, sender: str, message: str, timeout: float
) -> tuple[int, list[dict]]:
    async with session.post(
        url,
        json={"sender": sender, "message": message},
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as response:
        body = await response.json(content_type=None) if response.status == 200 else []
        return response.status, body if isinstance(body, list) else []


async def talk(
    session: aiohttp.ClientSession,
    url: str,
    resident: Resident,
    start: float,
    pause: Callable[[], float],
    timeout: float,
) -> None:
    """Follow the resident's script, pausing `pause()` seconds before each message."""
    replies: list[dict] = []
    for index, turn in enumerate(resident.turns):
        delay = pause()
        if delay > 0:
            await asyncio.sleep(delay)
        message = turn.message
        record = TurnRecord(resident.number, index, message, time.perf_counter() - start)
        resident.records.append(record)
        if turn.button:
            payload = button_payload(replies, turn.message)
            if payload is None:
                record.error = "button missing"
                record.detail = (
                    f"no {turn.message!r} button after: {_excerpt(reply_texts(replies))}"
                )
                return
            message = payload
        sent = time.perf_counter()
        try:
            status, replies = await _send(session, url, resident.sender, message, timeout)
        except asyncio.TimeoutError:
            record.error, record.detail = "timeout", f"no reply within {timeout:.0f} s"
            return
        except aiohttp.ClientError as error:
            record.error, record.detail = "connection", f"{type(error).__name__}: {error}"
            return
        record.latency = time.perf_counter() - sent
        if status != 200:
            record.error = f"http {status}"
            return
        problem = check_reply(turn, replies)
        if problem:
            record.error = "unexpected reply"
            record.detail = f"{problem}; got: {_excerpt(reply_texts(replies))}"
            return
        found = REFERENCE.search(reply_texts(replies))
        if found:
            resident.reference_code = found.group(1)


@dataclass
class LoadRun:
    """The residents of one scenario after it ran, and how long it took."""

    residents: list[Resident]
    seconds: float


def jittered(mean: float, rng: random.Random) -> Callable[[], float]:
    """Pauses of `mean` seconds on average, spread evenly between half and one and a half."""
    if mean <= 0:
        return lambda: 0.0
    return lambda: rng.uniform(0.5 * mean, 1.5 * mean)


def cut_off(resident: Resident, at: float) -> None:
    """Mark a resident stopped by the time limit, in mid-turn or between turns, as an error."""
    if resident.completed or any(r.error for r in resident.records):
        return
    last = resident.records[-1] if resident.records else None
    if last is not None and last.latency is None:
        last.error, last.detail = "cut off", "no reply when the time limit came"
        return
    turn = len(resident.records)
    resident.records.append(
        TurnRecord(
            resident.number, turn, resident.turns[turn].message, at, None, "cut off",
            "not sent before the time limit",
        )
    )  # fmt: skip


async def run_load(
    url: str,
    residents: list[Resident],
    pause: float,
    timeout: float,
    seed: int = 7,
    limit: float | None = None,
) -> LoadRun:
    """Let every resident follow their script at once; return when all have finished.

    With pauses, each resident's first message is also delayed (a jittered pause), so the
    residents arrive spread over one pause rather than in a single burst. After `limit`
    seconds, residents still talking are stopped and each counts one "cut off" error, so an
    overloaded server cannot make the benchmark run for ever.
    """
    rng = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        tasks = [
            asyncio.ensure_future(talk(session, url, r, start, jittered(pause, rng), timeout))
            for r in residents
        ]
        _, pending = await asyncio.wait(tasks, timeout=limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        seconds = time.perf_counter() - start
        for resident in residents:
            cut_off(resident, seconds)
        return LoadRun(residents, seconds)
