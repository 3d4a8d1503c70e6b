"""Curating the vocabulary of fields of expertise (admins): approving proposed concepts, naming
them in three languages with their alternatives and links, and merging duplicates."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from arena import lifecycle
from arena.access import require_admin
from arena.dates import utcnow
from arena.errors import ValidationFailed
from arena.expertise import concepts
from arena.expertise.models import ALTERNATIVES_MAX, BROADER, RELATED, AreaLink, ExpertiseArea
from arena.expertise.services import AREA_NAME_MAX, find_area_by_name, index_area
from arena.extensions import db
from arena.lines import check_length
from arena.search import services as search


def proposed_areas() -> list[ExpertiseArea]:
    return list(
        db.session.scalars(
            sa.select(ExpertiseArea)
            .where(ExpertiseArea.approved.is_(False))
            .order_by(ExpertiseArea.name)
        )
    )


def approve_area(actor, area: ExpertiseArea) -> None:
    require_admin(actor)
    area.approved = True
    db.session.commit()


@dataclass
class AreaChange:
    """What an admin typed for a concept: its names, alternatives, and the names of its broader
    and related concepts (comma separated, any label)."""

    name: str
    name_nn: str = ""
    name_en: str = ""
    synonyms: str = ""
    broader: str = ""
    related: str = ""


def _split(names: str) -> list[str]:
    return list(dict.fromkeys(" ".join(n.split()) for n in (names or "").split(",") if n.strip()))


def _concepts_named(area: ExpertiseArea, typed: str, key: str, errors: dict) -> list:
    found = []
    for name in _split(typed):
        other = find_area_by_name(name)
        if other is None:
            errors[key] = _("Ukjent fagområde: «%(name)s».", name=name)
        elif other.id == area.id:
            errors[key] = _("Et fagområde kan ikke lenkes til seg selv.")
        else:
            found.append(other)
    return found


def update_area(actor, area: ExpertiseArea, change: AreaChange) -> None:
    """An admin renames a concept, gives its nynorsk and English names and alternatives, and
    says which concepts are broader and related (approving it too)."""
    require_admin(actor)
    name = " ".join((change.name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Må fylles ut.")
    else:
        clash = find_area_by_name(name)
        if clash is not None and clash.id != area.id:
            errors["name"] = _("Det finnes allerede et fagområde med dette navnet.")
    for key, value, limit in (
        ("name", name, AREA_NAME_MAX),
        ("name_nn", change.name_nn, AREA_NAME_MAX),
        ("name_en", change.name_en, AREA_NAME_MAX),
        ("synonyms", change.synonyms, ALTERNATIVES_MAX),
    ):
        check_length(errors, key, value, limit)
    broader = _concepts_named(area, change.broader, "broader", errors)
    related = _concepts_named(area, change.related, "related", errors)
    narrower = {a.id for a in concepts.links_of(area).get("narrower", [])}
    if any(b.id in narrower for b in broader):
        errors["broader"] = _("Et smalere fagområde kan ikke også være bredere.")
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    area.name = name
    area.name_nn = " ".join((change.name_nn or "").split())
    area.name_en = " ".join((change.name_en or "").split())
    area.synonyms = ", ".join(_split(change.synonyms))
    area.approved = True
    area.changed_at = utcnow()
    db.session.execute(
        sa.delete(AreaLink).where(
            sa.or_(
                sa.and_(AreaLink.area_id == area.id, AreaLink.relation == BROADER),
                sa.and_(
                    AreaLink.relation == RELATED,
                    sa.or_(AreaLink.area_id == area.id, AreaLink.other_id == area.id),
                ),
            )
        )
    )
    db.session.flush()
    for other in broader:
        concepts.link(area, other, BROADER)
    for other in related:
        concepts.link(area, other, RELATED)
    db.session.flush()
    concepts.refresh()
    index_area(area)
    lifecycle.announce("expertise_area", "changed", area)  # what is found by its name
    concepts.vocabulary_changed()
    db.session.commit()


def merge_areas(actor, source: ExpertiseArea, target: ExpertiseArea) -> None:
    """An admin folds a duplicate area into another: every use of it moves over."""
    require_admin(actor)
    if source.id == target.id:
        raise ValidationFailed(
            _("Et fagområde kan ikke slås sammen med seg selv."),
            {"target": _("Velg et annet fagområde.")},
        )
    lifecycle.announce("expertise_area", "merged", source, target)
    search.remove("area", source.id)
    db.session.delete(source)
    db.session.flush()
    concepts.refresh()
    index_area(target)
    db.session.commit()
