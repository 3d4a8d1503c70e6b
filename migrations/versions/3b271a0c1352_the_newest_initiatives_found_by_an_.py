"""the newest initiatives found by an index on when they were registered

Revision ID: 3b271a0c1352
Revises: 305b8783c217
Create Date: 2026-12-08 02:03:45.163693

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3b271a0c1352'
down_revision = '305b8783c217'
branch_labels = None
depends_on = None


def upgrade():
    # The front page's «newest initiatives» read every initiative and sorted them (5 ms at 20,000).
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_created_at'))
