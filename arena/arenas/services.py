"""Arenas (rule 10): accountable ownership by proposal and acceptance, and their meetings."""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena import access, changes, text
from arena.access import (
    acts_for_organisation,
    arenas_seen_sql,
    can_see_arena,
    is_signed_in,
    require_manage_arena,
    require_verified,
    sees_members_only,
)
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.arenas import invitations
from arena.arenas.models import (
    ARENA_LIMITS,
    CADENCES,
    KINDS,
    VISIBILITIES,
    Arena,
    ArenaRole,
    RoleProposal,
    arena_followers,
    arena_organisations,
)
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.keep import Kept
from arena.lines import check_length, check_one_line
from arena.links import absolute_url
from arena.organisations.models import Organisation
from arena.organisations.services import slugify
from arena.outbox.messages import language_of, queue_email
from arena.paging import Page
from arena.rows import insert_if_missing
from arena.search import services as search

REVIEW_EVERY = timedelta(days=365)


# --- reading ------------------------------------------------------------------------------------


#: How many arenas without owner the register names above its table (all are at the table's top).
ORPHANS_NAMED = 20


@dataclass
class Register:
    """One page of the arena register, arenas without owner first, and those arenas named."""

    page: Page
    orphaned: list[Arena]
    orphaned_total: int


#: The register's order and the responsibility map, kept while no arena, holder, member or
#: organisation changes (their change counters: arena/changes.py).
register_kept = Kept()


def register_version() -> tuple[int, ...]:
    return changes.numbers("arenas", "arena_roles", "members", "organisations")


@dataclass
class _Order:
    """The register's order: the visible arenas' ids, those without owner first (`orphans` of
    them), then by name."""

    ids: list[int]
    orphans: int


def _register_order(reader) -> _Order:
    visible = [Arena.archived.is_(False), arenas_seen_sql(reader, Arena)]
    owned = ~Arena.is_orphaned
    rows = db.session.execute(
        sa.select(Arena.id, owned)
        .where(*visible)
        .order_by(sa.case((owned, 1), else_=0), Arena.name, Arena.id)
    ).all()
    return _Order([arena_id for arena_id, _ in rows], sum(1 for _, has in rows if not has))


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


@access.reader("arena_register", "the arenas list (/arenas) and the API's list")
def arena_register(reader, page: int = 1, per_page: int = 25) -> Register:
    """The arenas the reader may see, a page at a time: without owner first, then by name."""
    # Kept per rule's answer: what the reader sees depends only on whether they see members-only.
    members_only = sees_members_only(reader)
    order = register_kept.get(register_version(), members_only, lambda: _register_order(reader))
    total = len(order.ids)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    on_page = order.ids[(page - 1) * per_page : page * per_page]
    return Register(
        page=Page(_arenas_by_id(on_page), total, page, per_page),
        orphaned=_arenas_by_id(order.ids[: min(order.orphans, ORPHANS_NAMED)]),
        orphaned_total=order.orphans,
    )


def arenas_with_owner(reader) -> int:
    """How many arenas the register shows this reader with an owner: counted from the
    register's own kept order (the reader `arena_register`), without loading a page of it."""
    members_only = sees_members_only(reader)
    order = register_kept.get(register_version(), members_only, lambda: _register_order(reader))
    return len(order.ids) - order.orphans


@access.reader("arena_page", "an arena's page and API answer")
def get_arena(slug: str, reader=None) -> Arena:
    arena = db.session.scalar(sa.select(Arena).filter_by(slug=slug))
    if arena is None or not can_see_arena(reader, arena):
        raise NotFound(_("Fant ikke samarbeidsarenaen."))
    return arena


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
    check_one_line({"name": data.name}, ("name",), errors)
    name = " ".join((data.name or "").split())
    if not name and "name" not in errors:
        errors["name"] = _("Må fylles ut.")
    check_length(errors, "name", name, ARENA_LIMITS["name"])
    check_length(errors, "purpose", data.purpose, ARENA_LIMITS["purpose"])
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
            if problem := holder_problem(person):
                errors[key] = problem
            people[key.removesuffix("_email")] = person  # the member the address names
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


def holder_problem(person) -> str | None:
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
    owner = cleaned.get("owner")
    if owner is None or owner.id == actor.id:
        start_role(arena, "owner", actor)  # proposing oneself is accepting at once
    else:
        proposals.append(new_proposal(arena, "owner", owner, actor))
    deputy = cleaned.get("deputy")
    if deputy is not None:
        if deputy.id == actor.id and owner is not None and owner.id != actor.id:
            start_role(arena, "deputy", actor)
        elif deputy.id != (owner or actor).id:
            proposals.append(new_proposal(arena, "deputy", deputy, actor))
    db.session.commit()
    return arena, proposals


def update_arena(actor, arena: Arena, data: ArenaInput) -> None:
    """The owner, deputy or an admin changes an arena's description."""
    require_manage_arena(actor, arena)
    cleaned = _clean(ArenaInput(**{**data.__dict__, "owner_email": "", "deputy_email": ""}))
    visibility_before = arena.visibility
    for key in ("name", "purpose", "kind", "cadence", "visibility", "organisations"):
        setattr(arena, key, cleaned[key])
    if arena.visibility != visibility_before:
        invitations.arena_changed(arena)
    arena.updated_at = arena.calendar_changed_at = utcnow()
    index_arena(arena)
    db.session.commit()


def index_arena(arena: Arena) -> None:
    search.index("arena", arena.id, [(arena.name, 3.0), (arena.purpose, 1.5)])


@search.reindexer("arenas")
def reindex_all() -> int:
    """Rebuilds the search index of every arena (archived ones too: they may come back); the caller
    commits."""
    arenas = list(db.session.scalars(sa.select(Arena)))
    for arena in arenas:
        index_arena(arena)
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


# --- holding roles (ownership.py has proposals and answers) -------------------------------------


def start_role(arena: Arena, role: str, member: Member) -> ArenaRole:
    now = utcnow()
    current = arena.current(role)
    if current is not None:
        current.ended_at = now
        db.session.flush()  # the partial unique index allows one current holder at a time
        if current.member_id is not None:
            invitations.member_changed(current.member_id, arena.id)
    invitations.member_changed(member.id, arena.id)
    holder = ArenaRole(arena=arena, role=role, member_id=member.id, started_at=now)
    db.session.add(holder)
    arena.updated_at = arena.calendar_changed_at = now
    db.session.flush()
    return holder


def pending_proposals(arena: Arena, role: str | None = None) -> list[RoleProposal]:
    statement = sa.select(RoleProposal).filter_by(arena_id=arena.id, status="pending")
    if role:
        statement = statement.filter_by(role=role)
    return list(db.session.scalars(statement.order_by(RoleProposal.created_at)))


def new_proposal(arena: Arena, role: str, member: Member, actor) -> RoleProposal:
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
    _notify_proposal(proposal, member)
    return proposal


def _notify_proposal(proposal: RoleProposal, member: Member) -> None:
    """Emails the proposed person; the proposal also waits for them on the arenas page."""
    with force_locale(language_of(member)):
        role = _("ansvarlig") if proposal.role == "owner" else _("stedfortreder")
        subject = _("Vil du være %(role)s for %(arena)s?", role=role, arena=proposal.arena.name)
        body = render_template(
            "arenas/email/proposal.txt",
            proposal=proposal,
            role=role,
            link=absolute_url("arenas.index"),
        )
    queue_email(member, "role_proposals", subject, body)


# --- following ----------------------------------------------------------------------------------


def follow_arena(actor, arena: Arena) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    if insert_if_missing(arena_followers, arena_id=arena.id, member_id=actor.id):
        invitations.member_changed(actor.id, arena.id)
        db.session.commit()


def unfollow_arena(actor, arena: Arena) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    db.session.execute(
        arena_followers.delete().where(
            arena_followers.c.arena_id == arena.id, arena_followers.c.member_id == actor.id
        )
    )
    invitations.member_changed(actor.id, arena.id)
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


@access.reader("own_meetings", "the meetings page of one's own arenas")
def arenas_of_member(member) -> list[Arena]:
    """The arenas a member follows or owns or deputises (their personal calendar)."""
    return list(
        db.session.scalars(
            sa.select(Arena)
            .where(Arena.id.in_(member_arena_ids(member)), arenas_seen_sql(member, Arena))
            .order_by(Arena.name)
        )
    )
