"""What arenas ask of people on a schedule: owners review their arenas yearly, admins get the
list of arenas without owner weekly. Both are queued in the outbox with the mark that keeps
them from going out twice."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from arena.accounts.models import Member
from arena.arenas.models import ReminderMark
from arena.arenas.ownership import orphaned_arenas, review_lapsed
from arena.arenas.services import all_arenas
from arena.dates import utcnow
from arena.extensions import db
from arena.links import absolute_url
from arena.notifications.outbox import language_of, queue_email

ORPHAN_LIST_EVERY = timedelta(days=7)


def send_arena_reviews() -> int:
    """Asks owners of arenas due for review to confirm them, once per lapse. Returns how many."""
    now = utcnow()
    reviews = 0
    for arena in all_arenas():
        owner = arena.owner
        due = review_lapsed(arena)
        asked = arena.review_reminded_at is not None and arena.review_reminded_at.date() >= (
            arena.review_due_on
        )
        if owner is None or not due or asked:
            continue
        with force_locale(language_of(owner)):
            subject = _("Lever «%(name)s» fortsatt?", name=arena.name)
            body = (
                _("Hei %(name)s,", name=owner.name)
                + "\n\n"
                + _(
                    "Du er ansvarlig for «%(arena)s». Bekreft at arenaen lever, at formålet "
                    "stemmer og at stedfortrederen er riktig, eller gi ansvaret videre:",
                    arena=arena.name,
                )
                + f"\n{absolute_url('arenas.show', slug=arena.slug)}\n"
            )
        queue_email(owner, "review_reminders", subject, body)
        arena.review_reminded_at = now
        db.session.commit()
        reviews += 1
    return reviews


def send_orphan_list() -> int:
    """Sends admins the list of arenas without owner, at most once a week. Returns how many
    emails were queued."""
    now = utcnow()
    mark = db.session.get(ReminderMark, "orphaned_arenas")
    orphans = orphaned_arenas()
    if not orphans or (mark is not None and now - mark.sent_at < ORPHAN_LIST_EVERY):
        return 0
    admins = db.session.scalars(sa.select(Member).where(Member.is_admin, Member.active)).all()
    for admin in admins:
        with force_locale(language_of(admin)):
            subject = _("Samarbeidsarenaer uten ansvarlig: %(n)d", n=len(orphans))
            lines = "\n".join(
                f"- {a.name}: {absolute_url('arenas.show', slug=a.slug)}" for a in orphans
            )
            body = _("Disse samarbeidsarenaene har ingen som har tatt ansvaret:") + (
                f"\n\n{lines}\n"
            )
        queue_email(admin, "admin", subject, body)
    if mark is None:
        mark = ReminderMark(name="orphaned_arenas", sent_at=now)
        db.session.add(mark)
    mark.sent_at = now
    db.session.commit()
    return len(admins)
