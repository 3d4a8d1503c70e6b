"""API routes for arenas, ownership proposals and following (meetings: meetings_api.py)."""

from typing import Literal

from flask import g
from flask_babel import gettext as _
from pydantic import Field

from arena.api.declare import (
    Answer,
    Body,
    Email,
    Page,
    Paging,
    Slug,
    operation,
    page_json,
    text,
)
from arena.arenas import ownership, services
from arena.arenas.meetings_api import Meeting, meeting_json
from arena.arenas.models import (
    ARENA_LIMITS,
    CADENCES,
    KINDS,
    ROLES,
    VISIBILITIES,
)
from arena.errors import ValidationFailed
from arena.extensions import db
from arena.links import absolute_url
from arena.organisations import services as organisations


class Person(Answer):
    id: int
    name: str


class Ref(Answer):
    slug: str
    name: str


class PendingProposal(Answer):
    id: int
    role: Literal[ROLES]
    member: Person | None


class Arena(Answer):
    slug: str
    name: str
    purpose: str
    kind: Literal[KINDS]
    cadence: Literal["", *CADENCES]
    visibility: Literal[VISIBILITIES]
    owner: Person | None
    deputy: Person | None
    orphaned: bool
    review_due_on: str = Field(json_schema_extra={"format": "date"})
    organisations: list[Ref]
    pending_proposals: list[PendingProposal]
    calendar_url: str | None
    meetings: list[Meeting]


class ArenaPage(Page):
    results: list[Arena]


class ArenaChange(Body):
    """Only the fields sent change."""

    name: text(ARENA_LIMITS["name"], required=True, one_line=True) = None
    purpose: text(ARENA_LIMITS["purpose"]) = None
    kind: Literal[KINDS] = None
    cadence: Literal["", *CADENCES] = None
    visibility: Literal[VISIBILITIES] = None
    organisations: list[Slug] = Field(None, description="Organisation slugs")


class NewArena(ArenaChange):
    name: text(ARENA_LIMITS["name"], required=True, one_line=True)
    owner: Email | Literal[""] = Field(
        "", description="Propose another owner (they must accept); empty: you own it"
    )
    deputy: Email | Literal[""] = Field("", description="Propose a deputy (they must accept)")


class NewProposal(Body):
    role: Literal[ROLES]
    email: Email


class Proposal(Answer):
    id: int
    role: Literal[ROLES]
    status: Literal["pending", "accepted", "declined", "withdrawn"]


class AnsweredProposal(Proposal):
    arena: Arena


class Following(Answer):
    following: bool


def _member(member) -> dict | None:
    return {"id": member.id, "name": member.name} if member else None


def arena_json(arena) -> dict:
    return {
        "slug": arena.slug,
        "name": arena.name,
        "purpose": arena.purpose,
        "kind": arena.kind,
        "cadence": arena.cadence,
        "visibility": arena.visibility,
        "owner": _member(arena.owner),
        "deputy": _member(arena.deputy),
        "orphaned": arena.is_orphaned,
        "review_due_on": arena.review_due_on.isoformat(),
        "organisations": [{"slug": o.slug, "name": o.name} for o in arena.organisations],
        "pending_proposals": [
            {"id": p.id, "role": p.role, "member": _member(p.member)}
            for p in services.pending_proposals(arena)
        ],
        "calendar_url": absolute_url("calendar.arena_feed", slug=arena.slug)
        if arena.is_public
        else None,
        "meetings": [meeting_json(m) for m in arena.meetings],
    }


def _organisation_ids(slugs: list[str]) -> list[int]:
    found = [organisations.find_organisation(s) for s in slugs]
    unknown = [s for s, f in zip(slugs, found, strict=True) if f is None]
    if unknown:
        message = _("Ukjent verdi: %(values)s", values=", ".join(unknown))
        raise ValidationFailed(_("Forespørselen har feil."), {"organisations": message})
    return [f.id for f in found]


def _arena_input(body: ArenaChange, current=None) -> services.ArenaInput:
    data = services.ArenaInput()
    if current is not None:
        data = services.ArenaInput(
            name=current.name,
            purpose=current.purpose,
            kind=current.kind,
            cadence=current.cadence,
            visibility=current.visibility,
            organisation_ids=[o.id for o in current.organisations],
        )
    given = body.model_dump(exclude_unset=True)
    for key in ("name", "purpose", "kind", "cadence", "visibility"):
        if key in given:
            setattr(data, key, given[key])
    if "organisations" in given:
        data.organisation_ids = _organisation_ids(given["organisations"])
    data.owner_email = given.get("owner", "")
    data.deputy_email = given.get("deputy", "")
    return data


#: What the services call a field, as the API names it.
FIELD_NAMES = {
    "owner_email": "owner",
    "deputy_email": "deputy",
    "organisation_ids": "organisations",
}
ARENA_LINKS = {
    "GetArena": ("get_arena", {"slug": "$response.body#/slug"}),
    "UpdateArena": ("update_arena", {"slug": "$response.body#/slug"}),
    "AddMeeting": ("create_meeting", {"slug": "$response.body#/slug"}),
    "ProposeRole": ("propose_role", {"slug": "$response.body#/slug"}),
    "FollowArena": ("follow_arena", {"slug": "$response.body#/slug"}),
}


@operation("GET", "/arenas", query=Paging, answer=ArenaPage)
def list_arenas(query: Paging):
    """Arenas, those without an owner first, then by name.

    Members-only arenas too: the caller is a member.
    """
    page = services.arena_register(g.api_member, query.page, query.per_page).page
    return page_json("api.list_arenas", page, [arena_json(a) for a in page.items])


@operation(
    "POST",
    "/arenas",
    body=NewArena,
    answer=Arena,
    status=201,
    errors=(403,),
    links=ARENA_LINKS,
    field_names=FIELD_NAMES,
)
def create_arena(body: NewArena):
    """Register an arena; you own it unless `owner` proposes someone, who must accept."""
    arena, proposals = services.create_arena(g.api_member, _arena_input(body))
    return arena_json(arena)


@operation("GET", "/arenas/<slug>", answer=Arena)
def get_arena(slug: str):
    """One arena with its holders, organisations and meetings."""
    return arena_json(services.get_arena(slug, g.api_member))


@operation(
    "PATCH",
    "/arenas/<slug>",
    body=ArenaChange,
    answer=Arena,
    errors=(403,),
    field_names=FIELD_NAMES,
)
def update_arena(slug: str, body: ArenaChange):
    """Change an arena's details (owner and deputy change through proposals)."""
    arena = services.get_arena(slug, g.api_member)
    services.update_arena(g.api_member, arena, _arena_input(body, arena))
    return arena_json(arena)


PROPOSAL_LINKS = {
    name: (target, {"proposal_id": "$response.body#/id"})
    for name, target in (
        ("Accept", "accept_proposal"),
        ("Decline", "decline_proposal"),
        ("Withdraw", "withdraw_proposal"),
    )
}


@operation(
    "POST",
    "/arenas/<slug>/proposals",
    body=NewProposal,
    answer=Proposal,
    status=201,
    errors=(403, 409),
    links=PROPOSAL_LINKS,
)
def propose_role(slug: str, body: NewProposal):
    """Propose a new owner or a deputy; nothing changes until they accept."""
    arena = services.get_arena(slug, g.api_member)
    proposal = ownership.propose_role(g.api_member, arena, body.role, body.email)
    return {"id": proposal.id, "role": proposal.role, "status": proposal.status}


def _answer(proposal_id: int, action) -> dict:
    action(g.api_member, proposal_id)
    proposal = db.session.get(services.RoleProposal, proposal_id)
    return {
        "id": proposal.id,
        "role": proposal.role,
        "status": proposal.status,
        "arena": arena_json(proposal.arena),
    }


@operation(
    "POST", "/proposals/<int:proposal_id>/accept", answer=AnsweredProposal, errors=(403, 409)
)
def accept_proposal(proposal_id: int):
    """Accept a proposal made to you: only then are you owner or deputy."""
    return _answer(proposal_id, ownership.accept_proposal)


@operation(
    "POST", "/proposals/<int:proposal_id>/decline", answer=AnsweredProposal, errors=(403, 409)
)
def decline_proposal(proposal_id: int):
    """Decline a proposal made to you."""
    return _answer(proposal_id, ownership.decline_proposal)


@operation(
    "POST", "/proposals/<int:proposal_id>/withdraw", answer=AnsweredProposal, errors=(403, 409)
)
def withdraw_proposal(proposal_id: int):
    """Withdraw a proposal you made."""
    return _answer(proposal_id, ownership.withdraw_proposal)


@operation("POST", "/arenas/<slug>/follow", answer=Following)
def follow_arena(slug: str):
    """Follow an arena: its meetings come in your personal calendar feed."""
    arena = services.get_arena(slug, g.api_member)
    services.follow_arena(g.api_member, arena)
    return {"following": services.is_following(g.api_member, arena)}


@operation("DELETE", "/arenas/<slug>/follow", answer=Following)
def unfollow_arena(slug: str):
    """Stop following an arena."""
    arena = services.get_arena(slug, g.api_member)
    services.unfollow_arena(g.api_member, arena)
    return {"following": services.is_following(g.api_member, arena)}
