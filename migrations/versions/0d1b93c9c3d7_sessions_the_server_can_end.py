"""sessions the server can end

Revision ID: 0d1b93c9c3d7
Revises: ca7ed719745e
Create Date: 2026-11-28 20:35:53.749716

"""
import secrets

from alembic import op
import sqlalchemy as sa

import arena.dates


# revision identifiers, used by Alembic.
revision = '0d1b93c9c3d7'
down_revision = 'ca7ed719745e'
branch_labels = None
depends_on = None


def upgrade():
    # Sessions live on the server, so signing out ends them; everyone signs in again once.
    op.create_table('member_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', arena.dates.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_sessions_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_member_sessions_token_hash'))
    )
    with op.batch_alter_table('member_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_sessions_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('session_key')


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.VARCHAR(length=32), nullable=True))
    members = sa.table("members", sa.column("id"), sa.column("session_key"))
    bind = op.get_bind()
    for (member_id,) in bind.execute(sa.select(members.c.id)).all():
        bind.execute(
            members.update()
            .where(members.c.id == member_id)
            .values(session_key=secrets.token_hex(16))
        )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('session_key', nullable=False)

    with op.batch_alter_table('member_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_sessions_member_id'))

    op.drop_table('member_sessions')
