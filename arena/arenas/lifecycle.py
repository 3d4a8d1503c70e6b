"""What the arenas area does when members or organisations change (arena/lifecycle.py): a holder
renamed or deleted changes their arenas' feeds, a renamed organisation its arena feed's name, a
merged organisation keeps its arena participation, a member's export holds their roles,
proposals and follows."""

import sqlalchemy as sa

from arena import changes, lifecycle
from arena.accounts.models import Member
from arena.arenas import invitations
from arena.arenas.models import (
    Arena,
    ArenaRole,
    Meeting,
    MeetingAnswer,
    MeetingInvitation,
    RoleProposal,
    arena_followers,
    arena_organisations,
)
from arena.dates import utcnow
from arena.extensions import db
from arena.organisations.models import Organisation


def _feeds_changed(arena_ids) -> None:
    ids = list(db.session.scalars(arena_ids))
    db.session.execute(
        sa.update(Arena).where(Arena.id.in_(ids)).values(calendar_changed_at=utcnow()),
        execution_options={changes.ROWS: ids},
    )


@lifecycle.on("member", "changed", "arena_roles")
def holders_changed(members: list[Member]) -> None:
    """Holders' names or accounts changed: their arenas' feeds name them as ORGANIZER."""
    _feeds_changed(
        sa.select(ArenaRole.arena_id).where(
            ArenaRole.member_id.in_([m.id for m in members]), ArenaRole.ended_at.is_(None)
        )
    )


@lifecycle.on("member", "changed", "meeting_invitations")
def deactivated_members_lose_invitations(members: list[Member]) -> None:
    """A deactivated member's calendar loses the meetings Arena put there (the worker sends a
    CANCEL for each: nobody keeps them right any more)."""
    for member in members:
        if not member.active:
            invitations.member_changed(member.id)


@lifecycle.on("member", "deleted", "arena_roles")
def holder_deleted(member: Member) -> None:
    """The database clears the role's member; the feeds stop naming them."""
    holders_changed([member])


lifecycle.declare(
    "member",
    "changed",
    "arena_followers",
    "role_proposals",
    "meeting_answers",
    because="they keep the member's id only; pages and messages read names when they are made",
)
lifecycle.declare(
    "member",
    "deleted",
    "arena_followers",
    "role_proposals",
    "meeting_answers",
    "meeting_invitations",
    because=lifecycle.ON_DELETE,
)


@lifecycle.on("member", "exported", "meeting_answers", "meeting_invitations", section="meetings")
def export_member_meetings(member: Member) -> dict:
    """The member's answers to meetings, and the meetings Arena put in their calendar."""
    answers = db.session.execute(
        sa.select(Meeting.uid, Meeting.title, MeetingAnswer.occurrence, MeetingAnswer.answer)
        .join(Meeting, Meeting.id == MeetingAnswer.meeting_id)
        .where(MeetingAnswer.member_id == member.id)
        .order_by(MeetingAnswer.occurrence)
    )
    invited = db.session.execute(
        sa.select(Meeting.uid, Meeting.title, MeetingInvitation.sequence, MeetingInvitation.sent_at)
        .join(Meeting, Meeting.id == MeetingInvitation.meeting_id)
        .where(MeetingInvitation.member_id == member.id)
        .order_by(Meeting.uid)
    )
    return {
        "answers": [
            {"meeting": uid, "title": title, "occurrence": o.isoformat(), "answer": a}
            for uid, title, o, a in answers
        ],
        "invitations_in_my_calendar": [
            {"meeting": uid, "title": title, "sequence": seq, "sent_at": sent.isoformat()}
            for uid, title, seq, sent in invited
        ],
    }


@lifecycle.on("organisation", "changed", "arena_organisations")
def participant_changed(organisation: Organisation) -> None:
    """The organisation's arena feed carries its name."""
    rows = arena_organisations.c
    _feeds_changed(sa.select(rows.arena_id).where(rows.organisation_id == organisation.id))


@lifecycle.on("organisation", "merged", "arena_organisations")
def move_participation(source: Organisation, target: Organisation) -> None:
    """Part of merging organisations: the arenas the duplicate took part in keep it, under the
    organisation it is merged into (once each), and their feeds change."""
    rows = arena_organisations.c
    _feeds_changed(sa.select(rows.arena_id).where(rows.organisation_id == source.id))
    already = sa.select(rows.arena_id).where(rows.organisation_id == target.id)
    db.session.execute(
        arena_organisations.delete().where(
            rows.organisation_id == source.id, rows.arena_id.in_(already)
        )
    )
    db.session.execute(
        arena_organisations.update()
        .where(rows.organisation_id == source.id)
        .values(organisation_id=target.id)
    )


@lifecycle.on(
    "member", "exported", "arena_roles", "role_proposals", "arena_followers", section="arenas"
)
def export_member_arenas(member: Member) -> dict:
    """The member's arena roles (held and past), proposals and follows, for their export."""

    def when(moment) -> str | None:
        return moment.isoformat() if moment is not None else None

    roles = db.session.scalars(
        sa.select(ArenaRole).filter_by(member_id=member.id).order_by(ArenaRole.started_at)
    )
    proposals = db.session.scalars(
        sa.select(RoleProposal)
        .where(
            sa.or_(RoleProposal.member_id == member.id, RoleProposal.proposed_by_id == member.id)
        )
        .order_by(RoleProposal.created_at)
    )
    followed = db.session.scalars(
        sa.select(Arena.slug)
        .join(arena_followers, arena_followers.c.arena_id == Arena.id)
        .where(arena_followers.c.member_id == member.id)
        .order_by(Arena.slug)
    )
    return {
        "roles": [
            {
                "arena": r.arena.slug,
                "role": r.role,
                "started_at": when(r.started_at),
                "ended_at": when(r.ended_at),
            }
            for r in roles
        ],
        "proposals": [
            {
                "arena": p.arena.slug,
                "role": p.role,
                "proposed_to_me": p.member_id == member.id,
                "proposed_by_me": p.proposed_by_id == member.id,
                "status": p.status,
                "created_at": when(p.created_at),
                "decided_at": when(p.decided_at),
            }
            for p in proposals
        ],
        "following": list(followed),
    }
