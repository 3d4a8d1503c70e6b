"""What the collaboration map is made of, read from the database: the organisations, each
initiative's and arena's organisations under a filter, and a version that tells what changed."""

from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from arena import access
from arena.access import arenas_seen_sql
from arena.arenas.models import Arena, arena_organisations
from arena.dates import OSLO
from arena.extensions import db
from arena.initiatives import listing
from arena.initiatives.models import Initiative, initiative_partners
from arena.organisations.models import Municipality, Organisation

TABLES = {"initiatives": Initiative, "arenas": Arena, "organisations": Organisation}
#: How much earlier than the newest change seen a change may be stamped and still be saved after.
SAVED_LATE = timedelta(minutes=1)


class Mark(NamedTuple):
    """How many rows a table holds, the newest updated_at and the highest id."""

    count: int
    changed_at: datetime | None
    last_id: int | None


class Version(NamedTuple):
    """Moves whenever an initiative, arena or organisation is added, changed or removed (editing
    partners, themes, dates, visibility or an arena's organisations moves updated_at)."""

    initiatives: Mark
    arenas: Mark
    organisations: Mark


def version() -> Version:
    aggregates = [
        sa.select(aggregate).scalar_subquery()
        for table in TABLES.values()
        for aggregate in (
            sa.func.count(table.id),
            sa.func.max(table.updated_at),
            sa.func.max(table.id),
        )
    ]
    values = db.session.execute(sa.select(*aggregates)).one()
    return Version(*(Mark(*values[i : i + 3]) for i in range(0, 9, 3)))


class Changed(NamedTuple):
    """The ids of the rows added or changed in each table, and of the initiatives and arenas
    that are left when some were removed (None: none removed)."""

    initiatives: list[int]
    arenas: list[int]
    organisations: list[int]
    initiatives_left: set[int] | None
    arenas_left: set[int] | None


def changed_since(before: Version, now: Version) -> Changed | None:
    """The initiatives, arenas and organisations added or changed since `before`, or None when
    an organisation was removed."""
    changed, left = [], []
    for name, table in TABLES.items():
        was, is_now = getattr(before, name), getattr(now, name)
        if is_now == was:
            changed.append([])
            left.append(None)
            continue
        statement = sa.select(table.id)
        if was.changed_at is not None:
            # A change stamped earlier may be saved later (a longer transaction): those stamped
            # a little before are read again. Added rows all have higher ids.
            statement = statement.where(
                sa.or_(table.updated_at >= was.changed_at - SAVED_LATE, table.id > was.last_id)
            )
        ids = list(db.session.scalars(statement))
        changed.append(ids)
        added = sum(1 for i in ids if was.last_id is None or i > was.last_id)
        if is_now.count == was.count + added:
            left.append(None)
        elif table is Organisation:
            return None  # merged or removed: its rows moved without a trace
        else:
            left.append(set(db.session.scalars(sa.select(table.id))))
    return Changed(*changed, *left[:2])


def organisations(only: list[int] | None = None) -> dict:
    """Every approved organisation (of `only`, when given), with where it is, by id."""
    rows = db.session.connection().execute(
        sa.select(
            Organisation.id,
            Organisation.name,
            Organisation.slug,
            Organisation.kind,
            Organisation.municipality_id,
            Municipality.name.label("municipality"),
            Municipality.number,
        )
        .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
        .where(Organisation.approved, *([Organisation.id.in_(only)] if only is not None else []))
    )
    return {row.id: row for row in rows}


def focus_select(chosen):
    """SQL: the ids of the organisations a municipality or kind chooses (None: all)."""
    conditions = []
    if chosen.municipality is not None:
        conditions.append(Organisation.municipality_id == chosen.municipality.id)
    if chosen.kind is not None:
        conditions.append(Organisation.kind == chosen.kind)
    return sa.select(Organisation.id).where(*conditions) if conditions else None


def initiative_rows(chosen, reader, only: list[int] | None = None) -> dict[int, list[int]]:
    """{initiative: its lead and partners} of the initiatives the filter counts (of `only`, when
    given); with organisations chosen, only those they take part in."""
    conditions = listing.filter_conditions(
        listing.InitiativeFilter(
            theme=chosen.theme, active_from=chosen.start, active_to=chosen.end
        ),
        reader,
    )
    if only is not None:
        conditions.append(Initiative.id.in_(only))
    focus = focus_select(chosen)
    if focus is not None:
        conditions.append(
            sa.or_(
                Initiative.lead_organisation_id.in_(focus),
                Initiative.id.in_(
                    sa.select(initiative_partners.c.initiative_id).where(
                        initiative_partners.c.organisation_id.in_(focus)
                    )
                ),
            )
        )
    leads = sa.select(Initiative.id, Initiative.lead_organisation_id).where(*conditions)
    partners = sa.select(initiative_partners.c.initiative_id, initiative_partners.c.organisation_id)
    if conditions:  # no filter and no members-only to hide: every partner row counts
        partners = partners.join(
            Initiative, Initiative.id == initiative_partners.c.initiative_id
        ).where(*conditions)
    grouped: dict[int, list[int]] = {}
    connection = db.session.connection()  # plain rows: tens of thousands of them
    for initiative_id, organisation_id in connection.execute(leads.union_all(partners)).all():
        grouped.setdefault(initiative_id, []).append(organisation_id)
    return grouped


@access.reader("collaboration_map_arenas", "the collaboration map's shared arenas")
def arena_rows(chosen, reader, only: list[int] | None = None) -> dict[int, tuple]:
    """{arena: (its organisations, slug, name)} of the arenas the filter counts (of `only`, when
    given): not archived, public unless the reader sees members-only ones, existing by the
    period's end; with organisations chosen, only those they take part in."""
    conditions = [Arena.archived.is_(False), arenas_seen_sql(reader, Arena)]
    if chosen.end is not None:  # created before the day after the end began in Oslo
        day_after = datetime.combine(chosen.end + timedelta(days=1), time(), ZoneInfo(OSLO))
        conditions.append(Arena.created_at < day_after.astimezone(UTC))
    if only is not None:
        conditions.append(Arena.id.in_(only))
    focus = focus_select(chosen)
    if focus is not None:
        conditions.append(
            Arena.id.in_(
                sa.select(arena_organisations.c.arena_id).where(
                    arena_organisations.c.organisation_id.in_(focus)
                )
            )
        )
    grouped: dict[int, tuple] = {}
    rows = db.session.connection().execute(
        sa.select(
            arena_organisations.c.arena_id,
            arena_organisations.c.organisation_id,
            Arena.slug,
            Arena.name,
        )
        .join(Arena, Arena.id == arena_organisations.c.arena_id)
        .where(*conditions)
    )
    for arena_id, organisation_id, slug, name in rows:
        grouped.setdefault(arena_id, ([], slug, name))[0].append(organisation_id)
    return grouped


def initiative_titles(ids) -> dict[int, str]:
    """The titles of these initiatives (those behind links: the graph keeps only their ids)."""
    ids = sorted(set(ids))
    titles = {}
    for start in range(0, len(ids), 5000):  # well within every database's limit on values
        chunk = ids[start : start + 5000]
        titles.update(
            db.session.execute(
                sa.select(Initiative.id, Initiative.title).where(Initiative.id.in_(chunk))
            ).all()
        )
    return titles
