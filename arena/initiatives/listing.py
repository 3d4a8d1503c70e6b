"""Finding initiatives: the filtered, searched list, similar initiatives before registering a new
one, an organisation's and a theme's initiatives, and people with the competence one wants."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from arena import access, text
from arena.access import initiatives_seen_sql
from arena.accounts.models import Member
from arena.expertise import services as expertise
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives.models import (
    Initiative,
    initiative_municipalities,
    initiative_partners,
    initiative_themes,
)
from arena.organisations.models import Municipality, Organisation
from arena.paging import Page
from arena.search import services as search

#: Half the words in common, one shared theme, or a shared place plus some words.
SIMILARITY_THRESHOLD = 1.5


@dataclass
class InitiativeFilter:
    """The filters of the «Hva skjer» list; they live in the URL."""

    query: str = ""
    statuses: list[str] = field(default_factory=list)
    priority_only: bool = False
    theme: ExpertiseArea | None = None
    organisation: Organisation | None = None
    organisation_kind: str | None = None
    municipality: Municipality | None = None
    active_from: date | None = None
    active_to: date | None = None

    @property
    def filters_in_use(self) -> int:
        """How many filters besides the search words narrow the list."""
        single = (self.theme, self.organisation, self.organisation_kind, self.municipality)
        dates = (self.active_from, self.active_to)
        return len(self.statuses) + self.priority_only + sum(v is not None for v in single + dates)


@access.reader(
    "initiative_lists",
    "lists of initiatives: the overview, the API, organisation and concept pages, the map",
)
def filter_conditions(chosen: InitiativeFilter, reader) -> list:
    """WHERE conditions on Initiative for the chosen filters (and what the reader may see)."""
    conditions = [initiatives_seen_sql(reader, Initiative)]
    if chosen.statuses:
        conditions.append(Initiative.status.in_(chosen.statuses))
    if chosen.priority_only:
        conditions.append(Initiative.is_priority)
    if chosen.theme is not None:
        conditions.append(
            Initiative.id.in_(
                sa.select(initiative_themes.c.initiative_id).where(
                    initiative_themes.c.area_id == chosen.theme.id
                )
            )
        )
    if chosen.organisation is not None:
        org_id = chosen.organisation.id
        conditions.append(
            sa.or_(
                Initiative.lead_organisation_id == org_id,
                Initiative.id.in_(
                    sa.select(initiative_partners.c.initiative_id).where(
                        initiative_partners.c.organisation_id == org_id
                    )
                ),
            )
        )
    if chosen.organisation_kind:
        conditions.append(
            Initiative.lead_organisation_id.in_(
                sa.select(Organisation.id).where(Organisation.kind == chosen.organisation_kind)
            )
        )
    if chosen.municipality is not None:
        conditions.append(
            Initiative.id.in_(
                sa.select(initiative_municipalities.c.initiative_id).where(
                    initiative_municipalities.c.municipality_id == chosen.municipality.id
                )
            )
        )
    # The period filter keeps initiatives whose period overlaps it (open ends count as open).
    if chosen.active_from is not None:
        conditions.append(
            sa.or_(Initiative.ends_on.is_(None), Initiative.ends_on >= chosen.active_from)
        )
    if chosen.active_to is not None:
        conditions.append(
            sa.or_(Initiative.starts_on.is_(None), Initiative.starts_on <= chosen.active_to)
        )
    return conditions


def list_initiatives(chosen: InitiativeFilter, reader, page: int = 1, per_page: int = 20) -> Page:
    """«Hva skjer»: newest and recently updated first, or best match first when searching."""
    page = max(1, page)
    conditions = filter_conditions(chosen, reader)
    if chosen.query.strip():
        ranking = search.ranked("initiative", chosen.query)
        if ranking is None:
            return Page([], 0, page, per_page)
        # One ranked pass gives both the count and the page.
        ids = list(
            db.session.scalars(
                sa.select(Initiative.id)
                .join(ranking, ranking.c.object_id == Initiative.id)
                .where(*conditions)
                .order_by(*search.best_first(ranking, Initiative.id))
            )
        )
        chosen_ids = ids[(page - 1) * per_page : page * per_page]
        by_id = load_many(chosen_ids)
        return Page([by_id[i] for i in chosen_ids], len(ids), page, per_page)
    total = _count(conditions)
    statement = (
        sa.select(Initiative)
        .where(*conditions)
        .order_by(Initiative.updated_at.desc(), Initiative.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(list(db.session.scalars(statement.options(*list_options()))), total, page, per_page)


def count_initiatives(chosen: InitiativeFilter, reader) -> int:
    """How many initiatives the list would show (no search words: those rank, see above)."""
    return _count(filter_conditions(chosen, reader))


def _count(conditions: list) -> int:
    return db.session.scalar(sa.select(sa.func.count(Initiative.id)).where(*conditions))


def newest_initiatives(reader, limit: int = 5) -> list[Initiative]:
    """The most recently registered initiatives the reader may see."""
    statement = (
        sa.select(Initiative)
        .where(*filter_conditions(InitiativeFilter(), reader))
        .order_by(Initiative.created_at.desc(), Initiative.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement.options(*list_options())))


def list_options():
    """What a list of initiatives shows, loaded with them."""
    return (
        selectinload(Initiative.lead_organisation),
        selectinload(Initiative.themes),
        selectinload(Initiative.municipalities),
    )


def load_many(ids: list[int]) -> dict[int, Initiative]:
    if not ids:
        return {}
    statement = sa.select(Initiative).where(Initiative.id.in_(ids)).options(*list_options())
    return {i.id: i for i in db.session.scalars(statement)}


def similar_initiatives(
    title: str,
    summary: str = "",
    theme_ids=(),
    municipality_ids=(),
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Initiative]:
    """Initiatives that look like this one: similar words, the same themes or places."""
    scores: dict[int, float] = {}
    wanted = f"{title} {summary}"
    words = len(text.parse_query(wanted)) or 1
    for hit in search.search("initiative", wanted, limit=200):
        # How much of what was typed the other initiative matches, 0..1, counted up to 4.
        scores[hit.object_id] = 4 * hit.score / (search.TOP_WEIGHT * search.EXACT * words)
    for table, column, ids, weight in (
        (initiative_themes, initiative_themes.c.area_id, theme_ids, 1.5),
        (
            initiative_municipalities,
            initiative_municipalities.c.municipality_id,
            municipality_ids,
            1.0,
        ),
    ):
        if ids:
            rows = db.session.execute(
                sa.select(table.c.initiative_id, sa.func.count())
                .where(column.in_(list(ids)))
                .group_by(table.c.initiative_id)
            )
            for initiative_id, shared in rows:
                scores[initiative_id] = scores.get(initiative_id, 0.0) + weight * shared
    scores.pop(exclude_id, None)
    best = sorted((s, i) for i, s in scores.items() if s >= SIMILARITY_THRESHOLD)[::-1][:limit]
    by_id = load_many([i for _s, i in best])
    return [by_id[i] for _s, i in best if i in by_id]


def initiatives_of_organisation(org: Organisation, reader) -> tuple[list, list]:
    """An organisation's priorities and its other initiatives (led or partnered)."""
    conditions = filter_conditions(InitiativeFilter(organisation=org), reader)
    items = list(
        db.session.scalars(
            sa.select(Initiative)
            .where(*conditions)
            .order_by(Initiative.updated_at.desc())
            .options(*list_options())
        )
    )
    priorities = [i for i in items if i.is_priority and i.lead_organisation_id == org.id]
    return priorities, [i for i in items if i not in priorities]


def initiatives_with_theme(area: ExpertiseArea, reader, limit: int = 50) -> list[Initiative]:
    return list_initiatives(InitiativeFilter(theme=area), reader, per_page=limit).items


def people_with_competence(initiative: Initiative, limit: int = 5) -> dict[int, list[Member]]:
    """For each wanted field, a few members in other organisations who have it, best first."""
    return {
        area.id: expertise.members_with_area(
            area, exclude_organisation_ids={initiative.lead_organisation_id}, limit=limit
        )
        for area in initiative.wanted_competence
    }
