"""Ownership of arenas (rule 10): proposals and acceptance, taking responsibility for an arena
without owner, yearly review, and who is responsible for what."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena import access
from arena.access import (
    acts_for_organisation,
    arenas_seen_sql,
    can_take_responsibility,
    is_signed_in,
    require_manage_arena,
    require_verified,
    sees_members_only,
)
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.arenas.models import ROLES, Arena, ArenaRole, RoleProposal, arena_organisations
from arena.arenas.services import (
    REVIEW_EVERY,
    holder_problem,
    new_proposal,
    register_kept,
    register_version,
    start_role,
)
from arena.dates import utcnow
from arena.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.organisations.models import Organisation


def proposals_for(member) -> list[RoleProposal]:
    """What the member has been asked to take on and has not answered."""
    return list(
        db.session.scalars(
            sa.select(RoleProposal)
            .filter_by(member_id=member.id, status="pending")
            .order_by(RoleProposal.created_at)
        )
    )


def propose_role(actor, arena: Arena, role: str, email: str) -> RoleProposal:
    """The owner (or an admin) proposes a successor or a deputy; nothing changes until accepted."""
    if role not in ROLES:
        raise ValidationFailed(_("Ukjent rolle."), {"role": _("Ukjent rolle.")})
    allowed = acts_for_organisation(actor) and (
        actor.is_admin or actor == arena.owner or (role == "deputy" and actor == arena.deputy)
    )
    if not allowed:
        raise PermissionDenied(_("Bare den ansvarlige eller en administrator kan foreslå dette."))
    member = accounts.find_member_by_email(email)
    if message := holder_problem(member):
        raise ValidationFailed(message, {"email": message})
    holder = arena.current(role)
    if holder is not None and holder.member_id == member.id:
        raise Conflict(_("Personen har allerede denne rollen."))
    proposal = new_proposal(arena, role, member, actor)
    db.session.commit()
    return proposal


def accept_proposal(actor, proposal_id: int) -> ArenaRole:
    """The proposed person accepts: only then do they become owner or deputy."""
    proposal = _own_proposal(actor, proposal_id)
    require_verified(actor)
    if proposal.status != "pending":
        raise Conflict(_("Forslaget er allerede besvart eller trukket tilbake."))
    proposal.status, proposal.decided_at = "accepted", utcnow()
    arena = proposal.arena
    if proposal.role == "owner" and arena.current("deputy") and arena.deputy == actor:
        arena.current("deputy").ended_at = utcnow()  # the deputy who becomes owner steps up
    holder = start_role(arena, proposal.role, actor)
    db.session.commit()
    return holder


def decline_proposal(actor, proposal_id: int) -> None:
    proposal = _own_proposal(actor, proposal_id)
    if proposal.status != "pending":
        raise Conflict(_("Forslaget er allerede besvart eller trukket tilbake."))
    proposal.status, proposal.decided_at = "declined", utcnow()
    db.session.commit()


def withdraw_proposal(actor, proposal_id: int) -> None:
    """Whoever proposed (or the owner, or an admin) withdraws an unanswered proposal."""
    proposal = db.session.get(RoleProposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Fant ikke forslaget."))
    if not (
        is_signed_in(actor)
        and (actor.is_admin or actor.id == proposal.proposed_by_id or actor == proposal.arena.owner)
    ):
        raise PermissionDenied(_("Du kan ikke trekke tilbake dette forslaget."))
    if proposal.status != "pending":
        raise Conflict(_("Forslaget er allerede besvart eller trukket tilbake."))
    proposal.status, proposal.decided_at = "withdrawn", utcnow()
    db.session.commit()


def _own_proposal(actor, proposal_id: int) -> RoleProposal:
    proposal = db.session.get(RoleProposal, proposal_id)
    if proposal is None:
        raise NotFound(_("Fant ikke forslaget."))
    if not is_signed_in(actor) or actor.id != proposal.member_id:
        raise PermissionDenied(_("Bare den som er foreslått, kan svare."))
    return proposal


def take_responsibility(actor, arena: Arena) -> ArenaRole:
    """A verified member of a participating organisation becomes owner of an arena without
    one."""
    require_verified(actor)
    if not arena.is_orphaned:
        raise Conflict(_("Arenaen har allerede en ansvarlig."))
    if not can_take_responsibility(actor, arena):
        raise PermissionDenied(_("Bare medlemmer av organisasjonene som deltar, kan ta ansvaret."))
    holder = start_role(arena, "owner", actor)
    db.session.commit()
    return holder


def past_holders(arena: Arena) -> list[ArenaRole]:
    """Who held the arena's roles before (the current owner and deputy are not among them),
    most recent first."""
    ended = [r for r in arena.roles if r.ended_at is not None]
    return sorted(ended, key=lambda r: r.ended_at, reverse=True)


def orphaned_arenas() -> list[Arena]:
    """Arenas nobody has accepted responsibility for (or whose owner left)."""
    return list(
        db.session.scalars(
            sa.select(Arena)
            .where(Arena.archived.is_(False), Arena.is_orphaned)
            .order_by(Arena.name)
            .options(selectinload(Arena.organisations))
        )
    )


def orphaned_arenas_of(organisation_id: int) -> list[Arena]:
    """The organisation's arenas (not archived) without a current, active owner, by name."""
    return list(
        db.session.scalars(
            sa.select(Arena)
            .join(arena_organisations, arena_organisations.c.arena_id == Arena.id)
            .where(
                arena_organisations.c.organisation_id == organisation_id,
                Arena.archived.is_(False),
                Arena.is_orphaned,
            )
            .order_by(Arena.name, Arena.id)
        )
    )


def confirm_review(actor, arena: Arena) -> None:
    """The owner confirms the arena lives on, its purpose and deputy are right; next in a year."""
    require_manage_arena(actor, arena)
    arena.review_due_on = (utcnow() + REVIEW_EVERY).date()
    arena.updated_at = utcnow()
    db.session.commit()


def review_lapsed(arena: Arena, today: date | None = None) -> bool:
    return arena.review_due_on < (today or utcnow().date())


#: The responsibility map shows this many organisations and people (the largest first).
MAP_ROWS = 15


@dataclass
class ResponsibilityMap:
    """Which organisations own how many arenas, and who owns several (name, count), largest
    first; and how many organisations and people there are in all."""

    by_org: list[tuple[str, int]]
    organisations: int
    several: list[tuple[str, int]]
    people: int


@access.reader("responsibility_map", "the map of who holds arenas")
def responsibility_map(reader) -> ResponsibilityMap:
    """Counted in the database (a register of thousands of arenas stays one page), over the
    arenas the register shows this reader, so the two never disagree."""
    visible = [arenas_seen_sql(reader, Arena)]
    owned = (
        sa.select(Member.id.label("member_id"), Member.name, Member.organisation_id)
        .join(ArenaRole, ArenaRole.member_id == Member.id)
        .join(Arena, Arena.id == ArenaRole.arena_id)
        .where(
            ArenaRole.role == "owner",
            ArenaRole.ended_at.is_(None),
            Arena.archived.is_(False),
            Member.active.is_(True),
            *visible,
        )
        .subquery()
    )
    count = sa.func.count().label("count")
    by_org = (
        sa.select(Organisation.name, count)
        .join(owned, owned.c.organisation_id == Organisation.id)
        .group_by(Organisation.id, Organisation.name)
    )
    several = (
        sa.select(owned.c.name, count)
        .group_by(owned.c.member_id, owned.c.name)
        .having(sa.func.count() > 1)
    )

    def top(query):
        return [
            (name, n)
            for name, n in db.session.execute(
                query.order_by(sa.desc("count"), query.selected_columns[0]).limit(MAP_ROWS)
            )
        ]

    def total(query) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))

    return register_kept.get(
        register_version(),
        ("map", sees_members_only(reader)),
        lambda: ResponsibilityMap(top(by_org), total(by_org), top(several), total(several)),
    )
