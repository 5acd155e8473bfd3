"""Train the Rasa model only when what it is trained from has changed.

The model's file name is a hash of every input that shapes it (config, domain, NLU data,
rules, and our NLU component with its data), so an existing file is always up to date and
`make run`, `make test` and the tests can all ask for "the model" without retraining.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.stack import RASA

MODELS_DIR = PROJECT_ROOT / "models"
DATA_PATHS = ("nlu_data", "stories")
# Everything a trained model depends on, relative to the project root.
TRAINING_INPUTS = ("config.yml", "domain.yml", *DATA_PATHS, "bot/nlu", "bot/places")


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".py"}
            )
        elif path.exists():
            files.append(path)
    return files


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A short hash of every training input's path and contents."""
    digest = hashlib.sha256()
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / f"consult-{fingerprint(root)}.tar.gz"


def ensure_model(root: Path = PROJECT_ROOT) -> Path:
    """Return the up-to-date model, training it first if it does not exist yet."""
    path = model_path(root)
    if path.exists():
        print(f"Model is up to date: {path.relative_to(root)}", flush=True)
        return path
    print("Training data changed since the last model: training (a few minutes)...", flush=True)
    command = [
        *RASA,
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        *DATA_PATHS,
        "--out",
        str(path.parent),
        "--fixed-model-name",
        path.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, cwd=root, check=True)
    return path


if __name__ == "__main__":
    from bot.safeguarding import classifier

    ensure_model()
    classifier.main()
