"""Why arena/ical.py writes content lines itself: the same 5,900-event feed (the size of
the all-arenas feed in bench/feeds.py) rendered by our builder and by icalendar's objects.

    .venv/bin/python bench/ical_objects.py
"""

import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from arena.arenas.calendar_rows import FeedMeeting
from arena.ical import FeedInfo, _rendered_events, build_calendar

EVENTS = 5_900
OSLO = ZoneInfo("Europe/Oslo")


def meetings() -> list[FeedMeeting]:
    start = datetime(2027, 1, 4, 9, 0)
    changed = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    return [
        FeedMeeting(
            id=n,
            arena_id=n % 5_000,
            uid=f"meeting-{n}@arena.example",
            title=f"Klimanettverket i Grenland: møte {n}",
            description="Sakliste: status på tiltak, innspel til regional plan, eventuelt.",
            location="Fylkeshuset, Skien",
            online_url="https://teams.example/meet/abc",
            starts_at=start + timedelta(hours=n),
            ends_at=start + timedelta(hours=n, minutes=90),
            tzid="Europe/Oslo",
            rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" if n % 3 == 0 else "",
            status="confirmed",
            sequence=0,
            updated_at=changed,
            arena_slug=f"arena-{n % 5_000}",
            arena_name="Klimanettverket i Grenland",
            owner_name="Kari Nordmann",
        )
        for n in range(EVENTS)
    ]


def with_icalendar(rows: list[FeedMeeting]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Jobbe smartere sammen//Arena//NO")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Alle arenaer")
    for row in rows:
        event = icalendar.Event()
        event.add("uid", row.uid)
        event.add("dtstamp", row.updated_at)
        event.add("last-modified", row.updated_at)
        event.add("sequence", row.sequence)
        event.add("summary", row.title)
        event.add("dtstart", row.starts_at.replace(tzinfo=OSLO))
        event.add("dtend", row.ends_at.replace(tzinfo=OSLO))
        if row.rrule:
            event.add("rrule", icalendar.vRecur.from_ical(row.rrule))
        event.add("status", "CONFIRMED")
        organizer = icalendar.vCalAddress("mailto:kari@example.no")
        organizer.params["cn"] = row.owner_name
        event.add("organizer", organizer)
        event.add("location", row.location)
        event.add("url", f"https://arena.example/arenas/{row.arena_slug}")
        event.add("description", f"{row.description}\n\nDigitalt / Online: {row.online_url}")
        calendar.add_component(event)
    return calendar.to_ical()


def with_our_builder(rows: list[FeedMeeting]) -> bytes:
    _rendered_events.clear()  # a fresh worker: nothing rendered yet
    return build_calendar(
        FeedInfo(name="Alle arenaer", url="https://arena.example/arenas"),
        rows,
        datetime(2026, 11, 28, tzinfo=UTC),
        lambda m: f"https://arena.example/arenas/{m.arena_slug}",
        lambda m: (m.owner_name, "kari@example.no"),
    )


def median_ms(build, rows, runs: int = 5) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(build(rows))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), size


if __name__ == "__main__":
    rows = meetings()
    print(f"{EVENTS:,} events, median of 5 runs")
    print("| builder | ms | bytes |\n|---|---|---|")
    for name, build in [
        ("arena/ical.py", with_our_builder),
        ("icalendar objects", with_icalendar),
    ]:
        ms, size = median_ms(build, rows)
        print(f"| {name} | {ms:,.0f} | {size:,} |")
