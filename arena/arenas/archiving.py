"""Archiving an arena that has finished its work. Its coming meetings are cancelled: invitees get
the cancellation, the arena's own feed shows them cancelled, and the feeds of organisations and
of all arenas leave the archived arena out at once. It leaves the register, the map, search,
reminders and digests; its page and history stay for whoever may see it. The owner, the deputy
or an admin archives it, and may open it again."""

from flask_babel import gettext as _

from arena import rows
from arena.access import require_manage_arena
from arena.arenas import meetings
from arena.arenas.models import Arena
from arena.arenas.ownership import REVIEW_EVERY
from arena.dates import utcnow, wall_clock_now
from arena.errors import ValidationFailed
from arena.extensions import db


def archive_arena(actor, arena: Arena) -> int:
    """Archives the arena; returns how many meetings (or series) still to come it cancelled."""
    require_manage_arena(actor, arena)
    rows.lock_and_reload(arena)  # two tabs: the second finds it archived, nothing cancelled twice
    if arena.archived:
        raise ValidationFailed(_("Arenaen er allerede arkivert."))
    now = wall_clock_now()
    coming = [
        meeting
        for meeting in arena.meetings
        if meeting.status != "cancelled" and meeting.last_starts_at >= now
    ]
    for meeting in coming:  # while the arena still has its invitees
        meetings.withdraw(meeting)
    arena.archived = True
    arena.updated_at = arena.calendar_changed_at = utcnow()
    db.session.commit()
    return len(coming)


def reopen_arena(actor, arena: Arena) -> None:
    """Opens an archived arena again (its cancelled meetings stay cancelled); its next review
    is a year from now."""
    require_manage_arena(actor, arena)
    rows.lock_and_reload(arena)
    if not arena.archived:
        raise ValidationFailed(_("Arenaen er ikke arkivert."))
    arena.archived = False
    arena.review_due_on = (utcnow() + REVIEW_EVERY).date()
    arena.updated_at = arena.calendar_changed_at = utcnow()
    db.session.commit()
