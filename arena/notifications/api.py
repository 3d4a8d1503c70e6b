"""API routes for the calling member's notification settings."""

from typing import Literal

from flask import g
from pydantic import Field

from arena.api.declare import Answer, Body, operation
from arena.outbox import settings

Choice = Literal["immediately", "off"]
Weekly = Literal["weekly", "off"]
Gathered = Literal["immediately", "digest", "off"]


class NotificationSettings(Answer):
    digest: Weekly = Field(description="The weekly digest on Monday mornings.")
    initiative_updates: Gathered = Field(
        description="Updates posted on initiatives you follow: at once, in the digest, or not."
    )
    competence_wanted: Gathered = Field(
        description="Initiatives in other organisations that want a field you hold at level 2-3."
    )
    contact_requests: Choice = Field(description="Contact requests from colleagues.")
    role_proposals: Choice = Field(description="Being asked to own or deputise for an arena.")
    meeting_changes: Choice = Field(
        description="A meeting within 48 hours of an arena you follow moved or cancelled."
    )
    review_reminders: Choice = Field(
        description="Reminders to confirm that an initiative, arena or profile is current."
    )
    meeting_invitations: bool = Field(
        description="Calendar invitations (iMIP) for every meeting of the arenas you follow or "
        "hold, and their changes, at once. Off by default; use either these or your personal "
        "calendar feed, not both (Outlook would show each meeting twice). Replies sent by "
        "calendar programs are not read."
    )


class NotificationChange(Body):
    """Only the kinds sent change. Account security emails cannot be turned off."""

    digest: Weekly = None
    initiative_updates: Gathered = None
    competence_wanted: Gathered = None
    contact_requests: Choice = None
    role_proposals: Choice = None
    meeting_changes: Choice = None
    review_reminders: Choice = None
    meeting_invitations: bool | None = None


def _answer(chosen: dict[str, str]) -> dict:
    return {**chosen, "meeting_invitations": chosen["meeting_invitations"] == "on"}


@operation("GET", "/me/notifications", answer=NotificationSettings)
def get_notifications():
    """Which emails the calling member receives, one setting per kind."""
    return _answer(settings.settings_of(g.api_member))


@operation("PATCH", "/me/notifications", body=NotificationChange, answer=NotificationSettings)
def update_notifications(body: NotificationChange):
    """Change some of the calling member's notification settings."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "meeting_invitations" in changes:
        changes["meeting_invitations"] = "on" if changes["meeting_invitations"] else "off"
    return _answer(settings.change_settings(g.api_member, g.api_member, changes))
