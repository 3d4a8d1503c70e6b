"""The weekly digest (rule 4 in the inbox): for each member, what is new since their last
digest in what they follow and know, their meetings of the next two weeks, arenas of their
organisation without an owner, and what waits for them.

Exact: each member's mark says how far their digests have covered; a run covers up to the
week's slot (Monday 07:00 in Oslo), queues the email and moves the mark in one transaction per
batch, so an interrupted run resumes where it stopped and a second run in the week sends
nothing. Built in batches of members with a fixed number of queries per batch.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena.access import can_read_initiative
from arena.accounts.models import Member
from arena.arenas.models import Arena, ArenaRole, Meeting, RoleProposal, arena_followers
from arena.dates import format_date, format_datetime, to_local, utcnow
from arena.expertise.models import ContactRequest, MemberExpertise
from arena.extensions import db
from arena.initiatives.models import Follow, Initiative, InitiativeUpdate
from arena.links import absolute_url, base_url
from arena.notifications import settings
from arena.notifications.models import CompetenceNotice, DigestMark, NotificationSetting
from arena.notifications.outbox import language_of, queue_email
from arena.notifications.schedule import SLOTS, latest_slot

SLOT = next(s for s in SLOTS if s.name == "schedule:weekly-digest")
BATCH = 500
FIRST_LOOKS_BACK = timedelta(days=7)
MEETINGS_AHEAD = timedelta(days=14)
#: Items per section; the rest are a link away (a digest stays far below Gmail's 102 KB clip).
MAX_ITEMS = 15
PROFILE_REVIEW_AFTER = timedelta(days=365)


def latest_cutoff(now: datetime | None = None) -> datetime:
    """The slot the digests due now cover up to."""
    return latest_slot(SLOT, now or utcnow())


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


# --- sending ------------------------------------------------------------------------------------


def due_members(cutoff: datetime, after_id: int, limit: int) -> list[Member]:
    """Active members with a confirmed address whose digests have not yet covered `cutoff` and
    who did not turn the digest off, in id order."""
    turned_off = sa.select(NotificationSetting.member_id).where(
        NotificationSetting.kind == "digest", NotificationSetting.value == "off"
    )
    return list(
        db.session.scalars(
            sa.select(Member)
            .outerjoin(DigestMark, DigestMark.member_id == Member.id)
            .where(
                Member.id > after_id,
                Member.active,
                Member.email_confirmed_at.is_not(None),
                Member.id.not_in(turned_off),
                sa.or_(DigestMark.covered_until.is_(None), DigestMark.covered_until < cutoff),
            )
            .order_by(Member.id)
            .limit(limit)
            .options(selectinload(Member.organisation))
        )
    )


def send_digests(cutoff: datetime | None = None, batch: int = BATCH) -> int:
    """Queues the digests due for `cutoff` (the latest slot); returns how many had something."""
    cutoff = cutoff or latest_cutoff()
    sent, after_id = 0, 0
    context = Context(cutoff)
    with current_app.test_request_context(base_url=base_url()):
        while members := due_members(cutoff, after_id, batch):
            after_id = members[-1].id
            marks = {
                mark.member_id: mark
                for mark in db.session.scalars(
                    sa.select(DigestMark).where(DigestMark.member_id.in_([m.id for m in members]))
                )
            }
            for digest in compose(members, cutoff, context):
                if not digest.empty:  # due_members left out those who turned it off
                    queue_email(
                        digest.member, "digest", digest.subject(), digest.text(), chosen=True
                    )
                    sent += 1
                _mark(digest, cutoff, marks.get(digest.member.id))
            db.session.commit()  # the batch's emails and marks together
    return sent


def _mark(digest: Digest, cutoff: datetime, mark: DigestMark | None) -> None:
    if mark is None:
        mark = DigestMark(member_id=digest.member.id, covered_until=cutoff)
        db.session.add(mark)
    mark.covered_until = cutoff
    if not digest.empty:
        mark.sent_at = utcnow()
    if digest.notices:
        db.session.execute(
            sa.update(CompetenceNotice)
            .where(
                CompetenceNotice.member_id == digest.member.id,
                CompetenceNotice.initiative_id.in_(digest.notices),
            )
            .values(told_by="digest")
        )


def preview(member: Member) -> Digest:
    """The digest the member would get if it were sent now (nothing is marked)."""
    return compose([member], utcnow(), Context(utcnow()))[0]


# --- composing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    """A meeting in the coming two weeks, as the digest writes it (plain values, so a run
    holds no database objects from one batch to the next)."""

    starts_at: datetime
    title: str
    cancelled: bool
    moved: bool


class Context:
    """What one run shares across batches: upcoming meetings per arena, orphaned arenas (name
    and slug) per organisation."""

    def __init__(self, cutoff: datetime):
        self.cutoff = cutoff
        self._upcoming: dict[int, list[Upcoming]] = {}
        self._orphans: dict[int, list[tuple[str, str]]] | None = None

    def upcoming(self, arena: Arena) -> list[Upcoming]:
        from arena.arenas.meetings import occurrences

        if arena.id not in self._upcoming:
            start = to_local(self.cutoff).replace(tzinfo=None)
            self._upcoming[arena.id] = [
                Upcoming(o.starts_at, o.meeting.title, o.cancelled, o.moved)
                for o in occurrences(arena.meetings, start, start + MEETINGS_AHEAD)
            ]
        return self._upcoming[arena.id]

    def orphans_of(self, organisation_id: int) -> list[tuple[str, str]]:
        if self._orphans is None:
            from arena.arenas.ownership import orphaned_arenas

            self._orphans = defaultdict(list)
            for arena in orphaned_arenas():
                for organisation in arena.organisations:
                    self._orphans[organisation.id].append((arena.name, arena.slug))
        return self._orphans.get(organisation_id, [])


def compose(members: list[Member], cutoff: datetime, context: Context) -> list[Digest]:
    """The digests of a batch of members, from a fixed number of queries."""
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
    follows = _follows(ids)
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
    notices = _notices(in_digest["competence_wanted"], cutoff)
    arenas_of = _arenas_of(ids)
    waiting = _waiting(ids)

    digests = []
    for member in members:
        digest = Digest(member, since[member.id], cutoff)
        with force_locale(language_of(member)):
            _initiatives_section(digest, new_initiatives, follows[member.id], own_areas[member.id])
            _updates_section(digest, updates[member.id])
            _competence_section(digest, notices[member.id])
            _meetings_section(digest, arenas_of[member.id], context)
            _orphans_section(digest, context)
            _waiting_section(digest, waiting, arenas_of[member.id])
        digests.append(digest)
    return digests


def _grouped(statement) -> defaultdict:
    grouped = defaultdict(set)
    for key, value in db.session.execute(statement).all():
        grouped[key].add(value)
    return grouped


def _follows(ids) -> defaultdict:
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


def _arenas_of(ids) -> defaultdict:
    """(arena, role) the members follow ("follower") or hold ("owner", "deputy")."""
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
    found = defaultdict(list)
    for member_id, arena_id, role in pairs:
        if arena_id in arenas:
            found[member_id].append((arenas[arena_id], role))
    return found


def _waiting(ids) -> dict:
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
    readable = [i for i in initiatives if can_read_initiative(digest.member, i)]
    lines = [
        "- "
        + _(
            "%(title)s (%(organisation)s) ønsker %(areas)s",
            title=i.title,
            organisation=i.lead_organisation.name,
            areas=", ".join(a.name for a in i.wanted_competence),
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
    from arena.web import wall_clock_in_oslo

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
    from arena.arenas.ownership import review_lapsed

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
    if member.profile_reviewed_at < utcnow() - PROFILE_REVIEW_AFTER:
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
