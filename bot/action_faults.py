"""What the Rasa server does when the action server cannot answer (down, restarting or slow).

Rasa 3.6 waits up to five minutes for a custom action, then logs the error, drops the
action's events and carries on predicting as if the action had run: the resident gets an
empty or a confusing reply, and the conversation can drift (a form thinks its question was
dealt with). Instead, this module makes the Rasa server:

1. give up on the action server after `ACTION_TIMEOUT_SECONDS` (default 10);
2. tell the resident "sorry, please send that again in a moment" (the same words as the
   channels use for any other fault: bot.channels.message_text);
3. undo the turn with `UserUtteranceReverted`, so the conversation is exactly where it was
   before that message: the same question is still open and every answer saved so far
   stays saved. The message itself stays in the transcript, so staff can see it.

When the resident sends the message again and the action server is back, it is handled (and
any answer saved) as normal. Rasa has no setting or hook for this, so `install()` wraps two
of its methods; `bot.rasa_offline` calls it before every `rasa` command. It is tested end to
end by tests/e2e/test_faults.py, which stops and restarts the real action server. See
docs/decisions/0007-when-the-action-server-cannot-answer.md.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUtteranceReverted, UserUttered

from bot.channels.message_text import SOMETHING_WENT_WRONG_REPLY

logger = logging.getLogger(__name__)

ACTION_LISTEN = "action_listen"

DEFAULT_ACTION_TIMEOUT_SECONDS = 10.0


class ActionServerUnavailable(BaseException):
    """The action server could not be reached, failed, or did not answer in time.

    A BaseException, not an Exception, on purpose: Rasa's processor catches every
    Exception from an action, logs the action as run, and carries on. This one passes
    through that (and through Rasa's form code) to `_undoing_failed_turns`, before the
    failed action is written to the conversation. Writing it would make Rasa's replay of an
    active form drop the resident's message along with the form's step, and the undo would
    then go one message too far.
    """


def action_timeout_seconds() -> float:
    raw = os.environ.get("ACTION_TIMEOUT_SECONDS", "").strip()
    return float(raw) if raw else DEFAULT_ACTION_TIMEOUT_SECONDS


def install() -> None:
    """Wrap Rasa's RemoteAction.run and MessageProcessor._run_action (idempotent)."""
    from rasa.core.actions import action as rasa_action
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor._run_action, "_consult_fault_handling", False):
        return
    # RemoteAction.run passes this module constant as the request timeout.
    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout_seconds()  # type: ignore[attr-defined]
    rasa_action.RemoteAction.run = _noting_failures(rasa_action.RemoteAction.run)  # type: ignore[method-assign]
    MessageProcessor._run_action = _undoing_failed_turns(MessageProcessor._run_action)  # type: ignore[method-assign]


def _noting_failures(run: Any) -> Any:
    """RemoteAction.run, raising ActionServerUnavailable if the action server fails."""
    from rasa.core.actions.action import ActionExecutionRejection

    @functools.wraps(run)
    async def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # the action declined to run (a form's normal "not an answer"): no fault
        except (Exception, asyncio.TimeoutError) as error:
            # The type only: the exception text can include what the resident said.
            logger.error("Action %s could not run: %s", self.name(), type(error).__name__)
            raise ActionServerUnavailable(self.name()) from error

    return wrapped


def _undoing_failed_turns(run_action: Any) -> Any:
    """MessageProcessor._run_action, which undoes the turn if a custom action failed."""

    @functools.wraps(run_action)
    async def wrapped(
        self: Any, action: Any, tracker: Any, output_channel: Any, nlg: Any, prediction: Any
    ) -> bool:
        try:
            return bool(await run_action(self, action, tracker, output_channel, nlg, prediction))
        except ActionServerUnavailable:
            if _turn_has_user_message(tracker):
                await _say_try_again(tracker, output_channel)
            return False  # stop predicting: the conversation waits for the resident

    wrapped._consult_fault_handling = True  # type: ignore[attr-defined]
    return wrapped


def _turn_has_user_message(tracker: Any) -> bool:
    """Whether a resident's message has arrived since the assistant last listened."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN:
            return False
    return False


async def _say_try_again(tracker: Any, output_channel: Any) -> None:
    # UserUtteranceReverted undoes the message and the `action_listen` before it (as after
    # Rasa's own default fallback), so the assistant listens again explicitly: without that,
    # an active form would take the next message as its own echo and ignore it.
    tracker.update(UserUtteranceReverted())
    tracker.update(BotUttered(SOMETHING_WENT_WRONG_REPLY))
    tracker.update(ActionExecuted(ACTION_LISTEN))
    await output_channel.send_response(tracker.sender_id, {"text": SOMETHING_WENT_WRONG_REPLY})
