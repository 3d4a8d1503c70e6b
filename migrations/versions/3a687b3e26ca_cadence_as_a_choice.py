"""cadence as a choice

Revision ID: 3a687b3e26ca
Revises: 47e3c87eb1bd
Create Date: 2026-11-28 22:02:46.706254

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a687b3e26ca'
down_revision = '47e3c87eb1bd'
branch_labels = None
depends_on = None

#: What owners typed, in bokmål, nynorsk or English, and the choice it means.
TYPED = {
    "weekly": ["ukentlig", "hver uke", "kvar veke", "vekentleg", "weekly", "every week"],
    "biweekly": ["annenhver uke", "annakvar veke", "kvar andre veke", "biweekly", "every second week", "every other week"],
    "monthly": ["månedlig", "hver måned", "månadleg", "kvar månad", "monthly", "every month"],
    "quarterly": ["fire ganger i året", "fire gonger i året", "kvartalsvis", "quarterly", "four times a year"],
    "twice_yearly": ["to ganger i året", "to gonger i året", "halvårlig", "halvårleg", "twice a year"],
    "yearly": ["årlig", "årleg", "en gang i året", "ein gong i året", "yearly", "annually", "once a year"],
    "as_needed": ["ved behov", "as needed"],
}
arenas = sa.table("arenas", sa.column("id"), sa.column("cadence"))


def upgrade():
    # The cadence was free text, shown to everyone in the language its owner typed it in. It
    # becomes a choice shown in the reader's language; text that names none of the choices is
    # dropped (the arena's purpose and meetings still say how it works).
    bind = op.get_bind()
    meaning = {text: code for code, texts in TYPED.items() for text in texts}
    for arena_id, typed in bind.execute(sa.select(arenas.c.id, arenas.c.cadence)).all():
        code = meaning.get(" ".join((typed or "").casefold().split()).rstrip("."), "")
        if code != typed:
            bind.execute(arenas.update().where(arenas.c.id == arena_id).values(cadence=code))
    with op.batch_alter_table('arenas', schema=None) as batch_op:
        batch_op.alter_column('cadence',
               existing_type=sa.VARCHAR(length=100),
               type_=sa.String(length=20),
               existing_nullable=False)


def downgrade():
    with op.batch_alter_table('arenas', schema=None) as batch_op:
        batch_op.alter_column('cadence',
               existing_type=sa.String(length=20),
               type_=sa.VARCHAR(length=100),
               existing_nullable=False)
