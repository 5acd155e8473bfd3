"""A statistical safeguarding classifier, trained on the corpus in `corpus/`.

The rules in `patterns.yml` are reviewable but only catch the wording someone thought of;
residents phrase a crisis in ways nobody here has tried. This classifier reads the shape of
a message (character n-grams survive typos and text-speak; word n-grams catch phrasing)
and says three things:

- `category`: one of `CATEGORIES`, or None, with `p_disclosure`, the probability it is a
  disclosure at all;
- `p_past`: the probability that it tells of a past experience (part of the resident's
  view) rather than a current one (danger or harm now, a crisis, a report);
- `speaker`: "child" when a child or teenager is writing, else "adult".

Linear models over sparse n-grams (scikit-learn, already a Rasa dependency): about a
millisecond a message, nothing downloaded, and trained in seconds from YAML anyone can
review. The trained model is cached in `models/` under a hash of everything it is trained
from, so a changed corpus retrains it and an unchanged one loads in a moment.

The blind test set in `tests/safeguarding/blind/` is never read here (docs/safeguarding.md).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.safeguarding.categories import CATEGORIES, CURRENT, PAST
from bot.safeguarding.text import normalise

CORPUS_DIR = Path(__file__).with_name("corpus")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The project's first labelled set: small, and the rules were tuned on it, so it trains.
EXTRA_TRAINING = (PROJECT_ROOT / "tests" / "safeguarding" / "labelled_messages.yml",)
MODELS_DIR = PROJECT_ROOT / "models"

NONE = "none"

CHILD, ADULT = "child", "adult"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Example:
    text: str
    category: str  # a category, or NONE
    situation: str | None = None
    speaker: str | None = None


@dataclass(frozen=True)
class Reading:
    """What the classifier makes of one message."""

    p_disclosure: float
    category: str  # the most likely category (even when p_disclosure is low)
    second: str  # the next most likely category
    second_share: float  # its probability as a share of the first's (0 to 1)
    p_past: float  # the probability that it tells of a past experience, not a current one
    speaker: str


def training_files() -> list[Path]:
    """What the classifier is trained from: the corpus and the first labelled set."""
    return [*sorted(CORPUS_DIR.glob("*.yml")), *EXTRA_TRAINING]


def load_examples(paths: Iterable[Path] | None = None) -> list[Example]:
    """Every labelled example in the corpus files (and the first labelled set)."""
    if paths is None:
        paths = training_files()
    examples: list[Example] = []
    for path in paths:
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("messages") or []:
            example = _example(item)
            if example is not None:
                examples.append(example)
    return examples


def _example(item: dict[str, Any]) -> Example | None:
    text = str(item.get("text") or "").strip()
    if not text:
        return None
    if item.get("label") != "disclosure":
        return Example(text, NONE)
    category = item.get("category")
    if category not in CATEGORIES:
        return None
    situation = item.get("situation")
    if situation not in (CURRENT, PAST):
        situation = CURRENT if category == "immediate_danger" else None
    speaker = item.get("speaker")
    if speaker not in (CHILD, ADULT):
        speaker = CHILD if item.get("voice") in ("child", "teen") else None
    return Example(text, category, situation, speaker)


def _vectorizers() -> list[TfidfVectorizer]:
    # Character n-grams within word boundaries: "wanna die", "wana dye" and "w4nna d1e"
    # share most of them. Word n-grams: "better off", "off without".
    return [
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            max_features=120_000,
        ),
        TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 3),
            min_df=1,
            sublinear_tf=True,
            token_pattern=r"[a-z0-9]+",
            max_features=120_000,
        ),
    ]


class _Block:
    """One fitted vectorizer, applied to a single message without scikit-learn's per-call
    checks (which cost ~10 ms a message; this costs well under one)."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._offset = offset

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values (sublinear, L2-normalised), as the vectorizer's
        own transform gives them."""
        counts = Counter(
            i for gram in self._analyze(text) if (i := self._vocabulary.get(gram)) is not None
        )
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (1.0 + np.log(tf)) * self._idf[indices]
        values /= np.linalg.norm(values)
        return indices + self._offset, values


class _Linear:
    """A fitted logistic regression as plain arrays: scores for one message's features."""

    def __init__(self, model: LogisticRegression) -> None:
        self.classes = [str(c) for c in model.classes_]
        self._coef = np.asarray(model.coef_, dtype=np.float64)
        self._intercept = np.asarray(model.intercept_, dtype=np.float64)

    def probabilities(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        scores = self._coef[:, indices] @ values + self._intercept
        if len(self.classes) == 2:  # binary: one row of coefficients for classes[1]
            p = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - p, p])
        p = 1.0 / (1.0 + np.exp(-scores))  # one-vs-rest, normalised as scikit-learn does
        return np.asarray(p / p.sum())


def _fit(features: Any, labels: list[str], c: float) -> LogisticRegression:
    model = LogisticRegression(
        C=c, solver="liblinear", class_weight="balanced", max_iter=1000, random_state=0
    )
    return model.fit(features, labels)


class SafeguardingClassifier:
    """The three trained models over shared features: category (with "none"), situation
    and speaker."""

    def __init__(
        self,
        vectorizers: list[TfidfVectorizer],
        category: LogisticRegression,
        situation: LogisticRegression,
        speaker: LogisticRegression,
    ) -> None:
        self._vectorizers = vectorizers
        self._models = (category, situation, speaker)
        offsets = np.cumsum([0] + [len(v.vocabulary_) for v in vectorizers])
        self._blocks = [_Block(v, int(o)) for v, o in zip(vectorizers, offsets, strict=False)]
        self._category, self._situation, self._speaker = (_Linear(m) for m in self._models)
        self._none = self._category.classes.index(NONE)

    def state(self) -> dict[str, Any]:
        """What is saved: scikit-learn's own objects only (the fast forms are rebuilt)."""
        return {"vectorizers": self._vectorizers, "models": self._models}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SafeguardingClassifier:
        return cls(state["vectorizers"], *state["models"])

    @classmethod
    def train(cls, examples: list[Example]) -> SafeguardingClassifier:
        texts = [normalise(e.text) for e in examples]
        vectorizers = _vectorizers()
        matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        category = _fit(matrix, [e.category for e in examples], c=30.0)
        told = [i for i, e in enumerate(examples) if e.situation]
        situation = _fit(matrix[told], [str(examples[i].situation) for i in told], c=4.0)
        spoken = [i for i, e in enumerate(examples) if e.speaker]
        speaker = _fit(matrix[spoken], [str(examples[i].speaker) for i in spoken], c=4.0)
        return cls(vectorizers, category, situation, speaker)

    def read(self, text: str) -> Reading:
        clean = normalise(text)
        parts = [block.features(clean) for block in self._blocks]
        indices = np.concatenate([i for i, _ in parts])
        values = np.concatenate([v for _, v in parts])
        probabilities = self._category.probabilities(indices, values)
        ranked = sorted(
            (i for i in range(len(probabilities)) if i != self._none),
            key=lambda i: -probabilities[i],
        )
        best, second = ranked[0], ranked[1]
        situation = self._situation.probabilities(indices, values)
        speaker = self._speaker.probabilities(indices, values)
        return Reading(
            p_disclosure=1.0 - float(probabilities[self._none]),
            category=self._category.classes[best],
            second=self._category.classes[second],
            second_share=float(probabilities[second] / probabilities[best]),
            p_past=float(situation[self._situation.classes.index(PAST)]),
            speaker=self._speaker.classes[int(np.argmax(speaker))],
        )


def fingerprint(paths: Iterable[Path] | None = None) -> str:
    """A hash of the corpus, this module and the library versions: the model's cache key."""
    import sklearn

    digest = hashlib.sha256()
    if paths is None:
        paths = training_files()
    for path in paths:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for module in (Path(__file__), Path(__file__).with_name("text.py")):
        digest.update(module.read_bytes())
    digest.update(sklearn.__version__.encode())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS_DIR / f"safeguarding-{fingerprint()}.joblib"


def build() -> Path:
    """Train and save the classifier, unless a model for this exact corpus exists."""
    path = model_path()
    if path.exists():
        return path
    examples = load_examples()
    logger.info("Training the safeguarding classifier on %d examples.", len(examples))
    trained = SafeguardingClassifier.train(examples)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    joblib.dump(trained.state(), partial)
    partial.replace(path)  # atomic: two servers starting together never read half a file
    return path


@functools.cache
def classifier() -> SafeguardingClassifier:
    """The trained classifier (trained now if `make train` has not built it yet)."""
    return SafeguardingClassifier.from_state(joblib.load(build()))


def main() -> int:
    path = build()
    print(f"Safeguarding classifier is up to date: {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
