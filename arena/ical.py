"""The one iCalendar builder: feeds that Outlook, Google, Apple and Thunderbird read right.

Rules (DESIGN.md, ical-check README): a Europe/Oslo VTIMEZONE with yearly RRULEs; DTSTART with
TZID; series as RRULE (UNTIL in UTC), cancelled occurrences as EXDATE, moved ones as RECURRENCE-ID
overrides; stable UIDs; DTSTAMP and LAST-MODIFIED from the rows' update times, so an unchanged
feed is byte-identical; cancelled meetings stay 30 days with STATUS:CANCELLED; no ATTENDEE.
Invitations (iTIP, RFC 5546) are built from the same events, with METHOD and the one ATTENDEE.

Content lines are written here directly (RFC 5545 escaping and folding) rather than through
icalendar's component objects: the all-arenas feed holds thousands of events and must render in
well under 200 ms. Every text value passes `_text`, so no input can start a new line or property;
lines that carry text are folded where they are made (the fixed ones never exceed 75 octets).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PRODID = "-//Jobbe smartere sammen//Arena//NO"
KEEP_CANCELLED = timedelta(days=30)

# Europe/Oslo as yearly rules (what Outlook desktop handles best).
OSLO_TIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Oslo",
    "X-LIC-LOCATION:Europe/Oslo",
    "BEGIN:DAYLIGHT",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
    "TZNAME:CEST",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "TZNAME:CET",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "END:STANDARD",
    "END:VTIMEZONE",
]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TEXT_SPECIALS = re.compile(r"([\\;,])")
_TEXT_PLAIN = re.compile(r"[^\x00-\x1f\x7f\\;,]*")


@dataclass
class FeedInfo:
    name: str
    url: str
    description: str = ""


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n, no controls."""
    if _TEXT_PLAIN.fullmatch(value):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value.replace("\t", " "))
    return _TEXT_SPECIALS.sub(r"\\\1", value).replace("\n", "\\n")


def _uri(value: str) -> str:
    """A URI value: no controls or spaces can break the line."""
    return _CONTROL.sub("", value).replace("\n", "").replace(" ", "%20")


def _param(value: str) -> str:
    """A quoted parameter value (RFC 6868 caret encoding for quotes and line breaks)."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    value = value.replace("^", "^^").replace('"', "^'").replace("\n", "^n")
    return f'"{value}"'


def _wall(moment: datetime) -> str:
    """A wall-clock time, 20270315T090000 (isoformat is several times faster than strftime)."""
    return moment.isoformat(timespec="seconds").replace("-", "").replace(":", "")


def _utc(moment: datetime) -> str:
    """A UTC time, 20270315T080000Z."""
    return _wall(moment.astimezone(UTC).replace(tzinfo=None)) + "Z"


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on lines starting with a space, never inside a
    UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1  # step back to the start of a character
        parts.append(encoded[start:end].decode())
        start, limit = end, 74  # continuation lines begin with one space
    return "\r\n ".join(parts)


def build_calendar(
    info: FeedInfo,
    meetings: Iterable,
    now: datetime,
    meeting_url: Callable,
    organizer_for: Callable,
) -> bytes:
    """A VCALENDAR of these meetings (with their exceptions), deterministic byte for byte.

    `meeting_url(meeting)` gives the meeting's page; `organizer_for(meeting)` gives (name, email).
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{_text(info.name)}",
        f"X-WR-CALNAME:{_text(info.name)}",
    ]
    if info.description:
        lines += [
            f"DESCRIPTION:{_text(info.description)}",
            f"X-WR-CALDESC:{_text(info.description)}",
        ]
    lines += [
        f"URL:{_uri(info.url)}",
        "X-WR-TIMEZONE:Europe/Oslo",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        *OSLO_TIMEZONE,
    ]
    lines = [_fold(line) for line in lines]
    for meeting in sorted(meetings, key=lambda m: (m.starts_at, m.id)):
        if meeting.status == "cancelled" and now - meeting.updated_at > KEEP_CANCELLED:
            continue
        lines.append(_meeting_text(meeting, meeting_url(meeting), organizer_for(meeting)))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


#: A meeting's rendered events by everything they are made of, so a feed re-renders only the
#: meetings that changed (the all-arenas feed holds thousands). Emptied when it grows too big.
_rendered_events: dict[tuple, str] = {}
RENDERED_EVENTS = 50_000


def _meeting_text(meeting, url: str, organizer: tuple[str, str]) -> str:
    """The meeting's events as folded lines, from the cache when nothing they show changed."""
    key = (
        meeting.id,
        meeting.uid,
        meeting.title,
        meeting.description,
        meeting.location,
        meeting.online_url,
        meeting.starts_at,
        meeting.ends_at,
        meeting.tzid,
        meeting.rrule,
        meeting.status,
        meeting.sequence,
        meeting.updated_at,
        url,
        organizer,
        tuple(
            (
                e.action,
                e.occurrence,
                getattr(e, "new_starts_at", None),
                getattr(e, "new_ends_at", None),
                e.updated_at,
                e.sequence,
            )
            for e in meeting.exceptions
        ),
    )
    text = _rendered_events.get(key)
    if text is None:
        if len(_rendered_events) >= RENDERED_EVENTS:
            _rendered_events.clear()
        text = _rendered_events[key] = "\r\n".join(_events(meeting, url, organizer))
    return text


def _events(
    meeting, url: str, organizer: tuple[str, str], attendee: tuple[str, str] | None = None
) -> list[str]:
    """The meeting's VEVENT (with RRULE and EXDATEs for a series) and one per moved occurrence."""
    status = "STATUS:CANCELLED" if meeting.status == "cancelled" else "STATUS:CONFIRMED"
    tzid = meeting.tzid
    series = []
    if meeting.rrule:
        series.append(_fold(f"RRULE:{meeting.rrule}"))  # stored in its published form
        series += [
            f"EXDATE;TZID={tzid}:{_wall(e.occurrence)}"
            for e in meeting.exceptions
            if e.action == "cancel"
        ]
    common = _common(meeting, url, organizer, attendee)
    lines = _event(
        meeting,
        meeting.starts_at,
        meeting.ends_at,
        meeting.updated_at,
        meeting.sequence,
        [*series, status, *common],
    )
    for exception in meeting.exceptions if meeting.rrule else ():
        if exception.action != "move":
            continue
        lines += _event(
            meeting,
            exception.new_starts_at,
            exception.new_ends_at,
            max(exception.updated_at, meeting.updated_at),
            max(exception.sequence, meeting.sequence),
            [f"RECURRENCE-ID;TZID={tzid}:{_wall(exception.occurrence)}", status, *common],
        )
    return lines


def _common(
    meeting, url: str, organizer: tuple[str, str], attendee: tuple[str, str] | None = None
) -> list[str]:
    """What every VEVENT of a meeting says besides its time: organizer (and in an invitation,
    its attendee), place, links, text."""
    name, email = organizer
    lines = [_fold(f"ORGANIZER;CN={_param(name)}:mailto:{_uri(email)}")]
    if attendee is not None:
        # RSVP=FALSE: Arena does not read replies by email; people answer with its links.
        lines.append(
            _fold(
                f"ATTENDEE;CN={_param(attendee[0])};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
                f"RSVP=FALSE:mailto:{_uri(attendee[1])}"
            )
        )
    if meeting.location:
        lines.append(_fold(f"LOCATION:{_text(meeting.location)}"))
    lines.append(_fold(f"URL:{_uri(url)}"))
    parts = [meeting.description.strip()] if meeting.description.strip() else []
    if meeting.online_url:
        parts.append(f"Digitalt / Online: {meeting.online_url}")
    parts.append(f"Arena: {url}")
    description = "\n\n".join(parts)
    lines.append(_fold(f"DESCRIPTION:{_text(description)}"))
    return lines


def _event(meeting, starts_at, ends_at, changed_at, sequence, rest: list[str]) -> list[str]:
    stamp = _utc(changed_at)
    lines = [
        "BEGIN:VEVENT",
        _fold(f"UID:{_text(meeting.uid)}"),
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{int(sequence)}",
        _fold(f"SUMMARY:{_text(meeting.title)}"),
        f"DTSTART;TZID={meeting.tzid}:{_wall(starts_at)}",
    ]
    if ends_at is not None:
        lines.append(f"DTEND;TZID={meeting.tzid}:{_wall(ends_at)}")
    return [*lines, *rest, "END:VEVENT"]


METHODS = ("REQUEST", "CANCEL")


def build_invitation(
    method: str,
    meeting,
    url: str,
    organizer: tuple[str, str],
    attendee: tuple[str, str],
    occurrence: datetime | None = None,
) -> bytes:
    """An iTIP message (RFC 5546) for one attendee, with the same UID, SEQUENCE and times as the
    feeds. A REQUEST carries the whole meeting, as the feeds do (series, EXDATEs, and moved
    occurrences by their RECURRENCE-ID), also when one occurrence moved: a calendar that missed
    an earlier message still gets the series right. A CANCEL names the whole meeting, or with
    `occurrence`, only that occurrence by its RECURRENCE-ID (a master would cancel them all)."""
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method: {method}")
    events = _events(meeting, url, organizer, attendee)
    if method == "CANCEL" and occurrence is not None:
        events = _cancelled_occurrence(meeting, url, organizer, attendee, occurrence)
    elif method == "CANCEL":
        events = _event(
            meeting,
            meeting.starts_at,
            meeting.ends_at,
            meeting.updated_at,
            meeting.sequence,
            ["STATUS:CANCELLED", *_common(meeting, url, organizer, attendee)],
        )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *OSLO_TIMEZONE,
        *events,
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _cancelled_occurrence(meeting, url, organizer, attendee, occurrence: datetime) -> list[str]:
    """One occurrence of a series, cancelled, as its own VEVENT at its original start."""
    length = meeting.ends_at - meeting.starts_at if meeting.ends_at else None
    changed_at, sequence = meeting.updated_at, meeting.sequence
    for exception in meeting.exceptions:
        if exception.occurrence == occurrence:
            changed_at = max(exception.updated_at, changed_at)
            sequence = max(exception.sequence, sequence)
    recurrence_id = f"RECURRENCE-ID;TZID={meeting.tzid}:{_wall(occurrence)}"
    rest = [recurrence_id, "STATUS:CANCELLED", *_common(meeting, url, organizer, attendee)]
    ends_at = occurrence + length if length else None
    return _event(meeting, occurrence, ends_at, changed_at, sequence, rest)
