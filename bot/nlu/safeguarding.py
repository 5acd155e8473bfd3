"""Rasa NLU component that turns any message disclosing crime, abuse or danger into `disclosure`.

It runs after DIET, the entity extractors and the FallbackClassifier, and overrides them:
a disclosure must reach the safeguarding response even when DIET read it as an opinion
or was unsure. Thin on purpose: the rules are `bot.safeguarding` (pure Python, tested
without Rasa); this adapts them to Rasa's intent and entity format. Not trainable and
nothing stored in the model: patterns.yml beside the detector is the model.

On a rule match:
  intent   {"name": "disclosure", "confidence": 1.0}, also put first in the ranking
  entity   safeguarding_category, value: a category from bot.safeguarding.CATEGORIES,
           spanning the whole text
If DIET already said `disclosure` but no rule matched, the entity's value is
"unspecified". Anything else is left as it was.
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
from bot.safeguarding import detect

DISCLOSURE_INTENT = "disclosure"
CATEGORY_ENTITY = "safeguarding_category"
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

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            found = detect(text)
            if found is not None:
                # The rule id says why, for reviewers; the resident's words are never logged.
                logger.debug("Safeguarding rule %s matched (%s).", found.rule, found.category)
                set_intent(message, DISCLOSURE_INTENT)
                _add_category(message, found.category, len(text))
            else:
                name, confidence = intent_guess(message)
                if name != DISCLOSURE_INTENT:
                    continue
                if confidence >= self._config["classifier_threshold"]:
                    _add_category(message, UNSPECIFIED, len(text))
                else:
                    drop_intent(message, DISCLOSURE_INTENT)
        return messages


def _add_category(message: Message, category: str, length: int) -> None:
    entity = {
        ENTITY_ATTRIBUTE_TYPE: CATEGORY_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: category,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: length,
        EXTRACTOR: SafeguardingDetector.__name__,
    }
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
