"""Curating the vocabulary of fields of expertise (admins): approving proposed areas, renaming
them, and merging duplicates."""

import sqlalchemy as sa
from flask_babel import gettext as _

from arena import lifecycle
from arena.access import require_admin
from arena.errors import ValidationFailed
from arena.expertise.models import ExpertiseArea
from arena.expertise.services import AREA_NAME_MAX, find_area_by_name, index_area
from arena.extensions import db
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


def update_area(actor, area: ExpertiseArea, name: str, name_nn: str, synonyms: str) -> None:
    """An admin renames an area or changes its nynorsk name and synonyms."""
    require_admin(actor)
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Må fylles ut.")
    else:
        clash = find_area_by_name(name)
        if clash is not None and clash.id != area.id:
            errors["name"] = _("Det finnes allerede et fagområde med dette navnet.")
    for key, value, limit in (
        ("name", name, AREA_NAME_MAX),
        ("name_nn", name_nn, AREA_NAME_MAX),
        ("synonyms", synonyms, 500),
    ):
        if len(value or "") > limit:
            errors[key] = _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    area.name, area.name_nn = name, " ".join((name_nn or "").split())
    area.synonyms = ", ".join(s.strip() for s in (synonyms or "").split(",") if s.strip())
    area.approved = True
    index_area(area)
    lifecycle.announce("expertise_area", "changed", area)  # what is found by its name
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
    db.session.commit()
