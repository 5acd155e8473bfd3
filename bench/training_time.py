"""How long a full `rasa train --force` of our project takes, measured, never cached.

It trains into a temporary directory with its own empty Rasa cache, so nothing from an
earlier training is reused, and the project's models/ and the shared cache are untouched.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.stack import RASA, stack_environment
from bot.training import DATA_PATHS


def time_full_training(log_path: Path) -> float:
    """Train every component from scratch; return the wall-clock seconds it took."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as scratch, open(log_path, "w") as log:
        env = stack_environment("", 0, RASA_CACHE_DIRECTORY=os.path.join(scratch, "cache"))
        command = [
            *RASA, "train", "--force",
            "--config", "config.yml",
            "--domain", "domain.yml",
            "--data", *DATA_PATHS,
            "--out", os.path.join(scratch, "models"),
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True
        )
        return time.perf_counter() - start
