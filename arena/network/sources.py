"""What the collaboration map is made of, read from the database: the organisations, each
initiative's and arena's organisations under a filter, and a version that tells what changed."""

from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from arena import access, changes
from arena.access import arenas_seen_sql
from arena.arenas.models import Arena, arena_organisations
from arena.dates import OSLO
from arena.extensions import db
from arena.initiatives import listing
from arena.initiatives.models import Initiative, initiative_partners
from arena.organisations.models import Municipality, Organisation

#: The subjects the map is made of (arena/changes.py), in Version's order.
SUBJECTS = ("initiatives", "arenas", "organisations")


class Version(NamedTuple):
    """The change counters of initiatives (with their partners and themes), arenas (with their
    organisations) and organisations: any change moves one."""

    initiatives: int
    arenas: int
    organisations: int


def version() -> Version:
    return Version(*changes.numbers(*SUBJECTS))


class Changed(NamedTuple):
    """The ids of the initiatives, arenas and organisations added, changed or removed."""

    initiatives: list[int]
    arenas: list[int]
    organisations: list[int]


def changed_since(before: Version, now: Version) -> Changed | None:
    """What changed between two versions, or None when that is not known row by row (a bulk
    change such as a merge, or more changes than the log keeps)."""
    found = []
    for subject, was, is_now in zip(SUBJECTS, before, now, strict=True):
        ids = changes.rows_changed(subject, was, is_now)
        if ids is None:
            return None
        found.append(sorted(ids))
    return Changed(*found)


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
