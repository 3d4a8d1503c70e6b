"""repetitions stored as published

Revision ID: 6904240789ec
Revises: 0d1b93c9c3d7
Create Date: 2026-11-28 21:05:12.000000

"""
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from arena.arenas.recurrence import occurrence_starts, parse_rule
from arena.dates import UTCDateTime
from arena.errors import ValidationFailed

# revision identifiers, used by Alembic.
revision = '6904240789ec'
down_revision = '0d1b93c9c3d7'
branch_labels = None
depends_on = None

meetings = sa.table(
    "meetings",
    sa.column("id"),
    sa.column("arena_id"),
    sa.column("rrule"),
    sa.column("starts_at", sa.DateTime),
    sa.column("tzid"),
    sa.column("last_starts_at", sa.DateTime),
)
arenas = sa.table("arenas", sa.column("id"), sa.column("calendar_changed_at", UTCDateTime()))


def upgrade():
    # Every stored repetition is rewritten in the strict grammar's own form, which feeds now
    # publish verbatim. A rule the grammar refuses (an RRULE set, BYMINUTE, a first meeting
    # that is not one of its occurrences) could stall or mislead: that meeting keeps only its
    # first occurrence, and its arena's feeds change so calendars fetch them again.
    bind = op.get_bind()
    changed_arenas = set()
    rows = bind.execute(
        sa.select(
            meetings.c.id, meetings.c.arena_id, meetings.c.rrule, meetings.c.starts_at, meetings.c.tzid
        ).where(meetings.c.rrule != "")
    ).all()
    for meeting_id, arena_id, rule, starts_at, tzid in rows:
        try:
            canonical = str(parse_rule(rule))
            occurrence_starts(canonical, starts_at, tzid)
        except ValidationFailed:
            logging.getLogger("alembic").warning(
                "meeting %s: repetition %r refused by the strict grammar; kept its first meeting",
                meeting_id, rule,
            )
            canonical = ""
        if canonical != rule:
            values = {"rrule": canonical} if canonical else {"rrule": "", "last_starts_at": starts_at}
            bind.execute(meetings.update().where(meetings.c.id == meeting_id).values(**values))
            changed_arenas.add(arena_id)
    if changed_arenas:
        bind.execute(
            arenas.update()
            .where(arenas.c.id.in_(changed_arenas))
            .values(calendar_changed_at=datetime.now(UTC))
        )


def downgrade():
    pass  # the strict form is a valid RRULE for the older code too
