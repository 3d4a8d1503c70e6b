"""Arenas (rule 10): accountable ownership by proposal and acceptance, and their meetings."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena import text
from arena.access import acts_for_organisation, is_signed_in, require_verified, sees_members_only
from arena.accounts import member_data
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.arenas.models import (
    CADENCES,
    KINDS,
    ROLES,
    VISIBILITIES,
    Arena,
    ArenaRole,
    Meeting,
    MeetingException,
    RoleProposal,
    arena_followers,
    arena_organisations,
)
from arena.arenas.recurrence import (
    Recurrence,
    occurrence_starts,
    parse_rule,
    rrule_from_form,
    wall_clock_problem,
)
from arena.dates import format_datetime, to_local, utcnow
from arena.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.keep import Kept
from arena.links import absolute_url
from arena.mail import send_mail
from arena.organisations import services as organisations
from arena.organisations.models import Organisation
from arena.organisations.services import slugify
from arena.paging import Page
from arena.search import services as search

REVIEW_EVERY = timedelta(days=365)
TZID = "Europe/Oslo"


# --- reading ------------------------------------------------------------------------------------


#: How many arenas without owner the register names above its table (all are at the table's top).
ORPHANS_NAMED = 20


@dataclass
class Register:
    """One page of the arena register, arenas without owner first, and those arenas named."""

    page: Page
    orphaned: list[Arena]
    orphaned_total: int


def _has_owner():
    """SQL: the arena has a current, active owner."""
    return (
        sa.select(ArenaRole.id)
        .join(Member, Member.id == ArenaRole.member_id)
        .where(
            ArenaRole.arena_id == Arena.id,
            ArenaRole.role == "owner",
            ArenaRole.ended_at.is_(None),
            Member.active.is_(True),
        )
        .exists()
    )


#: The register's order and the responsibility map, kept while no arena, holder or organisation
#: changes: ownership, holders' names and accounts and arena edits all move calendar_changed_at.
_kept = Kept()


def _register_version() -> tuple:
    return (
        *db.session.execute(
            sa.select(sa.func.count(Arena.id), sa.func.max(Arena.calendar_changed_at))
        ).one(),
        db.session.scalar(sa.select(sa.func.max(Organisation.updated_at))),
    )


def _register_order(members_only: bool) -> list[tuple[int, bool]]:
    """(arena id, orphaned) of every visible arena: without owner first, then by name."""
    visible = [Arena.archived.is_(False)]
    if not members_only:
        visible.append(Arena.visibility == "public")
    has_owner = _has_owner()
    rows = db.session.execute(
        sa.select(Arena.id, has_owner)
        .where(*visible)
        .order_by(sa.case((has_owner, 1), else_=0), Arena.name, Arena.id)
    )
    return [(arena_id, not owned) for arena_id, owned in rows]


def _arenas_by_id(ids: list[int]) -> list[Arena]:
    """These arenas, in this order, with what the register shows of them."""
    found = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Arena)
            .where(Arena.id.in_(ids))
            .options(
                selectinload(Arena.roles).selectinload(ArenaRole.member),
                selectinload(Arena.organisations),
            )
        )
    }
    return [found[i] for i in ids if i in found]


def arena_register(reader, page: int = 1, per_page: int = 25) -> Register:
    """The arenas the reader may see, a page at a time: without owner first, then by name."""
    members_only = sees_members_only(reader)
    order = _kept.get(_register_version(), members_only, lambda: _register_order(members_only))
    total = len(order)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    on_page = [arena_id for arena_id, _ in order[(page - 1) * per_page : page * per_page]]
    orphaned = [arena_id for arena_id, orphan in order if orphan]
    return Register(
        page=Page(_arenas_by_id(on_page), total, page, per_page),
        orphaned=_arenas_by_id(orphaned[:ORPHANS_NAMED]),
        orphaned_total=len(orphaned),
    )


def next_meetings(arenas, now: datetime, until: datetime) -> dict[int, "Occurrence"]:
    """Each arena's next occurrence that is not cancelled, between now and `until`."""
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(
            Meeting.arena_id.in_([a.id for a in arenas]),
            Meeting.last_starts_at >= now,
            Meeting.starts_at < until,
        )
        .options(selectinload(Meeting.exceptions))
    ).all()
    found: dict[int, Occurrence] = {}
    for occurrence in occurrences(meetings, now, until):
        if not occurrence.cancelled:
            found.setdefault(occurrence.meeting.arena_id, occurrence)
    return found


def all_arenas() -> list[Arena]:
    """Every arena that is not archived, by name."""
    return list(
        db.session.scalars(sa.select(Arena).where(Arena.archived.is_(False)).order_by(Arena.name))
    )


def can_see(reader, arena: Arena) -> bool:
    """Members-only arenas are for verified members; public ones for everyone."""
    return arena.visibility == "public" or sees_members_only(reader)


def get_arena(slug: str, reader=None) -> Arena:
    arena = db.session.scalar(sa.select(Arena).filter_by(slug=slug))
    if arena is None or not can_see(reader, arena):
        raise NotFound(_("Fant ikke samarbeidsarenaen."))
    return arena


def can_manage(actor, arena: Arena) -> bool:
    """The owner, the deputy and admins edit an arena and its meetings."""
    if not acts_for_organisation(actor):
        return False
    return actor.is_admin or actor in (arena.owner, arena.deputy)


def _require_manage(actor, arena: Arena) -> None:
    if not can_manage(actor, arena):
        raise PermissionDenied(
            _("Bare den ansvarlige, stedfortrederen og administratorer kan endre arenaen.")
        )


# --- creating and editing -----------------------------------------------------------------------


@dataclass
class ArenaInput:
    name: str = ""
    purpose: str = ""
    kind: str = "network"
    cadence: str = ""
    visibility: str = "public"
    organisation_ids: list[int] = field(default_factory=list)
    #: Email of the proposed owner; empty: the creator is the owner.
    owner_email: str = ""
    #: Email of the proposed deputy; empty: none yet.
    deputy_email: str = ""


def _clean(data: ArenaInput) -> dict:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Må fylles ut.")
    elif len(name) > 150:
        errors["name"] = _("Kan ikke være lengre enn %(n)d tegn.", n=150)
    if len(data.purpose or "") > 5000:
        errors["purpose"] = _("Kan ikke være lengre enn %(n)d tegn.", n=5000)
    if data.cadence not in ("", *CADENCES):
        errors["cadence"] = _("Velg et av alternativene i lista.")
    if data.kind not in KINDS:
        errors["kind"] = _("Velg et av alternativene i lista.")
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = _("Velg et av alternativene i lista.")
    ids = sorted(set(data.organisation_ids))
    orgs = list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))))
    if len(orgs) != len(ids):
        errors["organisation_ids"] = _("Velg bare fra alternativene i lista.")
    people = {}
    for key in ("owner_email", "deputy_email"):
        email = getattr(data, key)
        if email:
            person = accounts.find_member_by_email(email)
            if problem := _holder_problem(person):
                errors[key] = problem
            people[key] = person
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    return {
        "name": name,
        "purpose": (data.purpose or "").strip(),
        "kind": data.kind,
        "cadence": data.cadence,
        "visibility": data.visibility,
        "organisations": orgs,
        **people,
    }


def _holder_problem(person) -> str | None:
    """Why a member cannot be asked to hold an arena: only verified members act for their
    organisation."""
    if person is None or not person.active:
        return _("Fant ingen aktiv medlem med denne e-postadressen.")
    if not acts_for_organisation(person):
        return _("Personen er ikke bekreftet som medlem av organisasjonen sin ennå.")
    return None


def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 2
    while db.session.scalar(sa.select(Arena.id).filter_by(slug=slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_arena(actor, data: ArenaInput) -> tuple[Arena, list[RoleProposal]]:
    """A verified member registers an arena; they own it, or the person they propose does once
    accepted."""
    require_verified(actor)
    cleaned = _clean(data)
    now = utcnow()
    arena = Arena(
        slug=_unique_slug(cleaned["name"]),
        name=cleaned["name"],
        purpose=cleaned["purpose"],
        kind=cleaned["kind"],
        cadence=cleaned["cadence"],
        visibility=cleaned["visibility"],
        organisations=cleaned["organisations"],
        review_due_on=(now + REVIEW_EVERY).date(),
        created_at=now,
        updated_at=now,
        calendar_changed_at=now,
    )
    db.session.add(arena)
    db.session.flush()
    index_arena(arena)
    proposals = []
    owner = cleaned.get("owner_email")
    if owner is None or owner.id == actor.id:
        _start_role(arena, "owner", actor)  # proposing oneself is accepting at once
    else:
        proposals.append(_propose(arena, "owner", owner, actor))
    deputy = cleaned.get("deputy_email")
    if deputy is not None:
        if deputy.id == actor.id and owner is not None and owner.id != actor.id:
            _start_role(arena, "deputy", actor)
        elif deputy.id != (owner or actor).id:
            proposals.append(_propose(arena, "deputy", deputy, actor))
    db.session.commit()
    return arena, proposals


def update_arena(actor, arena: Arena, data: ArenaInput) -> None:
    """The owner, deputy or an admin changes an arena's description."""
    _require_manage(actor, arena)
    cleaned = _clean(ArenaInput(**{**data.__dict__, "owner_email": "", "deputy_email": ""}))
    for key in ("name", "purpose", "kind", "cadence", "visibility", "organisations"):
        setattr(arena, key, cleaned[key])
    arena.updated_at = arena.calendar_changed_at = utcnow()
    index_arena(arena)
    db.session.commit()


def index_arena(arena: Arena) -> None:
    search.index("arena", arena.id, [(arena.name, 3.0), (arena.purpose, 1.5)])


def reindex_all() -> int:
    """Rebuilds the search index of every arena (archived ones too: they may come back)."""
    arenas = list(db.session.scalars(sa.select(Arena)))
    for arena in arenas:
        index_arena(arena)
    db.session.commit()
    return len(arenas)


def similar_arenas(
    name: str, purpose: str = "", organisation_ids=(), limit: int = 5
) -> list[Arena]:
    """Arenas that look like this one: overlapping purpose words and participating organisations."""
    words = len(text.parse_query(f"{name} {purpose}")) or 1
    scores: dict[int, float] = {}
    for hit in search.search("arena", f"{name} {purpose}", limit=100):
        scores[hit.object_id] = 4 * hit.score / (search.TOP_WEIGHT * search.EXACT * words)
    if organisation_ids:
        rows = db.session.execute(
            sa.select(arena_organisations.c.arena_id, sa.func.count())
            .where(arena_organisations.c.organisation_id.in_(list(organisation_ids)))
            .group_by(arena_organisations.c.arena_id)
        )
        for arena_id, shared in rows:
            scores[arena_id] = scores.get(arena_id, 0.0) + 0.5 * shared
    # Some words in common, or words and organisations together.
    best = sorted((s, i) for i, s in scores.items() if s >= 1.5)[::-1][:limit]
    found = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Arena).where(Arena.id.in_([i for _s, i in best]), Arena.archived.is_(False))
        )
    }
    return [found[i] for _s, i in best if i in found]


# --- ownership ----------------------------------------------------------------------------------


def _start_role(arena: Arena, role: str, member: Member) -> ArenaRole:
    now = utcnow()
    current = arena.current(role)
    if current is not None:
        current.ended_at = now
        db.session.flush()  # the partial unique index allows one current holder at a time
    holder = ArenaRole(arena=arena, role=role, member_id=member.id, started_at=now)
    db.session.add(holder)
    arena.updated_at = arena.calendar_changed_at = now
    db.session.flush()
    return holder


def _propose(arena: Arena, role: str, member: Member, actor) -> RoleProposal:
    for pending in pending_proposals(arena, role):
        pending.status, pending.decided_at = "withdrawn", utcnow()
    proposal = RoleProposal(
        arena=arena,
        role=role,
        member_id=member.id,
        proposed_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def notify_proposal(proposal: RoleProposal, link: str) -> None:
    """Emails the proposed person; the proposal also waits for them on the arenas page."""
    member = proposal.member
    with force_locale(member.preferred_language or "nb"):
        role = _("ansvarlig") if proposal.role == "owner" else _("stedfortreder")
        subject = _("Vil du være %(role)s for %(arena)s?", role=role, arena=proposal.arena.name)
        body = render_template("arenas/email/proposal.txt", proposal=proposal, role=role, link=link)
    send_mail(member.email, subject, body)


def pending_proposals(arena: Arena, role: str | None = None) -> list[RoleProposal]:
    statement = sa.select(RoleProposal).filter_by(arena_id=arena.id, status="pending")
    if role:
        statement = statement.filter_by(role=role)
    return list(db.session.scalars(statement.order_by(RoleProposal.created_at)))


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
    if message := _holder_problem(member):
        raise ValidationFailed(message, {"email": message})
    holder = arena.current(role)
    if holder is not None and holder.member_id == member.id:
        raise Conflict(_("Personen har allerede denne rollen."))
    proposal = _propose(arena, role, member, actor)
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
    holder = _start_role(arena, proposal.role, actor)
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


def can_take_responsibility(actor, arena: Arena) -> bool:
    """Verified members of a participating organisation (and admins) may take an arena without
    owner."""
    return (
        acts_for_organisation(actor)
        and arena.is_orphaned
        and (actor.is_admin or actor.organisation_id in {o.id for o in arena.organisations})
    )


def take_responsibility(actor, arena: Arena) -> ArenaRole:
    """A verified member of a participating organisation becomes owner of an arena without
    one."""
    require_verified(actor)
    if not arena.is_orphaned:
        raise Conflict(_("Arenaen har allerede en ansvarlig."))
    if not can_take_responsibility(actor, arena):
        raise PermissionDenied(_("Bare medlemmer av organisasjonene som deltar, kan ta ansvaret."))
    holder = _start_role(arena, "owner", actor)
    db.session.commit()
    return holder


def past_holders(arena: Arena) -> list[ArenaRole]:
    """Who held the arena's roles before (the current owner and deputy are not among them),
    most recent first."""
    ended = [r for r in arena.roles if r.ended_at is not None]
    return sorted(ended, key=lambda r: r.ended_at, reverse=True)


def orphaned_arenas() -> list[Arena]:
    """Arenas nobody has accepted responsibility for (or whose owner left)."""
    arenas = db.session.scalars(
        sa.select(Arena).where(Arena.archived.is_(False)).order_by(Arena.name)
    )
    return [a for a in arenas if a.is_orphaned]


def confirm_review(actor, arena: Arena) -> None:
    """The owner confirms the arena lives on, its purpose and deputy are right; next in a year."""
    _require_manage(actor, arena)
    arena.review_due_on = (utcnow() + REVIEW_EVERY).date()
    arena.updated_at = utcnow()
    db.session.commit()


def review_lapsed(arena: Arena, today: date | None = None) -> bool:
    return arena.review_due_on < (today or utcnow().date())


# --- following ----------------------------------------------------------------------------------


def follow_arena(actor, arena: Arena) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    if not is_following(actor, arena):
        db.session.execute(arena_followers.insert().values(arena_id=arena.id, member_id=actor.id))
        db.session.commit()


def unfollow_arena(actor, arena: Arena) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    db.session.execute(
        arena_followers.delete().where(
            arena_followers.c.arena_id == arena.id, arena_followers.c.member_id == actor.id
        )
    )
    db.session.commit()


def is_following(member, arena: Arena) -> bool:
    if not is_signed_in(member):
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(arena_followers)
            .where(arena_followers.c.arena_id == arena.id, arena_followers.c.member_id == member.id)
        )
        > 0
    )


def member_arena_ids(member):
    """A SELECT of the ids of the arenas a member follows, owns or deputises."""
    followed = sa.select(arena_followers.c.arena_id).where(arena_followers.c.member_id == member.id)
    held = sa.select(ArenaRole.arena_id).where(
        ArenaRole.member_id == member.id, ArenaRole.ended_at.is_(None)
    )
    return sa.union(followed, held)


def visible_to(reader):
    """SQL: the arena is one the reader may see (members-only ones need verification)."""
    return sa.true() if sees_members_only(reader) else Arena.visibility == "public"


def arenas_of_member(member) -> list[Arena]:
    """The arenas a member follows or owns or deputises (their personal calendar)."""
    return list(
        db.session.scalars(
            sa.select(Arena)
            .where(Arena.id.in_(member_arena_ids(member)), visible_to(member))
            .order_by(Arena.name)
        )
    )


def _holders_changed(members: list[Member]) -> None:
    """Holders' names or accounts changed: their arenas' feeds name them as ORGANIZER."""
    held = sa.select(ArenaRole.arena_id).where(
        ArenaRole.member_id.in_([m.id for m in members]), ArenaRole.ended_at.is_(None)
    )
    db.session.execute(
        sa.update(Arena).where(Arena.id.in_(held)).values(calendar_changed_at=utcnow())
    )


accounts.register_profile_listener(_holders_changed)


def move_participation(source: Organisation, target: Organisation) -> None:
    """Part of merging organisations: the arenas the duplicate took part in keep it, under the
    organisation it is merged into (once each), and their feeds change."""
    rows = arena_organisations.c
    affected = sa.select(rows.arena_id).where(rows.organisation_id == source.id)
    db.session.execute(
        sa.update(Arena).where(Arena.id.in_(affected)).values(calendar_changed_at=utcnow())
    )
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


organisations.register_merge_step(move_participation)


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


member_data.register_export_section("arenas", export_member_arenas)


# --- meetings -----------------------------------------------------------------------------------


@dataclass
class MeetingInput:
    title: str = ""
    description: str = ""
    location: str = ""
    online_url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    #: A raw RFC 5545 RRULE (from the API) ...
    rrule: str = ""
    #: ... or the form's repetition.
    recurrence: Recurrence | None = None


def _clean_meeting(data: MeetingInput) -> dict:
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = _("Må fylles ut.")
    elif len(title) > 200:
        errors["title"] = _("Kan ikke være lengre enn %(n)d tegn.", n=200)
    for key, limit in (("description", 10_000), ("location", 300), ("online_url", 500)):
        if len(getattr(data, key) or "") > limit:
            errors[key] = _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
    online = (data.online_url or "").strip()
    if online and not online.startswith(("https://", "http://")):
        errors["online_url"] = _("Lenken må begynne med https://.")
    if data.starts_at is None:
        errors["starts_at"] = _("Må fylles ut.")
    else:
        if problem := wall_clock_problem(data.starts_at, TZID):
            errors["starts_at"] = problem
        if data.ends_at is not None:
            if data.ends_at < data.starts_at:
                errors["ends_at"] = _("Slutt kan ikke være før start.")
            elif problem := wall_clock_problem(data.ends_at, TZID):
                errors["ends_at"] = problem
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    rule = data.rrule.strip() if data.rrule else ""
    if data.recurrence is not None and not rule:
        rule = rrule_from_form(data.recurrence, data.starts_at, TZID)
    rule = str(parse_rule(rule)) if rule else ""  # stored exactly as feeds publish it
    starts = occurrence_starts(rule, data.starts_at, TZID)
    for start in starts:
        if problem := wall_clock_problem(start, TZID):
            raise ValidationFailed(problem, {"recurrence": problem})
    return {
        "title": title,
        "description": (data.description or "").strip(),
        "location": (data.location or "").strip(),
        "online_url": online,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "rrule": rule,
        "last_starts_at": starts[-1],
    }


def create_meeting(actor, arena: Arena, data: MeetingInput) -> Meeting:
    """The owner, deputy or an admin adds a meeting (once or as a series)."""
    _require_manage(actor, arena)
    cleaned = _clean_meeting(data)
    now = utcnow()
    meeting = Meeting(
        arena=arena,
        uid=f"meeting-{secrets.token_hex(8)}@arena",
        tzid=TZID,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    db.session.add(meeting)
    arena.calendar_changed_at = now
    db.session.commit()
    return meeting


def update_meeting(actor, meeting: Meeting, data: MeetingInput) -> Meeting:
    """Edits a meeting or a whole series; SEQUENCE goes up when its time or place changes."""
    _require_manage(actor, meeting.arena)
    cleaned = _clean_meeting(data)
    moved = any(
        getattr(meeting, k) != cleaned[k]
        for k in ("starts_at", "ends_at", "rrule", "location", "online_url")
    )
    for key, value in cleaned.items():
        setattr(meeting, key, value)
    for exception in meeting.exceptions:
        if exception.action == "move":
            meeting.last_starts_at = max(meeting.last_starts_at, exception.new_starts_at)
    if moved:
        meeting.sequence += 1
    meeting.updated_at = meeting.arena.calendar_changed_at = utcnow()
    db.session.commit()
    return meeting


def cancel_meeting(actor, meeting: Meeting) -> None:
    """Cancels a meeting or a whole series (it stays in feeds as cancelled for 30 days)."""
    _require_manage(actor, meeting.arena)
    now = _local_now()
    soon = [o for o in occurrences([meeting], now, now + SOON) if not o.cancelled]
    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting.updated_at = meeting.arena.calendar_changed_at = utcnow()
    db.session.commit()
    for occurrence in soon:
        _tell_followers(meeting, occurrence.starts_at, None)


#: Changes this close are emailed to followers: Google refreshes feeds only every 8-24 hours.
SOON = timedelta(hours=48)


def _local_now() -> datetime:
    return to_local(utcnow()).replace(tzinfo=None)


def _tell_followers(meeting: Meeting, when: datetime, new_start: datetime | None) -> None:
    """Emails the arena's followers that a meeting soon is cancelled (or moved to new_start)."""
    from arena.web import wall_clock_in_oslo

    link = absolute_url("arenas.show", slug=meeting.arena.slug)
    followers = db.session.scalars(
        sa.select(Member)
        .join(arena_followers, arena_followers.c.member_id == Member.id)
        .where(arena_followers.c.arena_id == meeting.arena_id, Member.active)
    ).all()
    for member in followers:
        locale = member.preferred_language or "nb"
        with force_locale(locale):
            old = format_datetime(wall_clock_in_oslo(when), locale)
            values = {"title": meeting.title, "arena": meeting.arena.name, "when": old}
            if new_start is None:
                subject = _("«%(title)s» %(when)s er avlyst", **values)
                text = _("Møtet «%(title)s» i %(arena)s %(when)s er avlyst.", **values)
            else:
                subject = _("«%(title)s» %(when)s er flyttet", **values)
                text = _(
                    "Møtet «%(title)s» i %(arena)s %(when)s er flyttet til %(new)s.",
                    new=format_datetime(wall_clock_in_oslo(new_start), locale),
                    **values,
                )
            note = _(
                "Du får denne e-posten fordi du følger arenaen, og fordi kalenderen din "
                "kanskje ikke rekker å oppdatere seg."
            )
        send_mail(member.email, subject, f"{text}\n\n{link}\n\n{note}\n")


def delete_meeting(actor, meeting: Meeting) -> None:
    _require_manage(actor, meeting.arena)
    meeting.arena.calendar_changed_at = utcnow()
    db.session.delete(meeting)
    db.session.commit()


def change_occurrence(
    actor,
    meeting: Meeting,
    occurrence: datetime,
    action: str,
    new_starts_at: datetime | None = None,
    new_ends_at: datetime | None = None,
) -> MeetingException:
    """Cancels or moves one occurrence of a series."""
    _require_manage(actor, meeting.arena)
    if not meeting.rrule:
        message = _("Bare møter som gjentas, har enkeltforekomster.")
        raise ValidationFailed(message, {"occurrence": message})
    if occurrence not in occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid):
        message = _("Serien har ikke noe møte %(when)s.", when=format_datetime(occurrence))
        raise ValidationFailed(message, {"occurrence": message})
    if action not in ("cancel", "move"):
        message = _("Ukjent handling.")
        raise ValidationFailed(message, {"action": message})
    if action == "move":
        errors = {}
        if new_starts_at is None:
            errors["starts_at"] = _("Må fylles ut.")
        elif problem := wall_clock_problem(new_starts_at, meeting.tzid):
            errors["starts_at"] = problem
        if new_ends_at is not None and new_starts_at is not None:
            if new_ends_at < new_starts_at:
                errors["ends_at"] = _("Slutt kan ikke være før start.")
            elif problem := wall_clock_problem(new_ends_at, meeting.tzid):
                errors["ends_at"] = problem
        if errors:
            raise ValidationFailed(_("Skjemaet har feil."), errors)
        if new_ends_at is None and meeting.ends_at is not None:
            new_ends_at = new_starts_at + (meeting.ends_at - meeting.starts_at)
    exception = db.session.get(MeetingException, (meeting.id, occurrence))
    if exception is None:
        exception = MeetingException(meeting_id=meeting.id, occurrence=occurrence)
        db.session.add(exception)
    exception.action = action
    exception.new_starts_at = new_starts_at if action == "move" else None
    exception.new_ends_at = new_ends_at if action == "move" else None
    exception.sequence = meeting.sequence + 1
    exception.updated_at = meeting.arena.calendar_changed_at = utcnow()
    if action == "move":  # windowed lookups find a series by its last start
        meeting.last_starts_at = max(meeting.last_starts_at, new_starts_at)
    db.session.commit()
    now = _local_now()
    if now <= occurrence <= now + SOON:
        _tell_followers(meeting, occurrence, exception.new_starts_at)
    return exception


@dataclass
class Occurrence:
    meeting: Meeting
    #: The series' original start (the RECURRENCE-ID) for this occurrence.
    original: datetime
    starts_at: datetime
    ends_at: datetime | None
    cancelled: bool
    moved: bool

    @property
    def key(self) -> str:
        """Names this occurrence in a page (ids, anchors): the meeting and its original start."""
        return f"{self.meeting.id}-{self.original:%Y%m%d%H%M}"


def occurrences(meetings, start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence of the meetings whose (possibly moved) start lies in [start, end)."""
    found = []
    for meeting in meetings:
        length = (meeting.ends_at - meeting.starts_at) if meeting.ends_at else None
        changes = {e.occurrence: e for e in meeting.exceptions}
        for original in occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid):
            change = changes.get(original)
            begins, ends = original, (original + length if length else None)
            if change is not None and change.action == "move":
                begins, ends = change.new_starts_at, change.new_ends_at
            if start <= begins < end:
                found.append(
                    Occurrence(
                        meeting,
                        original,
                        begins,
                        ends,
                        cancelled=meeting.status == "cancelled"
                        or (change is not None and change.action == "cancel"),
                        moved=change is not None and change.action == "move",
                    )
                )
    return sorted(found, key=lambda o: (o.starts_at, o.meeting.id))


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


def responsibility_map(reader) -> ResponsibilityMap:
    """Counted in the database (a register of thousands of arenas stays one page), over the
    arenas the register shows this reader, so the two never disagree."""
    members_only = sees_members_only(reader)
    visible = [] if members_only else [Arena.visibility == "public"]
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

    return _kept.get(
        _register_version(),
        ("map", members_only),
        lambda: ResponsibilityMap(top(by_org), total(by_org), top(several), total(several)),
    )


# --- reminders ----------------------------------------------------------------------------------

ORPHAN_LIST_EVERY = timedelta(days=7)


def send_arena_reminders() -> tuple[int, int]:
    """Asks owners of arenas due for review to confirm them (once per lapse), and sends admins
    the list of arenas without owner once a week. Returns (reviews, admin emails)."""
    from arena.arenas.models import ReminderMark

    now = utcnow()
    reviews = 0
    for arena in all_arenas():
        owner = arena.owner
        due = review_lapsed(arena)
        asked = arena.review_reminded_at is not None and arena.review_reminded_at.date() >= (
            arena.review_due_on
        )
        if owner is None or not due or asked:
            continue
        with force_locale(owner.preferred_language or "nb"):
            subject = _("Lever «%(name)s» fortsatt?", name=arena.name)
            body = (
                _("Hei %(name)s,", name=owner.name)
                + "\n\n"
                + _(
                    "Du er ansvarlig for «%(arena)s». Bekreft at arenaen lever, at formålet "
                    "stemmer og at stedfortrederen er riktig, eller gi ansvaret videre:",
                    arena=arena.name,
                )
                + f"\n{absolute_url('arenas.show', slug=arena.slug)}\n"
            )
        send_mail(owner.email, subject, body)
        arena.review_reminded_at = now
        db.session.commit()
        reviews += 1

    mark = db.session.get(ReminderMark, "orphaned_arenas")
    orphans = orphaned_arenas()
    admin_mails = 0
    if orphans and (mark is None or now - mark.sent_at >= ORPHAN_LIST_EVERY):
        admins = db.session.scalars(sa.select(Member).where(Member.is_admin, Member.active)).all()
        for admin in admins:
            with force_locale(admin.preferred_language or "nb"):
                subject = _("Samarbeidsarenaer uten ansvarlig: %(n)d", n=len(orphans))
                lines = "\n".join(
                    f"- {a.name}: {absolute_url('arenas.show', slug=a.slug)}" for a in orphans
                )
                body = _("Disse samarbeidsarenaene har ingen som har tatt ansvaret:") + (
                    f"\n\n{lines}\n"
                )
            send_mail(admin.email, subject, body)
            admin_mails += 1
        if mark is None:
            mark = ReminderMark(name="orphaned_arenas", sent_at=now)
            db.session.add(mark)
        mark.sent_at = now
        db.session.commit()
    return reviews, admin_mails
