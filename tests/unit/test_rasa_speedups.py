"""The cached event and slot lookups answer exactly as Rasa's own do."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.slots import BooleanSlot, Slot
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups

rasa_speedups.install()


@pytest.mark.parametrize("cls", all_subclasses(Event), ids=lambda c: c.__name__)
def test_every_event_type_resolves_to_the_class_rasa_finds(cls) -> None:
    original = Event.resolve_by_type.__wrapped__
    assert Event.resolve_by_type(cls.type_name) is original(cls.type_name)
    assert Event.resolve_by_type(cls.type_name) is original(cls.type_name)  # from the cache


def test_common_events_and_slots_resolve() -> None:
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("slot") is SlotSet
    assert Slot.resolve_by_type("bool") is BooleanSlot


def test_unknown_names_behave_as_before() -> None:
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered  # not cached


def test_installing_twice_wraps_once() -> None:
    from rasa.utils.tensorflow.models import RasaModel

    rasa_speedups.install()
    assert not hasattr(Event.resolve_by_type.__wrapped__, "__wrapped__")
    assert not hasattr(RasaModel.load.__wrapped__, "__wrapped__")


def test_action_replies_are_still_validated() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [], "responses": []})
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "easy_read", "value": True}], "responses": []}
    )
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 42}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})
