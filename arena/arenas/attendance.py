"""Who is coming: a member answers «Kommer» or «Kommer ikke» for one occurrence of a meeting,
on the arena's page or with a signed link from an invitation; the owner, the deputy and admins
see the answers. Replies that calendar programs send by email are not read."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from arena.access import can_see_arena, is_signed_in, require_manage_arena
from arena.accounts.models import Member
from arena.arenas.models import ANSWERS, Meeting, MeetingAnswer
from arena.arenas.recurrence import occurrence_starts
from arena.dates import utcnow, wall_clock_now
from arena.errors import NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.links import absolute_url

#: An occurrence can be answered until this long after it started.
ANSWERABLE_AFTER_START = timedelta(hours=12)


def occurrence_start(meeting, occurrence: datetime) -> datetime:
    """Where an occurrence (named by its original start) is now: moved or where it was."""
    for change in meeting.exceptions:
        if change.occurrence == occurrence and change.action == "move":
            return change.new_starts_at
    return occurrence


def _cancelled(meeting, occurrence: datetime) -> bool:
    return meeting.status == "cancelled" or any(
        c.occurrence == occurrence and c.action == "cancel" for c in meeting.exceptions
    )


def next_occurrence(meeting) -> datetime | None:
    """The original start of the meeting's next occurrence that is not cancelled."""
    now = wall_clock_now()
    starts = occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid)
    coming = [
        o for o in starts if occurrence_start(meeting, o) >= now and not _cancelled(meeting, o)
    ]
    return min(coming, key=lambda o: occurrence_start(meeting, o), default=None)


def _check(member, meeting: Meeting, occurrence: datetime, answer: str) -> None:
    """An answer is for a real occurrence, not cancelled or long past, of a meeting the member
    may see."""
    if not can_see_arena(member, meeting.arena):
        raise NotFound(_("Fant ikke møtet."))
    if answer not in ANSWERS:
        message = _("Velg «Kommer» eller «Kommer ikke».")
        raise ValidationFailed(message, {"answer": message})
    starts = occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid)
    if occurrence not in starts or _cancelled(meeting, occurrence):
        message = _("Møtet finnes ikke eller er avlyst.")
        raise ValidationFailed(message, {"occurrence": message})
    if occurrence_start(meeting, occurrence) + ANSWERABLE_AFTER_START < wall_clock_now():
        message = _("Møtet er over.")
        raise ValidationFailed(message, {"occurrence": message})


def answer(actor, meeting: Meeting, occurrence: datetime, value: str) -> MeetingAnswer:
    """The member's answer for one occurrence; a new answer replaces the old one."""
    if not is_signed_in(actor):
        raise PermissionDenied(_("Du må logge inn for å svare."))
    _check(actor, meeting, occurrence, value)
    row = db.session.get(MeetingAnswer, (meeting.id, occurrence, actor.id))
    if row is None:
        row = MeetingAnswer(meeting_id=meeting.id, occurrence=occurrence, member_id=actor.id)
        db.session.add(row)
    row.answer, row.answered_at = value, utcnow()
    db.session.commit()
    return row


# --- the signed links in invitations ---------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="meeting-answer")


def answer_url(member: Member, meeting, occurrence: datetime, value: str) -> str:
    """A link that answers for this member, this occurrence and this answer, and nothing else."""
    token = _serializer().dumps(
        {"m": member.id, "t": meeting.id, "o": occurrence.isoformat(), "a": value}
    )
    return absolute_url("attendance.answer_link", token=token)


@dataclass
class LinkAnswer:
    member: Member
    meeting: Meeting
    occurrence: datetime
    answer: str


def read_link(token: str, reader) -> LinkAnswer:
    """What a link answers. A forged or altered link is not found; one opened while signed in
    as somebody else is refused (it was made for the person it was sent to)."""
    try:
        data = _serializer().loads(token)
        member = db.session.get(Member, int(data["m"]))
        meeting = db.session.get(Meeting, int(data["t"]))
        occurrence = datetime.fromisoformat(data["o"])
        value = data["a"]
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("Lenken er ugyldig.")) from None
    if member is None or not member.active or meeting is None:
        raise NotFound(_("Lenken er ugyldig."))
    if not can_see_arena(member, meeting.arena):  # e.g. no longer a verified member
        raise NotFound(_("Fant ikke møtet."))
    if is_signed_in(reader) and reader.id != member.id:
        raise PermissionDenied(
            _(
                "Lenken ble sendt til %(name)s. Logg ut for å bruke den, eller svar selv på "
                "arenaens side.",
                name=member.name,
            )
        )
    return LinkAnswer(member, meeting, occurrence, value)


def answer_by_link(found: LinkAnswer) -> MeetingAnswer:
    """Records the answer a valid link names, for the member it was sent to."""
    return answer(found.member, found.meeting, found.occurrence, found.answer)


# --- what pages and the API show ------------------------------------------------------------


def my_answers(member, meeting_ids) -> dict[tuple[int, datetime], str]:
    """The member's answers for these meetings, by (meeting id, occurrence)."""
    if not is_signed_in(member):
        return {}
    rows = db.session.execute(
        sa.select(MeetingAnswer.meeting_id, MeetingAnswer.occurrence, MeetingAnswer.answer).where(
            MeetingAnswer.member_id == member.id, MeetingAnswer.meeting_id.in_(list(meeting_ids))
        )
    )
    return {(meeting_id, occurrence): value for meeting_id, occurrence, value in rows}


@dataclass
class Answers:
    """Who answered for one occurrence, by name."""

    coming: list[Member] = field(default_factory=list)
    not_coming: list[Member] = field(default_factory=list)


def answers_by_occurrence(meeting_ids) -> dict[tuple[int, datetime], Answers]:
    """Every answer for these meetings, by (meeting id, occurrence): for those who manage."""
    found: dict[tuple[int, datetime], Answers] = {}
    rows = db.session.scalars(
        sa.select(MeetingAnswer)
        .join(Member, Member.id == MeetingAnswer.member_id)
        .where(MeetingAnswer.meeting_id.in_(list(meeting_ids)), Member.active)
        .order_by(Member.name, Member.id)
    )
    for row in rows:
        answers = found.setdefault((row.meeting_id, row.occurrence), Answers())
        (answers.coming if row.answer == "yes" else answers.not_coming).append(row.member)
    return found


def attendance(actor, meeting: Meeting) -> list[dict]:
    """For the owner, deputy and admins: each occurrence from yesterday on, and any earlier one
    with answers, with who is coming and who is not."""
    require_manage_arena(actor, meeting.arena)
    answered = answers_by_occurrence([meeting.id])
    since = wall_clock_now() - timedelta(days=1)
    starts = occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid)
    shown = [
        o for o in starts if (meeting.id, o) in answered or occurrence_start(meeting, o) >= since
    ]
    result = []
    for original in shown:
        answers = answered.get((meeting.id, original), Answers())
        result.append(
            {
                "occurrence": original,
                "starts_at": occurrence_start(meeting, original),
                "cancelled": _cancelled(meeting, original),
                "coming": answers.coming,
                "not_coming": answers.not_coming,
            }
        )
    return result
