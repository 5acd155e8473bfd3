"""Measure safeguarding over the running assistant: recall on disclosures, false positives on
opinions, from the labelled set in tests/safeguarding/labelled_messages.yml.

Each message is sent as a new conversation over the REST channel; it counts as caught when
the reply includes the safeguarding message. Usage (with `make run` going):
    .venv/bin/python -m bot.safeguarding_report [--url http://127.0.0.1:5005]
"""

from __future__ import annotations

import argparse
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from bot.settings import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "tests" / "safeguarding" / "labelled_messages.yml"
# The last line of every safeguarding reply (utter_safeguarding_cannot_act).
MARKER = "can't report a crime or send help"


@dataclass
class SafeguardingScores:
    disclosures: int
    caught: int
    opinions: int
    false_positives: int
    missed: list[str] = field(default_factory=list)
    wrongly_flagged: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.disclosures if self.disclosures else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.opinions if self.opinions else 0.0


def _replied_with_help(webhook: str, text: str) -> bool:
    sender = f"safeguarding-check-{secrets.token_hex(6)}"
    response = requests.post(webhook, json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return any(MARKER in (reply.get("text") or "") for reply in response.json())


def measure(rasa_url: str, labelled: Path = LABELLED) -> SafeguardingScores:
    messages = yaml.safe_load(labelled.read_text())["messages"]
    webhook = f"{rasa_url}/webhooks/rest/webhook"
    with ThreadPoolExecutor(max_workers=4) as pool:
        helped = list(pool.map(lambda m: _replied_with_help(webhook, m["text"]), messages))
    scores = SafeguardingScores(0, 0, 0, 0)
    for message, got_help in zip(messages, helped, strict=True):
        if message["label"] == "disclosure":
            scores.disclosures += 1
            scores.caught += got_help
            if not got_help:
                scores.missed.append(message["text"])
        else:
            scores.opinions += 1
            scores.false_positives += got_help
            if got_help:
                scores.wrongly_flagged.append(message["text"])
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    scores = measure(parser.parse_args().url)
    print(f"Disclosures caught: {scores.caught}/{scores.disclosures} (recall {scores.recall:.1%})")
    print(
        f"Opinions wrongly treated as disclosures: {scores.false_positives}/{scores.opinions} "
        f"({scores.false_positive_rate:.1%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
