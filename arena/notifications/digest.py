"""The weekly digest (rule 4 in the inbox): for each member, what is new since their last
digest in what they follow and know, their meetings of the next two weeks, arenas of their
organisation without an owner, and what waits for them.

Exact: each member's mark says how far their digests have covered; a run covers up to the
week's slot (Monday 07:00 in Oslo), queues the email and moves the mark in one transaction per
batch. On the worker each batch is a job that queues the next one with its own commit, so the
worker delivers email between batches, stops between them on SIGTERM, and an interrupted run is
finished by the next worker; a second run in the week sends nothing. Each batch holds the slot's
mark while it reads and writes the marks, so two runs at once never send one member two
digests. Built with a fixed number of queries per batch.
"""

from dataclasses import dataclass
from datetime import datetime, time

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from arena.accounts.models import Member
from arena.arenas.meetings import occurrences
from arena.arenas.models import Arena
from arena.arenas.ownership import orphaned_arenas_of
from arena.dates import to_local, utcnow
from arena.extensions import db
from arena.initiatives.models import CompetenceNotice
from arena.links import base_url
from arena.notifications.digest_content import MAX_ITEMS, MEETINGS_AHEAD, Digest, compose
from arena.notifications.models import DigestMark
from arena.outbox import jobs, schedule
from arena.outbox.messages import queue_email
from arena.outbox.models import NotificationSetting

__all__ = ["MAX_ITEMS", "Context", "Digest", "latest_cutoff", "preview", "send_digests"]

SLOT = "weekly-digest"
BATCH = 500


@dataclass(frozen=True)
class Upcoming:
    """A meeting in the coming two weeks, as the digest writes it (plain values, so a run
    holds no database objects from one batch to the next)."""

    starts_at: datetime
    title: str
    cancelled: bool
    moved: bool


class Context:
    """What one run shares across batches: upcoming meetings per arena, orphaned arenas (name
    and slug) per organisation."""

    def __init__(self, cutoff: datetime):
        self.cutoff = cutoff
        self._upcoming: dict[int, list[Upcoming]] = {}
        self._orphans: dict[int, list[tuple[str, str]]] = {}

    def upcoming(self, arena: Arena) -> list[Upcoming]:
        if arena.id not in self._upcoming:
            start = to_local(self.cutoff).replace(tzinfo=None)
            self._upcoming[arena.id] = [
                Upcoming(o.starts_at, o.meeting.title, o.cancelled, o.moved)
                for o in occurrences(arena.meetings, start, start + MEETINGS_AHEAD)
            ]
        return self._upcoming[arena.id]

    def orphans_of(self, organisation_id: int) -> list[tuple[str, str]]:
        # Asked per organisation (a few thousand in a run): finding every orphan in the region
        # took 12-16 ms at 5,000 arenas, too much for one member's preview.
        if organisation_id not in self._orphans:
            self._orphans[organisation_id] = [
                (arena.name, arena.slug) for arena in orphaned_arenas_of(organisation_id)
            ]
        return self._orphans[organisation_id]


# --- sending ------------------------------------------------------------------------------------


def due_members(cutoff: datetime, limit: int) -> list[Member]:
    """Active members with a confirmed address whose digests have not yet covered `cutoff` and
    who did not turn the digest off, in id order."""
    turned_off = sa.select(NotificationSetting.member_id).where(
        NotificationSetting.kind == "digest", NotificationSetting.value == "off"
    )
    return list(
        db.session.scalars(
            sa.select(Member)
            .outerjoin(DigestMark, DigestMark.member_id == Member.id)
            .where(
                Member.active,
                Member.email_confirmed_at.is_not(None),
                Member.id.not_in(turned_off),
                sa.or_(DigestMark.covered_until.is_(None), DigestMark.covered_until < cutoff),
            )
            .order_by(Member.id)
            .limit(limit)
            .options(selectinload(Member.organisation))
        )
    )


@schedule.slot(SLOT, time(7, 0), weekday=0, group="digests")
def send_batch(due: str, batch: int = BATCH) -> int:
    """The worker's job: one batch of the digests covering up to `due`, and the next batch
    queued as a job in the same transaction when members may remain."""
    sent, more = _one_batch(datetime.fromisoformat(due), batch)
    if more:
        jobs.queue_job(SLOT, due=due, batch=batch)
    return sent


def latest_cutoff(now: datetime | None = None) -> datetime:
    """The slot the digests due now cover up to."""
    return schedule.latest_slot(schedule.SLOTS[SLOT], now or utcnow())


def send_digests(cutoff: datetime | None = None, batch: int = BATCH) -> int:
    """Queues the digests due for `cutoff` (the latest slot) now, batch by batch, each batch
    committed with its marks; returns how many had something."""
    cutoff = cutoff or latest_cutoff()
    sent, more = 0, True
    with current_app.test_request_context(base_url=base_url()):
        while more:
            count, more = _one_batch(cutoff, batch)
            db.session.commit()  # the batch's emails and marks together
            sent += count
    return sent


def _one_batch(cutoff: datetime, batch: int) -> tuple[int, bool]:
    """Composes and queues one batch (the caller commits); returns how many had something and
    whether members may remain."""
    schedule.hold(SLOT)  # before reading the marks: a second run waits, then sees ours
    members = due_members(cutoff, batch)
    if not members:
        return 0, False
    marks = {
        mark.member_id: mark
        for mark in db.session.scalars(
            sa.select(DigestMark).where(DigestMark.member_id.in_([m.id for m in members]))
        )
    }
    sent = 0
    for digest in compose(members, cutoff, Context(cutoff)):
        if not digest.empty:  # due_members left out those who turned it off
            queue_email(digest.member, "digest", digest.subject(), digest.text(), chosen=True)
            sent += 1
        _mark(digest, cutoff, marks.get(digest.member.id))
    return sent, len(members) == batch


def _mark(digest: Digest, cutoff: datetime, mark: DigestMark | None) -> None:
    if mark is None:
        mark = DigestMark(member_id=digest.member.id, covered_until=cutoff)
        db.session.add(mark)
    mark.covered_until = cutoff
    if not digest.empty:
        mark.sent_at = utcnow()
    if digest.notices:
        db.session.execute(
            sa.update(CompetenceNotice)
            .where(
                CompetenceNotice.member_id == digest.member.id,
                CompetenceNotice.initiative_id.in_(digest.notices),
            )
            .values(told_by="digest")
        )


def preview(member: Member) -> Digest:
    """The digest the member would get if it were sent now (nothing is marked)."""
    return compose([member], utcnow(), Context(utcnow()))[0]
