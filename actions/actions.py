"""Every custom action, gathered so `rasa run actions --actions actions` registers them all."""

from actions.consent import ActionDeclineConsent, ActionGreet, ActionRecordConsent
from actions.consultation_form import ValidateConsultationForm
from actions.easy_read import ActionAfterWordingChange, ActionUseEasyRead, ActionUseStandardWords
from actions.navigation import (
    ActionChangeAnswer,
    ActionGoBack,
    ActionKeepAnswers,
    ActionRepeat,
    ActionResume,
    ActionShowMenu,
    ActionUnexpectedAnswer,
)
from actions.parts import ActionAfterPart, ActionChoosePart, ActionFinish, ActionTellMeMore
from actions.privacy import (
    ActionConfirmDelete,
    ActionConfirmRestart,
    ActionDeleteAnswers,
    ActionStartAgain,
)
from actions.safeguarding import ActionDiscardComment, ActionKeepComment, ActionSafeguarding

__all__ = [
    "ActionAfterWordingChange",
    "ActionAfterPart",
    "ActionChangeAnswer",
    "ActionChoosePart",
    "ActionDiscardComment",
    "ActionConfirmDelete",
    "ActionConfirmRestart",
    "ActionDeclineConsent",
    "ActionDeleteAnswers",
    "ActionFinish",
    "ActionGoBack",
    "ActionGreet",
    "ActionKeepAnswers",
    "ActionKeepComment",
    "ActionRecordConsent",
    "ActionRepeat",
    "ActionResume",
    "ActionSafeguarding",
    "ActionShowMenu",
    "ActionStartAgain",
    "ActionTellMeMore",
    "ActionUnexpectedAnswer",
    "ActionUseEasyRead",
    "ActionUseStandardWords",
    "ValidateConsultationForm",
]
