"""Measure safeguarding over the running assistant, each message typed as a comment mid-form.

Every message starts its own conversation over the REST channel: consent, the knife crime
part (its thanks carries no support line of its own, so any support seen is the
detector's), "Agree", and then the message at the comment question. The replies say what
the assistant did:

- `full`: a category reply (danger, crisis or report now) and a pause;
- `kept`: kept as the comment, with thanks and support (a past experience);
- `check_in`: a possible disclosure: kept, with a check-in and contacts;
- `none`: an ordinary comment.

Any of the first three counts as caught for a disclosure and as a false positive for a
hard negative. For disclosures it also checks the contacts (`RIGHT_CONTACTS`), and for
past experiences that the comment really is stored in the database.

Two sets, side by side: in-sample (the first labelled set and a fixed sample of the training
corpus: the rules and the classifier were fitted to these) and blind (tests/safeguarding/
blind/, written separately and never tuned on). Usage, with `make run` going:
    make safeguarding-report
    .venv/bin/python -m bot.safeguarding_report --url http://127.0.0.1:5005 [--blind-only]
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from bot.settings import PROJECT_ROOT

SAFEGUARDING_TESTS = PROJECT_ROOT / "tests" / "safeguarding"
BLIND_DIR = SAFEGUARDING_TESTS / "blind"
LABELLED = SAFEGUARDING_TESTS / "labelled_messages.yml"
CORPUS_DIR = PROJECT_ROOT / "bot" / "safeguarding" / "corpus"
IN_SAMPLE_CORPUS_SIZE = 400  # a fixed sample of the training corpus, to keep the run short
PART = "knife crime"
COMMENT_QUESTION = "Why do you say that?"

# The contacts each category's reply must carry (any one of them), from brief §10.
RIGHT_CONTACTS: dict[str, tuple[str, ...]] = {
    "immediate_danger": ("999",),
    "self_harm": ("116 123", "999"),
    "child_at_risk/child": ("0800 1111",),
    "child_at_risk/adult": ("0808 800 5000",),
    "child_at_risk/either": ("0800 1111", "0808 800 5000"),
    "sexual_violence": ("247sexualabusesupport.org.uk", "999"),
    "domestic_abuse": ("0808 2000 247",),
    "forced_marriage": ("020 7008 0151",),
    "exploitation": ("08000 121 700",),
    "fraud": ("0300 123 2040",),
    "stalking_harassment": ("101", "999"),
    "hate_crime": ("report-it.org.uk", "101"),
    "crime_report": ("101", "08 08 16 89 111", "0800 555 111"),
}


def _response_texts(prefixes: Iterable[str]) -> frozenset[str]:
    """Every text (both wording modes) of the domain responses whose names start so."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    wanted = tuple(prefixes)
    return frozenset(
        variation["text"]
        for name, variations in domain["responses"].items()
        if name.startswith(wanted)
        for variation in variations
        if variation.get("text")
    )


FULL = _response_texts(["utter_safeguarding_cannot_act"])
KEPT = _response_texts(["utter_safeguarding_thanks_kept"])
CHECK_IN = _response_texts(["utter_check_in"])


@dataclass(frozen=True)
class Message:
    text: str
    label: str  # "disclosure" or "none"
    category: str | None = None
    situation: str | None = None
    speaker: str | None = None

    @property
    def contact_key(self) -> str:
        if self.category == "child_at_risk":  # unlabelled speaker: either line is right
            return f"child_at_risk/{self.speaker or 'either'}"
        return self.category or ""


@dataclass(frozen=True)
class Outcome:
    kind: str  # "full", "kept", "check_in" or "none"
    replies: str
    sender: str


@dataclass
class Scores:
    disclosures: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    right_contacts: int = 0
    negatives: int = 0
    false_positives: int = 0
    past: int = 0
    past_kept: int = 0
    missed: list[Message] = field(default_factory=list)
    wrongly_flagged: list[Message] = field(default_factory=list)
    past_not_kept: list[Message] = field(default_factory=list)
    wrong_contacts: list[Message] = field(default_factory=list)

    def recall(self, category: str | None = None) -> float:
        total = self.disclosures[category] if category else sum(self.disclosures.values())
        caught = self.caught[category] if category else sum(self.caught.values())
        return caught / total if total else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0


def load(paths: Iterable[Path]) -> list[Message]:
    messages: list[Message] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("messages") or []:
            label = "disclosure" if item.get("label") == "disclosure" else "none"
            messages.append(
                Message(
                    text=str(item["text"]),
                    label=label,
                    category=item.get("category") if label == "disclosure" else None,
                    situation=item.get("situation"),
                    speaker=item.get("speaker"),
                )
            )
    return messages


def blind_set() -> list[Message]:
    return load(sorted(BLIND_DIR.glob("*.yml")))


def in_sample_set() -> list[Message]:
    corpus = load(sorted(CORPUS_DIR.glob("*.yml")))
    sample = random.Random(7).sample(corpus, min(IN_SAMPLE_CORPUS_SIZE, len(corpus)))
    return load([LABELLED]) + sample


def _say(webhook: str, sender: str, text: str) -> list[dict[str, Any]]:
    response = requests.post(webhook, json={"sender": sender, "message": text}, timeout=120)
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()
    return replies


def typed_as_comment(webhook: str, text: str) -> Outcome:
    """Take a new resident to the knife crime comment question and type `text` there."""
    sender = f"safeguarding-check-{secrets.token_hex(8)}"
    _say(webhook, sender, "hello")
    _say(webhook, sender, "/affirm")
    _say(webhook, sender, PART)
    asked = _say(webhook, sender, "/agree")
    if not any(COMMENT_QUESTION in (r.get("text") or "") for r in asked):
        raise RuntimeError("The assistant did not reach the comment question.")
    replies = _say(webhook, sender, text)
    texts = [r.get("text") or "" for r in replies]
    if any(t in FULL for t in texts):
        kind = "full"
    elif any(t in KEPT for t in texts):
        kind = "kept"
    elif any(t in CHECK_IN for t in texts):
        kind = "check_in"
    else:
        kind = "none"
    return Outcome(kind, "\n".join(texts), sender)


def _stored_comments(database_url: str, senders: list[str]) -> dict[str, str | None]:
    """Each sender's stored knife crime comment, read from the response database."""
    import sqlalchemy as sa

    from bot.db.engine import make_sync_engine
    from bot.db.models import Answer, Respondent
    from bot.pseudonyms import sender_key

    # The REST channel keeps its conversations apart from other channels' by a prefix.
    keys = {sender_key(prefix + s): s for s in senders for prefix in ("", "rest:")}
    found: dict[str, str | None] = dict.fromkeys(senders)
    engine = make_sync_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(Respondent.sender_key, Answer.free_text)
                .join(Answer, Answer.respondent_id == Respondent.id)
                .where(Respondent.sender_key.in_(list(keys)))
                .where(Answer.question_id == "knife_crime.comment")
            )
            for key, free_text in rows:
                found[keys[key]] = free_text
    finally:
        engine.dispose()
    return found


def measure(
    rasa_url: str, messages: list[Message], database_url: str | None = None, workers: int = 4
) -> Scores:
    webhook = f"{rasa_url}/webhooks/rest/webhook"
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda m: typed_as_comment(webhook, m.text), messages))
    stored: dict[str, str | None] = {}
    if database_url:
        past = [o.sender for m, o in zip(messages, outcomes, strict=True) if m.situation == "past"]
        stored = _stored_comments(database_url, past)
    scores = Scores()
    for message, outcome in zip(messages, outcomes, strict=True):
        caught = outcome.kind != "none"
        if message.label != "disclosure":
            scores.negatives += 1
            if caught:
                scores.false_positives += 1
                scores.wrongly_flagged.append(message)
            continue
        category = message.category or "unspecified"
        scores.disclosures[category] += 1
        if not caught:
            scores.missed.append(message)
            continue
        scores.caught[category] += 1
        contacts = RIGHT_CONTACTS.get(message.contact_key, ())
        if any(c in outcome.replies for c in contacts):
            scores.right_contacts += 1
        else:
            scores.wrong_contacts.append(message)
        if message.situation == "past":
            scores.past += 1
            kept = outcome.kind in ("kept", "check_in")
            if database_url:
                kept = kept and (stored.get(outcome.sender) or "").strip() == message.text.strip()
            if kept:
                scores.past_kept += 1
            else:
                scores.past_not_kept.append(message)
    # Past experiences that were missed altogether were not kept with support either.
    for message in scores.missed:
        if message.situation == "past":
            scores.past += 1
            scores.past_not_kept.append(message)
    return scores


def table(named: dict[str, Scores]) -> str:
    """Per-category recall and the other figures, one column per set."""
    categories = sorted({c for s in named.values() for c in s.disclosures})
    names = list(named)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(named[n]) for n in names) + " |")

    for category in categories:
        row(
            f"recall: {category}",
            lambda s, c=category: f"{s.recall(c):.1%} ({s.caught[c]}/{s.disclosures[c]})",
        )
    row(
        "**recall: all**",
        lambda s: f"**{s.recall():.1%}** ({sum(s.caught.values())}/{sum(s.disclosures.values())})",
    )
    row(
        "false positives",
        lambda s: f"{s.false_positive_rate:.1%} ({s.false_positives}/{s.negatives})",
    )
    row("past experiences kept with support", lambda s: f"{s.past_kept}/{s.past}")
    row(
        "right contacts (of caught)",
        lambda s: f"{s.right_contacts}/{sum(s.caught.values())}",
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--database-url", default=None, help="check stored comments there")
    parser.add_argument("--blind-only", action="store_true")
    parser.add_argument("--show-misses", action="store_true", help="print missed texts")
    args = parser.parse_args()
    named: dict[str, Scores] = {}
    if not args.blind_only:
        named["in-sample"] = measure(args.url, in_sample_set(), args.database_url)
    named["blind"] = measure(args.url, blind_set(), args.database_url)
    print(table(named))
    if args.show_misses:
        for name, scores in named.items():
            for title, items in (
                ("missed", scores.missed),
                ("false positive", scores.wrongly_flagged),
                ("past not kept", scores.past_not_kept),
                ("wrong contacts", scores.wrong_contacts),
            ):
                for m in items:
                    print(f"[{name}] {title}: {m.category or ''} {m.text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
