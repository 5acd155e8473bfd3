"""Measure NLU quality on the held-out set in tests/nlu/ (written apart from the training data).

Runs `rasa test nlu` on the current model and prints intent macro-F1 and the F1 of each
entity, as reported in the README.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.stack import RASA
from bot.training import ensure_model

HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "test_nlu.yml"


@dataclass(frozen=True)
class NluScores:
    intent_macro_f1: float
    entity_f1: dict[str, float]  # entity name -> F1, over all extractors


def measure(out_dir: Path, model: Path | None = None) -> NluScores:
    model = model or ensure_model()
    subprocess.run(
        [
            *RASA,
            "test",
            "nlu",
            "--nlu",
            str(HELD_OUT),
            "--model",
            str(model),
            "--out",
            str(out_dir),
            "--no-plot",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    intents = json.loads((out_dir / "intent_report.json").read_text())
    entity_f1: dict[str, float] = {}
    for report in out_dir.glob("*Extractor_report.json"):
        for name, scores in json.loads(report.read_text()).items():
            if (
                isinstance(scores, dict)
                and "f1-score" in scores
                and name not in {"micro avg", "macro avg", "weighted avg", "accuracy", "no_entity"}
            ):
                # Each extractor reports every entity; keep the one that extracts it.
                entity_f1[name] = max(entity_f1.get(name, 0.0), scores["f1-score"])
    return NluScores(intents["macro avg"]["f1-score"], entity_f1)


def main() -> int:
    scores = measure(PROJECT_ROOT / "results" / "nlu")
    print(f"Intent macro-F1 on the held-out set: {scores.intent_macro_f1:.3f}")
    for name, f1 in sorted(scores.entity_f1.items()):
        print(f"Entity F1, {name}: {f1:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
