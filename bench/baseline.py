"""The baseline: Rasa 3.6's stock `rasa init` assistant (the "moodbot"), on this machine.

Pure Rasa: its default pipeline and policies, the REST channel, no action server, no
database (the in-memory tracker store). Its files are copied from the template inside the
installed rasa package (what `rasa init` copies), and it is trained only when they change,
as bot.training does for ours.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import IO

from bench.conversation import Turn
from bot.settings import PROJECT_ROOT
from bot.stack import RASA, stack_environment, stop_process

BASELINE_DIR = PROJECT_ROOT / "var" / "bench" / "baseline"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")

# The moodbot's stories and rules, in a loop a resident can repeat for any length.
MOODBOT_LOOP = (
    Turn("hello", expect="How are you?"),
    Turn("I am sad", expect="Did that help you?"),
    Turn("yes", expect="Great, carry on!"),
    Turn("bye", expect="Bye"),
    Turn("hey there", expect="How are you?"),
    Turn("I am great", expect="Great, carry on!"),
    Turn("are you a bot?", expect="I am a bot"),
    Turn("goodbye", expect="Bye"),
)


def moodbot_script(length: int) -> list[Turn]:
    """A moodbot conversation of `length` turns (as many as one of our residents sends)."""
    return [MOODBOT_LOOP[i % len(MOODBOT_LOOP)] for i in range(length)]


def template_dir() -> Path:
    """rasa/cli/initial_project in the installed rasa, found without importing rasa."""
    spec = importlib.util.find_spec("rasa")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("rasa is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "cli" / "initial_project"


def prepare(directory: Path = BASELINE_DIR) -> Path:
    """Copy the stock assistant's files into `directory` (again, if Rasa's differ)."""
    shutil.copytree(
        template_dir(),
        directory,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return directory


def fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = directory / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(directory)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def ensure_model(directory: Path = BASELINE_DIR) -> Path:
    """The stock assistant's model, trained first if its files changed since the last one."""
    prepare(directory)
    path = directory / "models" / f"stock-{fingerprint(directory)}.tar.gz"
    if path.exists():
        print(f"Baseline model is up to date: {path.relative_to(PROJECT_ROOT)}", flush=True)
        return path
    print("Training the stock Rasa assistant (the baseline; once)...", flush=True)
    subprocess.run(
        [
            *RASA, "train",
            "--config", "config.yml",
            "--domain", "domain.yml",
            "--data", "data",
            "--out", "models",
            "--fixed-model-name", path.name.removesuffix(".tar.gz"),
        ],
        cwd=directory,
        env=stack_environment("", 0, RASA_STOCK="1"),  # Rasa as shipped: no speed-ups
        check=True,
    )  # fmt: skip
    return path


def start_server(
    model: Path, port: int, log: IO | None = None, directory: Path = BASELINE_DIR
) -> subprocess.Popen:
    """Launch the stock assistant's Rasa server; the caller waits for its first answer."""
    command = [
        *RASA, "run",
        "--model", str(model),
        "--port", str(port),
        "--credentials", "credentials.yml",
        "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=directory,
        env=stack_environment("", 0, RASA_STOCK="1"),  # Rasa as shipped: no speed-ups
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )


def stop_server(process: subprocess.Popen) -> None:
    stop_process(process)
