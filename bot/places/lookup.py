"""Find London boroughs, neighbourhoods and postcodes in what residents type.

The consultation asks residents where they live so answers can be reported by borough
(brief, section 9). People answer with a borough ("Tower Hamlets"), a neighbourhood
("Brixton"), a postcode ("SE1 2AA", "E14") or a typo ("Southwork"), so this module turns
each of those into a borough slug from `bot.places.boroughs`, or, when the place crosses
a boundary, into the list of boroughs the bot should offer.

Rules, not a trained model: the vocabulary is closed and known, there is no labelled
data, and a wrong borough is worse than none, so every mapping is a reviewable line of
YAML beside this file.

Postcodes: `postcode_districts.yml` is a hand-written APPROXIMATION of the ONS National
Statistics Postcode Lookup (NSPL), which cannot be downloaded here. Postcode districts
cross borough boundaries, so production should load the NSPL and match full postcodes.
`PostcodeTable` is keyed at any level ("SE1 7PB", "SE1 7", "SW1A", "SE1") and answers
from the most specific key it holds, so NSPL rows can be loaded into it unchanged.

Pure Python with no Rasa import, so the Rasa component stays thin and this can be used
by actions and scripts. The component passes its spaCy PhraseMatcher in as
`phrase_finder`; both finders see the same normalised words, so they agree.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.places.boroughs import BOROUGHS

BOROUGH = "borough"
POSTCODE_DISTRICT = "postcode_district"
AMBIGUOUS_PLACE = "ambiguous_place"
OUTSIDE_LONDON = "outside_london"

DATA_DIR = Path(__file__).parent

# Given the normalised words of a text, yield (start, end) word spans that are phrases.
PhraseFinder = Callable[[Sequence[str]], Iterable[tuple[int, int]]]


@dataclass(frozen=True)
class PlaceMatch:
    """One place found in a text: `text[start:end]`, tagged as `entity` with `value`.

    `candidates` are the London boroughs it may be in, most likely first: one for a
    `borough`, several (or none, outside London) for the other entities.
    """

    start: int
    end: int
    text: str
    entity: str
    value: str
    candidates: tuple[str, ...] = ()


# --- words -----------------------------------------------------------------------------

# ASCII classes with re.ASCII: IGNORECASE or \w would let "K" (Kelvin) or "ſ" through
# and str.lower() on the whole text can change its length, shifting offsets.
_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*|&", re.ASCII)
_SYNONYMS = {"&": "and", "saint": "st"}


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    raw: str
    norm: str


def _norm(raw: str) -> str:
    # Apostrophes dropped so "Shepherd's Bush" and "Shepherds Bush" are one phrase.
    word = raw.lower().replace("'", "").replace("\u2019", "")
    return _SYNONYMS.get(word, word)


def _words(text: str) -> list[_Word]:
    return [_Word(m.start(), m.end(), m.group(), _norm(m.group())) for m in _WORD.finditer(text)]


def _key(name: str) -> tuple[str, ...]:
    return tuple(w.norm for w in _words(name))


# --- phrase table ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    entity: str
    value: str
    candidates: tuple[str, ...]
    capitals: tuple[bool, ...] | None  # per word: must it start with a capital?
    possessive: bool = False  # matched as "Brixton's": the entity ends before the 's


_PREFIXES = ("london borough of", "lb of", "lb", "royal borough of", "borough of")


def _load_yaml(name: str) -> dict:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _check_slugs(slugs: Iterable[str], where: str, allow_outside: bool = False) -> None:
    allowed = set(BOROUGHS) | ({OUTSIDE_LONDON} if allow_outside else set())
    unknown = sorted(set(slugs) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown borough slug(s) {unknown}")


def _place_entry(name: str, target: str | list[str], capitalised: bool) -> _Entry:
    slugs = [target] if isinstance(target, str) else list(target)
    _check_slugs(slugs, f"place {name!r}")
    capitals = tuple(w.raw[0].isupper() for w in _words(name)) if capitalised else None
    if len(slugs) == 1:
        return _Entry(BOROUGH, slugs[0], (slugs[0],), capitals)
    return _Entry(AMBIGUOUS_PLACE, " ".join(_key(name)), tuple(slugs), capitals)


def _phrase_entries(aliases: dict, places: dict) -> Iterable[tuple[str, _Entry]]:
    for section in ("aliases", "misspellings", "capitalised_only"):
        _check_slugs((aliases.get(section) or {}).keys(), f"borough_aliases.yml {section}")
    for slug, names in (aliases.get("capitalised_only") or {}).items():
        for name in names:
            yield name, _place_entry(name, slug, capitalised=True)
    for name, target in (places.get("capitalised_only") or {}).items():
        yield name, _place_entry(name, target, capitalised=True)
    for slug, display in BOROUGHS.items():
        names = [display, *(aliases.get("aliases") or {}).get(slug, [])]
        for name in names:
            for prefix in ("", *_PREFIXES):
                yield f"{prefix} {name}", _place_entry(name, slug, capitalised=False)
        for name in (aliases.get("misspellings") or {}).get(slug, []):
            yield name, _place_entry(name, slug, capitalised=False)
    for name, target in (places.get("places") or {}).items():
        yield name, _place_entry(name, target, capitalised=False)


def _build_phrases(aliases: dict, places: dict) -> dict[tuple[str, ...], _Entry]:
    phrases: dict[tuple[str, ...], _Entry] = {}
    for name, entry in _phrase_entries(aliases, places):
        key = _key(name)
        seen = phrases.get(key)
        if seen is None:
            phrases[key] = entry
        elif (seen.entity, seen.value) != (entry.entity, entry.value):
            raise ValueError(f"{name!r} maps to both {seen.value!r} and {entry.value!r}")
        # Otherwise a duplicate; the first (capitalised_only) entry wins.
    # "Brixton's streets": apostrophes are dropped, so the possessive is another word.
    for key, entry in list(phrases.items()):
        possessive = key[:-1] + (key[-1] + "s",)
        phrases.setdefault(possessive, dataclasses.replace(entry, possessive=True))
    return phrases


# --- postcodes -------------------------------------------------------------------------

_UK_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN "
    "DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW "
    "KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH "
    "RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD "
    "WF WN WR WS WV YO ZE".split()
)
# Areas the district table covers in full, as far as Greater London reaches.
_LONDON_AREAS = frozenset("E EC N NW SE SW W WC BR CR DA EN HA IG KT RM SM TW UB".split())
# Only these London districts are split into lettered sub-districts (SW1A, EC1V, E1W).
_LETTERED = frozenset("E1 EC1 EC2 EC3 EC4 N1 NW1 SE1 SW1 W1 WC1 WC2".split())
_OUTWARD = re.compile(r"([A-Z]{1,2})([0-9]{1,2}|[0-9][A-Z])", re.ASCII)
_EDGE_L, _EDGE_R = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"
_FULL = re.compile(
    _EDGE_L + r"([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)[ \t]?([0-9][A-Za-z]{2})" + _EDGE_R, re.ASCII
)
_BARE = re.compile(_EDGE_L + r"([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)" + _EDGE_R, re.ASCII)
# "N1 2nd floor" is a district and an ordinal, not the postcode "N1 2ND".
_ORDINAL = re.compile(r"1st|2nd|3rd|[0-9]th", re.ASCII | re.IGNORECASE)


def normalise_postcode(text: str) -> str | None:
    """'se12aa' -> 'SE1 2AA', ' e14 ' -> 'E14'; None if it is not postcode-shaped."""
    compact = re.sub(r"\s+", "", text).upper()
    outward, inward = compact, ""
    if len(compact) >= 5 and re.fullmatch(r"[0-9][A-Z]{2}", compact[-3:], re.ASCII):
        outward, inward = compact[:-3], compact[-3:]
    if not _OUTWARD.fullmatch(outward):
        return None
    return f"{outward} {inward}" if inward else outward


def district_of(postcode: str) -> str | None:
    """The postcode district: 'SE1 2AA' -> 'SE1', 'SW1A 1AA' -> 'SW1', 'EC1V' -> 'EC1'."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None
    area, rest = _OUTWARD.fullmatch(normalised.split(" ")[0]).groups()  # type: ignore[union-attr]
    return area + rest.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class PostcodeTable:
    """Postcode keys at any level -> the boroughs they lie in, most likely first.

    Keys are normalised: unit "SE1 7PB", sector "SE1 7", outward code "SW1A" or district
    "SE1". `candidates` answers from the most specific key present, so a full NSPL
    (one row per unit) can replace or extend the district approximation.
    """

    def __init__(self, rows: dict[str, Sequence[str]]) -> None:
        self._rows = {key.upper(): tuple(slugs) for key, slugs in rows.items()}

    @classmethod
    def from_yaml(cls, name: str = "postcode_districts.yml") -> PostcodeTable:
        data = _load_yaml(name)
        rows = {**(data.get("districts") or {}), **(data.get("outward_codes") or {})}
        for key, slugs in rows.items():
            _check_slugs(slugs, f"{name} {key}", allow_outside=True)
        return cls(rows)

    def candidates(self, postcode: str) -> tuple[str, ...] | None:
        """Boroughs (may include OUTSIDE_LONDON); None if no key covers the postcode."""
        normalised = normalise_postcode(postcode)
        if normalised is None:
            return None
        outward, _, inward = normalised.partition(" ")
        keys = [normalised, f"{outward} {inward[:1]}"] if inward else []
        keys += [outward, district_of(outward) or outward]
        for key in keys:
            if key in self._rows:
                return self._rows[key]
        return None

    def knows_outward(self, outward: str) -> bool:
        """Whether a bare outward code is real enough to tag: typed alone, "E19" or "W3C"
        is more likely a typo or something else than a postcode."""
        outward = outward.upper()
        district = district_of(outward)
        if outward in self._rows:
            return True
        return district != outward and district in _LETTERED and district in self._rows


def _postcode_match(text: str, start: int, end: int, postcode: str) -> PlaceMatch | None:
    slugs = _tables().postcodes.candidates(postcode)
    district = district_of(postcode)
    if slugs is None or district is None:
        area = (district or "").rstrip("0123456789")
        # An unlisted district in a London area is a typo or invented ("E19 1AA");
        # elsewhere in the UK the table is simply silent, so it is outside London.
        if area not in _UK_AREAS or area in _LONDON_AREAS:
            return None
        slugs = (OUTSIDE_LONDON,)
    london = tuple(s for s in slugs if s != OUTSIDE_LONDON)
    if len(slugs) == 1 and london:
        return PlaceMatch(start, end, text[start:end], BOROUGH, london[0], london)
    return PlaceMatch(start, end, text[start:end], POSTCODE_DISTRICT, district or "", london)


def _find_postcodes(text: str) -> list[PlaceMatch]:
    found: list[PlaceMatch] = []
    taken: set[int] = set()  # offsets inside full postcodes, so "SE1 2AA" is not also "SE1"
    for m in _FULL.finditer(text):
        outward, inward = m.group(1).upper(), m.group(2)
        spaced = m.end(1) != m.start(2)
        if spaced and _ORDINAL.fullmatch(inward) and not inward.isupper():
            continue
        parsed = _OUTWARD.fullmatch(outward)
        if parsed is None or parsed.group(1) not in _UK_AREAS:
            continue
        match = _postcode_match(text, m.start(), m.end(), f"{outward} {inward}")
        if match:
            found.append(match)
            taken.update(range(m.start(), m.end()))
    for m in _BARE.finditer(text):
        if m.start() in taken:
            continue
        outward = m.group(1).upper()
        if _OUTWARD.fullmatch(outward) and _tables().postcodes.knows_outward(outward):
            match = _postcode_match(text, m.start(), m.end(), outward)
            if match:
                found.append(match)
    return found


# --- fuzzy fallback --------------------------------------------------------------------


def _max_edits(a: str, b: str) -> int:
    return 2 if min(len(a.replace(" ", "")), len(b.replace(" ", ""))) >= 9 else 1


def _deletes(word: str, depth: int) -> set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: a swapped pair of letters counts as one edit."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


class _Fuzzy:
    """Near-misses of borough names, found with a deletion index (SymSpell's idea) so
    a 100,000-character message costs set look-ups, not an edit distance per name."""

    MIN_LETTERS = 6
    MAX_EDITS = 2  # the most _max_edits allows

    def __init__(self, targets: dict[str, str], not_misspellings: Iterable[str]) -> None:
        self.targets = targets
        self.stop = frozenset(not_misspellings)
        # A name within MAX_EDITS of a target is at most that much longer than it. Longer
        # candidates are never expanded: the deletions of one 5,000-letter "word" (an
        # allowed message) would be billions of strings and exhaust the server's memory.
        self.longest_candidate = max((len(t) for t in targets), default=0) + self.MAX_EDITS
        self._index: dict[str, set[str]] = {}
        for name in targets:
            for d in _deletes(name, _max_edits(name, name)):
                self._index.setdefault(d, set()).add(name)
        # Long messages repeat words; the cache is bounded so odd input cannot grow it.
        self.slug_for = lru_cache(maxsize=4096)(self._slug_for)

    def _slug_for(self, candidate: str) -> str | None:
        if len(candidate.replace(" ", "")) < self.MIN_LETTERS or candidate in self.stop:
            return None
        if len(candidate) > self.longest_candidate:
            return None
        near: set[str] = set()
        for d in _deletes(candidate, _max_edits(candidate, candidate)):
            near |= self._index.get(d, set())
        distances = ((_edit_distance(candidate, name), name) for name in near)
        scored = sorted((d, n) for d, n in distances if d <= _max_edits(candidate, n))
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            return None  # no near name, or a tie: do not guess
        return self.targets[scored[0][1]]


def _fuzzy_matches(text: str, words: list[_Word], covered: list[bool]) -> list[PlaceMatch]:
    tables = _tables()
    found: list[PlaceMatch] = []
    i = 0
    while i < len(words):
        spans = [(i, i + 2), (i, i + 1)] if i + 1 < len(words) else [(i, i + 1)]
        for s, e in spans:
            group = words[s:e]
            if any(covered[s:e]) or not all(w.norm.isalpha() for w in group):
                continue
            # A word of a known name that did not match ("Barnes", lower-case "barking")
            # was left alone on purpose, not misspelt.
            if all(w.norm in tables.phrase_words for w in group):
                continue
            if e - s == 2 and (
                not text[group[0].end : group[1].start].isspace()
                or min(len(w.norm) for w in group) < 3
            ):
                continue
            norms = [w.norm for w in group]
            slug = tables.fuzzy.slug_for(" ".join(norms))
            if slug is None and e - s == 2:
                slug = tables.fuzzy.slug_for("".join(norms))
            if slug:
                start, end = group[0].start, group[-1].end
                found.append(PlaceMatch(start, end, text[start:end], BOROUGH, slug, (slug,)))
                i = e - 1
                break
        i += 1
    return found


# --- tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tables:
    phrases: dict[tuple[str, ...], _Entry]
    first_words: frozenset[str]
    phrase_words: frozenset[str]
    max_words: int
    postcodes: PostcodeTable
    fuzzy: _Fuzzy


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    aliases = _load_yaml("borough_aliases.yml")
    phrases = _build_phrases(aliases, _load_yaml("neighbourhoods.yml"))
    fuzzy_data = aliases.get("fuzzy") or {}
    targets = {
        " ".join(_key(name)): slug
        for slug, names in (fuzzy_data.get("targets") or {}).items()
        for name in names
    }
    _check_slugs(targets.values(), "borough_aliases.yml fuzzy targets")
    return _Tables(
        phrases=phrases,
        first_words=frozenset(k[0] for k in phrases),
        phrase_words=frozenset(w for k in phrases for w in k),
        max_words=max(len(k) for k in phrases),
        postcodes=PostcodeTable.from_yaml(),
        fuzzy=_Fuzzy(targets, fuzzy_data.get("not_misspellings") or []),
    )


def phrase_patterns() -> list[tuple[str, ...]]:
    """Every place name as normalised words, for building an external phrase matcher."""
    return sorted(_tables().phrases)


def _python_phrase_finder(words: Sequence[str]) -> Iterable[tuple[int, int]]:
    tables = _tables()
    for i, word in enumerate(words):
        if word not in tables.first_words:
            continue
        for n in range(1, min(tables.max_words, len(words) - i) + 1):
            if tuple(words[i : i + n]) in tables.phrases:
                yield i, i + n


# Words after "the City" that mean a council or building, not the Square Mile.
_THE_CITY = ("the", "city")
_NOT_THE_CITY = frozenset({"council", "councils", "hall", "centre", "center"})


def _phrase_matches(text: str, words: list[_Word], finder: PhraseFinder) -> list[PlaceMatch]:
    phrases = _tables().phrases
    found = []
    for s, e in finder([w.norm for w in words]):
        key = tuple(w.norm for w in words[s:e])
        entry = phrases.get(key)
        if entry is None:
            continue
        if entry.capitals and not all(
            w.raw[0].isupper() for w, cap in zip(words[s:e], entry.capitals, strict=False) if cap
        ):
            continue
        if key == _THE_CITY and e < len(words) and words[e].norm in _NOT_THE_CITY:
            continue
        start, end = words[s].start, words[e - 1].end
        if entry.possessive and text[end - 2 : end] in ("'s", "\u2019s"):
            end -= 2
        found.append(
            PlaceMatch(start, end, text[start:end], entry.entity, entry.value, entry.candidates)
        )
    return found


def _leftmost_longest(matches: Iterable[PlaceMatch]) -> list[PlaceMatch]:
    chosen: list[PlaceMatch] = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if not chosen or m.start >= chosen[-1].end:
            chosen.append(m)
    return chosen


# --- public API ------------------------------------------------------------------------


def find_places(
    text: str, *, fuzzy: bool = True, phrase_finder: PhraseFinder | None = None
) -> list[PlaceMatch]:
    """All boroughs, places and postcodes in `text`, in order and not overlapping.

    Entities: `borough` (value: slug) when the place is in one borough;
    `ambiguous_place` (value: normalised name, e.g. "clapham") when it straddles
    boroughs; `postcode_district` (value: e.g. "SE1") when a postcode's district spans
    boroughs or lies outside London. Where two matches overlap the leftmost, then the
    longest, wins. `fuzzy` adds the misspelling fallback for words nothing else matched.
    """
    words = _words(text)
    matches = _find_postcodes(text)
    matches += _phrase_matches(text, words, phrase_finder or _python_phrase_finder)
    chosen = _leftmost_longest(matches)
    if fuzzy:
        covered = _covered(words, [(m.start, m.end) for m in chosen])
        chosen = _leftmost_longest(chosen + _fuzzy_matches(text, words, covered))
    return chosen


def _covered(words: list[_Word], spans: list[tuple[int, int]]) -> list[bool]:
    # One pass over both sorted lists: long texts can hold thousands of matches.
    out, j = [], 0
    for w in words:
        while j < len(spans) and spans[j][1] <= w.start:
            j += 1
        out.append(j < len(spans) and spans[j][0] <= w.start < spans[j][1])
    return out


def boroughs_for_postcode(postcode: str) -> list[str]:
    """London boroughs a full or partial postcode may be in, most likely first."""
    slugs = _tables().postcodes.candidates(postcode) or ()
    return [s for s in slugs if s != OUTSIDE_LONDON]


def boroughs_for_district(district: str) -> list[str]:
    """London boroughs a postcode district ('SE1', 'se1', 'SW1A') lies in, most likely
    first; [] for districts outside Greater London or unknown."""
    return boroughs_for_postcode(district.strip().split()[0]) if district.strip() else []


def boroughs_for_place(name: str) -> list[str]:
    """Boroughs a named place ('Clapham', 'Brixton', 'Tower Hamlets') lies in, most
    likely first; [] if the name is not known. Capitalisation does not matter here."""
    entry = _tables().phrases.get(_key(name))
    return list(entry.candidates) if entry else []


def borough_from_text(text: str) -> str | None:
    """The one borough `text` names unambiguously, or None (none, several, or only
    ambiguous places and postcodes: the bot should ask)."""
    matches = find_places(text)
    slugs = {m.value for m in matches if m.entity == BOROUGH}
    if len(slugs) == 1 and all(m.entity == BOROUGH for m in matches):
        return slugs.pop()
    return None
