"""News that reaches people as it happens (or in their digest, by their choice): an update on
an initiative they follow, and an initiative in another organisation that wants a field of
expertise they hold well («someone needs your competence», rule 8 meeting rule 4). Both are
jobs, so the request that causes them stays as fast however many hear of it."""

from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from arena import access
from arena.access import can_read_initiative
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.expertise.models import MemberExpertise
from arena.extensions import db
from arena.initiatives.models import CompetenceNotice, Follow, Initiative, InitiativeUpdate
from arena.lines import quoted
from arena.links import absolute_url
from arena.outbox import jobs, settings
from arena.outbox.messages import language_of, queue_email

#: «Someone needs your competence» emails a member gets at most in seven days; the rest wait
#: for the digest.
WEEKLY_CAP = 3
CAP_PERIOD = timedelta(days=7)


@access.reader("initiative_update_emails", "emails about an update on a followed initiative")
@jobs.handler("initiative_update")
def tell_followers_of_update(update_id: int) -> None:
    update = db.session.get(InitiativeUpdate, update_id)
    if update is None:
        return
    initiative = update.initiative
    followers = db.session.scalars(
        sa.select(Member)
        .join(Follow, Follow.member_id == Member.id)
        .where(
            Follow.target_kind == "initiative",
            Follow.target_id == initiative.id,
            Member.active,
            Member.id != sa.func.coalesce(update.author_id, 0),
        )
        .order_by(Member.id)
    ).all()
    now = settings.members_choosing([m.id for m in followers], "initiative_updates", "immediately")
    link = absolute_url("initiatives.show", initiative_id=initiative.id, _anchor="updates-heading")
    for member in followers:
        if member.id not in now or not can_read_initiative(member, initiative):
            continue
        with force_locale(language_of(member)):
            subject = _("Ny oppdatering: %(title)s", title=initiative.title)
            body = render_template(
                "initiatives/email/update.txt",
                member=member,
                initiative=initiative,
                quoted=quoted(update.body),
                link=link,
            )
        queue_email(member, "initiative_updates", subject, body)


@access.reader("competence_emails", "«someone needs your competence» emails")
def competent_members(initiative: Initiative, area_ids) -> list[tuple[Member, list[int]]]:
    """Verified, active members outside the initiative's organisations who hold one of the
    fields at level 2 or 3 and have not heard of this initiative, with the fields they hold."""
    organisations = {initiative.lead_organisation_id} | {p.id for p in initiative.partners}
    already = sa.select(CompetenceNotice.member_id).where(
        CompetenceNotice.initiative_id == initiative.id
    )
    rows = db.session.execute(
        sa.select(Member, MemberExpertise.area_id)
        .join(MemberExpertise, MemberExpertise.member_id == Member.id)
        .where(
            MemberExpertise.area_id.in_(list(area_ids)),
            MemberExpertise.level >= 2,
            Member.active,
            Member.verified_at.is_not(None),
            Member.organisation_id.not_in(organisations),
            Member.id.not_in(already),
        )
        .order_by(Member.id)
    ).all()
    found: dict[int, tuple[Member, list[int]]] = {}
    for member, area_id in rows:
        found.setdefault(member.id, (member, []))[1].append(area_id)
    return list(found.values())


@jobs.handler("competence_wanted")
def tell_competent_members(initiative_id: int, area_ids: list[int]) -> None:
    """Once per initiative and member: an email now (at most WEEKLY_CAP a week), else a
    notice the digest tells of; nothing for those who turned it off."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        return
    holders = [
        (member, areas)
        for member, areas in competent_members(initiative, area_ids)
        if can_read_initiative(member, initiative)
    ]
    ids = [member.id for member, _areas in holders]
    now = settings.members_choosing(ids, "competence_wanted", "immediately")
    later = settings.members_choosing(ids, "competence_wanted", "digest")
    # Counted under the members' locks: two workers telling of two initiatives at once must
    # not both see room for a third email this week.
    accounts.members_one_at_a_time(now)
    recent = dict(
        db.session.execute(
            sa.select(CompetenceNotice.member_id, sa.func.count())
            .where(
                CompetenceNotice.member_id.in_(ids),
                CompetenceNotice.told_by == "email",
                CompetenceNotice.created_at > utcnow() - CAP_PERIOD,
            )
            .group_by(CompetenceNotice.member_id)
        ).all()
    )
    names = {a.id: a.name for a in initiative.wanted_competence}
    link = absolute_url("initiatives.show", initiative_id=initiative.id)
    for member, areas in holders:
        if member.id not in now and member.id not in later:
            continue
        told_by = None
        if member.id in now and recent.get(member.id, 0) < WEEKLY_CAP:
            _email_competence(member, initiative, [names[a] for a in areas if a in names], link)
            told_by = "email"
        db.session.add(
            CompetenceNotice(
                member_id=member.id,
                initiative_id=initiative.id,
                created_at=utcnow(),
                told_by=told_by,
            )
        )


def _email_competence(member: Member, initiative: Initiative, areas: list[str], link: str) -> None:
    with force_locale(language_of(member)):
        subject = _("Noen trenger kompetansen din: %(title)s", title=initiative.title)
        body = render_template(
            "initiatives/email/competence_wanted.txt",
            member=member,
            initiative=initiative,
            areas=areas,
            link=link,
        )
    queue_email(member, "competence_wanted", subject, body)
