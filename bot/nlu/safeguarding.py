"""Rasa NLU component that turns any message disclosing crime, abuse or danger into `disclosure`.

It runs after DIET, the entity extractors and the FallbackClassifier, and overrides them:
a disclosure must reach the safeguarding response even when DIET read it as an opinion
or was unsure. Thin on purpose: the reading is `bot.safeguarding.assess` (the rules and
the classifier, pure Python, tested without Rasa); this adapts it to Rasa's intent and
entity format.

On a disclosure:
  intent    {"name": "disclosure", "confidence": 1.0}, also put first in the ranking
  entities  spanning the whole text, each for the actions to read:
            safeguarding_category   a category from bot.safeguarding.CATEGORIES
            safeguarding_tier       "clear" (a category reply) or "possible" (a check-in)
            safeguarding_situation  "current" (danger, crisis, report) or "past" (an
                                    experience told as the resident's view)
            safeguarding_speaker    "child" or "adult"
            safeguarding_also       a second category nearly as likely, if any
If DIET already said `disclosure` with high confidence but neither reader agreed, and the
classifier gives it at least DIET_CORROBORATION, the category is "unspecified" and the tier
"possible"; without that, DIET's guess gives way to its next intent. A message neither
reader takes for a disclosure, but the classifier reads as possibly one at a lower
threshold (SENSITIVE_PART_HINT), gets only `safeguarding_hint` (its likeliest category): in
a part about harm the actions give it a check-in (actions/safeguarding.py). Anything else
is left as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_overrides import drop_intent, intent_guess, set_intent
from bot.safeguarding import (
    DIET_CORROBORATION,
    SENSITIVE_PART_HINT,
    Assessment,
    assess,
    read,
)

DISCLOSURE_INTENT = "disclosure"
CATEGORY_ENTITY = "safeguarding_category"
TIER_ENTITY = "safeguarding_tier"
SITUATION_ENTITY = "safeguarding_situation"
SPEAKER_ENTITY = "safeguarding_speaker"
ALSO_ENTITY = "safeguarding_also"
HINT_ENTITY = "safeguarding_hint"
UNSPECIFIED = "unspecified"

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafeguardingDetector(GraphComponent, IntentClassifier):
    """Makes sure a resident who discloses harm is answered as a disclosure."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The rules are the safety net. The classifier's own `disclosure` intent only counts
        # when it is this sure: below it, it mostly fires on idioms ("this survey is killing
        # me"), measured on tests/safeguarding/labelled_messages.yml.
        return {"classifier_threshold": 0.9}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafeguardingDetector:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        # Load (or, on a fresh clone, train) the classifier and compile the rules now, so
        # the first resident's message does not wait for them.
        assess("warm up")

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            found, reading = read(text)
            # Below the check-in threshold: only for the uses of a weak reading.
            weak = reading if found is None else None
            if weak is not None and weak.p_disclosure >= SENSITIVE_PART_HINT:
                _add_hint(message, weak.category, len(text))
            if found is not None and _a_sure_command(message, found):
                found = None
            if found is not None:
                # The rule id says why, for reviewers; the resident's words are never logged.
                logger.debug(
                    "Safeguarding: %s (%s, %s), rule %s.",
                    found.category,
                    found.tier,
                    found.situation,
                    found.rule,
                )
                set_intent(message, DISCLOSURE_INTENT)
                _add_entities(message, found, len(text))
                continue
            name, confidence = intent_guess(message)
            if name != DISCLOSURE_INTENT:
                continue
            corroborated = weak is not None and weak.p_disclosure >= DIET_CORROBORATION
            if confidence >= self._config["classifier_threshold"] and corroborated:
                unspecified = Assessment(UNSPECIFIED, "possible", "current", "adult", None)
                _add_entities(message, unspecified, len(text))
            else:
                drop_intent(message, DISCLOSURE_INTENT)
        return messages


# Intents that steer or answer ("children" to pick a part, "I'm done" to finish) are all but
# these. When DIET is sure of one, the classifier's reading without a rule gives way: a
# check-in on "children" would be noise. A rule match always counts.
_NOT_STEERING = frozenset(
    {"give_opinion", "out_of_scope", "nlu_fallback", "disclosure", "other_language", "insult"}
)
SURE_COMMAND = 0.8


# A clear reading of a few words ("I'm done", "carry on please") gives way to a sure command.
SHORT_WORDS, LIKELY_COMMAND = 6, 0.5


def _a_sure_command(message: Message, found: Assessment) -> bool:
    if found.rule is not None:
        return False
    name, confidence = intent_guess(message)
    if name is None or name in _NOT_STEERING:
        return False
    if found.tier == "possible":
        return confidence >= SURE_COMMAND
    short = len(str(message.get(TEXT) or "").split()) <= SHORT_WORDS
    return short and confidence >= LIKELY_COMMAND


def _add_hint(message: Message, category: str, length: int) -> None:
    """A reading too weak for a check-in anywhere, strong enough for one in a part about
    harm (the actions decide: bot.safeguarding.assessment.SENSITIVE_PART_HINT)."""
    entity = {
        ENTITY_ATTRIBUTE_TYPE: HINT_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: category,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: length,
        EXTRACTOR: SafeguardingDetector.__name__,
    }
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)


def _add_entities(message: Message, found: Assessment, length: int) -> None:
    values = {
        CATEGORY_ENTITY: found.category,
        TIER_ENTITY: found.tier,
        SITUATION_ENTITY: found.situation,
        SPEAKER_ENTITY: found.speaker,
    }
    if found.also:
        values[ALSO_ENTITY] = found.also
    entities = [
        {
            ENTITY_ATTRIBUTE_TYPE: entity,
            ENTITY_ATTRIBUTE_VALUE: value,
            ENTITY_ATTRIBUTE_START: 0,
            ENTITY_ATTRIBUTE_END: length,
            EXTRACTOR: SafeguardingDetector.__name__,
        }
        for entity, value in values.items()
    ]
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)
