"""verified membership and organisation email domains

Revision ID: 47e3c87eb1bd
Revises: 6904240789ec
Create Date: 2026-11-28 21:02:01.627885

"""
from collections import Counter, defaultdict
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import arena.dates
from arena.dates import UTCDateTime
from arena.addresses import is_public_email_domain


# revision identifiers, used by Alembic.
revision = '47e3c87eb1bd'
down_revision = '6904240789ec'
branch_labels = None
depends_on = None


members = sa.table(
    "members",
    sa.column("id"),
    sa.column("email"),
    sa.column("organisation_id"),
    sa.column("password_hash"),
    sa.column("is_admin"),
    sa.column("created_at", UTCDateTime()),
    sa.column("email_confirmed_at", UTCDateTime()),
    sa.column("verified_at", UTCDateTime()),
    sa.column("verified_via"),
)
domains = sa.table(
    "organisation_domains", sa.column("organisation_id"), sa.column("domain")
)


def upgrade():
    op.create_table('organisation_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_domains_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_organisation_domains_domain'))
    )
    with op.batch_alter_table('organisation_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_domains_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', arena.dates.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_at', arena.dates.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('verified_via', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('join_refused_at', arena.dates.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('is_organisation_contact', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_members_verified_by_id_members'), 'members', ['verified_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('is_organisation_contact', server_default=None)
    _verify_existing_members(op.get_bind())


def _verify_existing_members(bind):
    """Members from before verification. Those who chose a password have been signing in with
    it: their address counts as confirmed; imported ones (no password yet) confirm it with their
    first reset link. Each organisation gets the email domains its own members share (two or
    more of them, used by no other organisation, not a public provider), and members in those
    domains are verified; admins, and members an admin imported, too. The rest wait for an
    admin on /memberships."""
    now = datetime.now(UTC)
    rows = bind.execute(
        sa.select(members.c.id, members.c.email, members.c.organisation_id,
                  members.c.password_hash, members.c.is_admin, members.c.created_at)
    ).all()
    used = defaultdict(Counter)  # domain -> organisation id -> members
    for _id, email, org_id, _hash, _admin, _created in rows:
        used[email.rpartition("@")[2]][org_id] += 1
    owner = {
        domain: next(iter(orgs))
        for domain, orgs in used.items()
        if len(orgs) == 1 and sum(orgs.values()) >= 2 and not is_public_email_domain(domain)
    }
    for domain, org_id in sorted(owner.items()):
        bind.execute(domains.insert().values(organisation_id=org_id, domain=domain))
    for member_id, email, org_id, password_hash, is_admin, created_at in rows:
        imported = password_hash.startswith("!")
        values = {} if imported else {"email_confirmed_at": created_at}
        if owner.get(email.rpartition("@")[2]) == org_id:
            values |= {"verified_at": now, "verified_via": "migration"}
        elif is_admin or imported:
            values |= {"verified_at": now, "verified_via": "admin"}
        if values:
            bind.execute(members.update().where(members.c.id == member_id).values(**values))


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_members_verified_by_id_members'), type_='foreignkey')
        batch_op.drop_column('is_organisation_contact')
        batch_op.drop_column('join_refused_at')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_via')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('email_confirmed_at')

    with op.batch_alter_table('organisation_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_domains_organisation_id'))

    op.drop_table('organisation_domains')
