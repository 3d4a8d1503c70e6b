"""Writing rows that two requests may write at once (two tabs, two workers): an insert that
leaves an existing row be, on SQLite and PostgreSQL alike, instead of a check and an insert with
a moment between them."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from arena import changes
from arena.extensions import db


def insert_if_missing(table, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (`table`: a Table or a model); True when this call added
    the row, False when it was there (or another transaction added it first)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sa.inspect(table).local_table if hasattr(table, "__mapper__") else table)
    added = statement.values(**values).on_conflict_do_nothing().returning(sa.literal(1))
    return db.session.execute(added).first() is not None


def lock_and_reload(row) -> None:
    """Takes the right to change `row` for the rest of the transaction (waiting for whoever holds
    it), then reads it afresh: of two requests that check a row and change it (two tabs), the
    second sees what the first did. PostgreSQL locks the row; SQLite its one write lock. Call it
    before the check, as the transaction's first write."""
    state = sa.inspect(row)
    (key,) = state.mapper.primary_key
    touch = sa.update(key.table).where(key == state.identity[0]).values({key.name: key})
    db.session.execute(touch, execution_options={changes.ROWS: []})
    db.session.refresh(row)
