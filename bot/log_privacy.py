"""Keep residents' words out of the Rasa server's logs.

Two places in Rasa 3.6 write what residents said into the log at ERROR level:

- Its structured logs render exceptions with the local variables of every frame, and those
  can hold a message or the conversation's slots (where comments live). `install()` makes
  them render tracebacks without local variables.
- Its response templating reads `{...}` as a slot placeholder, also inside button payloads
  such as `/inform{"age_band": "under_18"}`. It fails, and logs the error with every slot
  value. Button payloads are never templates, so `install()` leaves text that starts with
  "/" alone.

`bot.rasa_offline` calls `install()` before every `rasa` command;
tests/e2e/test_privacy_in_logs.py checks the logs of a real conversation.
"""

from __future__ import annotations

import functools
from typing import Any


def install() -> None:
    import structlog
    from rasa.core.nlg import interpolator
    from structlog.tracebacks import ExceptionDictTransformer

    # Read by rasa.utils.log_utils.configure_structlog when the server starts.
    structlog.processors.dict_tracebacks = structlog.processors.ExceptionRenderer(
        ExceptionDictTransformer(show_locals=False)
    )
    if not getattr(interpolator.interpolate_text, "_consult_payloads_untouched", False):
        interpolator.interpolate_text = _leaving_payloads_alone(interpolator.interpolate_text)


def _leaving_payloads_alone(interpolate_text: Any) -> Any:
    @functools.wraps(interpolate_text)
    def wrapped(response: Any, values: Any) -> Any:
        if isinstance(response, str) and response.startswith("/"):
            return response  # a button payload, not a template
        return interpolate_text(response, values)

    wrapped._consult_payloads_untouched = True  # type: ignore[attr-defined]
    return wrapped
