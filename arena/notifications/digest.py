"""The weekly digest (rule 4 in the inbox): for each member, what is new since their last
digest in what they follow and know, their meetings of the next two weeks, arenas of their
organisation without an owner, and what waits for them.

Exact: each member's mark says how far their digests have covered; a run covers up to the
week's slot (Monday 07:00 in Oslo), queues the email and moves the mark in one transaction per
batch, so an interrupted run resumes where it stopped and a second run in the week sends
nothing. Built in batches of members with a fixed number of queries per batch.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from arena.accounts.models import Member
from arena.arenas.models import Arena
from arena.dates import to_local, utcnow
from arena.extensions import db
from arena.links import base_url
from arena.notifications.digest_content import MAX_ITEMS, MEETINGS_AHEAD, Digest, compose
from arena.notifications.models import CompetenceNotice, DigestMark, NotificationSetting
from arena.notifications.outbox import queue_email
from arena.notifications.schedule import SLOTS, latest_slot

__all__ = ["MAX_ITEMS", "Context", "Digest", "latest_cutoff", "preview", "send_digests"]

SLOT = next(s for s in SLOTS if s.name == "schedule:weekly-digest")
BATCH = 500


def latest_cutoff(now: datetime | None = None) -> datetime:
    """The slot the digests due now cover up to."""
    return latest_slot(SLOT, now or utcnow())


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
        self._orphans: dict[int, list[tuple[str, str]]] | None = None

    def upcoming(self, arena: Arena) -> list[Upcoming]:
        from arena.arenas.meetings import occurrences

        if arena.id not in self._upcoming:
            start = to_local(self.cutoff).replace(tzinfo=None)
            self._upcoming[arena.id] = [
                Upcoming(o.starts_at, o.meeting.title, o.cancelled, o.moved)
                for o in occurrences(arena.meetings, start, start + MEETINGS_AHEAD)
            ]
        return self._upcoming[arena.id]

    def orphans_of(self, organisation_id: int) -> list[tuple[str, str]]:
        if self._orphans is None:
            from arena.arenas.ownership import orphaned_arenas

            self._orphans = defaultdict(list)
            for arena in orphaned_arenas():
                for organisation in arena.organisations:
                    self._orphans[organisation.id].append((arena.name, arena.slug))
        return self._orphans.get(organisation_id, [])


# --- sending ------------------------------------------------------------------------------------


def due_members(cutoff: datetime, after_id: int, limit: int) -> list[Member]:
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
                Member.id > after_id,
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


def send_digests(cutoff: datetime | None = None, batch: int = BATCH) -> int:
    """Queues the digests due for `cutoff` (the latest slot); returns how many had something."""
    cutoff = cutoff or latest_cutoff()
    sent, after_id = 0, 0
    context = Context(cutoff)
    with current_app.test_request_context(base_url=base_url()):
        while members := due_members(cutoff, after_id, batch):
            after_id = members[-1].id
            marks = {
                mark.member_id: mark
                for mark in db.session.scalars(
                    sa.select(DigestMark).where(DigestMark.member_id.in_([m.id for m in members]))
                )
            }
            for digest in compose(members, cutoff, context):
                if not digest.empty:  # due_members left out those who turned it off
                    queue_email(
                        digest.member, "digest", digest.subject(), digest.text(), chosen=True
                    )
                    sent += 1
                _mark(digest, cutoff, marks.get(digest.member.id))
            db.session.commit()  # the batch's emails and marks together
    return sent


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
