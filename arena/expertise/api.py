"""API routes for the colleague finder and members' expertise."""

from typing import Literal

from flask import g
from flask_babel import gettext as _
from pydantic import Field

from arena.api.declare import Answer, Body, Query, Slug, operation, text
from arena.errors import NotFound, ValidationFailed
from arena.expertise import concepts, finder, services
from arena.expertise.models import LEVELS, NOTE_MAX
from arena.organisations.models import ORGANISATION_KINDS

Level = Literal[LEVELS]


class OrganisationRef(Answer):
    slug: str
    name: str


class ExpertArea(Answer):
    area: str
    level: Level


class Expert(Answer):
    id: int
    name: str
    title: str
    organisation: OrganisationRef
    expertise: list[ExpertArea]
    score: int


class ExpertList(Answer):
    results: list[Expert]


class ExpertSearch(Query):
    q: text(300) = Field("", description="What you need help with")
    organisation_kind: Literal[ORGANISATION_KINDS] | None = None
    level_min: int = Field(1, ge=1, le=3, description="1 interested, 2 experienced, 3 expert")
    limit: int = Field(20, ge=1, le=finder.MAX_LIMIT)
    include_own_organisation: bool = Field(False, description="Also your own colleagues")


class Expertise(Answer):
    area: str = Field(description="The area's slug")
    name: str
    level: Level
    note: str


class MyExpertise(Answer):
    expertise: list[Expertise]
    ask_me_about: str


class ExpertiseEntry(Body):
    area: Slug = Field(description="The area's slug")
    level: Level
    note: text(NOTE_MAX) = ""


class ExpertiseList(Body):
    expertise: list[ExpertiseEntry]


class Area(Answer):
    slug: str
    name: str
    name_nn: str
    name_en: str
    synonyms: list[str] = Field(description="Alternative labels, in any language")
    broader: list[str] = Field(description="Slugs of broader concepts")
    narrower: list[str] = Field(description="Slugs of narrower concepts")
    related: list[str] = Field(description="Slugs of related concepts")
    approved: bool


class AreaList(Answer):
    results: list[Area]


class AreaSearch(Query):
    q: text(100) = Field("", description="Suggestions for what was typed; empty: all")


def _areas_json(areas) -> list[dict]:
    links = concepts.link_map(a.id for a in areas)
    return [
        {
            "slug": area.slug,
            "name": area.name,
            "name_nn": area.name_nn,
            "name_en": area.name_en,
            "synonyms": area.alternatives,
            **{key: [a.slug for a in linked] for key, linked in links[area.id].items()},
            "approved": area.approved,
        }
        for area in areas
    ]


@operation("GET", "/experts", query=ExpertSearch, answer=ExpertList)
def find_experts(query: ExpertSearch):
    """The best people for a query, best first; your own organisation left out by default."""
    wanted = finder.ExpertQuery(
        text=query.q,
        organisation_kind=query.organisation_kind,
        level_min=query.level_min,
        limit=query.limit,
        include_own_organisation=query.include_own_organisation,
    )
    answer = finder.find_experts(g.api_member, wanted)
    return {
        "results": [
            {
                "id": r.member.id,
                "name": r.member.name,
                "title": r.member.title,
                "organisation": {
                    "slug": r.member.organisation.slug,
                    "name": r.member.organisation.name,
                },
                "expertise": [{"area": a.name, "level": level} for a, level in r.areas],
                "score": r.score,
            }
            for r in answer.results
        ]
    }


def _expertise_json(member) -> dict:
    return {
        "expertise": [
            {"area": e.area.slug, "name": e.area.name, "level": e.level, "note": e.note}
            for e in services.expertise_of(member)
        ],
        "ask_me_about": member.ask_me_about,
    }


@operation("GET", "/me/expertise", answer=MyExpertise)
def get_my_expertise():
    """Your fields of expertise."""
    return _expertise_json(g.api_member)


@operation("PUT", "/me/expertise", body=ExpertiseList, answer=MyExpertise)
def replace_my_expertise(body: ExpertiseList):
    """Replace your whole list of expertise."""
    resolved = []
    for n, entry in enumerate(body.expertise):
        try:
            area = services.get_area(entry.area)
        except NotFound:
            message = _("Ukjent fagområde.")
            raise ValidationFailed(message, {f"expertise.{n}.area": message}) from None
        resolved.append((area, entry.level, entry.note))
    services.replace_expertise(g.api_member, g.api_member, resolved)
    return _expertise_json(g.api_member)


@operation("GET", "/expertise-areas", query=AreaSearch, answer=AreaList)
def list_expertise_areas(query: AreaSearch):
    """The shared vocabulary of fields of expertise (or suggestions for `q`)."""
    reader = g.api_member
    if query.q.strip():
        areas = services.suggest_areas(reader, query.q, limit=20)
    else:
        areas = services.areas_for(reader)
    return {"results": _areas_json(areas)}
