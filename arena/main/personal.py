"""The signed-in part of the front page: the member's next meetings, what changed in what they
follow since their last visit, initiatives that want competence they have, arenas of their
organisation without an owner, and what waits for them. The queries are the weekly digest's
(arena/notifications/digest_content.py) for a batch of one, plus a few of its own."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from arena import access
from arena.access import can_read_initiative, initiatives_seen_sql
from arena.accounts import membership
from arena.arenas import meetings, ownership
from arena.arenas.models import Arena, RoleProposal
from arena.arenas.ownership import review_lapsed
from arena.dates import to_local
from arena.expertise.models import MemberExpertise
from arena.expertise.services import profile_needs_review
from arena.extensions import db
from arena.initiatives import statements
from arena.initiatives.models import (
    Initiative,
    InitiativeUpdate,
    initiative_partners,
    initiative_themes,
    initiative_wanted_competence,
)
from arena.notifications.digest_content import arenas_of, follows_of, waiting_for
from arena.notifications.models import VisitMark
from arena.rows import insert_if_missing

#: Opening the front page this long after a visit began starts a new visit; what changed is
#: counted from the start of the visit before, so it stays put while the member looks around.
VISIT_GAP = timedelta(hours=1)
#: A first visit shows what changed in the week before it.
FIRST_LOOKS_BACK = timedelta(days=7)
MEETINGS_AHEAD = timedelta(days=14)
#: Items per list; the rest are a link away.
SHOWN = 5


@dataclass
class Change:
    """Something that changed in what the member follows: an initiative registered in a theme
    or by an organisation they follow, an update on one they follow, an arena's meetings."""

    at: datetime
    kind: str  # "initiative", "update" or "meetings"
    title: str
    initiative: Initiative | None = None
    arena: Arena | None = None


@dataclass
class Waiting:
    contact_requests: int = 0
    membership_requests: int = 0
    proposals: list[RoleProposal] = field(default_factory=list)
    #: What the member's organisation is asked to say about initiatives.
    organisation_asked: list = field(default_factory=list)
    lapsed_reviews: list[Arena] = field(default_factory=list)
    review_profile: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.contact_requests
            or self.membership_requests
            or self.proposals
            or self.organisation_asked
            or self.lapsed_reviews
            or self.review_profile
        )


@dataclass
class Personal:
    #: When the previous visit began; None on the first visit (the changes of the last week).
    previous_visit: datetime | None
    since: datetime
    meetings: list[tuple[meetings.Occurrence, Arena]]
    changes: list[Change]
    changes_total: int
    wanted: list[Initiative]
    orphans: list[Arena]
    waiting: Waiting


def for_member(member, now: datetime) -> Personal:
    """What the front page shows the member first; `now` in UTC. Marks the visit."""
    previous = mark_visit(member, now)
    since = previous or now - FIRST_LOOKS_BACK
    held = arenas_of([member.id])[member.id]
    changes = _changes(member, held, since)
    return Personal(
        previous_visit=previous,
        since=since,
        meetings=_next_meetings(held, now),
        changes=changes[:SHOWN],
        changes_total=len(changes),
        wanted=_wanted(member),
        orphans=ownership.orphaned_arenas_of(member.organisation_id) if member.is_verified else [],
        waiting=_waiting(member, held),
    )


def mark_visit(member, now: datetime) -> datetime | None:
    """Starts a new visit when the last began VISIT_GAP ago or more (one write an hour at
    most); returns when the visit before the current one began."""
    mark = db.session.get(VisitMark, member.id)
    if mark is None:  # a first visit, perhaps in two tabs at once
        insert_if_missing(VisitMark, member_id=member.id, latest_at=now)
    elif now - mark.latest_at >= VISIT_GAP:
        mark.previous_at, mark.latest_at = mark.latest_at, now
    else:
        return mark.previous_at
    db.session.commit()
    return mark.previous_at if mark else None


def _next_meetings(held, now: datetime) -> list[tuple[meetings.Occurrence, Arena]]:
    """The next occurrences of the meetings of the arenas the member follows or holds."""
    start = to_local(now).replace(tzinfo=None)
    found, seen = [], set()
    for arena, _role in held:
        if arena.id in seen:
            continue
        seen.add(arena.id)
        for occurrence in meetings.occurrences(arena.meetings, start, start + MEETINGS_AHEAD):
            found.append((occurrence, arena))
    found.sort(key=lambda pair: (pair[0].starts_at, pair[1].name))
    return found[:SHOWN]


@access.reader("front_page_news", "the front page's «what's new»")
def _changes(member, held, since: datetime) -> list[Change]:
    """Newest first: initiatives registered in followed themes or by followed organisations,
    updates on followed initiatives (not the member's own), and followed arenas whose
    meetings changed."""
    follows = follows_of([member.id])[member.id]
    changes = [
        Change(i.created_at, "initiative", i.title, initiative=i)
        for i in _new_initiatives(follows["theme"], follows["organisation"], since)
        if i.created_by_id != member.id and can_read_initiative(member, i)
    ]
    if follows["initiative"]:
        updates = db.session.scalars(
            sa.select(InitiativeUpdate)
            .where(
                InitiativeUpdate.initiative_id.in_(follows["initiative"]),
                InitiativeUpdate.created_at > since,
                sa.or_(
                    InitiativeUpdate.author_id.is_(None), InitiativeUpdate.author_id != member.id
                ),
            )
            .options(selectinload(InitiativeUpdate.initiative))
        )
        changes += [
            Change(u.created_at, "update", u.initiative.title, initiative=u.initiative)
            for u in updates
            if can_read_initiative(member, u.initiative)
        ]
    changes += [
        Change(arena.calendar_changed_at, "meetings", arena.name, arena=arena)
        for arena in {a.id: a for a, _role in held}.values()
        if arena.calendar_changed_at > since
    ]
    return sorted(changes, key=lambda c: c.at, reverse=True)


def _new_initiatives(themes: set[int], organisations: set[int], since: datetime):
    if not (themes or organisations):
        return []
    by_theme = sa.select(initiative_themes.c.initiative_id).where(
        initiative_themes.c.area_id.in_(themes)
    )
    by_partner = sa.select(initiative_partners.c.initiative_id).where(
        initiative_partners.c.organisation_id.in_(organisations)
    )
    return db.session.scalars(
        sa.select(Initiative).where(
            Initiative.created_at > since,
            sa.or_(
                Initiative.id.in_(by_theme),
                Initiative.lead_organisation_id.in_(organisations),
                Initiative.id.in_(by_partner),
            ),
        )
    ).all()


def _wanted(member) -> list[Initiative]:
    """Initiatives not yet completed that want a field the member holds, newest first (not
    the member's own)."""
    own_fields = sa.select(MemberExpertise.area_id).where(MemberExpertise.member_id == member.id)
    wanting = sa.select(initiative_wanted_competence.c.initiative_id).where(
        initiative_wanted_competence.c.area_id.in_(own_fields)
    )
    statement = (
        sa.select(Initiative)
        .where(
            Initiative.id.in_(wanting),
            Initiative.status.in_(("idea", "planned", "ongoing")),
            sa.or_(Initiative.created_by_id.is_(None), Initiative.created_by_id != member.id),
        )
        .order_by(Initiative.created_at.desc(), Initiative.id.desc())
        .limit(SHOWN)
        .options(
            selectinload(Initiative.wanted_competence), selectinload(Initiative.lead_organisation)
        )
    )
    return list(db.session.scalars(statement.where(initiatives_seen_sql(member, Initiative))))


def _waiting(member, held) -> Waiting:
    waiting = waiting_for([member.id])
    return Waiting(
        contact_requests=waiting["requests"].get(member.id, 0),
        membership_requests=membership.count_pending_requests(member),
        proposals=waiting["proposals"][member.id],
        organisation_asked=statements.waiting_for(member),
        lapsed_reviews=[a for a, role in held if role == "owner" and review_lapsed(a)],
        review_profile=profile_needs_review(member),
    )
