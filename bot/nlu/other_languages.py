"""Rasa NLU component that marks a message written in another language as `other_language`.

Runs after DIET and the FallbackClassifier (and before the SafeguardingDetector, which has
the last word). The rules are `bot.languages` (pure Python, tested without Rasa); this
adapts them to Rasa's intent format. Not trainable and nothing stored in the model.

- A rule match sets the intent `other_language` (confidence 1.0, first in the ranking).
- DIET's own `other_language` guess only stands when it is at least `classifier_threshold`
  sure; below that it gives way to the next intent. An English answer misread as another
  language would go unsaved, so the rule, not the classifier, carries the weight.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.languages import is_other_language
from bot.nlu.intent_overrides import drop_intent, intent_guess, set_intent

OTHER_LANGUAGE_INTENT = "other_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherLanguageDetector(GraphComponent, IntentClassifier):
    """Makes sure a message in another language is answered as such."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"classifier_threshold": 0.9}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OtherLanguageDetector:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._threshold = {**self.get_default_config(), **config}["classifier_threshold"]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            name, confidence = intent_guess(message)
            if is_other_language(text):
                set_intent(message, OTHER_LANGUAGE_INTENT)
            elif name == OTHER_LANGUAGE_INTENT and confidence < self._threshold:
                drop_intent(message, OTHER_LANGUAGE_INTENT)
        return messages
