"""What the initiatives area does when members, organisations or fields of expertise change
(arena/lifecycle.py)."""

import sqlalchemy as sa

from arena import lifecycle
from arena.accounts.models import Member
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives.listing import load_many
from arena.initiatives.models import (
    Follow,
    Initiative,
    InitiativeUpdate,
    OrganisationProposal,
    OverviewVisit,
    initiative_partners,
    initiative_themes,
    initiative_wanted_competence,
)
from arena.initiatives.services import index_initiative
from arena.organisations.models import Organisation

lifecycle.declare(
    "member",
    "changed",
    "initiatives",
    "initiative_updates",
    "follows",
    "overview_visits",
    "initiative_proposals",
    because="they keep the member's id only; an initiative's search entry holds no names",
)
lifecycle.declare(
    "member",
    "deleted",
    "initiatives",
    "initiative_updates",
    "follows",
    "overview_visits",
    "initiative_proposals",
    because=lifecycle.ON_DELETE,  # what they wrote stays, as a former member's
)


def _reindex(initiative_ids) -> None:
    db.session.expire_all()  # the rows changed behind the loaded objects
    for initiative in load_many(sorted(set(initiative_ids))).values():
        index_initiative(initiative)


def _of_organisation(organisation_id: int) -> set[int]:
    led = sa.select(Initiative.id).where(Initiative.lead_organisation_id == organisation_id)
    partnered = sa.select(initiative_partners.c.initiative_id).where(
        initiative_partners.c.organisation_id == organisation_id
    )
    return set(db.session.scalars(led)) | set(db.session.scalars(partnered))


@lifecycle.on("organisation", "changed", "initiatives", "initiative_partners")
def organisation_changed(organisation: Organisation) -> None:
    """An initiative is found by its organisations' names."""
    _reindex(_of_organisation(organisation.id))


lifecycle.declare(
    "organisation",
    "changed",
    "follows",
    "initiative_proposals",
    because="a follow and a proposal keep the organisation's id only",
)


def _move_follows(kind: str, source_id: int, target_id: int) -> None:
    """Followers of the duplicate follow the kept one (once each)."""
    already = sa.select(Follow.member_id).filter_by(target_kind=kind, target_id=target_id)
    duplicate = (Follow.target_kind == kind, Follow.target_id == source_id)
    db.session.execute(sa.delete(Follow).where(*duplicate, Follow.member_id.in_(already)))
    db.session.execute(sa.update(Follow).where(*duplicate).values(target_id=target_id))


@lifecycle.on(
    "organisation",
    "merged",
    "initiatives",
    "initiative_partners",
    "initiative_proposals",
    "follows",
)
def move_organisation(source: Organisation, target: Organisation) -> None:
    """Part of merging organisations: initiatives, proposals waiting for an answer and follows
    move to the target."""
    affected = _of_organisation(source.id)
    asked = sa.select(OrganisationProposal.initiative_id, OrganisationProposal.role).where(
        OrganisationProposal.organisation_id == target.id
    )
    for initiative_id, role in db.session.execute(asked).all():
        db.session.execute(
            sa.delete(OrganisationProposal).filter_by(
                organisation_id=source.id, initiative_id=initiative_id, role=role
            )
        )
    db.session.execute(
        sa.update(OrganisationProposal)
        .where(OrganisationProposal.organisation_id == source.id)
        .values(organisation_id=target.id)
    )
    db.session.execute(
        sa.update(Initiative)
        .where(Initiative.lead_organisation_id == source.id)
        .values(lead_organisation_id=target.id)
    )
    partnered = set(
        db.session.scalars(
            sa.select(initiative_partners.c.initiative_id).where(
                initiative_partners.c.organisation_id == target.id
            )
        )
    )
    db.session.execute(
        sa.delete(initiative_partners).where(
            initiative_partners.c.organisation_id == source.id,
            initiative_partners.c.initiative_id.in_(partnered),
        )
    )
    db.session.execute(
        sa.update(initiative_partners)
        .where(initiative_partners.c.organisation_id == source.id)
        .values(organisation_id=target.id)
    )
    # A lead organisation is never its own partner.
    db.session.execute(
        sa.delete(initiative_partners).where(
            initiative_partners.c.organisation_id == target.id,
            initiative_partners.c.initiative_id.in_(
                sa.select(Initiative.id).where(Initiative.lead_organisation_id == target.id)
            ),
        )
    )
    _move_follows("organisation", source.id, target.id)
    _reindex(affected)


def _with_area(area_id: int) -> set[int]:
    found = set()
    for table in (initiative_themes, initiative_wanted_competence):
        found |= set(
            db.session.scalars(sa.select(table.c.initiative_id).where(table.c.area_id == area_id))
        )
    return found


@lifecycle.on("expertise_area", "changed", "initiative_themes", "initiative_wanted_competence")
def area_changed(area: ExpertiseArea) -> None:
    """An initiative is found by its themes' and wanted competence's names and synonyms."""
    _reindex(_with_area(area.id))


lifecycle.declare("expertise_area", "changed", "follows", because="a follow keeps the id only")


@lifecycle.on(
    "expertise_area", "merged", "initiative_themes", "initiative_wanted_competence", "follows"
)
def move_area(source: ExpertiseArea, target: ExpertiseArea) -> None:
    """Part of merging fields of expertise: themes, wanted competence and follows move over."""
    affected = _with_area(source.id)
    for table in (initiative_themes, initiative_wanted_competence):
        having_target = set(
            db.session.scalars(sa.select(table.c.initiative_id).where(table.c.area_id == target.id))
        )
        db.session.execute(
            sa.delete(table).where(
                table.c.area_id == source.id, table.c.initiative_id.in_(having_target)
            )
        )
        db.session.execute(
            sa.update(table).where(table.c.area_id == source.id).values(area_id=target.id)
        )
    _move_follows("theme", source.id, target.id)
    _reindex(affected)


@lifecycle.on(
    "member",
    "exported",
    "initiatives",
    "initiative_updates",
    "follows",
    "overview_visits",
    "initiative_proposals",
    section="initiatives",
)
def export_member_initiatives(member: Member) -> dict:
    """The member's initiatives, updates and follows, for their data export."""
    return {
        "contact_for": [
            i.id for i in db.session.scalars(sa.select(Initiative).filter_by(contact_id=member.id))
        ],
        "updates": [
            {
                "initiative_id": u.initiative_id,
                "body": u.body,
                "created_at": u.created_at.isoformat(),
            }
            for u in db.session.scalars(sa.select(InitiativeUpdate).filter_by(author_id=member.id))
        ],
        "follows": [
            {"kind": f.target_kind, "id": f.target_id}
            for f in db.session.scalars(sa.select(Follow).filter_by(member_id=member.id))
        ],
        "registered": [
            i.id
            for i in db.session.scalars(sa.select(Initiative).filter_by(created_by_id=member.id))
        ],
        "proposed_organisations": [
            {"initiative_id": p.initiative_id, "organisation": p.organisation.name, "role": p.role}
            for p in db.session.scalars(
                sa.select(OrganisationProposal).filter_by(proposed_by_id=member.id)
            )
        ],
        "overview_last_seen_at": (
            visit.seen_at.isoformat()
            if (visit := db.session.get(OverviewVisit, member.id)) is not None
            else None
        ),
    }
