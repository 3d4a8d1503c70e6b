"""series found by their last start, moved occurrences included

Revision ID: ca7ed719745e
Revises: 2a21385eb3fe
Create Date: 2026-11-27 01:47:18.785060

"""
from alembic import op



# revision identifiers, used by Alembic.
revision = 'ca7ed719745e'
down_revision = '2a21385eb3fe'
branch_labels = None
depends_on = None


def upgrade():
    # A moved occurrence can lie after the series' last original start; windowed lookups
    # (the all-arenas feed, next meetings) use last_starts_at, so it takes moved ones in.
    op.execute(
        """
        UPDATE meetings SET last_starts_at = (
            SELECT max(e.new_starts_at) FROM meeting_exceptions e
            WHERE e.meeting_id = meetings.id AND e.action = 'move'
        )
        WHERE EXISTS (
            SELECT 1 FROM meeting_exceptions e
            WHERE e.meeting_id = meetings.id AND e.action = 'move'
              AND e.new_starts_at > meetings.last_starts_at
        )
        """
    )


def downgrade():
    pass  # the later last_starts_at stays right for the older code too
