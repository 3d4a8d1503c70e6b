"""addresses compared lower-cased with the domain in IDNA form, no longer casefolded

Revision ID: a1d3e5f70b26
Revises: 266c0f0ed4a8
Create Date: 2026-12-07 16:40:00

Only addresses and domains with characters outside ASCII change (for ASCII, casefold and lower
agree). casefold() lost what it folded («ß» became «ss»), so such an address is written anew
from what is stored; one that would then clash with another row is left as it is.
"""
from alembic import op
import sqlalchemy as sa

from arena.addresses import normalise_domain, normalise_email


revision = 'a1d3e5f70b26'
down_revision = '266c0f0ed4a8'
branch_labels = None
depends_on = None

COLUMNS = [
    ("members", "email", normalise_email, True),
    ("member_identities", "email", normalise_email, False),
    ("organisation_domains", "domain", normalise_domain, True),
]


def upgrade():
    bind = op.get_bind()
    for table_name, column, normalise, unique in COLUMNS:
        table = sa.table(table_name, sa.column("id"), sa.column(column))
        rows = bind.execute(sa.select(table.c.id, table.c[column])).all()
        taken = {value for _, value in rows}
        for row_id, value in rows:
            if value is None or value.isascii():
                continue
            new = normalise(value)
            if new == value or (unique and new in taken):
                continue
            bind.execute(table.update().where(table.c.id == row_id).values({column: new}))
            taken.add(new)


def downgrade():
    pass  # the IDNA form is an address too
