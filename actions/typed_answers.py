"""Reading typed answers: sure, or ask.

Consent: a typed yes that also holds a refusal ("then no") is not a sure yes
(`sounds_like_a_no`), whatever the intent classifier guessed.

Agreement questions:

A pressed button is always sure. Typed words are stored without asking only when they say
a point on the scale plainly ("agree", "strongly disagree", "not sure"): the intent
classifier's guess alone is never enough, because it reads "it doesn't go far enough" as
agreement and "not bad" as disagreement. Anything with a negation, a hedge, a contrast or a
sarcasm marker is read as a guess, and the resident is asked to confirm it
(actions/answers.py).

"I agree but we need more bobbies" is two things at once: the plain first part is the
answer, and the rest (`reason`) is the resident's comment.

Pure functions of the text and the classifier's guess, so the cases are unit-tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The plain ways of saying a point on the scale, strongest first: the first that matches
# wins, so "strongly agree" is never read as "agree".
_STRONG = r"(?:strongly|totally|completely|absolutely|fully|entirely|definitely|100%?)"
_WITH = r"(?: with (?:it|this|that|the plan|that approach|the approach))?"
_DONT_KNOW = r"(?:don'?t know|do not know|not sure|unsure|no idea|dunno|idk)"
_NEUTRAL = r"(?:neither agree n?or disagree|neither|neutral|on the fence|meh|in the middle)"
_SCALE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dont_know", re.compile(rf"^(?:i )?{_DONT_KNOW}$")),
    ("neutral", re.compile(rf"^(?:i )?{_NEUTRAL}$")),
    ("strongly_disagree", re.compile(rf"^(?:i )?{_STRONG} disagree{_WITH}$")),
    ("strongly_agree", re.compile(rf"^(?:i )?{_STRONG} agree{_WITH}$")),
    ("disagree", re.compile(rf"^(?:i )?(?:disagree|don'?t agree|do not agree){_WITH}$")),
    ("agree", re.compile(rf"^(?:i )?agree{_WITH}$")),
)
# One-word answers whose meaning on an agreement scale is plain.
_PLAIN_WORDS = {
    "yes": "agree",
    "yeah": "agree",
    "yep": "agree",
    "yup": "agree",
    "no": "disagree",
    "nope": "disagree",
    "nah": "disagree",
}
# Words that turn a plain answer into a guess.
_NEGATION = re.compile(
    r"\b(?:not|no|never|nope|nah|nothing|none|nor|dont|doesnt|isnt|wont|cant)\b|n't\b"
)
_HEDGE = re.compile(
    r"\b(?:depends|depending|sort of|kind of|kinda|sorta|maybe|perhaps|i guess|i suppose|"
    r"partly|partially|in part|some of it|mixed|could be|might|bit of|a bit|"
    r"somewhat|in theory|on paper|not bad|far enough|too far|if|unless)\b"
)
_SARCASM = re.compile(
    r"\b(?:yeah right|sure+,? totally|as if|oh great|oh yeah|lol|lmao|whatever|like that will|"
    r"like that'll|good luck with that|obviously)\b|🙄|😂|\?\s*$"
)
# Words that lean one way, for checking the classifier's guess against the resident's words.
_AGREEING = re.compile(
    r"\b(?:agree|agreed|yes|yeah|yep|yup|support|supportive|good|great|right|spot on|"
    r"definitely|absolutely|totally|for it|all for|love|fine|sensible|makes sense|"
    r"fair|of course|certainly|indeed)\b|👍"
)
_DISAGREEING = re.compile(
    r"\b(?:disagree|disagreed|no|nope|nah|against|oppose|opposed|wrong|bad|rubbish|"
    r"terrible|awful|nonsense|useless|pointless|hate|waste|ridiculous|joke|naive)\b|👎"
)
GUESS_SIDE = {
    "strongly_agree": "agree",
    "agree": "agree",
    "disagree": "disagree",
    "strongly_disagree": "disagree",
}
SURE_CONFIDENCE = 0.9
MAX_SURE_WORDS = 6
# Where an answer ends and a reason begins.
_CONTRAST = re.compile(r"\s*[,;.:!-]*\s*\b(?:but|however|although|though|except|yet)\b\s*", re.I)
_BECAUSE = re.compile(r"\s*[,;.:!-]*\s*\b(?:because|cos|coz|cause|as|since)\b\s*", re.I)


@dataclass(frozen=True)
class TypedAgreement:
    """What typed words say about agreement."""

    value: str | None  # a code from bot.questions.AGREEMENT_VALUES, or None
    sure: bool  # stored at once; otherwise `value` is only a guess to confirm
    reason: str | None = None  # the rest of the message, after the answer: the comment


def _plain(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s'%]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(
        r"^(?:i think|i'd say|id say|i would say|i'm|im|i am|i|well|um|erm|hmm|ok|okay)\s+",
        "",
        text,
    )


def _scale_value(clause: str) -> str | None:
    plain = _plain(clause)
    if plain in _PLAIN_WORDS:
        return _PLAIN_WORDS[plain]
    for value, pattern in _SCALE:
        if pattern.match(plain):
            return value
    return None


def _doubtful(text: str, side: str) -> bool:
    """A hedge or sarcasm marker; or, for a reading that agrees, a negation ("not bad",
    "it doesn't go far enough"). A disagreeing reading is allowed its own "no" ("no way")."""
    lowered = text.lower().replace("’", "'")
    if _HEDGE.search(lowered) or _SARCASM.search(lowered):
        return True
    return side == "agree" and bool(_NEGATION.search(lowered))


def _polarity(text: str) -> set[str]:
    lowered = _plain(text)
    found = set()
    if _AGREEING.search(lowered):
        found.add("agree")
    if _DISAGREEING.search(lowered):
        found.add("disagree")
    return found


def read_agreement(text: str, guess: str | None, confidence: float = 0.0) -> TypedAgreement:
    """Read typed `text` as an agreement answer. `guess` is the intent classifier's reading
    (a code from AGREEMENT_VALUES, or None) and `confidence` how sure it was."""
    text = text.strip()
    value = _scale_value(text)
    if value is not None:
        return TypedAgreement(value, sure=True)
    # An answer with its reason: "I agree but we need more bobbies", "disagree, because...".
    for splitter in (_CONTRAST, _BECAUSE):
        parts = splitter.split(text, maxsplit=1)
        if len(parts) == 2 and parts[1].strip():
            first = _scale_value(parts[0])
            if first is not None and first != "dont_know":
                return TypedAgreement(first, sure=True, reason=text)
    if guess is None:
        return TypedAgreement(None, sure=False)
    # The classifier's guess is stored without asking only for a short answer that leans
    # one way in its own words, the same way as the guess, with nothing that could turn it.
    leaning = _polarity(text)
    side = GUESS_SIDE.get(guess)
    sure = (
        confidence >= SURE_CONFIDENCE
        and len(text.split()) <= MAX_SURE_WORDS
        and side is not None
        and leaning == {side}
        and not _doubtful(text, side)
    )
    return TypedAgreement(guess, sure=sure)


# At a comment question, words that take back the agreement answer just given ("actually
# no, make that disagree", "I was being sarcastic, obviously I disagree", "i mean yes sorry,
# i pressed wrong"). Only unmistakable markers: a comment that merely starts "Actually..."
# is a comment.
_CORRECTING = re.compile(
    r"(?:make (?:that|it)|change (?:that|it|my answer)|i meant?|i pressed (?:the )?wrong|"
    r"wrong button|i pressed the wrong|i was (?:being sarcastic|joking)|actually no|"
    r"scratch that)\b"
)
# A correction is short: a longer message is a comment that happens to hold those words.
MAX_CORRECTION_WORDS = 12
_FILLERS = re.compile(r"^(?:(?:sorry|oh|oops|ah|um|erm|no|wait|ok|okay|lol)\b[\s,.!-]*)*")
_SCALE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("strongly_disagree", re.compile(rf"\b{_STRONG} disagree\b")),
    ("strongly_agree", re.compile(rf"\b{_STRONG} agree\b")),
    ("disagree", re.compile(r"\b(?:disagree|don'?t agree|do not agree)\b")),
    ("agree", re.compile(r"\bagree\b")),
    ("dont_know", re.compile(rf"\b{_DONT_KNOW}\b")),
    ("neutral", re.compile(r"\b(?:neither|neutral)\b")),
    ("agree", re.compile(r"\b(?:yes|yeah|yep)\b")),
)


def correction_of(text: str) -> str | None:
    """The agreement answer a message typed at a comment question corrects to, if it is
    such a correction (a code from AGREEMENT_VALUES); else None."""
    lowered = text.lower().replace("’", "'").strip()
    if len(lowered.split()) > MAX_CORRECTION_WORDS:
        return None
    # The marker comes first, after at most a "sorry" or "oh": "More police, I mean real
    # ones, that I agree with" is a comment.
    if not _CORRECTING.match(_FILLERS.sub("", lowered)):
        return None
    for value, pattern in _SCALE_WORDS:
        if pattern.search(lowered):
            return value
    return None


# Where one crime in a typed list ends and the next begins.
_LIST_SEPARATOR = re.compile(r"\s*(?:,|;|/|&|\+|\band\b|\bplus\b|\balso\b|\bthen\b)\s*", re.I)
# Words that say nothing about which crime ("mainly", "probably the") and so need no placing.
_LIST_FILLER = frozenset(
    "i d id say would think probably mainly mostly definitely def maybe the a an of for me "
    "my our around here round area in on at is are it its that this those these stuff things "
    "crime crimes both too as well please pls obviously really just like lots lot".split()
)
_NEGATED = re.compile(r"\b(?:not|no|never|except|apart from|other than|besides)\W+$", re.I)


def unplaced_in_list(text: str, spans: list[tuple[int, int]]) -> str | None:
    """The first part of a typed list that names something, but that no recognised crime
    (`spans`, character offsets) lies in: "drug dealing" in "burglary and drug dealing".
    Also a recognised crime said not to be wanted ("not burglary, muggings"). None if every
    part is placed."""
    for start, _ in spans:
        if _NEGATED.search(text[:start]):
            return text[max(0, start - 12) : start].strip() + " " + text[start:].split(",")[0]
    position = 0
    for part in _LIST_SEPARATOR.split(text):
        begin = text.find(part, position)
        end = begin + len(part)
        position = max(position, end)
        words = [w for w in re.findall(r"[a-z']+", part.lower()) if w not in _LIST_FILLER]
        if not words:
            continue
        if not any(begin <= s and e <= end + 1 for s, e in spans):
            return part.strip(" .!?")
    return None


# A typed "yes" that also holds a refusal ("then no", "yes, no, not if the police see it")
# is not a sure yes, whatever the intent classifier guessed: nothing is kept on it.
_REFUSAL = re.compile(
    r"\b(no|nope|nah|not|never|don'?t|do not|won'?t|will not|refuse|rather not)\b", re.I
)
# ...unless the refusal word is part of a way of saying yes.
_YES_IDIOM = re.compile(
    r"\b(no problem|no worries|why not|not a problem|don'?t mind|do not mind|not bothered)\b",
    re.I,
)


def sounds_like_a_no(text: str) -> bool:
    """Whether typed words (not a button) hold a refusal that is not a way of saying yes."""
    if not text or text.startswith("/"):
        return False
    return bool(_REFUSAL.search(_YES_IDIOM.sub(" ", text)))


def is_sure_yes_no(text: str, confidence: float) -> bool:
    """Whether the classifier's yes or no to a yes/no question can be stored without asking:
    not a question back ("does a stolen parcel count?"), no hedge or sarcasm, and read
    with certainty."""
    lowered = text.lower()
    if "?" in text or _HEDGE.search(lowered) or _SARCASM.search(lowered):
        return False
    return _plain(text) in _PLAIN_WORDS or confidence >= SURE_CONFIDENCE


def sounds_like_a_sure_no(text: str) -> bool:
    """Whether a message read as "no" to consent is surely one: a button, or typed words
    that are not a question ("is it anonymous?") and hold no way of saying yes ("no
    problem", "no, I don't mind")."""
    if not text or text.startswith("/"):
        return True
    return "?" not in text and not _YES_IDIOM.search(text)


__all__ = [
    "TypedAgreement",
    "correction_of",
    "is_sure_yes_no",
    "read_agreement",
    "sounds_like_a_no",
    "sounds_like_a_sure_no",
    "unplaced_in_list",
]
