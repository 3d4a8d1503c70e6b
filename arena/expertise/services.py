"""The vocabulary of fields of expertise: listing, suggesting and proposing areas."""

from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from arena import text
from arena.access import require_admin, require_self, require_verified
from arena.accounts import member_data
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied, TooMany, ValidationFailed
from arena.expertise.models import LEVELS, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.mail import mailbox, send_mail
from arena.organisations.services import slugify
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


def areas_by_ids(ids) -> list[ExpertiseArea]:
    """The areas with these ids; ValidationFailed names any that do not exist."""
    ids = sorted({int(i) for i in ids})
    found = list(db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids))))
    if len(found) != len(ids):
        raise ValidationFailed(_("Ukjent fagområde."))
    return sorted(found, key=lambda a: a.name)


def index_area(area: ExpertiseArea) -> None:
    search.index("area", area.id, [(area.name, 3.0), (area.name_nn, 3.0), (area.synonyms, 2.0)])


def suggest_areas(query: str, limit: int = 10) -> list[ExpertiseArea]:
    """Areas matching what is typed, by name, nynorsk name or synonym, best first."""
    hits = search.search("area", query, limit=limit)
    areas = {a.id: a for a in areas_by_ids([h.object_id for h in hits])} if hits else {}
    return [areas[h.object_id] for h in hits]


def _same_name(a: str, b: str) -> bool:
    return text.fold(" ".join(text.words(a))) == text.fold(" ".join(text.words(b)))


def name_key(name: str) -> str:
    """How area names compare: ignoring case, spacing, punctuation and æøå spelling."""
    return text.fold(" ".join(text.words(name)))


def areas_by_name() -> dict[str, ExpertiseArea]:
    """Every area under its bokmål and nynorsk name keys (for matching many names at once)."""
    lookup = {}
    for area in all_areas():
        lookup[name_key(area.name)] = area
        if area.name_nn:
            lookup.setdefault(name_key(area.name_nn), area)
    return lookup


def find_area_by_name(name: str) -> ExpertiseArea | None:
    """An area called this (in either language form), ignoring case and æøå spelling."""
    for area in all_areas():
        if _same_name(area.name, name) or (area.name_nn and _same_name(area.name_nn, name)):
            return area
    return None


def propose_area(actor, name: str) -> ExpertiseArea:
    """A member's new area, usable at once and queued for an admin; an existing one if it exists."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Skriv navnet på fagområdet."), {"name": _("Må fylles ut.")})
    if len(name) > AREA_NAME_MAX:
        message = _("Kan ikke være lengre enn %(n)d tegn.", n=AREA_NAME_MAX)
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


def reindex_all() -> int:
    """Rebuilds the search index of every area."""
    areas = all_areas()
    for area in areas:
        index_area(area)
    db.session.commit()
    return len(areas)


# --- members' expertise -------------------------------------------------------------------------

#: Field weights of a member's index: a declared area counts most, more for a higher level.
AREA_WEIGHT = {1: 2.5, 2: 3.0, 3: 3.5}
TITLE_WEIGHT, ASK_WEIGHT, NOTE_WEIGHT, BIO_WEIGHT = 1.5, 1.0, 1.0, 0.5
NOTE_MAX, ASK_MAX = 300, 2000


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
        fields.append((f"{area.name} {area.name_nn} {area.synonyms}", AREA_WEIGHT[level]))
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
    if len(note) > NOTE_MAX:
        message = _("Kan ikke være lengre enn %(n)d tegn.", n=NOTE_MAX)
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
        if len(note or "") > NOTE_MAX:
            message = _("Kan ikke være lengre enn %(n)d tegn.", n=NOTE_MAX)
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
    if exact is None:
        for area in all_areas():
            if any(_same_name(s, typed) for s in area.synonyms.split(",") if s.strip()):
                exact = area
                break
    return exact, ([] if exact else suggest_areas(typed, limit=6))


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


def people_by_level(area) -> dict[int, list[tuple]]:
    """Everyone with this area, grouped by level (3, 2, 1), with their note."""
    rows = db.session.execute(
        sa.select(Member, MemberExpertise)
        .join(MemberExpertise, MemberExpertise.member_id == Member.id)
        .where(MemberExpertise.area_id == area.id, Member.active, Member.verified_at.is_not(None))
        .order_by(MemberExpertise.level.desc(), Member.name)
    ).all()
    grouped: dict[int, list[tuple]] = {3: [], 2: [], 1: []}
    for member, entry in rows:
        grouped[entry.level].append((member, entry))
    return grouped


def reindex_members(member_ids: list[int] | None = None) -> int:
    """Rebuilds the colleague finder's index of every member (or of these), and commits."""
    count = _index_members(member_ids)
    db.session.commit()
    return count


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


accounts.register_profile_listener(index_members)
member_data.register_export_section("expertise", export_member_expertise)


# --- contact requests ---------------------------------------------------------------------------

CONTACTS_PER_DAY = 10


def send_contact_request(actor, expert, subject: str, message: str, profile_url: str):
    """«Ta kontakt»: emails the expert (reply goes to the sender) and records the request."""
    from arena.expertise.models import ContactRequest

    require_verified(actor)  # it hands the sender's address to the expert, and theirs back
    if expert.id == actor.id or not expert.active:
        raise ValidationFailed(_("Du kan ikke sende en forespørsel til denne personen."))
    subject, message = (subject or "").strip(), (message or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Må fylles ut.")
    elif len(subject) > 150:
        errors["subject"] = _("Kan ikke være lengre enn %(n)d tegn.", n=150)
    if not message:
        errors["message"] = _("Må fylles ut.")
    elif len(message) > 3000:
        errors["message"] = _("Kan ikke være lengre enn %(n)d tegn.", n=3000)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    since = utcnow() - timedelta(days=1)
    sent_today = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ContactRequest)
        .where(ContactRequest.sender_id == actor.id, ContactRequest.created_at > since)
    )
    if sent_today >= CONTACTS_PER_DAY:
        raise TooMany(
            _(
                "Du har sendt %(n)d forespørsler det siste døgnet. Vent litt før du sender flere.",
                n=CONTACTS_PER_DAY,
            )
        )
    request = ContactRequest(
        sender_id=actor.id,
        expert_id=expert.id,
        subject=subject,
        message=message,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    with force_locale(expert.preferred_language or "nb"):
        mail_subject = _("Arena: %(name)s vil gjerne snakke med deg", name=actor.name)
        body = render_template(
            "expertise/email/contact_request.txt",
            sender=actor,
            expert=expert,
            subject=subject,
            message=message,
            profile_url=profile_url,
        )
    send_mail(expert.email, mail_subject, body, reply_to=mailbox(actor.email, actor.name))
    db.session.commit()
    return request


def contact_requests_of(member) -> tuple[list, list]:
    """Requests the member received and sent, newest first."""
    from arena.expertise.models import ContactRequest

    def newest(*conditions):
        return list(
            db.session.scalars(
                sa.select(ContactRequest)
                .where(*conditions)
                .order_by(ContactRequest.created_at.desc())
            )
        )

    return newest(ContactRequest.expert_id == member.id), newest(
        ContactRequest.sender_id == member.id
    )


def export_contact_requests(member) -> dict:
    """What the member sent and received through «Ta kontakt», for their data export."""
    received, sent = contact_requests_of(member)

    def one(request, other) -> dict:
        return {
            "with": other.name if other is not None else None,
            "subject": request.subject,
            "message": request.message,
            "created_at": request.created_at.isoformat(),
            "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        }

    return {
        "received": [one(r, r.sender) for r in received],
        "sent": [one(r, r.expert) for r in sent],
    }


def erase_sent_contact_requests(member) -> None:
    """A deleted member's messages go with them (the expert already has them by email)."""
    from arena.expertise.models import ContactRequest

    db.session.execute(sa.delete(ContactRequest).where(ContactRequest.sender_id == member.id))


member_data.register_export_section("contact_requests", export_contact_requests)
member_data.register_erase_step(erase_sent_contact_requests)


def mark_answered(actor, request_id: int) -> None:
    """The expert marks a request as answered."""
    from arena.expertise.models import ContactRequest

    request = db.session.get(ContactRequest, request_id)
    if request is None:
        raise NotFound(_("Fant ikke forespørselen."))
    if not getattr(actor, "is_authenticated", False) or actor.id != request.expert_id:
        raise PermissionDenied(_("Bare den som fikk forespørselen, kan merke den som besvart."))
    if request.answered_at is None:
        request.answered_at = utcnow()
        db.session.commit()


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


def send_profile_reminders(link: str) -> int:
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
        with force_locale(member.preferred_language or "nb"):
            subject = _("Er profilen din i Arena fortsatt riktig?")
            body = render_template(
                "expertise/email/profile_review.txt",
                member=member,
                link=link,
                missing=missing_from_profile(member),
            )
        send_mail(member.email, subject, body)
        member.profile_reminded_at = utcnow()
        db.session.commit()
    return len(due)


# --- curating the vocabulary (admins) -----------------------------------------------------------


def proposed_areas() -> list[ExpertiseArea]:
    return list(
        db.session.scalars(
            sa.select(ExpertiseArea)
            .where(ExpertiseArea.approved.is_(False))
            .order_by(ExpertiseArea.name)
        )
    )


def approve_area(actor, area: ExpertiseArea) -> None:
    require_admin(actor)
    area.approved = True
    db.session.commit()


def update_area(actor, area: ExpertiseArea, name: str, name_nn: str, synonyms: str) -> None:
    """An admin renames an area or changes its nynorsk name and synonyms."""
    require_admin(actor)
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Må fylles ut.")
    else:
        clash = find_area_by_name(name)
        if clash is not None and clash.id != area.id:
            errors["name"] = _("Det finnes allerede et fagområde med dette navnet.")
    for key, value, limit in (
        ("name", name, 100),
        ("name_nn", name_nn, 100),
        ("synonyms", synonyms, 500),
    ):
        if len(value or "") > limit:
            errors[key] = _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    area.name, area.name_nn = name, " ".join((name_nn or "").split())
    area.synonyms = ", ".join(s.strip() for s in (synonyms or "").split(",") if s.strip())
    area.approved = True
    index_area(area)
    _reindex_users_of(area.id)
    db.session.commit()


#: What other areas move when two fields of expertise are merged (initiatives' themes, ...).
AREA_MERGE_STEPS: list = []


def register_area_merge_step(step) -> None:
    AREA_MERGE_STEPS.append(step)


def merge_areas(actor, source: ExpertiseArea, target: ExpertiseArea) -> None:
    """An admin folds a duplicate area into another: every use of it moves over."""
    require_admin(actor)
    if source.id == target.id:
        raise ValidationFailed(
            _("Et fagområde kan ikke slås sammen med seg selv."),
            {"target": _("Velg et annet fagområde.")},
        )
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
    for step in AREA_MERGE_STEPS:
        step(source, target)
    search.remove("area", source.id)
    db.session.delete(source)
    db.session.flush()
    _reindex_users_of(target.id)
    db.session.commit()


def _reindex_users_of(area_id: int) -> None:
    members = db.session.scalars(
        sa.select(Member)
        .join(MemberExpertise, MemberExpertise.member_id == Member.id)
        .where(MemberExpertise.area_id == area_id)
    ).all()
    for member in members:
        index_member(member)
