"""Editing a series after one of its meetings was moved or cancelled: the exceptions and the
answers given for single meetings follow the series, so every RECURRENCE-ID in the feeds is an
occurrence of the rule (a stale one made Google and Outlook show that week twice), the page
keeps the move, and an exception that no longer fits is dropped and said so."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_calendar import ical_check

from arena.arenas import attendance, meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.extensions import db

FIRST = datetime(2027, 3, 1, 9, 0)  # a Monday
RULE = "FREQ=WEEKLY;COUNT=8"


@pytest.fixture
def series(make_member, clock):
    clock.now = datetime(2027, 2, 1, 8, tzinfo=UTC)
    owner = make_member(name="Eier Eva")
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Innkjøpsforum"))
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Innkjøpsmøte", starts_at=FIRST, ends_at=FIRST + timedelta(hours=1), rrule=RULE
        ),
    )
    return {"owner": owner, "arena": arena, "meeting": meeting}


def feed_events(client, arena) -> list:
    body = client.get(f"/arenas/{arena.slug}/calendar.ics").data
    return [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT")], body


def stray_recurrence_ids(events) -> list[datetime]:
    """RECURRENCE-IDs that are no occurrence of their series' rule."""
    master = next(e for e in events if e.get("RRULE"))
    start = master.decoded("DTSTART")
    rule = master["RRULE"].to_ical().decode()
    occurrences = {o.replace(tzinfo=None) for o in rrulestr(rule, dtstart=start)}
    return [
        e.decoded("RECURRENCE-ID").replace(tzinfo=None)
        for e in events
        if e.get("RECURRENCE-ID")
        and e.decoded("RECURRENCE-ID").replace(tzinfo=None) not in occurrences
    ]


def test_moving_the_series_an_hour_carries_the_moved_meeting_and_the_answers(
    client, series, make_member, tmp_path
):
    owner, arena, meeting = series["owner"], series["arena"], series["meeting"]
    eighth_march = FIRST + timedelta(weeks=1)
    meetings.change_occurrence(
        owner, meeting, eighth_march, "move", datetime(2027, 3, 12, 9), datetime(2027, 3, 12, 10)
    )
    guest = make_member(name="Gjest Gunn")
    arenas.follow_arena(guest, arena)
    attendance.answer(guest, meeting, FIRST + timedelta(weeks=2), "yes")

    ten = FIRST.replace(hour=10)
    meetings.update_meeting(
        owner,
        meeting,
        MeetingInput(
            title="Innkjøpsmøte", starts_at=ten, ends_at=ten + timedelta(hours=1), rrule=RULE
        ),
    )
    events, body = feed_events(client, arena)
    assert stray_recurrence_ids(events) == []
    moved = next(e for e in events if e.get("RECURRENCE-ID"))
    assert moved.decoded("RECURRENCE-ID").replace(tzinfo=None) == eighth_march.replace(hour=10)
    assert moved.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 12, 9)
    ical_check(tmp_path, body)  # the seven calendar consumers read it as one series, one move
    answers = attendance.my_answers(guest, [meeting.id])
    assert answers == {(meeting.id, (FIRST + timedelta(weeks=2)).replace(hour=10)): "yes"}


def test_an_edit_that_leaves_a_moved_meeting_out_drops_it_and_says_so(
    client, series, login_as, post_form
):
    owner, arena, meeting = series["owner"], series["arena"], series["meeting"]
    last = FIRST + timedelta(weeks=7)
    meetings.change_occurrence(owner, meeting, last, "cancel")
    login_as(owner)
    page = f"/meetings/{meeting.id}/edit"
    form = {
        "title": "Innkjøpsmøte",
        "day": "2027-03-01",
        "start": "09:00",
        "end": "10:00",
        "repeat": "weekly",
        "repeat_count": "4",
    }
    answer = post_form(page, form, token_from=page, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "1 flyttet eller avlyst møte passet ikke lenger i serien og er fjernet." in text
    events, _body = feed_events(client, arena)
    assert stray_recurrence_ids(events) == []
    db.session.refresh(meeting)
    assert meeting.exceptions == []


def exceptions_in(events) -> tuple[set[datetime], set[datetime]]:
    """The feed's moved occurrences (RECURRENCE-IDs) and cancelled ones (EXDATEs), wall clock."""
    moved = {
        e.decoded("RECURRENCE-ID").replace(tzinfo=None) for e in events if e.get("RECURRENCE-ID")
    }
    master = next(e for e in events if e.get("RRULE"))
    exdates = master.get("EXDATE") or []
    exdates = exdates if isinstance(exdates, list) else [exdates]
    cancelled = {d.dt.replace(tzinfo=None) for x in exdates for d in x.dts}
    return moved, cancelled


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    moved=st.integers(0, 7),
    cancelled=st.integers(0, 7),
    hours=st.integers(-3, 3),
    days=st.integers(0, 6),
    count=st.integers(2, 10),
    interval=st.integers(1, 2),
)
def test_any_edit_carries_each_exception_that_still_fits_and_no_other(
    client, make_member, moved, cancelled, hours, days, count, interval
):
    owner = make_member()
    arena, _ = arenas.create_arena(owner, ArenaInput(name=f"Forum {owner.id}"))
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(title="Møte", starts_at=FIRST, ends_at=FIRST + timedelta(hours=1), rrule=RULE),
    )
    starts = meetings.occurrence_starts(RULE, FIRST, meeting.tzid)
    move_at, cancel_at = starts[moved], starts[cancelled]
    meetings.change_occurrence(
        owner,
        meeting,
        move_at,
        "move",
        move_at + timedelta(days=1),
        move_at + timedelta(days=1, hours=1),
    )
    meetings.change_occurrence(owner, meeting, cancel_at, "cancel")
    shift = timedelta(days=days, hours=hours)
    rule = f"FREQ=WEEKLY;INTERVAL={interval};COUNT={count}"
    first = FIRST + shift
    meetings.update_meeting(
        owner,
        meeting,
        MeetingInput(title="Møte", starts_at=first, ends_at=first + timedelta(hours=1), rrule=rule),
    )
    new_starts = set(rrulestr(rule, dtstart=first))
    expected_moved = {move_at + shift} & new_starts if moved != cancelled else set()
    expected_cancelled = {cancel_at + shift} & new_starts
    events, _body = feed_events(client, arena)
    assert stray_recurrence_ids(events) == []
    assert exceptions_in(events) == (expected_moved, expected_cancelled)
