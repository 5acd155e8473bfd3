"""Start-up time to the first answer: from the Rasa process's start to a REST reply.

The health URL answering is not enough: what a resident waits for is a reply to a message,
so a message is sent every 0.1 s from the moment the process is launched. The start comes
from the kernel (/proc), so the time spent before Rasa is launched (the action server, in
our stack) does not count, and the measurement needs no hook into how it is launched.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bench import machine

POLL_SECONDS = 0.1


async def first_answer(url: str, message: str, sender: str, limit: float = 600) -> float:
    """Send `message` until the REST channel at `url` replies; return the Unix time it did."""
    deadline = time.monotonic() + limit
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while time.monotonic() < deadline:
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as r:
                    if r.status == 200 and await r.json(content_type=None):
                        return time.time()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError(f"no reply from {url} within {limit:.0f} s")


def seconds_to_first_answer(pid: int, answered_at: float) -> float:
    """From the process's start (per the kernel) to `answered_at`."""
    started = machine.started_at(pid)
    if started is None:
        raise RuntimeError(f"process {pid} is gone: cannot tell when it started")
    return answered_at - started
