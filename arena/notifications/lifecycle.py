"""What the notifications area does when a member changes, is exported or deleted
(arena/lifecycle.py)."""

import sqlalchemy as sa

from arena import lifecycle
from arena.extensions import db
from arena.notifications import settings
from arena.notifications.models import OutboxMessage

lifecycle.declare(
    "member",
    "changed",
    "outbox_messages",
    "notification_settings",
    because="a queued message keeps the address and language it was written for; settings "
    "keep the member's id only",
)
lifecycle.declare(
    "member",
    "deleted",
    "outbox_messages",
    "notification_settings",
    because=lifecycle.ON_DELETE,
)


@lifecycle.on("member", "exported", "notification_settings", section="notification_settings")
def export_settings(member) -> dict:
    return settings.settings_of(member)


@lifecycle.on("member", "exported", "outbox_messages", section="emails")
def export_emails(member) -> list[dict]:
    """The emails Arena sent or will send the member (kept 30 days): what and when, not the
    bodies, whose links are for the mailbox only."""
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.member_id == member.id)
        .order_by(OutboxMessage.created_at)
    )
    return [
        {
            "subject": message.subject,
            "kind": message.kind,
            "status": message.status,
            "created_at": message.created_at.isoformat(),
            "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        }
        for message in messages
    ]
