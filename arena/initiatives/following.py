"""Following initiatives, themes and organisations, the overview of what changed since a member
last looked, and the reminders to confirm an initiative is still current."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from arena.access import (
    is_signed_in,
)
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives.listing import list_options, load_many
from arena.initiatives.models import (
    Follow,
    Initiative,
    OverviewVisit,
    initiative_partners,
    initiative_themes,
)
from arena.links import absolute_url
from arena.organisations.models import Organisation
from arena.outbox import schedule
from arena.outbox.messages import language_of, queue_email
from arena.rows import insert_if_missing

FOLLOW_KINDS = ("initiative", "theme", "organisation")
REVIEW_AFTER = timedelta(days=182)


def _target_exists(kind: str, target_id: int) -> bool:
    model = {"initiative": Initiative, "theme": ExpertiseArea, "organisation": Organisation}[kind]
    return db.session.get(model, target_id) is not None


def follow(actor, kind: str, target_id: int) -> None:
    """The member follows an initiative, theme or organisation (again is harmless)."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    if kind not in FOLLOW_KINDS or not _target_exists(kind, target_id):
        raise NotFound(_("Fant ikke det du ville følge."))
    if insert_if_missing(Follow, member_id=actor.id, target_kind=kind, target_id=target_id):
        db.session.commit()


def unfollow(actor, kind: str, target_id: int) -> None:
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å følge."))
    db.session.execute(
        sa.delete(Follow).filter_by(member_id=actor.id, target_kind=kind, target_id=target_id)
    )
    db.session.commit()


def is_following(member, kind: str, target_id: int) -> bool:
    if not is_signed_in(member):
        return False
    return db.session.get(Follow, (member.id, kind, target_id)) is not None


def followers_of(kind: str, target_id: int) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member)
            .join(Follow, Follow.member_id == Member.id)
            .where(Follow.target_kind == kind, Follow.target_id == target_id)
        )
    )


@dataclass
class Overview:
    initiatives: list[Initiative]
    themes: list[ExpertiseArea]
    organisations: list[Organisation]
    changed: list[Initiative]
    needs_review: list[Initiative]
    since: datetime | None


def overview(actor, seen_before: datetime | None) -> Overview:
    """What the member follows, what changed since their last visit, and what needs their review."""
    follows = db.session.execute(
        sa.select(Follow.target_kind, Follow.target_id).filter_by(member_id=actor.id)
    ).all()
    ids = {kind: {t for k, t in follows if k == kind} for kind in FOLLOW_KINDS}
    initiatives = list(load_many(sorted(ids["initiative"])).values())
    themes = list(
        db.session.scalars(
            sa.select(ExpertiseArea)
            .where(ExpertiseArea.id.in_(ids["theme"]))
            .order_by(ExpertiseArea.name)
        )
    )
    orgs = list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.id.in_(ids["organisation"]))
            .order_by(Organisation.name)
        )
    )
    relevant = sa.or_(
        Initiative.id.in_(ids["initiative"]),
        Initiative.lead_organisation_id.in_(ids["organisation"]),
        Initiative.id.in_(
            sa.select(initiative_partners.c.initiative_id).where(
                initiative_partners.c.organisation_id.in_(ids["organisation"])
            )
        ),
        Initiative.id.in_(
            sa.select(initiative_themes.c.initiative_id).where(
                initiative_themes.c.area_id.in_(ids["theme"])
            )
        ),
    )
    changed_query = sa.select(Initiative).where(relevant)
    if seen_before is not None:
        changed_query = changed_query.where(Initiative.updated_at > seen_before)
    changed = list(
        db.session.scalars(
            changed_query.order_by(Initiative.updated_at.desc()).limit(50).options(*list_options())
        )
    )
    return Overview(
        initiatives=sorted(initiatives, key=lambda i: i.updated_at, reverse=True),
        themes=themes,
        organisations=orgs,
        changed=changed,
        needs_review=needing_review(actor),
        since=seen_before,
    )


def record_overview_visit(actor) -> datetime | None:
    """Notes this visit to «My overview»; returns when the member was there before."""
    visit = db.session.get(OverviewVisit, actor.id)
    previous = visit.seen_at if visit else None
    if visit is None:
        visit = OverviewVisit(member_id=actor.id)
        db.session.add(visit)
    visit.seen_at = utcnow()
    db.session.commit()
    return previous


def _stale_before() -> datetime:
    return utcnow() - REVIEW_AFTER


def needing_review(actor) -> list[Initiative]:
    """The member's initiatives nobody has confirmed or updated for six months."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(
                Initiative.contact_id == actor.id,
                Initiative.status.not_in(["completed"]),
                Initiative.reviewed_at < _stale_before(),
            )
            .order_by(Initiative.reviewed_at)
        )
    )


def due_review_reminders() -> list[Initiative]:
    """Stale initiatives whose contact person has not been reminded since they went stale."""
    return list(
        db.session.scalars(
            sa.select(Initiative)
            .where(
                Initiative.contact_id.is_not(None),
                Initiative.status.not_in(["completed"]),
                Initiative.reviewed_at < _stale_before(),
                sa.or_(
                    Initiative.review_reminded_at.is_(None),
                    Initiative.review_reminded_at < Initiative.reviewed_at,
                ),
            )
            .order_by(Initiative.id)
        )
    )


@schedule.slot("initiative-reviews", time(7, 0))
def send_review_reminders(due: str | None = None) -> int:
    """Emails each contact person whose initiative went stale, once per stale period."""
    sent = 0
    for initiative in due_review_reminders():
        contact = initiative.contact
        with force_locale(language_of(contact)):
            subject = _("Er «%(title)s» fortsatt aktuelt?", title=initiative.title)
            body = render_template(
                "initiatives/email/review_reminder.txt",
                initiative=initiative,
                link=absolute_url("initiatives.show", initiative_id=initiative.id),
            )
        queue_email(contact, "review_reminders", subject, body)
        initiative.review_reminded_at = utcnow()
        db.session.commit()
        sent += 1
    return sent
