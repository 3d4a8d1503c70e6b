"""What goes into a member's weekly digest (arena/notifications/digest.py sends it): the
sections and the queries behind them, a fixed number per batch of members."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena import access
from arena.access import can_read_initiative, can_see_arena
from arena.accounts.models import Member
from arena.arenas.models import Arena, ArenaRole, Meeting, RoleProposal, arena_followers
from arena.arenas.ownership import review_lapsed
from arena.dates import format_date, format_datetime, to_local, wall_clock_in_oslo
from arena.expertise.models import ContactRequest, MemberExpertise
from arena.expertise.services import profile_needs_review
from arena.extensions import db
from arena.initiatives.models import CompetenceNotice, Follow, Initiative, InitiativeUpdate
from arena.links import absolute_url
from arena.notifications.models import DigestMark
from arena.outbox import settings
from arena.outbox.messages import language_of

FIRST_LOOKS_BACK = timedelta(days=7)
MEETINGS_AHEAD = timedelta(days=14)
#: Items per section; the rest are a link away (a digest stays far below Gmail's 102 KB clip).
MAX_ITEMS = 15


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    more: str = ""


@dataclass
class Digest:
    member: Member
    since: datetime
    until: datetime
    sections: list[Section] = field(default_factory=list)
    #: The competence notices this digest tells of (marked told when it is queued).
    notices: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.sections

    def subject(self) -> str:
        with force_locale(language_of(self.member)):
            return _(
                "Arena: nytt i nettverket siden %(date)s",
                date=format_date(to_local(self.since).date(), language_of(self.member)),
            )

    def text(self) -> str:
        """The email's text; headings are underlined, items are «label: address» lines."""
        with force_locale(language_of(self.member)):
            parts = [
                _("Hei %(name)s,", name=self.member.name),
                _(
                    "Dette er nytt i Arena for deg siden %(date)s.",
                    date=format_date(to_local(self.since).date(), language_of(self.member)),
                ),
            ]
            for section in self.sections:
                block = [section.title, "-" * len(section.title)] + section.lines
                if section.more:
                    block.append(section.more)
                parts.append("\n".join(block))
            parts.append("Arena – «" + _("Jobbe smartere sammen") + "»")
            return "\n\n".join(parts) + "\n"


# --- composing ----------------------------------------------------------------------------------


def compose(members: list[Member], cutoff: datetime, context) -> list[Digest]:
    """The digests of a batch of members, from a fixed number of queries; `context` is the
    run's (digest.Context)."""
    ids = [m.id for m in members]
    marks = dict(
        db.session.execute(
            sa.select(DigestMark.member_id, DigestMark.covered_until).where(
                DigestMark.member_id.in_(ids)
            )
        ).all()
    )
    since = {m.id: marks.get(m.id) or cutoff - FIRST_LOOKS_BACK for m in members}
    earliest = min(since.values())
    follows = follows_of(ids)
    own_areas = _grouped(
        sa.select(MemberExpertise.member_id, MemberExpertise.area_id).where(
            MemberExpertise.member_id.in_(ids)
        )
    )
    new_initiatives = list(
        db.session.scalars(
            sa.select(Initiative)
            .where(Initiative.created_at > earliest, Initiative.created_at <= cutoff)
            .order_by(Initiative.created_at)
            .options(
                selectinload(Initiative.themes),
                selectinload(Initiative.partners),
                selectinload(Initiative.lead_organisation),
            )
        )
    )
    in_digest = {
        kind: settings.members_choosing(ids, kind, "digest")
        for kind in ("initiative_updates", "competence_wanted")
    }
    updates = _updates(follows, in_digest["initiative_updates"], earliest, cutoff)
    # Waiting notices: of members who chose the digest, and of those who chose «immediately»
    # but had their weekly emails already (a member who turned it off has none).
    notices = _notices(set(ids), cutoff)
    held = arenas_of(ids)
    waiting = waiting_for(ids)

    digests = []
    for member in members:
        digest = Digest(member, since[member.id], cutoff)
        with force_locale(language_of(member)):
            _initiatives_section(digest, new_initiatives, follows[member.id], own_areas[member.id])
            _updates_section(digest, updates[member.id])
            _competence_section(digest, notices[member.id])
            _meetings_section(digest, held[member.id], context)
            _orphans_section(digest, context)
            _waiting_section(digest, waiting, held[member.id])
        digests.append(digest)
    return digests


def _grouped(statement) -> defaultdict:
    grouped = defaultdict(set)
    for key, value in db.session.execute(statement).all():
        grouped[key].add(value)
    return grouped


def follows_of(ids) -> defaultdict:
    follows = defaultdict(lambda: defaultdict(set))
    for member_id, kind, target in db.session.execute(
        sa.select(Follow.member_id, Follow.target_kind, Follow.target_id).where(
            Follow.member_id.in_(ids)
        )
    ):
        follows[member_id][kind].add(target)
    return follows


def _updates(follows, members_wanting, earliest, cutoff) -> defaultdict:
    """Updates posted in the period on initiatives the members follow."""
    followed = {i for m in members_wanting for i in follows[m]["initiative"]}
    found = defaultdict(list)
    if not followed:
        return found
    rows = db.session.scalars(
        sa.select(InitiativeUpdate)
        .where(
            InitiativeUpdate.initiative_id.in_(followed),
            InitiativeUpdate.created_at > earliest,
            InitiativeUpdate.created_at <= cutoff,
        )
        .order_by(InitiativeUpdate.created_at)
        .options(selectinload(InitiativeUpdate.initiative))
    )
    for update in rows:
        for member_id in members_wanting:
            if update.initiative_id in follows[member_id]["initiative"]:
                found[member_id].append(update)
    return found


def _notices(member_ids, cutoff) -> defaultdict:
    found = defaultdict(list)
    if not member_ids:
        return found
    rows = db.session.execute(
        sa.select(CompetenceNotice.member_id, Initiative)
        .join(Initiative, Initiative.id == CompetenceNotice.initiative_id)
        .where(
            CompetenceNotice.member_id.in_(member_ids),
            CompetenceNotice.told_by.is_(None),
            CompetenceNotice.created_at <= cutoff,
        )
        .order_by(CompetenceNotice.created_at)
        .options(
            selectinload(Initiative.wanted_competence), selectinload(Initiative.lead_organisation)
        )
    )
    for member_id, initiative in rows:
        found[member_id].append(initiative)
    return found


@access.reader("followed_arenas", "the digest's and the front page's arenas of a member")
def arenas_of(ids) -> defaultdict:
    """(arena, role) the members follow ("follower") or hold ("owner", "deputy") and may see."""
    pairs = db.session.execute(
        sa.select(arena_followers.c.member_id, arena_followers.c.arena_id, sa.literal("follower"))
        .where(arena_followers.c.member_id.in_(ids))
        .union_all(
            sa.select(ArenaRole.member_id, ArenaRole.arena_id, ArenaRole.role).where(
                ArenaRole.member_id.in_(ids), ArenaRole.ended_at.is_(None)
            )
        )
    ).all()
    arenas = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Arena)
            .where(
                Arena.id.in_({arena_id for _m, arena_id, _r in pairs}), Arena.archived.is_(False)
            )
            .options(selectinload(Arena.meetings).selectinload(Meeting.exceptions))
        )
    }
    readers = {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(ids)))}
    found = defaultdict(list)
    for member_id, arena_id, role in pairs:
        arena = arenas.get(arena_id)
        # A follower who may not see the arena (members-only, they unverified) hears nothing.
        if arena is not None and can_see_arena(readers[member_id], arena):
            found[member_id].append((arena, role))
    return found


def waiting_for(ids) -> dict:
    requests = dict(
        db.session.execute(
            sa.select(ContactRequest.expert_id, sa.func.count())
            .where(ContactRequest.expert_id.in_(ids), ContactRequest.answered_at.is_(None))
            .group_by(ContactRequest.expert_id)
        ).all()
    )
    proposals = defaultdict(list)
    for proposal in db.session.scalars(
        sa.select(RoleProposal)
        .where(RoleProposal.member_id.in_(ids), RoleProposal.status == "pending")
        .options(selectinload(RoleProposal.arena))
    ):
        proposals[proposal.member_id].append(proposal)
    return {"requests": requests, "proposals": proposals}


# --- sections -----------------------------------------------------------------------------------


def _capped(section: Section, lines: list[str], more_link: str) -> Section | None:
    if not lines:
        return None
    section.lines = lines[:MAX_ITEMS]
    if len(lines) > MAX_ITEMS:
        section.more = _("%(n)d til: %(link)s", n=len(lines) - MAX_ITEMS, link=more_link)
    return section


def _add(digest: Digest, section: Section | None) -> None:
    if section is not None:
        digest.sections.append(section)


@access.reader("digest_initiatives", "the digest's new initiatives")
def _initiatives_section(digest, new_initiatives, follows, own_areas) -> None:
    member = digest.member
    lines = []
    for initiative in new_initiatives:
        if not digest.since < initiative.created_at <= digest.until:
            continue
        if initiative.created_by_id == member.id or not can_read_initiative(member, initiative):
            continue
        themes = {t.id for t in initiative.themes}
        organisations = {initiative.lead_organisation_id} | {p.id for p in initiative.partners}
        if themes & (follows["theme"] | own_areas) or organisations & follows["organisation"]:
            lines.append(
                f"- {initiative.title} ({initiative.lead_organisation.name}): "
                + absolute_url("initiatives.show", initiative_id=initiative.id)
            )
    _add(
        digest,
        _capped(
            Section(_("Nye initiativ i det du følger og kan")),
            lines,
            absolute_url("initiatives.overview"),
        ),
    )


def _updates_section(digest, updates) -> None:
    lines = [
        f"- {u.initiative.title}, {format_date(to_local(u.created_at).date())}: "
        + absolute_url("initiatives.show", initiative_id=u.initiative_id, _anchor="updates-heading")
        for u in updates
        if digest.since < u.created_at <= digest.until
        and u.author_id != digest.member.id
        and can_read_initiative(digest.member, u.initiative)
    ]
    _add(
        digest,
        _capped(
            Section(_("Oppdateringer på initiativ du følger")),
            lines,
            absolute_url("initiatives.overview"),
        ),
    )


def _competence_section(digest, initiatives) -> None:
    locale = language_of(digest.member)
    readable = [i for i in initiatives if can_read_initiative(digest.member, i)]
    lines = [
        "- "
        + _(
            "%(title)s (%(organisation)s) ønsker %(areas)s",
            title=i.title,
            organisation=i.lead_organisation.name,
            areas=", ".join(a.display_name(locale) for a in i.wanted_competence),
        )
        + ": "
        + absolute_url("initiatives.show", initiative_id=i.id)
        for i in readable
    ]
    digest.notices = [i.id for i in initiatives]
    _add(
        digest,
        _capped(
            Section(_("Initiativ som trenger kompetansen din")),
            lines,
            absolute_url("initiatives.index"),
        ),
    )


def _meetings_section(digest, arenas, context) -> None:
    locale = language_of(digest.member)
    seen, lines = set(), []
    found = []
    for arena, _role in arenas:
        if arena.id in seen:
            continue
        seen.add(arena.id)
        for occurrence in context.upcoming(arena):
            found.append((occurrence.starts_at, arena, occurrence))
    for starts, arena, occurrence in sorted(found, key=lambda f: (f[0], f[1].name)):
        when = format_datetime(wall_clock_in_oslo(starts), locale)
        note = ""
        if occurrence.cancelled:
            note = " (" + _("avlyst") + ")"
        elif occurrence.moved:
            note = " (" + _("flyttet") + ")"
        lines.append(
            f"- {when}: {occurrence.title}, {arena.name}{note}: "
            + absolute_url("arenas.show", slug=arena.slug)
        )
    _add(
        digest,
        _capped(Section(_("Møter de neste to ukene")), lines, absolute_url("arenas.calendar")),
    )


def _orphans_section(digest, context) -> None:
    member = digest.member
    orphans = context.orphans_of(member.organisation_id) if member.is_verified else []
    lines = [
        "- "
        + _("%(arena)s – ta ansvar", arena=name)
        + ": "
        + absolute_url("arenas.show", slug=slug)
        for name, slug in orphans
    ]
    _add(
        digest,
        _capped(
            Section(
                _(
                    "Arenaer i %(organisation)s uten ansvarlig",
                    organisation=member.organisation.name,
                )
            ),
            lines,
            absolute_url("arenas.index"),
        ),
    )


def _waiting_section(digest, waiting, arenas) -> None:
    member = digest.member
    lines = []
    if count := waiting["requests"].get(member.id):
        lines.append(
            "- "
            + ngettext(
                "%(num)d forespørsel fra kollegaer er ikke besvart",
                "%(num)d forespørsler fra kollegaer er ikke besvart",
                count,
            )
            + ": "
            + absolute_url("expertise.contact_requests")
        )
    for proposal in waiting["proposals"][member.id]:
        role = _("ansvarlig") if proposal.role == "owner" else _("stedfortreder")
        lines.append(
            "- "
            + _("Du er foreslått som %(role)s for %(arena)s", role=role, arena=proposal.arena.name)
            + ": "
            + absolute_url("arenas.index")
        )
    if profile_needs_review(member):
        lines.append("- " + _("Se over profilen din") + ": " + absolute_url("accounts.profile"))
    for arena, role in arenas:
        if role == "owner" and review_lapsed(arena):
            lines.append(
                "- "
                + _("Bekreft at «%(arena)s» lever", arena=arena.name)
                + ": "
                + absolute_url("arenas.show", slug=arena.slug)
            )
    _add(digest, _capped(Section(_("Venter på deg")), lines, absolute_url("accounts.profile")))
