"""Tell a disclosure ("my bf hits me") from an opinion about crime ("knife crime is awful").

Every resident message goes through `detect`, so a miss is the costly error: the rules in
`patterns.yml` are tuned for recall, and a few false alarms are the price. Rules, not a
model, because there is too little labelled data to train one on, and each rule is a reviewable
line that names why a message was flagged (`Detection.rule`).

How a message is read:
1. Normalised: Unicode compatibility forms and accents folded, zero-width and bidi
   control characters dropped, look-alike Cyrillic/Greek letters mapped to Latin,
   apostrophes removed ("can't" -> "cant", so patterns list "cant", "im", "hes").
2. Split into words and sentence breaks. A word the patterns do not know is retried as
   leetspeak ("k1ll" -> "kill") and with repeated letters squeezed ("hiiits" -> "hits");
   masked words ("p***") become `<masked>`; anything still unknown becomes one
   placeholder, so spaCy's vocabulary never grows with what residents type.
3. Matched with spaCy's token Matcher over `spacy.blank("en")`. A match that overlaps an
   `exceptions` match (idioms such as "I could murder a cup of tea") is dropped; of the
   rest, the category earliest in `CATEGORIES` wins.

The text itself is never stored or logged: a `Detection` holds only a category and the
id of the rule that fired.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.safeguarding.categories import CATEGORIES
from bot.safeguarding.text import LEET_I, LEET_L, TOKEN, is_masked, normalise, squeeze

PATTERNS_FILE = Path(__file__).with_name("patterns.yml")

BREAK = "."  # sentence break: gaps in patterns never cross one
MASKED = "<masked>"  # a word with letters hidden by asterisks: "p***", "f*ggot"
_UNKNOWN = "_"


@dataclass(frozen=True)
class Detection:
    """A message is a disclosure of `category`; `rule` is the id of the pattern that fired."""

    category: str
    rule: str


def detect(text: str) -> Detection | None:
    """The disclosure in `text`, or None if it reads as anything else."""
    if not isinstance(text, str) or not text:
        return None
    return _rules().detect(text)


# --- the rules -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    category: int  # index into CATEGORIES
    id: str
    matcher: Matcher
    # A match always holds one of these words; None: no such words (run everywhere).
    triggers: frozenset[str] | None


class _Rules:
    """The compiled patterns: a Matcher per pattern, over a vocabulary of their words only.

    Speed: spaCy's Matcher tries every pattern at every word, which for ~400 patterns
    and a 100,000-character message takes seconds. So each pattern runs only on windows
    around its trigger words (its least common required word, see `_triggers`): a match
    lies within `self._reach` words of one. Short messages hold few patterns' triggers.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        sets: dict[str, list[str]] = {}
        for name, members in spec["sets"].items():  # a set may use sets defined above it
            sets[name] = _expand(name, [str(m) for m in members], sets)
        self._nlp: Language = spacy.blank("en")
        vocab: set[str] = {BREAK, MASKED}
        seen: set[str] = set()
        unknown = set(spec["categories"]) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"patterns.yml: unknown categories {sorted(unknown)}")

        def compile_rule(rule: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
            rule_id = rule["id"]
            if rule_id in seen:
                raise ValueError(f"patterns.yml: rule id {rule_id!r} is used twice")
            seen.add(rule_id)
            if ("tokens" in rule) == ("variants" in rule):
                raise ValueError(f"patterns.yml: {rule_id}: give tokens or variants")
            variants = rule["variants"] if "variants" in rule else [rule["tokens"]]
            return [_compile(rule_id, v, sets, vocab) for v in variants]

        self._rules: list[_Rule] = []
        longest = 1
        for index, category in enumerate(CATEGORIES):
            for rule in spec["categories"].get(category) or []:
                # One Matcher per variant, so each runs only around its own triggers.
                for pattern in compile_rule(rule):
                    matcher = Matcher(self._nlp.vocab)
                    matcher.add(rule["id"], [pattern])
                    self._rules.append(_Rule(index, rule["id"], matcher, _triggers([pattern])))
                    longest = max(longest, len(pattern))
        self._reach = longest

        self._exceptions = Matcher(self._nlp.vocab)
        longest = 1
        for rule in spec.get("exceptions") or []:
            patterns = compile_rule(rule)
            self._exceptions.add(rule["id"], patterns)
            longest = max(longest, *(len(p) for p in patterns))
        self._exception_reach = longest

        self._vocab = frozenset(vocab)
        squeezed: dict[str, str] = {}
        for word in sorted(vocab, key=len):  # on a clash the shorter word wins
            squeezed.setdefault(squeeze(word), word)
        self._squeezed = squeezed

    def words(self, text: str) -> list[str]:
        """The words of `text` as the patterns see them (unknown words as a placeholder)."""
        words: list[str] = [BREAK]  # so a pattern can start with "." for "at the start"
        for token in TOKEN.findall(normalise(text)):
            if token[0] in ".!?;\n":
                if words[-1] != BREAK:
                    words.append(BREAK)
            else:
                words.append(self._known(token))
        if words[-1] != BREAK:
            words.append(BREAK)  # and end with "." for "and nothing after"
        return words

    def _known(self, token: str) -> str:
        if token in self._vocab:
            return token
        if "*" in token:
            return MASKED if is_masked(token) else _UNKNOWN
        candidates = [token]
        if not token.isdigit() and any(c in "0134578@$" for c in token):
            candidates += [token.translate(LEET_I), token.translate(LEET_L)]
        for candidate in candidates:
            if candidate in self._vocab:
                return candidate
            word = self._squeezed.get(squeeze(candidate))
            if word is not None:
                return word
        return _UNKNOWN

    def detect(self, text: str) -> Detection | None:
        words = self.words(text)
        positions: dict[str, list[int]] = {}
        for i, word in enumerate(words):
            if word not in (_UNKNOWN, BREAK):
                positions.setdefault(word, []).append(i)
        if not positions:
            return None
        doc = Doc(self._nlp.vocab, words=words)
        found: tuple[int, int, str] | None = None  # (category, start, rule id)
        for rule in self._rules:
            if found is not None and rule.category > found[0]:
                break  # rules are in category order: a lower category cannot win
            for start, end in self._windows(rule, positions, len(words)):
                for _, match_start, match_end in rule.matcher(doc[start:end]):
                    match = (rule.category, start + match_start, rule.id)
                    if found is not None and match[:2] >= found[:2]:
                        continue
                    if not self._excepted(doc, start + match_start, start + match_end):
                        found = match
        if found is None:
            return None
        return Detection(category=CATEGORIES[found[0]], rule=found[2])

    def _windows(
        self, rule: _Rule, positions: Mapping[str, list[int]], length: int
    ) -> list[tuple[int, int]]:
        if rule.triggers is None:
            return [(0, length)]
        hits = sorted(i for word in positions.keys() & rule.triggers for i in positions[word])
        windows: list[tuple[int, int]] = []
        for i in hits:
            start, end = max(0, i - self._reach), min(length, i + self._reach + 1)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
        return windows

    def _excepted(self, doc: Doc, start: int, end: int) -> bool:
        """Whether an idiom in `exceptions` overlaps doc[start:end]."""
        offset = max(0, start - self._exception_reach)
        span = doc[offset : min(len(doc), end + self._exception_reach)]
        return any(offset + s < end and start < offset + e for _, s, e in self._exceptions(span))


# Words so common that a rule triggered by them would run on nearly every message.
_COMMON = frozenset(
    "i me my our us we you he she they it a an the to of in on at for with and or but is "
    "was were be been are am im ive s m have has had do did dont not no so just get got "
    "this that there theres his her him them what when if".split()
)


def _triggers(patterns: Sequence[Sequence[Mapping[str, Any]]]) -> frozenset[str] | None:
    """Words of which every match of these patterns holds at least one.

    From each pattern, the required slot whose words are fewest and least common.
    """
    triggers: set[str] = set()
    for pattern in patterns:
        best: tuple[int, frozenset[str]] | None = None
        for token in pattern:
            if "OP" in token or set(token) != {"LOWER"}:
                continue
            value = token["LOWER"]
            words = frozenset([value] if isinstance(value, str) else value.get("IN", ()))
            if not words or BREAK in words:  # breaks are not indexed: they are everywhere
                continue
            cost = len(words) + 1000 * len(words & _COMMON)
            if best is None or cost < best[0]:
                best = (cost, words)
        if best is None:
            return None
        triggers |= best[1]
    return frozenset(triggers)


def _words_of(where: str, words: Iterable[Any]) -> list[str]:
    out = [str(w) for w in words]
    for word in out:
        # A word the tokenizer can never produce would silently never match.
        if (word != MASKED and not TOKEN.fullmatch(word)) or word != word.lower():
            raise ValueError(f"patterns.yml: {where}: {word!r} can never match a word")
    return out


def _expand(where: str, parts: Iterable[str], sets: Mapping[str, list[str]]) -> list[str]:
    words: list[str] = []
    for part in parts:
        if part.startswith("$"):
            if part[1:] not in sets:
                raise ValueError(f"patterns.yml: {where}: no set named {part!r}")
            words += sets[part[1:]]
        else:
            words += _words_of(where, [part])
    return words


def _compile(
    rule_id: str, slots: Sequence[Any], sets: Mapping[str, list[str]], vocab: set[str]
) -> list[dict[str, Any]]:
    """Expand one line of the patterns.yml shorthand into spaCy Matcher token patterns.

    Slots: "word"; "a|b|c" (any of them); "$set" (any word in sets.set); "..N" (up to N
    words, not across a sentence break); "(slot)" may be missing; a dict
    is passed to spaCy unchanged.
    """
    pattern: list[dict[str, Any]] = []
    for slot in slots:
        if isinstance(slot, dict):
            pattern.append(slot)
            continue
        slot = str(slot)
        if slot.startswith(".."):
            gap = {"LOWER": {"NOT_IN": [BREAK]}, "OP": "?"}
            pattern.extend(dict(gap) for _ in range(int(slot[2:])))
            continue
        optional = slot.startswith("(") and slot.endswith(")")
        slot = slot[1:-1] if optional else slot
        words = _expand(rule_id, slot.split("|"), sets)
        vocab.update(words)
        token: dict[str, Any] = (
            {"LOWER": words[0]} if len(words) == 1 else {"LOWER": {"IN": sorted(set(words))}}
        )
        if optional:
            token["OP"] = "?"
        pattern.append(token)
    if not pattern or all(t.get("OP") == "?" for t in pattern):
        raise ValueError(f"patterns.yml: {rule_id}: a pattern needs a word that must match")
    return pattern


class _WordsLoader(yaml.SafeLoader):
    """YAML 1.1 reads the words no, on and off as booleans; here every word is a word."""


_WordsLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def _rules() -> _Rules:
    # Built on first use, not at import: loading spaCy and ~600 patterns takes a moment.
    with PATTERNS_FILE.open(encoding="utf-8") as f:
        return _Rules(yaml.load(f, Loader=_WordsLoader))
