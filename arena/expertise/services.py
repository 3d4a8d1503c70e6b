"""The vocabulary of fields of expertise: listing, suggesting and proposing areas."""

import sqlalchemy as sa
from flask_babel import gettext as _

from arena import text
from arena.errors import NotFound, ValidationFailed
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.organisations.services import slugify
from arena.search import services as search

AREA_NAME_MAX = 100


def all_areas() -> list[ExpertiseArea]:
    """Every usable area (approved or proposed), by name."""
    return list(db.session.scalars(sa.select(ExpertiseArea).order_by(ExpertiseArea.name)))


def get_area(slug: str) -> ExpertiseArea:
    area = db.session.scalar(sa.select(ExpertiseArea).filter_by(slug=slug))
    if area is None:
        raise NotFound(_("Fant ikke fagområdet."))
    return area


def areas_by_ids(ids) -> list[ExpertiseArea]:
    """The areas with these ids; ValidationFailed names any that do not exist."""
    ids = sorted({int(i) for i in ids})
    found = list(db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationFailed(_("Ukjent fagområde."))
    return sorted(found, key=lambda a: a.name)


def index_area(area: ExpertiseArea) -> None:
    search.index("area", area.id, [(area.name, 3.0), (area.name_nn, 3.0), (area.synonyms, 2.0)])


def suggest_areas(query: str, limit: int = 10) -> list[ExpertiseArea]:
    """Areas matching what is typed, by name, nynorsk name or synonym, best first."""
    hits = search.search("area", query, limit=limit)
    areas = {a.id: a for a in areas_by_ids([h.object_id for h in hits])} if hits else {}
    return [areas[h.object_id] for h in hits]


def _same_name(a: str, b: str) -> bool:
    return text.fold(" ".join(text.words(a))) == text.fold(" ".join(text.words(b)))


def find_area_by_name(name: str) -> ExpertiseArea | None:
    """An area called this (in either language form), ignoring case and æøå spelling."""
    for area in all_areas():
        if _same_name(area.name, name) or (area.name_nn and _same_name(area.name_nn, name)):
            return area
    return None


def propose_area(actor, name: str) -> ExpertiseArea:
    """A member's new area, usable at once and queued for an admin; an existing one if it exists."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Skriv navnet på fagområdet."), {"name": _("Må fylles ut.")})
    if len(name) > AREA_NAME_MAX:
        message = _("Kan ikke være lengre enn %(n)d tegn.", n=AREA_NAME_MAX)
        raise ValidationFailed(message, {"name": message})
    existing = find_area_by_name(name)
    if existing is not None:
        return existing
    slug, n = slugify(name), 2
    while db.session.scalar(sa.select(ExpertiseArea.id).filter_by(slug=slug)) is not None:
        slug, n = f"{slugify(name)}-{n}", n + 1
    area = ExpertiseArea(
        name=name[:1].upper() + name[1:],
        slug=slug,
        approved=False,
        proposed_by_id=getattr(actor, "id", None),
    )
    db.session.add(area)
    db.session.flush()
    index_area(area)
    return area


def reindex_all() -> int:
    """Rebuilds the search index of every area."""
    areas = all_areas()
    for area in areas:
        index_area(area)
    db.session.commit()
    return len(areas)
