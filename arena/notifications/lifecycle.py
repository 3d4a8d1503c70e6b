"""What the notifications area does when a member changes, is exported or deleted
(arena/lifecycle.py)."""

import sqlalchemy as sa

from arena import lifecycle
from arena.extensions import db
from arena.initiatives.models import CompetenceNotice, Initiative
from arena.notifications.models import DigestMark, VisitMark
from arena.outbox import settings
from arena.outbox.models import OutboxMessage

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
    "digest_marks",
    "competence_notices",
    "visit_marks",
    because=lifecycle.ON_DELETE,
)
lifecycle.declare(
    "member",
    "changed",
    "digest_marks",
    "competence_notices",
    "visit_marks",
    because="they keep the member's id and dates only",
)


@lifecycle.on("member", "exported", "visit_marks", section="front_page_visits")
def export_visits(member) -> dict:
    """When the member's latest and previous visits to the front page began."""
    mark = db.session.get(VisitMark, member.id)
    return {
        "latest": mark.latest_at.isoformat() if mark else None,
        "previous": mark.previous_at.isoformat() if mark and mark.previous_at else None,
    }


@lifecycle.on("member", "exported", "digest_marks", "competence_notices", section="digest")
def export_digest(member) -> dict:
    """How far the weekly digests have covered, and the initiatives the member was told
    want their competence."""
    mark = db.session.get(DigestMark, member.id)
    notices = db.session.execute(
        sa.select(Initiative.title, CompetenceNotice.created_at, CompetenceNotice.told_by)
        .join(Initiative, Initiative.id == CompetenceNotice.initiative_id)
        .where(CompetenceNotice.member_id == member.id)
        .order_by(CompetenceNotice.created_at)
    ).all()
    return {
        "covered_until": mark.covered_until.isoformat() if mark else None,
        "last_sent_at": mark.sent_at.isoformat() if mark and mark.sent_at else None,
        "competence_wanted": [
            {"initiative": title, "at": at.isoformat(), "told_by": told_by}
            for title, at, told_by in notices
        ],
    }


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
