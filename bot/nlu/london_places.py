"""Rasa NLU component that tags London boroughs, places and postcodes in messages.

Thin on purpose: the rules live in `bot.places.lookup` (pure Python, tested without
Rasa); this adapts them to Rasa's graph and entity format. It is a rule component, so it
is not trainable and stores nothing in the model: the YAML beside the lookup is the model.

Entities added (existing entities from other extractors are kept):
  borough           value: slug from bot.places.boroughs, e.g. "lambeth"
  postcode_district value: e.g. "SE1"; boroughs: bot.places.lookup.boroughs_for_district
  ambiguous_place   value: e.g. "clapham"; boroughs: bot.places.lookup.boroughs_for_place
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from bot.places import lookup

_UNKNOWN = "_"  # stands in for every word that is in no place name


class SpacyPhraseFinder:
    """`lookup.PhraseFinder` backed by a spaCy PhraseMatcher over a blank English vocab.

    The Doc is built from lookup's normalised words, not spaCy's tokenizer, so both
    finders split "Shepherd's Bush" and "Harrow-on-the-Hill" the same way. Words that
    occur in no place name become one placeholder: spaCy's vocabulary would otherwise
    keep every new string a long-running server is sent.
    """

    def __init__(self, patterns: Iterable[Sequence[str]]) -> None:
        patterns = [tuple(p) for p in patterns]
        self._vocab_words = frozenset(w for p in patterns for w in p)
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="ORTH")
        self._matcher.add("PLACE", [Doc(self._nlp.vocab, words=list(p)) for p in patterns])

    def __call__(self, words: Sequence[str]) -> list[tuple[int, int]]:
        if not words:
            return []
        known = [w if w in self._vocab_words else _UNKNOWN for w in words]
        doc = Doc(self._nlp.vocab, words=known)
        return [(start, end) for _, start, end in self._matcher(doc)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LondonPlaceExtractor(GraphComponent, EntityExtractorMixin):
    """Finds where in London a resident means: borough, neighbourhood or postcode."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # fuzzy: also read near-misses of borough names ("Wandswerth") as boroughs.
        return {"fuzzy": True}

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
    ) -> LondonPlaceExtractor:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        # Built once per loaded model, not per message: the matcher holds ~2,000 phrases.
        self._finder = SpacyPhraseFinder(lookup.phrase_patterns())

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            found = lookup.find_places(
                text, fuzzy=bool(self._config["fuzzy"]), phrase_finder=self._finder
            )
            entities = self.add_extractor_name(
                [
                    {
                        ENTITY_ATTRIBUTE_TYPE: m.entity,
                        ENTITY_ATTRIBUTE_START: m.start,
                        ENTITY_ATTRIBUTE_END: m.end,
                        ENTITY_ATTRIBUTE_VALUE: m.value,
                    }
                    for m in found
                ]
            )
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
