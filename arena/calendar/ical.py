"""The one iCalendar builder: feeds that Outlook, Google, Apple and Thunderbird read right.

Rules (DESIGN.md, ical-check README): a Europe/Oslo VTIMEZONE with yearly RRULEs; DTSTART with
TZID; series as RRULE (UNTIL in UTC), cancelled occurrences as EXDATE, moved ones as RECURRENCE-ID
overrides; stable UIDs; DTSTAMP and LAST-MODIFIED from the rows' update times, so an unchanged
feed is byte-identical; cancelled meetings stay 30 days with STATUS:CANCELLED; no ATTENDEE.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration
from icalendar.prop import vRecur

PRODID = "-//Jobbe smartere sammen//Arena//NO"
KEEP_CANCELLED = timedelta(days=30)
REFRESH = timedelta(hours=1)


@dataclass
class FeedInfo:
    name: str
    url: str
    description: str = ""


def oslo_timezone() -> Timezone:
    """Europe/Oslo as yearly rules (what Outlook desktop handles best)."""
    zone = Timezone()
    zone.add("TZID", "Europe/Oslo")
    zone.add("X-LIC-LOCATION", "Europe/Oslo")
    summer = TimezoneDaylight()
    summer.add("TZOFFSETFROM", timedelta(hours=1))
    summer.add("TZOFFSETTO", timedelta(hours=2))
    summer.add("TZNAME", "CEST")
    summer.add("DTSTART", datetime(1970, 3, 29, 2, 0))
    summer.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 3, "BYDAY": "-1SU"})
    winter = TimezoneStandard()
    winter.add("TZOFFSETFROM", timedelta(hours=2))
    winter.add("TZOFFSETTO", timedelta(hours=1))
    winter.add("TZNAME", "CET")
    winter.add("DTSTART", datetime(1970, 10, 25, 3, 0))
    winter.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": 10, "BYDAY": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _wall(moment: datetime, tzid: str):
    """A wall-clock time written with its TZID parameter."""
    from icalendar import vDDDTypes

    value = vDDDTypes(moment)
    value.params["TZID"] = tzid
    return value


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


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
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", info.name)
    calendar.add("X-WR-CALNAME", info.name)
    if info.description:
        calendar.add("DESCRIPTION", info.description)
        calendar.add("X-WR-CALDESC", info.description)
    calendar.add("URL", info.url)
    calendar.add("X-WR-TIMEZONE", "Europe/Oslo")
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    calendar.add_component(oslo_timezone())
    for meeting in sorted(meetings, key=lambda m: (m.starts_at, m.id)):
        if meeting.status == "cancelled" and now - meeting.updated_at > KEEP_CANCELLED:
            continue
        for event in _events(meeting, meeting_url(meeting), organizer_for(meeting)):
            calendar.add_component(event)
    return calendar.to_ical()


def _events(meeting, url: str, organizer: tuple[str, str]) -> list[Event]:
    master = _event(
        meeting,
        url,
        organizer,
        meeting.starts_at,
        meeting.ends_at,
        meeting.updated_at,
        meeting.sequence,
    )
    master.add("STATUS", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    events = [master]
    if meeting.rrule:
        master.add("RRULE", vRecur.from_ical(meeting.rrule))
        cancelled = [e.occurrence for e in meeting.exceptions if e.action == "cancel"]
        for occurrence in cancelled:
            master.add("EXDATE", _wall(occurrence, meeting.tzid))
        for exception in meeting.exceptions:
            if exception.action != "move":
                continue
            moved = _event(
                meeting,
                url,
                organizer,
                exception.new_starts_at,
                exception.new_ends_at,
                max(exception.updated_at, meeting.updated_at),
                max(exception.sequence, meeting.sequence),
            )
            moved.add("RECURRENCE-ID", _wall(exception.occurrence, meeting.tzid))
            moved.add("STATUS", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
            events.append(moved)
    return events


def _event(meeting, url, organizer, starts_at, ends_at, changed_at, sequence) -> Event:
    event = Event()
    event.add("UID", meeting.uid)
    event.add("SUMMARY", meeting.title)
    event.add("DTSTART", _wall(starts_at, meeting.tzid))
    if ends_at is not None:
        event.add("DTEND", _wall(ends_at, meeting.tzid))
    event.add("DTSTAMP", _utc(changed_at))
    event.add("LAST-MODIFIED", _utc(changed_at))
    event.add("SEQUENCE", sequence)
    name, email = organizer
    event.add("ORGANIZER", f"mailto:{email}", parameters={"CN": name})
    if meeting.location:
        event.add("LOCATION", meeting.location)
    event.add("URL", url)
    parts = [meeting.description.strip()] if meeting.description.strip() else []
    if meeting.online_url:
        parts.append(f"Digitalt / Online: {meeting.online_url}")
    parts.append(f"Arena: {url}")
    event.add("DESCRIPTION", "\n\n".join(parts))
    return event
