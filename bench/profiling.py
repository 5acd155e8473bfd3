"""A py-spy profile of a Rasa server while it is under load, and where its CPU time went.

py-spy samples the running process from outside (no change to the server, little
overhead), so the profile shows the server as it runs in the benchmark. It records in
py-spy's "raw" format (collapsed stacks, which speedscope.app opens too) because that is
also easy to summarise here: the share of samples inside each package and function.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# A frame in py-spy's raw output: "function (path/to/file.py:123)".
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
PROCESS = re.compile(r"^process \d+:")
SAMPLE_RATE = 50  # per second: enough for a minute's run, light on a 2-core machine

# Parts of a request worth naming in the summary (issue 7's suspects among them). A sample
# counts towards each part its stack passes through, so the shares overlap.
HOTSPOTS = {
    "TensorFlow": re.compile(r"tensorflow|keras"),
    "action server round trips": re.compile(r" rasa/core/actions/action\.py"),
    "jsonschema check of action results": re.compile(r"^_validate_action_result "),
    "tracker store": re.compile(r"tracker_store"),
    "SQLAlchemy": re.compile(r" sqlalchemy/"),
    "tracker featurization": re.compile(r"featuriz", re.IGNORECASE),
    "rasa all_subclasses": re.compile(r"^all_subclasses "),
    "NLU pipeline": re.compile(r" rasa/nlu/"),
    "policies": re.compile(r" rasa/core/policies/"),
    "JSON encoding and decoding": re.compile(r" json/"),
}
# The running frame of a server waiting for work (py-spy cannot always tell it is idle).
IDLE = re.compile(r"^(serve \(sanic/server/runners\.py|select \(selectors\.py|run_forever )")


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not found:
        raise RuntimeError("py-spy is not installed: run `make install` (it is a dev extra)")
    return found


def start(pid: int, output: Path) -> subprocess.Popen:
    """Start sampling `pid` (and any workers it forks) into `output` until stop()."""
    command = [
        py_spy(), "record",
        "--pid", str(pid),
        "--rate", str(SAMPLE_RATE),
        "--format", "raw",
        "--subprocesses",
        "--nonblocking",
        "--output", str(output),
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen) -> None:
    """Stop sampling; py-spy writes its output on SIGINT, as on Ctrl-C."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def parse(lines: Iterable[str]) -> list[tuple[list[str], int]]:
    """Collapsed stacks ("root;...;leaf count") as (frames root first, sample count)."""
    samples = []
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if stack and count.isdigit():
            samples.append((stack.split(";"), int(count)))
    return samples


def _where(frame: str) -> tuple[str, str]:
    """(function, file) of a frame; the whole frame as the function if it does not parse."""
    match = FRAME.match(frame)
    return (match["function"], match["file"]) if match else (frame, "")


def _package(file: str) -> str:
    """The top-level package or module of a (py-spy shortened) file name."""
    file = file.split("site-packages/", 1)[-1]
    return file.split("/", 1)[0].removesuffix(".py") or "?"


@dataclass(frozen=True)
class ProfileSummary:
    samples: int
    # Share of all samples where the server was only waiting for work; left out below.
    idle: float
    # (name, share of the busy samples whose stack passes through it), biggest first.
    hotspots: list[tuple[str, float]]
    # (package, share of the busy samples running its code), biggest first.
    packages: list[tuple[str, float]]
    # (function and file, share of the busy samples running it), biggest first.
    top_self: list[tuple[str, float]]


def summarise(samples: list[tuple[list[str], int]], top: int = 15) -> ProfileSummary:
    total = idle = 0
    hot: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, count in samples:
        # With --subprocesses, py-spy puts the process ("process 123:"...) at the root.
        frames = [f for f in frames if not PROCESS.match(f)]
        total += count
        if not frames or IDLE.match(frames[-1]):
            idle += count
            continue
        where = [_where(f) for f in frames]
        texts = [f"{function} {file}" for function, file in where]
        for name, pattern in HOTSPOTS.items():
            if any(pattern.search(text) for text in texts):
                hot[name] += count
        function, file = where[-1]
        packages[_package(file)] += count
        leaves[f"{function} ({file})"] += count
    busy = total - idle

    def shares(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(name, count / busy) for name, count in counter.most_common(n)] if busy else []

    return ProfileSummary(
        samples=total,
        idle=idle / total if total else 0.0,
        hotspots=shares(hot, len(HOTSPOTS)),
        packages=shares(packages, top),
        top_self=shares(leaves, top),
    )


def summarise_file(path: Path) -> ProfileSummary:
    with open(path) as lines:
        return summarise(parse(lines))
