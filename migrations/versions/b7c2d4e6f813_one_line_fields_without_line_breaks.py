"""one-line fields (names, titles, places) stored before line breaks were refused are joined

Revision ID: b7c2d4e6f813
Revises: a1d3e5f70b26
Create Date: 2026-12-07 17:10:00

A name with line breaks started a paragraph of its own in Arena's emails; from now on one-line
fields refuse them (arena/lines.py), and what was stored before is joined with spaces.
"""
from alembic import op
import sqlalchemy as sa

from arena.lines import LINE_BREAK, one_line


revision = 'b7c2d4e6f813'
down_revision = 'a1d3e5f70b26'
branch_labels = None
depends_on = None

ONE_LINE = {
    "members": ("name", "title", "phone"),
    "organisations": ("name",),
    "initiatives": ("title",),
    "arenas": ("name",),
    "meetings": ("title", "location"),
    "contact_requests": ("subject",),
}


def upgrade():
    bind = op.get_bind()
    for table_name, columns in ONE_LINE.items():
        table = sa.table(table_name, sa.column("id"), *(sa.column(c) for c in columns))
        for row in bind.execute(sa.select(table)).mappings():
            joined = {
                c: one_line(row[c]) for c in columns if row[c] and LINE_BREAK.search(row[c])
            }
            if joined:
                bind.execute(table.update().where(table.c.id == row["id"]).values(joined))


def downgrade():
    pass  # the line breaks were never meant
