"""Rasa's conversation tests: every test story in tests/stories/ must be predicted exactly
(intents from what the resident typed, and every action), or the test fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.stack import RASA, stack_environment


def test_every_conversation_test_story_passes(model: Path, tmp_path: Path) -> None:
    # Stories are predicted, not executed: no action server or database is involved, so
    # Rasa gets endpoints with neither.
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("{}\n")
    result = subprocess.run(
        [
            *RASA,
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/stories",
            "--endpoints",
            str(endpoints),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        env=stack_environment("sqlite://", 0),
        capture_output=True,
        text=True,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = (
        failed.read_text() if failed.exists() else result.stdout[-4000:] + result.stderr[-4000:]
    )
    assert result.returncode == 0, details
