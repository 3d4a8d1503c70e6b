"""The worker's own timetable, in Europe/Oslo wall-clock time: the daily reminders and the
admins' weekly list of arenas without owner. Each slot runs once however many workers run: the
first to move the slot's mark forward runs it."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from arena.arenas.models import ReminderMark
from arena.dates import OSLO, utcnow
from arena.extensions import db
from arena.links import absolute_url, base_url


@dataclass(frozen=True)
class Slot:
    name: str
    at: time
    weekday: int | None = None  # 0 = Monday; None = every day


SLOTS = (
    Slot("schedule:daily-reminders", time(7, 0)),
    Slot("schedule:weekly-orphan-list", time(8, 0), weekday=0),
    Slot("schedule:weekly-digest", time(7, 0), weekday=0),
)


def latest_slot(slot: Slot, now: datetime) -> datetime:
    """The most recent moment (UTC) at or before `now` when the slot was due in Oslo."""
    oslo = ZoneInfo(OSLO)
    local = now.astimezone(oslo)
    for days_back in range(8):
        day = local.date() - timedelta(days=days_back)
        moment = datetime.combine(day, slot.at, tzinfo=oslo)
        if moment <= local and (slot.weekday is None or day.weekday() == slot.weekday):
            return moment.astimezone(UTC)
    raise AssertionError("a weekly slot is always within eight days")


def _take(slot: Slot, now: datetime) -> bool:
    """Moves the slot's mark to now if it was before the latest slot; True for the one worker
    that did."""
    due = latest_slot(slot, now)
    moved = db.session.execute(
        sa.update(ReminderMark)
        .where(ReminderMark.name == slot.name, ReminderMark.sent_at < due)
        .values(sent_at=now)
    ).rowcount
    if moved:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(ReminderMark, slot.name) is not None:
        return False
    db.session.add(ReminderMark(name=slot.name, sent_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # another worker took it first
        db.session.rollback()
        return False
    return True


def run_due() -> list[str]:
    """Runs the slots that are due; returns their names."""
    ran = []
    for slot in SLOTS:
        if _take(slot, utcnow()):
            JOBS[slot.name]()
            ran.append(slot.name)
    return ran


def daily_reminders() -> dict[str, int]:
    """Review reminders for initiatives, profiles and arenas, forgetting unconfirmed
    registrations and old outbox messages (all idempotent)."""
    from arena.accounts import membership
    from arena.arenas import reminders
    from arena.expertise import services as expertise
    from arena.initiatives import following
    from arena.notifications import jobs, outbox

    with current_app.test_request_context(base_url=base_url()):  # templates render in a request
        counts = {
            "initiative_reviews": following.send_review_reminders(
                lambda i: absolute_url("initiatives.show", initiative_id=i.id)
            ),
            "profile_reviews": expertise.send_profile_reminders(absolute_url("accounts.profile")),
            "arena_reviews": reminders.send_arena_reviews(),
        }
    counts["forgotten_registrations"] = membership.forget_unconfirmed_registrations()
    counts["forgotten_messages"] = outbox.forget_old_messages()
    jobs.forget_done_jobs(utcnow() - outbox.KEPT_FOR)
    return counts


def weekly_orphan_list() -> int:
    from arena.arenas import reminders

    with current_app.test_request_context(base_url=base_url()):
        return reminders.send_orphan_list()


def weekly_digests() -> int:
    from arena.notifications import digest

    return digest.send_digests()


JOBS = {
    "schedule:daily-reminders": daily_reminders,
    "schedule:weekly-orphan-list": weekly_orphan_list,
    "schedule:weekly-digest": weekly_digests,
}
