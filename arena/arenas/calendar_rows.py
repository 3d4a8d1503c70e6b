"""What the calendar area reads of arenas: which arenas a feed covers, when their calendars last
changed, and their meetings as plain rows (a feed can hold thousands of events, and ORM objects
would cost most of its time)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from arena import access
from arena.access import arenas_seen_sql
from arena.accounts.models import Member
from arena.arenas import services
from arena.arenas.models import Arena, ArenaRole, Meeting, MeetingException, arena_organisations
from arena.extensions import db


@dataclass(slots=True)
class FeedMeeting:
    """What a feed shows of a meeting, with its arena's slug and name and its owner's name."""

    id: int
    arena_id: int
    uid: str
    title: str
    description: str
    location: str
    online_url: str
    starts_at: datetime
    ends_at: datetime | None
    tzid: str
    rrule: str
    status: str
    sequence: int
    updated_at: datetime
    arena_slug: str
    arena_name: str
    owner_name: str | None = None
    exceptions: list = field(default_factory=list)


# The meeting columns FeedMeeting starts with, in its order, then the arena's slug and name.
_FEED_COLUMNS = [Meeting.__table__.c[name] for name in FeedMeeting.__slots__[:14]]


def _public(statement):
    # Anyone with the address reads these feeds: what an anonymous reader may see.
    return statement.where(arenas_seen_sql(None, Arena), Arena.archived.is_(False))


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives aggregates back without their time zone.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def organisation_arena_changes(organisation_id: int) -> list[tuple[int, datetime]]:
    """(id, last calendar change) of the public arenas an organisation takes part in."""
    return db.session.execute(
        _public(
            sa.select(Arena.id, Arena.calendar_changed_at)
            .join(arena_organisations)
            .where(arena_organisations.c.organisation_id == organisation_id)
        ).order_by(Arena.id)
    ).all()


def public_arena_changes() -> list[tuple[int, datetime]]:
    """(id, last calendar change) of every public arena."""
    return db.session.execute(
        _public(sa.select(Arena.id, Arena.calendar_changed_at)).order_by(Arena.id)
    ).all()


def public_arenas_summary() -> tuple[int, datetime | None]:
    """How many public arenas there are and when any of their calendars last changed (cheap)."""
    count, changed = db.session.execute(
        _public(sa.select(sa.func.count(Arena.id), sa.func.max(Arena.calendar_changed_at)))
    ).one()
    return count, _aware(changed)


@access.reader("personal_feed", "the personal calendar feed")
def member_arena_changes(member) -> list[tuple[int, datetime]]:
    """(id, last calendar change) of the arenas a member follows or holds and may see."""
    return db.session.execute(
        sa.select(Arena.id, Arena.calendar_changed_at)
        .where(Arena.id.in_(services.member_arena_ids(member)), arenas_seen_sql(member, Arena))
        .order_by(Arena.id)
    ).all()


@access.reader("public_calendars", "the public calendar feeds and the front page's coming meetings")
def public_arena_ids():
    """A SELECT of the ids of every public arena."""
    return _public(sa.select(Arena.id))


def feed_meetings(
    arena_ids, since: datetime | None = None, until: datetime | None = None, meeting_id=None
) -> list[FeedMeeting]:
    """The meetings of these arenas (ids or a SELECT of ids), optionally only those with an
    occurrence between `since` and `until` (wall clock) or only one."""
    connection = db.session.connection()
    arenas_table, meetings = Arena.__table__, Meeting.__table__
    arena_names = {
        id_: (slug, name)
        for id_, slug, name in connection.execute(
            sa.select(arenas_table.c.id, arenas_table.c.slug, arenas_table.c.name).where(
                arenas_table.c.id.in_(arena_ids)
            )
        )
    }
    if since is not None and not isinstance(arena_ids, list):
        # Many arenas: only the window's lower bound in SQL, so SQLite, like PostgreSQL, reads
        # the last_starts_at index instead of every meeting of every arena (several times faster).
        scope = [meetings.c.last_starts_at >= since]
    else:
        scope = [meetings.c.arena_id.in_(arena_ids)]
        if since is not None:
            scope.append(meetings.c.last_starts_at >= since)
    if meeting_id is not None:
        scope.append(meetings.c.id == meeting_id)
    rows = [
        row
        for row in connection.execute(sa.select(*_FEED_COLUMNS).where(*scope))
        if row.arena_id in arena_names and (until is None or row.starts_at < until)
    ]
    owners = dict(
        connection.execute(
            sa.select(ArenaRole.arena_id, Member.name)
            .join(Member, Member.id == ArenaRole.member_id)
            .where(
                ArenaRole.arena_id.in_(arena_ids),
                ArenaRole.role == "owner",
                ArenaRole.ended_at.is_(None),
                Member.active.is_(True),
            )
        ).all()
    )
    exceptions = defaultdict(list)
    for exception in connection.execute(
        sa.select(MeetingException.__table__)
        .join(meetings, meetings.c.id == MeetingException.meeting_id)
        .where(*scope, meetings.c.rrule != "")
        .order_by(MeetingException.occurrence)
    ):
        exceptions[exception.meeting_id].append(exception)
    return [
        FeedMeeting(
            *row,
            *arena_names[row.arena_id],
            owner_name=owners.get(row.arena_id),
            exceptions=exceptions[row.id],
        )
        for row in rows
    ]
