"""Fields of expertise (rule 8): the areas, suggesting and proposing them, members' expertise and
the colleague finder's index of it, and keeping profiles complete and current."""

from dataclasses import dataclass
from datetime import time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from arena import text
from arena.access import can_see_area, require_self
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import NotFound, ValidationFailed
from arena.expertise import concepts
from arena.expertise.models import LEVELS, NOTE_MAX, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.lines import too_long
from arena.links import absolute_url
from arena.organisations.services import slugify
from arena.outbox import schedule
from arena.outbox.messages import language_of, queue_email
from arena.search import services as search

AREA_NAME_MAX = 100


def all_areas() -> list[ExpertiseArea]:
    """Every usable area (approved or proposed), by name."""
    return list(db.session.scalars(sa.select(ExpertiseArea).order_by(ExpertiseArea.name)))


def get_area(slug: str) -> ExpertiseArea:
    area = db.session.scalar(sa.select(ExpertiseArea).filter_by(slug=slug))
    if area is None:
        raise NotFound(_("Fant ikke fagområdet."))
    return area


def areas_for(reader, keeping=()) -> list[ExpertiseArea]:
    """The areas the reader may see (access.can_see_area), by name: what lists offer; with
    those in `keeping` (what a thing already has, so editing it loses none)."""
    kept = {a.id for a in keeping}
    return [a for a in all_areas() if a.id in kept or can_see_area(reader, a)]


def area_for(reader, slug: str) -> ExpertiseArea:
    """The area's own page: NotFound for one the reader may not see yet."""
    area = get_area(slug)
    if not can_see_area(reader, area):
        raise NotFound(_("Fant ikke fagområdet."))
    return area


def areas_by_ids(ids) -> list[ExpertiseArea]:
    """The areas with these ids; ValidationFailed names any that do not exist."""
    ids = sorted({int(i) for i in ids})
    found = list(db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationFailed(_("Ukjent fagområde."))
    return sorted(found, key=lambda a: a.name)


def index_area(area: ExpertiseArea) -> None:
    names = f"{area.name} {area.name_nn} {area.name_en}"
    search.index("area", area.id, [(names, 3.0), (area.synonyms, 2.0)])


def suggest_areas(reader, query: str, limit: int = 10) -> list[ExpertiseArea]:
    """Areas the reader may see matching what is typed, by name, nynorsk name or synonym, best
    first."""
    hits = search.search("area", query, limit=limit * 2)  # some may wait for approval
    areas = {a.id: a for a in areas_by_ids([h.object_id for h in hits])} if hits else {}
    found = [areas[h.object_id] for h in hits if can_see_area(reader, areas[h.object_id])]
    return found[:limit]


def name_key(name: str) -> str:
    """How area names compare: ignoring case, spacing, punctuation and æøå spelling."""
    return text.fold(" ".join(text.words(name)))


def areas_by_name() -> dict[str, ExpertiseArea]:
    """Every area under the keys of its preferred labels (bokmål, nynorsk, English)."""
    lookup = {}
    for area in all_areas():
        for name in (area.name, area.name_nn, area.name_en):
            if name:
                lookup.setdefault(name_key(name), area)
    return lookup


def areas_by_label() -> dict[str, ExpertiseArea]:
    """Every area under the keys of all its labels; a preferred label wins over an alternative
    another area has."""
    lookup = areas_by_name()
    for area in all_areas():
        for alternative in area.alternatives:
            lookup.setdefault(name_key(alternative), area)
    return lookup


def find_area_by_name(name: str, labels: dict | None = None) -> ExpertiseArea | None:
    """The concept a typed name means: one whose label it is, in any language, ignoring case,
    spacing and æøå spelling; else the one concept whose label it is as the search pipeline reads
    it (inflected, nynorsk forms). `labels` is areas_by_label(), when matching many names."""
    area = (labels if labels is not None else areas_by_label()).get(name_key(name))
    if area is None:
        named = concepts.concepts_named(name)
        area = named[0] if len(named) == 1 else None
    return area


def propose_area(actor, name: str) -> ExpertiseArea:
    """A member's new area, usable at once and queued for an admin; an existing one if it exists."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Skriv navnet på fagområdet."), {"name": _("Må fylles ut.")})
    if message := too_long(name, AREA_NAME_MAX):
        raise ValidationFailed(message, {"name": message})
    existing = find_area_by_name(name)
    if existing is not None:
        return existing
    slug, n = slugify(name), 2
    while db.session.scalar(sa.select(ExpertiseArea.id).filter_by(slug=slug)) is not None:
        slug, n = f"{slugify(name)}-{n}", n + 1
    area = ExpertiseArea(
        name=name[:1].upper() + name[1:],
        slug=slug,
        approved=False,
        proposed_by_id=getattr(actor, "id", None),
    )
    db.session.add(area)
    db.session.flush()
    index_area(area)
    return area


@search.reindexer("areas")
def reindex_all() -> int:
    """Rebuilds the search index of every area; the caller commits."""
    areas = all_areas()
    for area in areas:
        index_area(area)
    return len(areas)


# --- members' expertise -------------------------------------------------------------------------

#: Field weights of a member's index: a declared area counts most, an expert's clearly most.
AREA_WEIGHT = {1: 2.0, 2: 3.0, 3: 4.0}
TITLE_WEIGHT, ASK_WEIGHT, NOTE_WEIGHT, BIO_WEIGHT = 1.5, 1.0, 1.0, 0.5


def expertise_of(member) -> list[MemberExpertise]:
    """The member's fields of expertise, highest level first."""
    return sorted(
        db.session.scalars(sa.select(MemberExpertise).filter_by(member_id=member.id)),
        key=lambda e: (-e.level, e.area.name),
    )


def member_fields(title: str, ask_me_about: str, bio: str, entries) -> list[tuple[str, float]]:
    """What a member is found by, with weights: entries are (area, level, note)."""
    fields = []
    for area, level, note in entries:
        # The concept itself (whatever label a query uses) and its names (for compound parts).
        fields.append(({concepts.concept_term(area.id)}, AREA_WEIGHT[level]))
        fields.append((concepts.name_terms([area]), AREA_WEIGHT[level]))
        fields.append((note, NOTE_WEIGHT))
    return fields + [(title, TITLE_WEIGHT), (ask_me_about, ASK_WEIGHT), (bio, BIO_WEIGHT)]


def index_member(member) -> None:
    """(Re)indexes what a member is found by in «Finn en kollega»; the caller commits."""
    index_members([member])


def _check_level(level) -> int:
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        message = _("Nivået må være 1 (interessert), 2 (erfaren) eller 3 (ekspert).")
        raise ValidationFailed(message, {"level": message})
    return level


def set_expertise(actor, member, area: ExpertiseArea, level: int, note: str = "") -> None:
    """A member adds a field of expertise to their profile, or changes its level or note."""
    require_self(actor, member)
    level = _check_level(level)
    note = (note or "").strip()
    if message := too_long(note, NOTE_MAX):
        raise ValidationFailed(message, {"note": message})
    entry = db.session.get(MemberExpertise, (member.id, area.id))
    if entry is None:
        entry = MemberExpertise(member_id=member.id, area_id=area.id)
        db.session.add(entry)
    entry.level, entry.note = level, note
    member.profile_reviewed_at = utcnow()
    db.session.flush()
    index_member(member)
    db.session.commit()


def remove_expertise(actor, member, area_id: int) -> None:
    """A member removes a field of expertise from their profile."""
    require_self(actor, member)
    db.session.execute(sa.delete(MemberExpertise).filter_by(member_id=member.id, area_id=area_id))
    db.session.flush()
    index_member(member)
    db.session.commit()


def replace_expertise(actor, member, entries: list[tuple[ExpertiseArea, int, str]]) -> None:
    """Sets the member's whole list of expertise at once (the API's PUT)."""
    require_self(actor, member)
    seen = set()
    for area, level, note in entries:
        _check_level(level)
        if area.id in seen:
            message = _("Fagområdet %(name)s står to ganger.", name=area.name)
            raise ValidationFailed(message, {"expertise": message})
        if message := too_long(note or "", NOTE_MAX):
            raise ValidationFailed(message, {"note": message})
        seen.add(area.id)
    db.session.execute(sa.delete(MemberExpertise).filter_by(member_id=member.id))
    for area, level, note in entries:
        db.session.add(
            MemberExpertise(
                member_id=member.id, area_id=area.id, level=level, note=(note or "").strip()
            )
        )
    member.profile_reviewed_at = utcnow()
    db.session.flush()
    index_member(member)
    db.session.commit()


def resolve_area(actor, typed: str) -> tuple[ExpertiseArea | None, list[ExpertiseArea]]:
    """What a typed area name means: an area with exactly that name (either language form or a
    synonym), else suggestions to choose from (empty: the member may propose it as new)."""
    typed = " ".join((typed or "").split())
    if not typed:
        raise ValidationFailed(_("Skriv navnet på fagområdet."), {"area": _("Må fylles ut.")})
    exact = find_area_by_name(typed)
    return exact, ([] if exact else suggest_areas(actor, typed, limit=6))


def members_with_area(area, exclude_organisation_ids=(), limit: int = 50) -> list:
    """Active members with this field of expertise, highest level first."""
    statement = (
        sa.select(Member)
        .join(MemberExpertise, MemberExpertise.member_id == Member.id)
        .where(MemberExpertise.area_id == area.id, Member.active, Member.verified_at.is_not(None))
        .order_by(MemberExpertise.level.desc(), Member.name)
        .limit(limit)
    )
    if exclude_organisation_ids:
        statement = statement.where(Member.organisation_id.not_in(list(exclude_organisation_ids)))
    return list(db.session.scalars(statement))


#: How many holders of a field its page names per level; the finder shows the rest.
PEOPLE_SHOWN = 20


@dataclass
class Holders:
    """The first holders of a field at one level (with their note), and how many there are."""

    shown: list[tuple]
    total: int


def people_by_level(area) -> dict[int, Holders]:
    """Who holds this area, by level (3, 2, 1): the first PEOPLE_SHOWN by name, and the count
    (a field held by thousands stays one page)."""
    holding = [
        MemberExpertise.area_id == area.id,
        Member.active,
        Member.verified_at.is_not(None),
    ]
    counts = dict(
        db.session.execute(
            sa.select(MemberExpertise.level, sa.func.count())
            .join(Member, Member.id == MemberExpertise.member_id)
            .where(*holding)
            .group_by(MemberExpertise.level)
        ).all()
    )
    grouped = {}
    for level in (3, 2, 1):
        rows = db.session.execute(
            sa.select(Member, MemberExpertise)
            .join(MemberExpertise, MemberExpertise.member_id == Member.id)
            .where(*holding, MemberExpertise.level == level)
            .order_by(Member.name, Member.id)
            .limit(PEOPLE_SHOWN)
            .options(joinedload(Member.organisation))
        ).all()
        grouped[level] = Holders([tuple(row) for row in rows], counts.get(level, 0))
    return grouped


@search.reindexer("members")
def reindex_members(member_ids: list[int] | None = None) -> int:
    """Rebuilds the colleague finder's index of every member (or of these); the caller commits."""
    return _index_members(member_ids)


def index_members(members: list) -> None:
    """(Re)indexes changed members in «Finn en kollega», in bulk; the caller commits."""
    _index_members([m.id for m in members])


def _index_members(member_ids: list[int] | None) -> int:
    areas = {a.id: a for a in all_areas()}
    expertise_rows = sa.select(
        MemberExpertise.member_id,
        MemberExpertise.area_id,
        MemberExpertise.level,
        MemberExpertise.note,
    )
    members = sa.select(Member.id, Member.title, Member.ask_me_about, Member.bio).order_by(
        Member.id
    )
    if member_ids is not None:
        expertise_rows = expertise_rows.where(MemberExpertise.member_id.in_(member_ids))
        members = members.where(Member.id.in_(member_ids))
    entries: dict[int, list] = {}
    for member_id, area_id, level, note in db.session.execute(expertise_rows):
        entries.setdefault(member_id, []).append((areas[area_id], level, note))
    documents = (
        (member_id, member_fields(title, ask, bio, entries.get(member_id, [])))
        for member_id, title, ask, bio in db.session.execute(members).all()
    )
    return search.index_many("member", documents)


def export_member_expertise(member) -> list[dict]:
    """The member's expertise, for their data export."""
    return [{"area": e.area.name, "level": e.level, "note": e.note} for e in expertise_of(member)]


# --- profile completeness and review ------------------------------------------------------------

PROFILE_REVIEW_AFTER = timedelta(days=365)


def missing_from_profile(member) -> list[str]:
    """What a colleague would miss on the member's profile, in words for the member."""
    missing = []
    if not member.title:
        missing.append(_("stilling"))
    if not expertise_of(member):
        missing.append(_("minst ett fagområde"))
    if not member.ask_me_about:
        missing.append(_("«spør meg om»"))
    if not member.phone:
        missing.append(_("telefon"))
    if not member.bio:
        missing.append(_("litt om deg"))
    return missing


def profile_needs_review(member) -> bool:
    return member.profile_reviewed_at < utcnow() - PROFILE_REVIEW_AFTER


def confirm_profile(actor, member) -> None:
    """The member confirms their profile is up to date."""
    require_self(actor, member)
    member.profile_reviewed_at = utcnow()
    db.session.commit()


@schedule.slot("profile-reviews", time(7, 0))
def send_profile_reminders(due: str | None = None) -> int:
    """Asks members whose profile nobody has looked at for a year to review it (once a year)."""
    stale = utcnow() - PROFILE_REVIEW_AFTER
    due = db.session.scalars(
        sa.select(Member)
        .where(
            Member.active,
            Member.profile_reviewed_at < stale,
            sa.or_(
                Member.profile_reminded_at.is_(None),
                Member.profile_reminded_at < Member.profile_reviewed_at,
            ),
        )
        .order_by(Member.id)
    ).all()
    for member in due:
        with force_locale(language_of(member)):
            subject = _("Er profilen din i Arena fortsatt riktig?")
            body = render_template(
                "expertise/email/profile_review.txt",
                member=member,
                link=absolute_url("accounts.profile"),
                missing=missing_from_profile(member),
            )
        queue_email(member, "review_reminders", subject, body)
        member.profile_reminded_at = utcnow()
        db.session.commit()
    return len(due)
