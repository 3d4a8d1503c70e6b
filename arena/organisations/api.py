"""API routes for organisations."""

from typing import Literal

from pydantic import Field

from arena.api.declare import Answer, Query, operation
from arena.organisations import services
from arena.organisations.models import ORGANISATION_KINDS


class Municipality(Answer):
    number: str
    name: str


class Organisation(Answer):
    slug: str
    name: str
    kind: Literal[ORGANISATION_KINDS]
    municipality: Municipality | None
    org_number: str | None
    website: str | None
    member_count: int = Field(description="Verified, active members")


class OrganisationList(Answer):
    results: list[Organisation]


class OrganisationFilter(Query):
    kind: Literal[ORGANISATION_KINDS] | None = None


def organisation_json(org, member_count: int) -> dict:
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "municipality": (
            {"number": org.municipality.number, "name": org.municipality.name}
            if org.municipality
            else None
        ),
        "org_number": org.org_number,
        "website": org.website,
        "member_count": member_count,
    }


@operation("GET", "/organisations", query=OrganisationFilter, answer=OrganisationList)
def list_organisations(query: OrganisationFilter):
    """Approved organisations by name, optionally of one kind."""
    counts = services.member_counts()
    orgs = services.list_organisations(kind=query.kind)
    return {"results": [organisation_json(o, counts.get(o.id, 0)) for o in orgs]}
