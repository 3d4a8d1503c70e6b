"""Calendar invitations (iMIP, RFC 6047, carrying iTIP, RFC 5546): a member who turned them on
gets every meeting of the arenas they follow or hold straight into their own calendar, and every
change after it, with the same UID and SEQUENCE as the feeds.

Arena remembers each meeting it put in someone's calendar (MeetingInvitation, with the SEQUENCE
of the last full REQUEST), so whoever stops following, loses access or turns invitations off gets
a CANCEL for exactly what Arena sent them, and nobody else does.

A change queues one job in its own transaction; the worker writes one email per member, in their
language, into the outbox (arena/notifications/delivery.py sends them and retries)."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from arena import access
from arena.access import readers_of_arena_sql
from arena.accounts.models import Member

# Both import this module: their names are read when a job runs, not at import.
from arena.arenas import attendance, calendar_rows, services
from arena.arenas.models import (
    Arena,
    ArenaRole,
    Meeting,
    MeetingException,
    MeetingInvitation,
    arena_followers,
)
from arena.arenas.repetitions import describe
from arena.dates import format_datetime, to_local, utcnow, wall_clock_in_oslo
from arena.extensions import db
from arena.ical import build_invitation
from arena.links import base_url
from arena.outbox import jobs, settings
from arena.outbox.messages import language_of, queue_email

KIND = "meeting_invitations"


# --- who should have an arena's meetings in their calendar --------------------------------------


def _followers_and_holders(arena: Arena):
    """A SELECT of the ids of the members who follow the arena or hold a role in it now."""
    followers = sa.select(arena_followers.c.member_id).where(arena_followers.c.arena_id == arena.id)
    holders = sa.select(ArenaRole.member_id).where(
        ArenaRole.arena_id == arena.id, ArenaRole.ended_at.is_(None)
    )
    return sa.union(followers, holders)


@access.reader("invitations", "calendar invitations into members' own calendars")
def _members_of(arena: Arena, member_ids=None) -> set[int]:
    """Members following or holding the arena who may see it (all, or among `member_ids`)."""
    query = sa.select(Member.id).where(
        Member.id.in_(_followers_and_holders(arena)),
        Member.active,
        readers_of_arena_sql(arena, Member),
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    return set(db.session.scalars(query))


def invited_ids(arena: Arena, member_ids=None) -> set[int]:
    """Who should get the arena's meetings as invitations: they follow or hold it, may see it,
    and turned invitations on (nobody, once it is archived)."""
    if arena.archived:
        return set()
    return settings.members_choosing(_members_of(arena, member_ids), KIND, "on")


def told_by_invitation(arena: Arena) -> set[int]:
    """Whose calendars hear of the arena's changes and cancellations by invitation, at once:
    those invited, and for an archived arena those who were (its cancellations went out as
    it was archived)."""
    return settings.members_choosing(_members_of(arena), KIND, "on")


def _anyone_wants(arena: Arena) -> bool:
    """Whether anyone following or holding the arena turned invitations on (one cheap query,
    asked in the request; the worker works out who exactly)."""
    return settings.anyone_chose(_followers_and_holders(arena), KIND, "on")


def _coming(meeting: Meeting) -> bool:
    """Whether the meeting has an occurrence today or later (only those are sent)."""
    today = to_local(utcnow()).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return meeting.status == "confirmed" and meeting.last_starts_at >= today


# --- what changes announce (in the request's transaction) ---------------------------------------


def meeting_changed(meeting: Meeting, occurrence: datetime | None = None) -> None:
    """A meeting was created, edited or cancelled, or one occurrence moved or cancelled (a job
    only when someone has it in their calendar or wants invitations from its arena)."""
    has_it = sa.select(MeetingInvitation.member_id).filter_by(meeting_id=meeting.id).limit(1)
    if db.session.scalar(has_it) is None and not _anyone_wants(meeting.arena):
        return
    jobs.queue_job(
        "meeting_invitations",
        meeting_id=meeting.id,
        occurrence=occurrence.isoformat() if occurrence else None,
    )


def meeting_deleted(meeting: Meeting) -> None:
    """A meeting is being deleted: those who have it get a CANCEL, made from what it was."""
    holders = list(
        db.session.scalars(
            sa.select(MeetingInvitation.member_id).where(MeetingInvitation.meeting_id == meeting.id)
        )
    )
    if holders:
        jobs.queue_job(
            "deleted_meeting_invitations", meeting=_snapshot(meeting), member_ids=holders
        )


def member_changed(member_id: int, arena_id: int | None = None) -> None:
    """A member followed or stopped following an arena, took or left a role, or turned
    invitations on or off (all their arenas). A job only if they want invitations or have some."""
    has_some = sa.select(MeetingInvitation.meeting_id).filter_by(member_id=member_id).limit(1)
    wants = settings.members_choosing([member_id], KIND, "on")
    if wants or db.session.scalar(has_some) is not None:
        jobs.queue_job("member_invitations", member_id=member_id, arena_id=arena_id)


def arena_changed(arena: Arena) -> None:
    """Who may see the arena changed (its visibility): every coming meeting is checked."""
    for meeting in arena.meetings:
        if _coming(meeting):
            meeting_changed(meeting)


# --- the jobs (in the worker) -------------------------------------------------------------------


@jobs.handler("meeting_invitations")
def send_meeting(meeting_id: int, occurrence: str | None) -> None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:  # deleted since; meeting_deleted took care of it
        return
    have = {i.member_id: i for i in _invitations(meeting)}
    if meeting.status == "cancelled":
        for member in _members(have):
            _queue(member, meeting, "CANCEL", "cancelled")
            db.session.delete(have[member.id])
        return
    if not _coming(meeting):
        return
    should = invited_ids(meeting.arena)
    for member in _members(set(have) - should):  # may no longer have it
        _queue(member, meeting, "CANCEL", "removed")
        db.session.delete(have[member.id])
    when = datetime.fromisoformat(occurrence) if occurrence else None
    change = db.session.get(MeetingException, (meeting.id, when)) if when else None
    for member in _members(should):
        if change is not None and change.action == "cancel" and member.id in have:
            _queue(member, meeting, "CANCEL", "occurrence", occurrence=when)
        elif member.id not in have:
            _invite(member, meeting, have, "new")
        elif have[member.id].sequence < meeting.sequence:  # an earlier job may have sent it
            _invite(member, meeting, have, "occurrence" if change else "updated", when)


@jobs.handler("member_invitations")
def send_member(member_id: int, arena_id: int | None) -> None:
    """Brings one member's calendar in line: coming meetings they should have and lack are
    sent, those they have and should not are cancelled."""
    member = db.session.get(Member, member_id)
    if member is None:
        return
    have = {
        i.meeting_id: i
        for i in db.session.scalars(sa.select(MeetingInvitation).filter_by(member_id=member_id))
    }
    if arena_id:
        arena_ids = {arena_id}
    else:  # all they follow or hold, and all whose meetings they have
        having = sa.select(Meeting.arena_id).where(Meeting.id.in_(list(have)))
        arena_ids = set(db.session.scalars(services.member_arena_ids(member))) | set(
            db.session.scalars(having)
        )
    for arena in db.session.scalars(sa.select(Arena).where(Arena.id.in_(arena_ids))):
        wanted = member_id in invited_ids(arena, [member_id])
        for meeting in arena.meetings:
            if not _coming(meeting):
                continue
            if wanted and meeting.id not in have:
                _invite(member, meeting, {}, "new")
            elif not wanted and meeting.id in have:
                _queue(member, meeting, "CANCEL", "removed")
                db.session.delete(have[meeting.id])


@jobs.handler("deleted_meeting_invitations")
def send_deleted(meeting: dict, member_ids: list[int]) -> None:
    times = ("starts_at", "ends_at", "updated_at")
    gone = calendar_rows.FeedMeeting(
        **{k: datetime.fromisoformat(v) if k in times and v else v for k, v in meeting.items()}
    )
    for member in db.session.scalars(sa.select(Member).where(Member.id.in_(member_ids))):
        _queue(member, gone, "CANCEL", "cancelled")


def _invitations(meeting: Meeting) -> list[MeetingInvitation]:
    return list(db.session.scalars(sa.select(MeetingInvitation).filter_by(meeting_id=meeting.id)))


def _members(ids) -> list[Member]:
    ids = sorted(ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Member).where(Member.id.in_(ids)).order_by(Member.id)))


def _invite(
    member: Member, meeting: Meeting, have: dict, news: str, occurrence: datetime | None = None
) -> None:
    """The whole meeting as a REQUEST (`occurrence`: the one that moved, for the email's words);
    remembered at its SEQUENCE, which the member's calendar now has."""
    _queue(member, meeting, "REQUEST", news, occurrence)
    invitation = have.get(member.id) or MeetingInvitation(
        meeting_id=meeting.id, member_id=member.id
    )
    invitation.sequence, invitation.sent_at = meeting.sequence, utcnow()
    db.session.add(invitation)


# --- the email ----------------------------------------------------------------------------------


def _queue(member: Member, meeting, method: str, news: str, occurrence: datetime | None = None):
    """One invitation email: text and HTML in the member's language, and the iCalendar object
    (the same for everyone but its ATTENDEE)."""
    url = f"{base_url()}/arenas/{meeting.arena_slug}#meeting-{meeting.id}"
    organizer = (meeting.owner_name or meeting.arena_name, current_app.config["MAIL_NO_REPLY"])
    calendar = build_invitation(
        method, meeting, url, organizer, (member.name, member.email), occurrence
    )
    language = language_of(member)
    with force_locale(language):
        subject, text = _words(member, meeting, method, news, occurrence, url)
    message = queue_email(member, KIND, subject, text, chosen=True)
    message.calendar_method, message.calendar_body = method, calendar.decode()


def _words(member, meeting, method, news, occurrence, url) -> tuple[str, str]:
    locale = language_of(member)

    def when(moment: datetime) -> str:
        return format_datetime(wall_clock_in_oslo(moment), locale)

    values = {"title": meeting.title, "arena": meeting.arena_name}
    if method == "CANCEL" and occurrence is not None:
        values["when"] = when(occurrence)
        subject = _("Avlyst: «%(title)s» %(when)s", **values)
        lead = _("Møtet «%(title)s» i %(arena)s %(when)s er avlyst.", **values)
    elif method == "CANCEL" and news == "removed":
        subject = _("Fjernet fra kalenderen din: «%(title)s»", **values)
        lead = _(
            "Du får ikke lenger møtene i %(arena)s som invitasjoner, så «%(title)s» er tatt ut "
            "av kalenderen din.",
            **values,
        )
    elif method == "CANCEL":
        subject = _("Avlyst: «%(title)s»", **values)
        lead = _("«%(title)s» i %(arena)s er avlyst.", **values)
    elif occurrence is not None:
        starts = attendance.occurrence_start(meeting, occurrence)
        values["when"], values["new"] = when(occurrence), when(starts)
        subject = _("Flyttet: «%(title)s» %(when)s", **values)
        lead = _("Møtet «%(title)s» i %(arena)s %(when)s er flyttet til %(new)s.", **values)
    elif news == "updated":
        subject = _("Endret: «%(title)s»", **values)
        lead = _("«%(title)s» i %(arena)s er endret. Kalenderen din får den nye utgaven.", **values)
    else:
        subject = _("Invitasjon: «%(title)s»", **values)
        lead = _("Du er invitert til «%(title)s» i %(arena)s.", **values)
    lines = [lead, ""]
    if method == "REQUEST":
        lines += _details(meeting, when)
        answer_for = occurrence or attendance.next_occurrence(meeting)
        if answer_for is not None:
            lines += [
                _(
                    "Kommer du %(when)s?",
                    when=when(attendance.occurrence_start(meeting, answer_for)),
                ),
                _("Kommer") + ": " + attendance.answer_url(member, meeting, answer_for, "yes"),
                _("Kommer ikke") + ": " + attendance.answer_url(member, meeting, answer_for, "no"),
                "",
            ]
    lines += [
        _("Arenaen") + ": " + url,
        "",
        _(
            "Du får invitasjoner fordi du har slått dem på og følger arenaen eller har ansvar "
            "for den. Svar som kalenderprogrammet sender, blir ikke lest: svar med lenkene "
            "over eller på arenaens side."
        ),
    ]
    return subject, "\n".join(lines)


def _details(meeting, when) -> list[str]:
    """When, how often, where: «Label: value» lines (gettext outside f-strings, where the
    catalogue extraction finds every label)."""
    lines = [(_("Når"), when(meeting.starts_at))]
    if meeting.rrule:
        lines.append((_("Gjentas"), describe(meeting.rrule, meeting.tzid)))
        coming = attendance.next_occurrence(meeting)
        if coming is not None and coming != meeting.starts_at:
            lines.append((_("Neste møte"), when(attendance.occurrence_start(meeting, coming))))
    if meeting.location:
        lines.append((_("Sted"), meeting.location))
    if meeting.online_url:
        lines.append((_("Digitalt"), meeting.online_url))
    return [f"{label}: {value}" for label, value in lines] + [""]


# --- a deleted meeting, as it was (the fields of a feed's row) ---------------------------------


def _snapshot(meeting: Meeting) -> dict:
    owner = meeting.arena.owner
    return {
        "id": meeting.id,
        "arena_id": meeting.arena_id,
        "uid": meeting.uid,
        "title": meeting.title,
        "description": meeting.description,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat() if meeting.ends_at else None,
        "tzid": meeting.tzid,
        "rrule": "",
        "status": "cancelled",
        "sequence": meeting.sequence + 1,
        "updated_at": utcnow().isoformat(),
        "arena_slug": meeting.arena.slug,
        "arena_name": meeting.arena.name,
        "owner_name": owner.name if owner else None,
    }
