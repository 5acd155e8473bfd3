"""The response tables. Schema changes go through an Alembic migration in `migrations/versions`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Typed as Any: SQLAlchemy 1.4's declarative_base() is not a class to mypy without plugins.
Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zone type and hands back naive datetimes; this refuses naive input and
    marks what comes back as UTC, so code never compares naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Respondent(Base):
    """One resident's conversation with the assistant on one channel (one Rasa sender id)."""

    __tablename__ = "respondents"

    id = Column(Integer, primary_key=True)
    # Random, shown on the resident's receipt; see bot.references.
    reference_code = Column(String(16), nullable=False, unique=True)
    # HMAC of the Rasa sender id (bot.pseudonyms); the raw id is never stored.
    sender_key = Column(String(64), nullable=False, unique=True)
    channel = Column(String(32), nullable=False)
    started_at = Column(UTCDateTime, nullable=False, default=utcnow)
    consented_at = Column(UTCDateTime, nullable=True)
    completed_at = Column(UTCDateTime, nullable=True)

    # lazy="raise": a lazy load would need I/O, which async sessions cannot do implicitly.
    answers = relationship(
        "Answer",
        back_populates="respondent",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )

    def __repr__(self) -> str:
        return f"<Respondent {self.id} {self.reference_code} {self.channel}>"


class Answer(Base):
    """One respondent's current answer to one codebook question (changing it updates the row)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("respondent_id", "question_id"),)

    id = Column(Integer, primary_key=True)
    respondent_id = Column(
        Integer, ForeignKey("respondents.id", ondelete="CASCADE"), nullable=False
    )
    question_id = Column(String(64), nullable=False)  # a bot.questions.BY_ID key
    # A codebook value; for "priorities" up to two codes joined by ";".
    value = Column(String(128), nullable=False)
    # The resident's own words, only for free_text questions whose value is "given".
    free_text = Column(Text, nullable=True)
    answered_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    respondent = relationship("Respondent", back_populates="answers", lazy="raise")

    def __repr__(self) -> str:
        return f"<Answer {self.respondent_id} {self.question_id}={self.value!r}>"


class SafeguardingFlag(Base):
    """One safeguarding disclosure the assistant answered: which conversation, what kind, when.

    Staff use these to find conversations that need attention. No message text is kept here,
    and the conversation is identified only by its pseudonymous key (there may be no
    respondent row: disclosures are answered before and without consent too).
    """

    __tablename__ = "safeguarding_flags"

    id = Column(Integer, primary_key=True)
    sender_key = Column(String(64), nullable=False, index=True)  # bot.pseudonyms.sender_key
    category = Column(String(32), nullable=False)  # see bot.safeguarding categories
    flagged_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    tier = Column(String(16), nullable=False, default="clear", server_default="clear")
    situation = Column(String(16), nullable=True)  # "current" or "past"
    question_id = Column(String(64), nullable=True)  # the comment it was kept as, if any
    # Rasa's timestamp of the message: the review queue finds its text in the transcript.
    message_timestamp = Column(Float, nullable=True)
    review_label = Column(String(16), nullable=True)  # "disclosure" or "not_disclosure"
    reviewed_by = Column(String(64), nullable=True)
    reviewed_at = Column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<SafeguardingFlag {self.id} {self.category}>"


# --- Text messages (SMS and WhatsApp, bot/channels/twilio.py) ------------------------------


class OptOut(Base):
    """A phone conversation whose resident texted STOP: the assistant sends it nothing more
    until they text START. Kept by keyed hash only, and for as long as the opt-out stands."""

    __tablename__ = "opt_outs"

    id = Column(Integer, primary_key=True)
    sender_key = Column(String(64), nullable=False, unique=True)  # bot.pseudonyms.sender_key
    opted_out_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<OptOut {self.id}>"


class OfferedOptions(Base):
    """The numbered options a text conversation was last offered, so that a reply of "2"
    picks the second. SMS has no buttons, and each message is a separate webhook request."""

    __tablename__ = "offered_options"

    id = Column(Integer, primary_key=True)
    sender_key = Column(String(64), nullable=False, unique=True)  # bot.pseudonyms.sender_key
    # A JSON list of the buttons' payloads, in the order they were numbered.
    payloads = Column(Text, nullable=False)
    offered_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<OfferedOptions {self.id}>"


class ReceivedMessage(Base):
    """A text message already taken in, so that a webhook delivered twice is answered once.

    The provider's message id is kept as a keyed hash: with it, anyone with access to the
    Twilio account could look up the message, phone number included.
    """

    __tablename__ = "received_messages"

    id = Column(Integer, primary_key=True)
    message_key = Column(String(64), nullable=False, unique=True)  # sender_key(MessageSid)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ReceivedMessage {self.id}>"


# --- Staff console (bot/staff/) ---------------------------------------------------------


class StaffUser(Base):
    """One member of MOPAC staff who may sign in to the staff console, with their role."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)  # argon2id, with its own salt
    role = Column(String(16), nullable=False)  # "reviewer" or "admin"
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_signed_in_at = Column(UTCDateTime, nullable=True)
    # Sessions started before this time are refused (sign-out ends every copy of a cookie).
    sessions_valid_after = Column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class SignInFailure(Base):
    """One failed sign-in, counted per user name and per client address to slow guessing.

    `key` is a keyed hash of "name:..." or "address:...", so the table holds no address.
    Rows older than the throttling window are deleted as new attempts come in.
    """

    __tablename__ = "sign_in_failures"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, index=True)
    failed_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<SignInFailure {self.id}>"


class AuditEntry(Base):
    """One staff action that viewed or changed residents' data: who, what, which, when.

    `target` is the conversation's reference code or short pseudonymous id, never a raw
    sender id; `detail` never holds residents' words. Erasure blanks the target (see
    bot.staff.erasure).
    """

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    # The name, not a foreign key: the record outlives the account.
    staff_name = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    target = Column(String(64), nullable=False, default="")
    detail = Column(String(255), nullable=False, default="")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"


class ConversationReview(Base):
    """Staff's review of one conversation (by sender key): its status and notes.

    Notes may hold personal data, so they go with the conversation (erasure, purge)."""

    __tablename__ = "conversation_reviews"

    id = Column(Integer, primary_key=True)
    sender_key = Column(String(64), nullable=False, unique=True)  # bot.pseudonyms.sender_key
    status = Column(String(16), nullable=False, default="unreviewed")
    notes = Column(Text, nullable=False, default="")
    updated_by = Column(String(64), nullable=False, default="")
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ConversationReview {self.id} {self.status}>"


class ConversationTag(Base):
    """One tag staff put on one conversation (by sender key)."""

    __tablename__ = "conversation_tags"
    __table_args__ = (UniqueConstraint("sender_key", "tag"),)

    id = Column(Integer, primary_key=True)
    sender_key = Column(String(64), nullable=False, index=True)  # bot.pseudonyms.sender_key
    tag = Column(String(40), nullable=False)
    tagged_by = Column(String(64), nullable=False)
    tagged_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ConversationTag {self.id} {self.tag!r}>"
