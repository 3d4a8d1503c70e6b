"""The worker's timetable, in Europe/Oslo wall-clock time. Areas register slots (`slot`): a
function that runs once at each slot however many workers run, as a job of the ordinary job
loop. Taking a slot moves its mark and queues its job in one transaction, so work that was due
while no worker ran, or whose worker died, is done by the next worker that starts; a long run
is the job's own business (the digest queues itself again batch by batch)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from arena.dates import OSLO, utcnow
from arena.extensions import db
from arena.outbox import jobs
from arena.outbox.models import ScheduleMark


@dataclass(frozen=True)
class Slot:
    name: str
    at: time
    weekday: int | None = None  # 0 = Monday; None = every day
    #: «reminders» or «digests»: which of the by-hand commands runs it.
    group: str = "reminders"


#: Every registered slot by name, in the order they were registered.
SLOTS: dict[str, Slot] = {}


def slot(name: str, at: time, weekday: int | None = None, group: str = "reminders"):
    """Decorator: the function runs as the job `name` at each slot; it gets `due` (the slot's
    moment, UTC, ISO 8601) and returns a count for the by-hand commands to report."""

    def register(function: Callable[..., int]) -> Callable[..., int]:
        SLOTS[name] = Slot(name, at, weekday, group)
        return jobs.handler(name)(function)

    return register


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
    """Moves the slot's mark to its latest moment if it was before, and queues the slot's job
    in the same transaction; True for the one worker that did."""
    due = latest_slot(slot, now)
    moved = db.session.execute(
        sa.update(ScheduleMark)
        .where(ScheduleMark.name == slot.name, ScheduleMark.sent_at < due)
        .values(sent_at=due)
    ).rowcount
    if not moved:
        db.session.rollback()
        if db.session.get(ScheduleMark, slot.name) is not None:
            return False
        db.session.add(ScheduleMark(name=slot.name, sent_at=due))
    jobs.queue_job(slot.name, due=due.isoformat())
    try:
        db.session.commit()
    except IntegrityError:  # another worker took it first
        db.session.rollback()
        return False
    return True


def run_due(group: str | None = None) -> list[str]:
    """Queues the jobs of the slots that are due (of one group, or all); returns their names."""
    return [s.name for s in SLOTS.values() if (group in (None, s.group)) and _take(s, utcnow())]


def hold(name: str) -> None:
    """Holds the slot's mark until the caller's transaction ends: work that must not run twice
    at once (two digest runs) starts with it, and the second waits, then sees the first's
    marks. An UPDATE locks the row on PostgreSQL and takes SQLite's write lock."""
    lock = sa.update(ScheduleMark).where(ScheduleMark.name == name)
    if db.session.execute(lock.values(sent_at=ScheduleMark.sent_at)).rowcount:
        return
    try:  # the first time: a mark from long ago, which another run may be adding too
        with db.session.begin_nested():
            db.session.add(ScheduleMark(name=name, sent_at=datetime(2000, 1, 1, tzinfo=UTC)))
    except IntegrityError:
        db.session.execute(lock.values(sent_at=ScheduleMark.sent_at))
