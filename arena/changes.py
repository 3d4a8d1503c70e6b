"""Change counters: a number per subject (initiatives, arenas, organisations, ...) that moves by
one in every transaction that changes a row the subject covers, committed with the change.

What is kept in the process (the collaboration map's graphs, the arena register's order, the
front page's week of meetings) is kept for the numbers of the subjects it reads: a new number
means something changed. The counters are not stamps of a server's clock: a change committed
after another but stamped before it is never missed, and bulk statements (merges, imports) move
them as well as the services' ORM changes do.

An area says which of its rows belong to a subject with `watch` (a model: the rows' ids are
logged, so a kept result can be brought up to date from what changed) or `watch_table` (rows
changed by bulk statements: «anything may have changed», unless the statement names its rows
with the execution option ROWS). The counters are moved at commit, in
the order of their names, so two transactions never wait for each other's counters crosswise.
"""

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from arena.extensions import db

#: The log keeps this many numbers back per subject; a kept result older than that is made anew.
LOG_KEPT = 1000
#: Every row of a subject (a bulk statement's rows are not known one by one).
EVERYTHING = None
#: The execution option by which a bulk statement names the rows it changes (their ids).
ROWS = "changed_rows"


class ChangeCount(db.Model):
    __tablename__ = "change_counts"

    subject: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    number: Mapped[int] = mapped_column(sa.BigInteger)


class ChangeLog(db.Model):
    """Which rows a numbered change touched (row_id NULL: possibly every row)."""

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_subject_number", "subject", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(40))
    number: Mapped[int] = mapped_column(sa.BigInteger)
    row_id: Mapped[int | None]


_models: dict[type, tuple[str, Callable]] = {}
_tables: dict[str, str] = {}


def watch(model: type, subject: str, row_id: Callable = lambda row: row.id) -> None:
    """Changes to the model's rows move `subject`, logging `row_id(row)` (the id the subject
    knows the row by: a meeting is its arena's change)."""
    _models[model] = (subject, row_id)
    _tables[model.__table__.name] = subject


def watch_table(table: sa.Table, subject: str) -> None:
    """Bulk statements on this table (and ORM changes through it) move `subject`."""
    _tables[table.name] = subject


def numbers(*subjects: str) -> tuple[int, ...]:
    """The subjects' counters now (0: never changed)."""
    found = dict(
        db.session.execute(
            sa.select(ChangeCount.subject, ChangeCount.number).where(
                ChangeCount.subject.in_(subjects)
            )
        ).all()
    )
    return tuple(found.get(subject, 0) for subject in subjects)


def rows_changed(subject: str, after: int, upto: int) -> set[int] | None:
    """The ids of the subject's rows changed by the changes numbered after `after` up to `upto`;
    None when that is not known (a bulk statement, or older than the log keeps)."""
    if upto == after:
        return set()
    if upto - after > LOG_KEPT:
        return None
    logged = db.session.execute(
        sa.select(ChangeLog.number, ChangeLog.row_id).where(
            ChangeLog.subject == subject, ChangeLog.number > after, ChangeLog.number <= upto
        )
    ).all()
    if {number for number, _ in logged} != set(range(after + 1, upto + 1)):
        return None  # older than the log keeps (pruned)
    ids = {row_id for _, row_id in logged}
    return None if EVERYTHING in ids else ids


def _noted(session: Session) -> set[tuple[str, int | None]]:
    return session.info.setdefault("changes", set())


@event.listens_for(Session, "after_flush")
def _note_rows(session: Session, _context) -> None:
    noted = _noted(session)
    for row in (*session.new, *session.dirty, *session.deleted):
        watched = _models.get(type(row))
        if watched is not None and (row not in session.dirty or session.is_modified(row)):
            subject, row_id = watched
            noted.add((subject, row_id(row)))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        subject = _tables.get(getattr(table, "name", None))
        if subject is not None:
            row_ids = state.execution_options.get(ROWS, [EVERYTHING])
            _noted(state.session).update((subject, row_id) for row_id in row_ids)


@event.listens_for(Session, "before_commit")
def _count(session: Session) -> None:
    session.flush()
    noted = session.info.pop("changes", None)
    if not noted:
        return
    for subject in sorted({subject for subject, _ in noted}):
        number = _next_number(session, subject)
        row_ids = {row_id for s, row_id in noted if s == subject}
        logged = [EVERYTHING] if EVERYTHING in row_ids else sorted(row_ids)
        session.execute(
            sa.insert(ChangeLog),
            [{"subject": subject, "number": number, "row_id": row_id} for row_id in logged],
        )
        session.execute(
            sa.delete(ChangeLog).where(
                ChangeLog.subject == subject, ChangeLog.number <= number - LOG_KEPT
            )
        )


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or rolled back)
        session.info.pop("changes", None)


def _next_number(session: Session, subject: str) -> int:
    """Moves the subject's counter on under its row lock (held to commit: counted in order)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ChangeCount)
        .values(subject=subject, number=1)
        .on_conflict_do_update(
            index_elements=[ChangeCount.subject], set_={"number": ChangeCount.number + 1}
        )
        .returning(ChangeCount.number)
    )
    return session.execute(statement).scalar_one()
