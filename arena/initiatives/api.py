"""API routes for initiatives: the same services and filters as the pages."""

from datetime import date, datetime
from typing import Annotated, Literal

from flask import g
from flask_babel import gettext as _
from pydantic import Field

from arena.access import sees_contact_details
from arena.api.declare import (
    NOT_TEXT,
    Answer,
    Body,
    Email,
    IsoDate,
    Page,
    Paging,
    Slug,
    operation,
    page_json,
    supported_date,
    text,
)
from arena.errors import NotFound, ValidationFailed
from arena.expertise import services as expertise
from arena.initiatives import listing, services, statements
from arena.initiatives.listing import InitiativeFilter
from arena.initiatives.models import LIMITS, MAX_LINKS, PROPOSAL_ROLES, STATUSES
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.organisations.models import ORGANISATION_KINDS

MunicipalityNumber = Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["4003"])]
#: What the services call a field, as the API names it.
FIELD_NAMES = {
    "lead_organisation_id": "lead_organisation",
    "partner_ids": "partners",
    "theme_ids": "themes",
    "wanted_ids": "wanted_competence",
    "municipality_ids": "municipalities",
}


class Ref(Answer):
    slug: str
    name: str


class Municipality(Answer):
    number: str
    name: str


class Link(Body):
    url: Annotated[
        str, Field(max_length=500, pattern=rf"^https?://[^\s/{NOT_TEXT}]+\.[^\s{NOT_TEXT}]+$")
    ]
    label: text(200) = ""


class Contact(Answer):
    id: int
    name: str
    email: str | None = Field(description="Only for verified members")


class Proposed(Answer):
    organisation: Ref
    role: Literal[PROPOSAL_ROLES] = Field(
        description="Asked to lead, to take part as a partner, or to call it a priority"
    )


class Initiative(Answer):
    id: int
    url: str
    title: str
    summary: str
    description: str
    status: Literal[STATUSES]
    is_priority: bool
    starts_on: date | None
    ends_on: date | None
    contact: Contact | None
    lead_organisation: Ref = Field(description="Accepted by the organisation")
    partners: list[Ref] = Field(description="Accepted by each organisation")
    proposed: list[Proposed] = Field(
        description="Named by somebody outside the organisation, not yet accepted by it; counted "
        "nowhere until then"
    )
    themes: list[Ref]
    wanted_competence: list[Ref]
    municipalities: list[Municipality]
    links: list[Link]
    is_public: bool
    created_at: datetime
    updated_at: datetime
    version: int


class InitiativePage(Page):
    results: list[Initiative]


class InitiativeQuery(Paging):
    q: text(300) = Field("", description="Full-text search (Norwegian: inflections, compounds)")
    status: list[Literal[STATUSES]] = Field([], description="Any of these; repeatable")
    priority: bool = Field(False, description="Priorities only")
    theme: Slug | None = Field(None, description="Field of expertise (slug)")
    organisation: Slug | None = Field(None, description="Lead or partner organisation (slug)")
    kind: Literal[ORGANISATION_KINDS] | None = Field(None, description="Lead organisation's kind")
    municipality: MunicipalityNumber | None = None
    active_from: IsoDate | None = supported_date("Active on or after", alias="from")
    active_to: IsoDate | None = supported_date("Active on or before", alias="to")


class InitiativeFields(Body):
    """Only the fields sent change (a new initiative needs title and summary)."""

    title: text(LIMITS["title"], required=True, one_line=True) = None
    summary: text(LIMITS["summary"], required=True) = None
    description: text(LIMITS["description"]) = None
    status: Literal[STATUSES] = None
    is_priority: bool = None
    starts_on: IsoDate | None = supported_date("First day")
    ends_on: IsoDate | None = supported_date("Last day")
    contact_email: Email = Field(None, description="The contact person; default: you")
    lead_organisation: Slug = Field(None, description="Default: your organisation")
    partners: list[Slug] = None
    themes: list[Slug] = None
    wanted_competence: list[Slug] = None
    municipalities: list[MunicipalityNumber] = None
    links: list[Link] = Field(None, max_length=MAX_LINKS)
    is_public: bool = None


class NewInitiative(InitiativeFields):
    title: text(LIMITS["title"], required=True)
    summary: text(LIMITS["summary"], required=True)


class InitiativeChange(InitiativeFields):
    version: int = Field(None, description="The version you read; 409 if someone saved since")


def initiative_json(i, reader) -> dict:
    """The initiative as the reader may see it (the contact's address needs verification)."""
    return {
        "id": i.id,
        "url": absolute_url("initiatives.show", initiative_id=i.id),
        "title": i.title,
        "summary": i.summary,
        "description": i.description,
        "status": i.status,
        "is_priority": i.is_priority,
        "starts_on": i.starts_on.isoformat() if i.starts_on else None,
        "ends_on": i.ends_on.isoformat() if i.ends_on else None,
        "contact": {
            "id": i.contact.id,
            "name": i.contact.name,
            "email": i.contact.email if sees_contact_details(reader, i.contact) else None,
        }
        if i.contact
        else None,
        "lead_organisation": {"slug": i.lead_organisation.slug, "name": i.lead_organisation.name},
        "partners": [{"slug": o.slug, "name": o.name} for o in i.partners],
        "proposed": [
            {
                "organisation": {"slug": p.organisation.slug, "name": p.organisation.name},
                "role": p.role,
            }
            for p in i.proposals
        ],
        "themes": [{"slug": a.slug, "name": a.name} for a in i.themes],
        "wanted_competence": [{"slug": a.slug, "name": a.name} for a in i.wanted_competence],
        "municipalities": [{"number": m.number, "name": m.name} for m in i.municipalities],
        "links": [{"url": k.url, "label": k.label} for k in i.links],
        "is_public": i.is_public,
        "created_at": i.created_at.isoformat(),
        "updated_at": i.updated_at.isoformat(),
        "version": i.version,
    }


def _organisation(slug: str):
    return organisations.find_organisation(slug)


def _area(slug: str):
    try:
        return expertise.get_area(slug)
    except NotFound:  # reported as an unknown value
        return None


def _municipality(number: str):
    return next((m for m in organisations.municipalities() if m.number == number), None)


def _found(key: str, values: list[str], find, errors: dict) -> list:
    found = [find(v) for v in values]
    unknown = [v for v, f in zip(values, found, strict=True) if f is None]
    if unknown:
        errors[key] = _("Ukjent verdi: %(values)s", values=", ".join(unknown))
    return found


@operation("GET", "/initiatives", query=InitiativeQuery, answer=InitiativePage)
def list_initiatives(query: InitiativeQuery):
    """Initiatives, newest or best match first, with the list page's filters."""
    errors: dict = {}
    lookups = {"theme": _area, "organisation": _organisation, "municipality": _municipality}
    chosen = InitiativeFilter(
        query=query.q,
        statuses=list(query.status),
        priority_only=query.priority,
        organisation_kind=query.kind,
        active_from=query.active_from,
        active_to=query.active_to,
    )
    for key, find in lookups.items():
        if (value := getattr(query, key)) is not None:
            setattr(chosen, key, _found(key, [value], find, errors)[0])
    if errors:
        raise ValidationFailed(_("Ukjente filterverdier."), errors)
    result = listing.list_initiatives(chosen, g.api_member, query.page, query.per_page)
    items = [initiative_json(i, g.api_member) for i in result.items]
    return page_json("api.list_initiatives", result, items)


INITIATIVE_LINKS = {
    "GetInitiative": ("get_initiative", {"initiative_id": "$response.body#/id"}),
    "UpdateInitiative": ("update_initiative", {"initiative_id": "$response.body#/id"}),
    "DeleteInitiative": ("delete_initiative", {"initiative_id": "$response.body#/id"}),
}


@operation(
    "POST",
    "/initiatives",
    body=NewInitiative,
    answer=Initiative,
    status=201,
    errors=(403,),
    links=INITIATIVE_LINKS,
    field_names=FIELD_NAMES,
)
def create_initiative(body: NewInitiative):
    """Register an initiative; you are the contact person unless another is named."""
    initiative = services.create_initiative(g.api_member, _input(body, None))
    return initiative_json(initiative, g.api_member)


@operation("GET", "/initiatives/<int:initiative_id>", answer=Initiative)
def get_initiative(initiative_id: int):
    """One initiative."""
    return initiative_json(services.get_initiative(initiative_id, g.api_member), g.api_member)


@operation(
    "PATCH",
    "/initiatives/<int:initiative_id>",
    body=InitiativeChange,
    answer=Initiative,
    errors=(403, 409),
    field_names=FIELD_NAMES,
)
def update_initiative(initiative_id: int, body: InitiativeChange):
    """Change some fields; send the `version` you read, or get 409 when someone else saved."""
    initiative = services.get_initiative(initiative_id, g.api_member)
    version = body.version if body.version is not None else initiative.version
    services.update_initiative(g.api_member, initiative, _input(body, initiative), version)
    return initiative_json(initiative, g.api_member)


@operation("DELETE", "/initiatives/<int:initiative_id>", status=204, errors=(403,))
def delete_initiative(initiative_id: int):
    """Delete an initiative."""
    services.delete_initiative(g.api_member, services.get_initiative(initiative_id, g.api_member))


ASKED = "/initiatives/<int:initiative_id>/proposals/<int:organisation_proposal_id>"


@operation("POST", f"{ASKED}/accept", answer=Initiative, errors=(403,))
def accept_organisation_proposal(initiative_id: int, organisation_proposal_id: int):
    """Say yes for your organisation: it leads, is a partner or prioritises it, as proposed.

    Only verified members of the organisation asked (and admins) may answer."""
    return _answer(initiative_id, organisation_proposal_id, accept=True)


@operation("POST", f"{ASKED}/decline", answer=Initiative, errors=(403,))
def decline_organisation_proposal(initiative_id: int, organisation_proposal_id: int):
    """Say no for your organisation; whoever proposed it hears of it by email."""
    return _answer(initiative_id, organisation_proposal_id, accept=False)


def _answer(initiative_id: int, proposal_id: int, accept: bool) -> dict:
    initiative = services.get_initiative(initiative_id, g.api_member)
    statements.answer(g.api_member, proposal_id, accept, initiative)
    services.organisations_answered(initiative)
    return initiative_json(initiative, g.api_member)


def _input(body: InitiativeFields, current) -> services.InitiativeInput:
    """The fields sent (onto the current initiative for PATCH) as service input."""
    data = services.InitiativeInput()
    if current is not None:
        lead_id, partner_ids, priority = statements.as_asked(current)
        data = services.InitiativeInput(
            title=current.title,
            summary=current.summary,
            description=current.description,
            status=current.status,
            is_priority=priority,
            starts_on=current.starts_on,
            ends_on=current.ends_on,
            contact_email=current.contact.email if current.contact else "",
            lead_organisation_id=lead_id,
            partner_ids=partner_ids,
            theme_ids=[a.id for a in current.themes],
            wanted_ids=[a.id for a in current.wanted_competence],
            municipality_ids=[m.id for m in current.municipalities],
            links=[(k.url, k.label) for k in current.links],
            is_public=current.is_public,
        )
    given = body.model_dump(exclude_unset=True, exclude={"version"})
    for key in (
        "title",
        "summary",
        "description",
        "status",
        "contact_email",
        "is_priority",
        "is_public",
        "starts_on",
        "ends_on",
    ):
        if key in given:
            setattr(data, key, given[key])
    errors: dict = {}
    lists = {
        "partners": ("partner_ids", _organisation),
        "themes": ("theme_ids", _area),
        "wanted_competence": ("wanted_ids", _area),
        "municipalities": ("municipality_ids", _municipality),
    }
    for key, (attribute, find) in lists.items():
        if key in given:
            found = _found(key, given[key], find, errors)
            setattr(data, attribute, [f.id for f in found if f is not None])
    if "lead_organisation" in given:
        lead = _found("lead_organisation", [given["lead_organisation"]], _organisation, errors)[0]
        data.lead_organisation_id = lead.id if lead is not None else None
    if "links" in given:
        data.links = [(link.url, link.label) for link in body.links]
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    return data
