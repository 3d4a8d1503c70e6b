"""What the expertise area does when members or fields of expertise change (arena/lifecycle.py):
the colleague finder's index follows profiles and area names, a merge moves members' expertise,
a deleted member's messages and search entry go with them."""

import sqlalchemy as sa

from arena import lifecycle
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.expertise import concepts, contacts
from arena.expertise import services as expertise
from arena.expertise.models import AreaLink, ContactRequest, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.search import services as search

# The finder finds members by their profile and expertise (their "member" search entries).
lifecycle.on("member", "changed", "member_expertise", "search_entries")(expertise.index_members)
lifecycle.declare(
    "member",
    "changed",
    "contact_requests",
    "expertise_areas",
    because="they keep the member's id only; pages read names when they are shown",
)

lifecycle.on("member", "exported", "member_expertise", section="expertise")(
    expertise.export_member_expertise
)
lifecycle.on("member", "exported", "contact_requests", section="contact_requests")(
    contacts.export_contact_requests
)
lifecycle.declare(
    "member",
    "exported",
    "search_entries",
    because="made of the profile and expertise the export holds",
)


@lifecycle.on("member", "exported", "expertise_areas", section="proposed_areas")
def export_proposed_areas(member: Member) -> list[str]:
    """The fields of expertise the member proposed that still name them as proposer."""
    return list(
        db.session.scalars(
            sa.select(ExpertiseArea.name)
            .where(ExpertiseArea.proposed_by_id == member.id)
            .order_by(ExpertiseArea.name)
        )
    )


@lifecycle.on("member", "deleted", "contact_requests", "search_entries")
def erase_from_finder(member: Member) -> None:
    """The member's messages go with them (the expert already has them by email), and the
    finder no longer finds them."""
    db.session.execute(sa.delete(ContactRequest).where(ContactRequest.sender_id == member.id))
    search.remove("member", member.id)


lifecycle.declare(
    "member", "deleted", "member_expertise", "expertise_areas", because=lifecycle.ON_DELETE
)


def _reindex_users_of(area_id: int) -> None:
    expertise.index_members(
        db.session.scalars(
            sa.select(Member)
            .join(MemberExpertise, MemberExpertise.member_id == Member.id)
            .where(MemberExpertise.area_id == area_id)
        ).all()
    )


@lifecycle.on("expertise_area", "changed", "member_expertise")
def area_changed(area: ExpertiseArea) -> None:
    """Members are found by their areas' names (the concept's term stays the same)."""
    _reindex_users_of(area.id)


lifecycle.declare(
    "expertise_area",
    "changed",
    "expertise_area_links",
    because="links keep the ids only; the labels' phrases are reloaded when a label changes",
)


@lifecycle.on("expertise_area", "merged", "expertise_area_links")
def move_labels_and_links(source: ExpertiseArea, target: ExpertiseArea) -> None:
    """The kept concept is known by the duplicate's labels too (what members type keeps landing
    on it) and takes over its broader, narrower and related links."""
    labels = {expertise.name_key(label) for label in target.labels}
    added = [label for label in source.labels if expertise.name_key(label) not in labels]
    target.synonyms = concepts.alternatives_text(target.alternatives + added)
    links = db.session.scalars(
        sa.select(AreaLink).where(
            sa.or_(AreaLink.area_id == source.id, AreaLink.other_id == source.id)
        )
    ).all()
    for old in links:
        area_id = target.id if old.area_id == source.id else old.area_id
        other_id = target.id if old.other_id == source.id else old.other_id
        db.session.delete(old)
        db.session.flush()
        if area_id != other_id:
            concepts.link(
                db.session.get(ExpertiseArea, area_id),
                db.session.get(ExpertiseArea, other_id),
                old.relation,
            )
    target.changed_at = utcnow()
    concepts.vocabulary_changed()


@lifecycle.on("expertise_area", "merged", "member_expertise")
def move_member_expertise(source: ExpertiseArea, target: ExpertiseArea) -> None:
    """Members with the duplicate area have the kept one (at the higher level if both)."""
    for entry in db.session.scalars(sa.select(MemberExpertise).filter_by(area_id=source.id)).all():
        existing = db.session.get(MemberExpertise, (entry.member_id, target.id))
        if existing is None:
            db.session.add(
                MemberExpertise(
                    member_id=entry.member_id, area_id=target.id, level=entry.level, note=entry.note
                )
            )
        else:
            existing.level = max(existing.level, entry.level)
            existing.note = existing.note or entry.note
        db.session.delete(entry)
    db.session.flush()
    _reindex_users_of(target.id)
