"""Per-turn Python overhead in Rasa 3.6 that this assistant does not need to pay.

Both were found by profiling the Rasa server under load with py-spy (`make bench
BENCH_ARGS=--profile`, docs/performance.md). Neither changes what Rasa does; each stops it
from recomputing something that cannot have changed.

1. Checking the action server's reply. For every custom action, Rasa validates the reply
against its JSON schema with `jsonschema.validate`, which first checks the schema itself
against the JSON Schema meta-schema, every time. That self-check was about half of the
server's CPU time under load. Here the schema is checked once and its validator kept; every
reply is still validated, and a bad reply raises the same ValidationError with Rasa's hint.

2. Turning stored events back into objects. Rasa turns every stored event back into an
object on every turn (the tracker store keeps events as JSON). For each one,
`Event.resolve_by_type` walks the whole tree of Event subclasses with `all_subclasses`,
which also asks `inspect.isabstract` of every class: a profile of the stock assistant under
load puts about a fifth of the server's time there, and it grows with the length of the
conversation. The set of event classes does not change once Rasa has started, so the answer
can be remembered per type name.

The cache only speeds up lookups that succeed; a name it has not seen goes to Rasa's own
lookup, so a class defined later (a custom event) is still found.

Installed by bot.rasa_offline for every Rasa command, except when RASA_STOCK=1 (the
benchmark's stock baseline).
"""

from __future__ import annotations

from typing import Any

_installed = False


def _cached(original: Any) -> Any:
    known: dict[str, Any] = {}

    def resolve_by_type(type_name: str, *args: Any, **kwargs: Any) -> Any:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, *args, **kwargs)
            # Only a real match is remembered: a default or None depends on the caller.
            if found is not None and getattr(found, "type_name", None) == type_name:
                known[type_name] = found
        return found

    resolve_by_type.__wrapped__ = original  # type: ignore[attr-defined]
    return staticmethod(resolve_by_type)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result, with the schema checked once, not per call."""
    from jsonschema.exceptions import best_match

    error = best_match(_action_result_validator(self).iter_errors(result))
    if error is not None:
        from rasa.shared.constants import DOCS_BASE_URL

        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_validators: list[Any] = []


def _action_result_validator(action: Any) -> Any:
    if not _validators:
        from jsonschema.validators import validator_for

        schema = action.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)  # what jsonschema.validate did on every call
        _validators.append(cls(schema))
    return _validators[0]


def install() -> None:
    """Install both speed-ups (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = _cached(Event.resolve_by_type)  # type: ignore[method-assign]
    Slot.resolve_by_type = _cached(Slot.resolve_by_type)  # type: ignore[method-assign]
    _installed = True
