"""Overhead in Rasa 3.6 that this assistant does not need to pay, per turn and at start-up.

The first two were found by profiling the Rasa server under load with py-spy (`make bench
BENCH_ARGS=--profile`, docs/performance.md), the third by profiling its start-up. None
changes what Rasa does; each stops it from computing something it does not need.

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

3. Loading the intent classifier (start-up, not per turn). To give a saved TensorFlow model
its variables before reading their values, Rasa's `RasaModel.load` trains it for one step
on one example: Keras then traces the whole training function (loss, gradients, optimizer),
about 6 of the 14 seconds the Rasa server took to start here (a py-spy profile of the
start-up). Making one prediction eagerly (no tracing) creates every variable a prediction
uses; the saved values are then read into them, and the prediction function is traced with
those values, as Rasa does. Loading for fine-tuning, which needs the training variables,
still goes through Rasa's own load. A test checks the classifier loaded either way gives
the same ranking and confidences for every held-out example.

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


def _load_for_prediction(original: Any) -> Any:
    """RasaModel.load that builds the model by one eager prediction, not a training step."""

    def load(
        cls: Any,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode or not predict_data_example:
            return original.__func__(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                *args, **kwargs,
            )  # fmt: skip
        import tensorflow as tf
        from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        run_eagerly = config.get(RUN_EAGERLY)
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
            run_eagerly=True,
        )
        model.run_inference(predict_data_example)  # creates the variables, eagerly
        # Training-only values (the optimizer's) stay in the file: not needed to predict.
        model.load_weights(model_file_name).expect_partial()
        # What the eager prediction computed from the untrained variables is thrown away:
        # the label embeddings (prepare_for_predict) and, as in Rasa's load, the
        # prediction function is traced now rather than at the first message.
        model._run_eagerly = run_eagerly  # what compile() sets, as Rasa's load had it
        model.prepared_for_prediction = False
        model._tf_predict_step = None
        model.run_inference(predict_data_example)
        return model

    load.__wrapped__ = original  # type: ignore[attr-defined]
    return classmethod(load)


def install() -> None:
    """Install the three speed-ups (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.utils.tensorflow.models import RasaModel

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = _cached(Event.resolve_by_type)  # type: ignore[method-assign]
    Slot.resolve_by_type = _cached(Slot.resolve_by_type)  # type: ignore[method-assign]
    RasaModel.load = _load_for_prediction(RasaModel.load)  # type: ignore[method-assign]
    _installed = True
