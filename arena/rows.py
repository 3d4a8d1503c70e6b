"""Writing rows that two requests may write at once (two tabs, two workers): an insert that
leaves an existing row be, on SQLite and PostgreSQL alike, instead of a check and an insert with
a moment between them."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from arena.extensions import db


def insert_if_missing(table, **values) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (`table`: a Table or a model); True when this call added
    the row, False when it was there (or another transaction added it first)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(sa.inspect(table).local_table if hasattr(table, "__mapper__") else table)
    added = statement.values(**values).on_conflict_do_nothing().returning(sa.literal(1))
    return db.session.execute(added).first() is not None
