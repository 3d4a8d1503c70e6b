"""What arenas ask of people on the worker's timetable: owners review their arenas yearly
(asked each morning when due), admins get the list of arenas without owner each Monday."""

from datetime import time

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena.accounts.models import Member
from arena.arenas.models import Arena, ArenaRole
from arena.arenas.ownership import orphaned_arenas, review_lapsed
from arena.dates import utcnow
from arena.extensions import db
from arena.links import absolute_url
from arena.outbox import schedule
from arena.outbox.messages import language_of, queue_email


@schedule.slot("arena-reviews", time(7, 0))
def send_arena_reviews(due: str | None = None) -> int:
    """Asks owners of arenas due for review to confirm them, once per lapse. Returns how many."""
    now = utcnow()
    reviews = 0
    lapsed = db.session.scalars(
        sa.select(Arena)
        .where(Arena.archived.is_(False), Arena.review_due_on < now.date())
        .order_by(Arena.name)
        .options(selectinload(Arena.roles).selectinload(ArenaRole.member))
    )
    for arena in lapsed:
        owner = arena.owner
        due = review_lapsed(arena)
        asked = arena.review_reminded_at is not None and arena.review_reminded_at.date() >= (
            arena.review_due_on
        )
        if owner is None or not due or asked:
            continue
        with force_locale(language_of(owner)):
            subject = _("Lever «%(name)s» fortsatt?", name=arena.name)
            body = render_template(
                "arenas/email/review_reminder.txt",
                owner=owner,
                arena=arena,
                link=absolute_url("arenas.show", slug=arena.slug),
            )
        queue_email(owner, "review_reminders", subject, body)
        arena.review_reminded_at = now
        db.session.commit()
        reviews += 1
    return reviews


@schedule.slot("orphan-list", time(8, 0), weekday=0)
def send_orphan_list(due: str | None = None) -> int:
    """Sends admins the list of arenas without owner (the timetable runs it once each Monday).
    Returns how many emails were queued."""
    orphans = orphaned_arenas()
    if not orphans:
        return 0
    admins = db.session.scalars(sa.select(Member).where(Member.is_admin, Member.active)).all()
    listed = [(arena, absolute_url("arenas.show", slug=arena.slug)) for arena in orphans]
    for admin in admins:
        with force_locale(language_of(admin)):
            subject = _("Samarbeidsarenaer uten ansvarlig: %(n)d", n=len(orphans))
            body = render_template("arenas/email/orphan_list.txt", orphans=listed)
        queue_email(admin, "admin", subject, body)
    db.session.commit()
    return len(admins)
