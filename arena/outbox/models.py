"""The outbox (one row per email, written in the transaction of the change that causes it), jobs,
the timetable's marks and members' notification settings."""

from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arena.dates import UTCDateTime, utcnow
from arena.extensions import db

#: Kinds a member may turn off, in the order the settings page shows them.
OPTIONAL_KINDS = (
    "digest",
    "initiative_updates",
    "competence_wanted",
    "contact_requests",
    "role_proposals",
    "meeting_changes",
    "review_reminders",
    "meeting_invitations",
)
#: Kinds that always go out: account security, membership of an organisation, admins' duties.
ESSENTIAL_KINDS = ("account", "membership", "admin")
#: What a member may choose for each optional kind: now, in the weekly digest, or not at all.
CHOICES = {
    "digest": ("weekly", "off"),
    "initiative_updates": ("immediately", "digest", "off"),
    "competence_wanted": ("immediately", "digest", "off"),
    "contact_requests": ("immediately", "off"),
    "role_proposals": ("immediately", "off"),
    "meeting_changes": ("immediately", "off"),
    "review_reminders": ("immediately", "off"),
    # Invitations into one's own calendar: on or off (off by default: the feed does the same).
    "meeting_invitations": ("on", "off"),
}
#: What a member who never chose gets: the digest weekly, news of initiatives in it, no meeting
#: invitations (most subscribe to the calendar feed instead).
DEFAULTS = (
    {
        "digest": "weekly",
        "initiative_updates": "digest",
        "competence_wanted": "digest",
    }
    | {kind: "immediately" for kind in OPTIONAL_KINDS[3:-1]}
    | {"meeting_invitations": "off"}
)
STATUSES = ("queued", "sent", "failed")


class Recipient(Protocol):
    """Whom an email goes to: a member (arena/accounts/models.py), named here by what the outbox
    reads, as the outbox sits below the areas."""

    id: int
    email: str
    name: str
    preferred_language: str | None


class OutboxMessage(db.Model):
    """One email: composed in full when queued, delivered by the worker, kept for a while after."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(120), default="")
    reply_to_address: Mapped[str] = mapped_column(sa.String(254), default="")
    reply_to_name: Mapped[str] = mapped_column(sa.String(120), default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5))
    #: Kept from the first attempt to the last, so a resend after an ambiguous failure (the
    #: server took the message but the answer was lost) is recognisable as the same message.
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    #: The one-click link that turns this kind off (empty for essential kinds).
    unsubscribe_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: A calendar invitation's iTIP method (REQUEST or CANCEL) and its iCalendar object, sent
    #: as a text/calendar alternative and as an .ics attachment; empty for other email.
    calendar_method: Mapped[str] = mapped_column(sa.String(10), default="", server_default="")
    calendar_body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker that claimed the message has it until then; after that (the worker died) any
    #: worker may take it again.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(sa.String(100), default="")
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the message last entered the queue (created, or resent by an admin): delivery is
    #: given up 48 hours later.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSetting(db.Model):
    """A member's choice for one optional kind; a kind without a row is sent immediately."""

    __tablename__ = "notification_settings"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(20))


class OutboxJob(db.Model):
    """Work queued with a change and done by the worker, such as writing one email to each of an
    arena's followers: the request that cancels a meeting stores one row, not a thousand."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (sa.Index("ix_outbox_jobs_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduleMark(db.Model):
    """When a slot of the timetable (or another periodic reminder) last ran."""

    __tablename__ = "reminder_marks"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
