"""Choose the classifier's thresholds by cross-validation on the training corpus.

Each fold trains on four fifths of the corpus and reads the rest, together with the rules,
as the assistant does. The table shows, for each threshold, the recall on disclosures and
the share of negatives flagged. The blind set is never read here: thresholds chosen on it
would make its figure in-sample. Usage: `make safeguarding-thresholds`.
"""

from __future__ import annotations

import random
import sys

from bot.safeguarding.assessment import PAST_CERTAINTY
from bot.safeguarding.classifier import NONE, PAST, SafeguardingClassifier, load_examples
from bot.safeguarding.detector import detect

FOLDS = 5
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


def main() -> int:
    examples = load_examples()
    random.Random(11).shuffle(examples)
    scored: list[tuple[bool, bool, float, bool | None, float]] = []
    crisis_past: list[tuple[str, bool, float]] = []  # (category, told as past, P(past))
    for fold in range(FOLDS):
        held = examples[fold::FOLDS]
        trained = SafeguardingClassifier.train(
            [e for i, e in enumerate(examples) if i % FOLDS != fold]
        )
        for example in held:
            reading = trained.read(example.text)
            is_past = None if example.situation is None else example.situation == PAST
            if example.category in PAST_CERTAINTY and is_past is not None:
                crisis_past.append((example.category, is_past, reading.p_past))
            scored.append(
                (
                    example.category != NONE,
                    detect(example.text) is not None,
                    reading.p_disclosure,
                    is_past,
                    reading.p_past,
                )
            )
    disclosures = sum(1 for s in scored if s[0])
    negatives = len(scored) - disclosures
    print(f"{FOLDS}-fold cross-validation on {len(scored)} training examples")
    print("| threshold | recall (rules or classifier) | negatives flagged |")
    print("|---|---|---|")
    for threshold in THRESHOLDS:
        caught = sum(1 for d, rule, p, *_ in scored if d and (rule or p >= threshold))
        flagged = sum(1 for d, rule, p, *_ in scored if not d and (rule or p >= threshold))
        print(f"| {threshold} | {caught / disclosures:.1%} | {flagged / negatives:.1%} |")
    told = [(past, p) for _, _, _, past, p in scored if past is not None]
    print("| P(past) threshold | past read as past | current read as past |")
    print("|---|---|---|")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        pasts = [p for past, p in told if past]
        currents = [p for past, p in told if not past]
        print(
            f"| {threshold} | {sum(p >= threshold for p in pasts) / len(pasts):.1%} "
            f"| {sum(p >= threshold for p in currents) / len(currents):.1%} |"
        )
    print("| category | P(past) threshold | past read as past | current read as past |")
    print("|---|---|---|---|")
    for category in PAST_CERTAINTY:
        pasts = [p for c, past, p in crisis_past if c == category and past]
        currents = [p for c, past, p in crisis_past if c == category and not past]
        for threshold in (0.6, 0.7, 0.8, 0.85, 0.9):
            print(
                f"| {category} | {threshold} "
                f"| {sum(p >= threshold for p in pasts)} of {len(pasts)} "
                f"| {sum(p >= threshold for p in currents)} of {len(currents)} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
