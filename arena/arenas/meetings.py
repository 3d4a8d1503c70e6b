"""Meetings of arenas: one-off or as a series, single occurrences cancelled or moved, followers
told of changes soon, and the occurrences in a period."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from arena import access
from arena.access import can_see_arena, readers_of_arena_sql, require_manage_arena
from arena.accounts.models import Member
from arena.arenas import invitations
from arena.arenas.models import (
    MEETING_LIMITS,
    TZID,
    Arena,
    Meeting,
    MeetingAnswer,
    MeetingException,
    arena_followers,
)
from arena.arenas.recurrence import occurrence_starts, parse_rule, wall_clock_problem
from arena.arenas.repetitions import Recurrence, rrule_from_form
from arena.dates import format_datetime, utcnow, wall_clock_in_oslo, wall_clock_now
from arena.errors import NotFound, ValidationFailed
from arena.extensions import db
from arena.lines import check_length, check_one_line
from arena.links import absolute_url
from arena.outbox import jobs
from arena.outbox.messages import language_of, queue_email


@access.reader("meeting_page", "a meeting's page")
def get_meeting(meeting_id: int, reader=None) -> Meeting:
    """The meeting, if the reader may see its arena (members-only arenas need verification)."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_see_arena(reader, meeting.arena):
        raise NotFound(_("Fant ikke møtet."))
    return meeting


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
    check_one_line({"title": data.title, "location": data.location}, ("title", "location"), errors)
    title = " ".join((data.title or "").split())
    if not title and "title" not in errors:
        errors["title"] = _("Må fylles ut.")
    check_length(errors, "title", title, MEETING_LIMITS["title"])
    for key in ("description", "location", "online_url"):
        check_length(errors, key, getattr(data, key), MEETING_LIMITS[key])
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
    require_manage_arena(actor, arena)
    if arena.archived:
        raise ValidationFailed(_("Arenaen er arkivert. Åpne den igjen for å legge inn møter."))
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
    db.session.flush()
    invitations.meeting_changed(meeting)
    db.session.commit()
    return meeting


def update_meeting(actor, meeting: Meeting, data: MeetingInput) -> Meeting:
    """Edits a meeting or a whole series. Any change raises its SEQUENCE, in the feeds and in
    the invitations alike (RFC 5545 asks it for time and place; the rest may as well)."""
    require_manage_arena(actor, meeting.arena)
    cleaned = _clean_meeting(data)
    if all(getattr(meeting, key) == value for key, value in cleaned.items()):
        return meeting  # nothing changed: nothing to tell anyone
    now = wall_clock_now()
    soon_before = _soon_starts(meeting, now)
    first_before, rule_before = meeting.starts_at, meeting.rrule
    for key, value in cleaned.items():
        setattr(meeting, key, value)
    if (meeting.starts_at, meeting.rrule) != (first_before, rule_before):
        _carry_occurrences(meeting, meeting.starts_at - first_before)
    for exception in meeting.exceptions:
        if exception.action == "move":
            meeting.last_starts_at = max(meeting.last_starts_at, exception.new_starts_at)
    meeting.sequence += 1
    meeting.updated_at = meeting.arena.calendar_changed_at = utcnow()
    _tell_of_new_times(meeting, soon_before, now)
    invitations.meeting_changed(meeting)
    db.session.commit()
    return meeting


def _carry_occurrences(meeting: Meeting, shift) -> None:
    """After an edit of a series' time or rule, its moved and cancelled occurrences and the
    answers given for single occurrences follow the series: each keyed by its original start
    (its RECURRENCE-ID) moves as the first meeting moved. One that is then no occurrence of the
    series any more is dropped (the edit page says how many), so no feed keeps a RECURRENCE-ID
    that matches nothing (Google and Outlook then show that week twice)."""
    starts = set(occurrence_starts(meeting.rrule, meeting.starts_at, meeting.tzid))
    kept = [
        MeetingException(
            meeting_id=meeting.id,
            occurrence=e.occurrence + shift,
            action=e.action,
            new_starts_at=e.new_starts_at,
            new_ends_at=e.new_ends_at,
            sequence=e.sequence,
            updated_at=e.updated_at,
        )
        for e in meeting.exceptions
        if e.occurrence + shift in starts
    ]
    answers = [
        {**row._asdict(), "occurrence": row.occurrence + shift}
        for row in db.session.execute(
            sa.select(
                MeetingAnswer.meeting_id,
                MeetingAnswer.occurrence,
                MeetingAnswer.member_id,
                MeetingAnswer.answer,
                MeetingAnswer.answered_at,
            ).where(MeetingAnswer.meeting_id == meeting.id)
        )
        if row.occurrence + shift in starts
    ]
    meeting.exceptions = []  # keyed by their starts: out first, then in again, moved
    db.session.execute(sa.delete(MeetingAnswer).where(MeetingAnswer.meeting_id == meeting.id))
    db.session.flush()
    meeting.exceptions = kept
    if answers:
        db.session.execute(sa.insert(MeetingAnswer), answers)


def _soon_starts(meeting: Meeting, now: datetime) -> list[datetime]:
    return [o.starts_at for o in occurrences([meeting], now, now + SOON) if not o.cancelled]


def _tell_of_new_times(meeting: Meeting, soon_before: list[datetime], now: datetime) -> None:
    """After an edit, each meeting that was due within 48 hours and is no longer at that time
    is told as moved (to the new time the same day) or, with none that day, cancelled."""
    after = [
        o.starts_at for o in occurrences([meeting], now - SOON, now + 2 * SOON) if not o.cancelled
    ]
    for old in soon_before:
        if old in after:
            continue
        same_day = [start for start in after if start.date() == old.date()]
        _tell_followers(meeting, old, same_day[0] if same_day else None)


def cancel_meeting(actor, meeting: Meeting) -> None:
    """Cancels a meeting or a whole series (it stays in feeds as cancelled for 30 days)."""
    require_manage_arena(actor, meeting.arena)
    withdraw(meeting)
    db.session.commit()


def withdraw(meeting: Meeting) -> None:
    """Cancels the meeting or series, tells followers of what was soon and takes it out of
    invitees' calendars (the caller has checked who may, and commits)."""
    now = wall_clock_now()
    soon = [o for o in occurrences([meeting], now, now + SOON) if not o.cancelled]
    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting.updated_at = meeting.arena.calendar_changed_at = utcnow()
    for occurrence in soon:
        _tell_followers(meeting, occurrence.starts_at, None)
    invitations.meeting_changed(meeting)


#: Changes this close are emailed to followers: Google refreshes feeds only every 8-24 hours.
SOON = timedelta(hours=48)


def _tell_followers(meeting: Meeting, when: datetime, new_start: datetime | None) -> None:
    """Queues the job that emails the arena's followers that a meeting soon is cancelled (or
    moved to new_start): one row in the request, however many follow."""
    jobs.queue_job(
        "meeting_change",
        meeting_id=meeting.id,
        when=when.isoformat(),
        new_start=new_start.isoformat() if new_start is not None else None,
    )


@access.reader("meeting_change_emails", "emails to followers about a changed or cancelled meeting")
@jobs.handler("meeting_change")
def tell_followers(meeting_id: int, when: str, new_start: str | None) -> None:
    """The job: one email to each active follower, in their language."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:  # deleted since: its calendar entry is gone too
        return
    when, new_start = datetime.fromisoformat(when), new_start and datetime.fromisoformat(new_start)
    link = absolute_url("arenas.show", slug=meeting.arena.slug)
    followers = db.session.scalars(
        sa.select(Member)
        .join(arena_followers, arena_followers.c.member_id == Member.id)
        .where(
            arena_followers.c.arena_id == meeting.arena_id,
            Member.active,
            readers_of_arena_sql(meeting.arena, Member),
        )
    ).all()
    told = invitations.told_by_invitation(meeting.arena)
    for member in followers:
        if member.id in told:
            continue
        locale = language_of(member)
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
        queue_email(member, "meeting_changes", subject, f"{text}\n\n{link}\n\n{note}\n")


def delete_meeting(actor, meeting: Meeting) -> None:
    require_manage_arena(actor, meeting.arena)
    invitations.meeting_deleted(meeting)
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
    require_manage_arena(actor, meeting.arena)
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
    # Every change raises the meeting's SEQUENCE, so each message about it outranks the last.
    meeting.sequence += 1
    exception.sequence = meeting.sequence
    exception.updated_at = meeting.updated_at = meeting.arena.calendar_changed_at = utcnow()
    if action == "move":  # windowed lookups find a series by its last start
        meeting.last_starts_at = max(meeting.last_starts_at, new_starts_at)
    now = wall_clock_now()
    if now <= occurrence <= now + SOON:
        _tell_followers(meeting, occurrence, exception.new_starts_at)
    invitations.meeting_changed(meeting, occurrence)
    db.session.commit()
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
