"""API routes for meetings of arenas: one-off or series, and single occurrences cancelled or
moved."""

from datetime import datetime
from typing import Annotated, Literal

from flask import g
from flask_babel import gettext as _
from pydantic import Field

from arena.api.declare import (
    NOT_TEXT,
    Answer,
    Body,
    operation,
    text,
)
from arena.arenas import attendance, meetings, services
from arena.arenas.models import (
    MEETING_LIMITS,
    TZID,
)
from arena.errors import ValidationFailed

#: A wall-clock time in Europe/Oslo, to the minute, in the years 1900-2199 (the server checks
#: that the date exists and the time is not in the spring-forward gap).
WallClock = Annotated[
    str,
    Field(
        pattern=r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        examples=["2027-03-22T09:00"],
    ),
]


class OccurrenceChange(Answer):
    occurrence: str
    action: Literal["cancel", "move"]
    starts_at: str | None


class Meeting(Answer):
    id: int
    uid: str
    title: str
    starts_at: str = Field(examples=["2027-03-22T09:00"])
    ends_at: str | None
    timezone: Literal[TZID]
    recurrence: str | None
    location: str
    online_url: str
    description: str
    status: Literal["confirmed", "cancelled"]
    sequence: int
    exceptions: list[OccurrenceChange]


class Attendee(Answer):
    id: int
    name: str
    organisation: str


class OccurrenceAttendance(Answer):
    occurrence: str = Field(description="The occurrence's original start (its RECURRENCE-ID)")
    starts_at: str = Field(description="Where it is now (moved or not)")
    cancelled: bool
    coming_count: int
    not_coming_count: int
    coming: list[Attendee]
    not_coming: list[Attendee]


class MeetingAttendance(Answer):
    meeting: int
    occurrences: list[OccurrenceAttendance]


class MeetingChange(Body):
    """Only the fields sent change; times are wall-clock in `timezone`."""

    title: text(MEETING_LIMITS["title"], required=True, one_line=True) = None
    starts_at: WallClock = None
    ends_at: WallClock | None = None
    timezone: Literal[TZID] = TZID
    recurrence: text(MEETING_LIMITS["recurrence"]) = Field(
        None, description="An RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=10"
    )
    location: text(MEETING_LIMITS["location"], one_line=True) = None
    online_url: Annotated[
        str,
        Field(max_length=MEETING_LIMITS["online_url"], pattern=rf"^(https?://[^\s{NOT_TEXT}]+)?$"),
    ] = None
    description: text(MEETING_LIMITS["description"]) = None


class NewMeeting(MeetingChange):
    title: text(MEETING_LIMITS["title"], required=True, one_line=True)
    starts_at: WallClock


class NewOccurrenceChange(Body):
    occurrence: WallClock = Field(description="The occurrence's original start")
    action: Literal["cancel", "move"]
    starts_at: WallClock | None = Field(None, description="Where it moves to (move only)")
    ends_at: WallClock | None = None


def _minutes(moment) -> str | None:
    return moment.isoformat(timespec="minutes") if moment is not None else None


def meeting_json(meeting) -> dict:
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "title": meeting.title,
        "starts_at": _minutes(meeting.starts_at),
        "ends_at": _minutes(meeting.ends_at),
        "timezone": meeting.tzid,
        "recurrence": meeting.rrule or None,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "description": meeting.description,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "exceptions": [
            {
                "occurrence": _minutes(e.occurrence),
                "action": e.action,
                "starts_at": _minutes(e.new_starts_at),
            }
            for e in meeting.exceptions
        ],
    }


def _wall_clock(value: str | None, key: str) -> datetime | None:
    """The time the pattern allows, if the calendar has it (no 30 February)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        message = _("Den datoen finnes ikke.")
        raise ValidationFailed(_("Forespørselen har feil."), {key: message}) from None


def _meeting_input(body: MeetingChange, current=None) -> meetings.MeetingInput:
    data = meetings.MeetingInput()
    if current is not None:
        data = meetings.MeetingInput(
            title=current.title,
            description=current.description,
            location=current.location,
            online_url=current.online_url,
            starts_at=current.starts_at,
            ends_at=current.ends_at,
            rrule=current.rrule,
        )
    given = body.model_dump(exclude_unset=True)
    for key in ("title", "location", "online_url", "description"):
        if key in given:
            setattr(data, key, given[key])
    if "recurrence" in given:
        data.rrule = given["recurrence"]
    if "starts_at" in given:
        data.starts_at = _wall_clock(given["starts_at"], "starts_at")
    if "ends_at" in given:
        data.ends_at = _wall_clock(given["ends_at"], "ends_at")
    return data


#: What the services call a field, as the API names it.
FIELD_NAMES = {"rrule": "recurrence"}
MEETING_LINKS = {
    "UpdateMeeting": ("update_meeting", {"meeting_id": "$response.body#/id"}),
    "CancelMeeting": ("cancel_meeting", {"meeting_id": "$response.body#/id"}),
    "ChangeOccurrence": ("change_occurrence", {"meeting_id": "$response.body#/id"}),
}


@operation(
    "POST",
    "/arenas/<slug>/meetings",
    body=NewMeeting,
    answer=Meeting,
    status=201,
    errors=(403,),
    links=MEETING_LINKS,
    field_names=FIELD_NAMES,
)
def create_meeting(slug: str, body: NewMeeting):
    """Add a meeting or a series; times are wall-clock in `timezone` (Europe/Oslo)."""
    arena = services.get_arena(slug, g.api_member)
    return meeting_json(meetings.create_meeting(g.api_member, arena, _meeting_input(body)))


@operation(
    "PATCH",
    "/meetings/<int:meeting_id>",
    body=MeetingChange,
    answer=Meeting,
    errors=(403,),
    field_names=FIELD_NAMES,
)
def update_meeting(meeting_id: int, body: MeetingChange):
    """Change a meeting or a whole series."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    meetings.update_meeting(g.api_member, meeting, _meeting_input(body, meeting))
    return meeting_json(meeting)


@operation("DELETE", "/meetings/<int:meeting_id>", answer=Meeting, errors=(403,))
def cancel_meeting(meeting_id: int):
    """Cancel a meeting or series (it stays in feeds as cancelled for 30 days)."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    meetings.cancel_meeting(g.api_member, meeting)
    return meeting_json(meeting)


@operation(
    "POST",
    "/meetings/<int:meeting_id>/exceptions",
    body=NewOccurrenceChange,
    answer=Meeting,
    status=201,
    errors=(403,),
)
def change_occurrence(meeting_id: int, body: NewOccurrenceChange):
    """Cancel or move one occurrence of a series."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    meetings.change_occurrence(
        g.api_member,
        meeting,
        _wall_clock(body.occurrence, "occurrence"),
        body.action,
        _wall_clock(body.starts_at, "starts_at"),
        _wall_clock(body.ends_at, "ends_at"),
    )
    return meeting_json(meeting)


@operation("GET", "/meetings/<int:meeting_id>/attendance", answer=MeetingAttendance, errors=(403,))
def get_attendance(meeting_id: int):
    """Who is coming to each occurrence from yesterday on (and to earlier ones with answers):
    for the arena's owner, deputy and admins. Replies sent by calendar programs are not read;
    members answer on the arena's page or with the links in their invitation."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)

    def people(members) -> list[dict]:
        return [{"id": m.id, "name": m.name, "organisation": m.organisation.name} for m in members]

    return {
        "meeting": meeting.id,
        "occurrences": [
            {
                "occurrence": _minutes(row["occurrence"]),
                "starts_at": _minutes(row["starts_at"]),
                "cancelled": row["cancelled"],
                "coming_count": len(row["coming"]),
                "not_coming_count": len(row["not_coming"]),
                "coming": people(row["coming"]),
                "not_coming": people(row["not_coming"]),
            }
            for row in attendance.attendance(g.api_member, meeting)
        ],
    }
