"""Calendar feeds: every feed passes ical-check's seven real consumers, times stay right across
daylight-saving changes, caching headers work, and members-only arenas stay private."""

import logging
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from arena.accounts import feed_tokens
from arena.arenas import meetings, services
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput

ROOT = Path(__file__).resolve().parent.parent
CHECKER = ROOT.parent / "shared" / "tools" / "ical-check" / "check_feed.sh"


def ical_check_report(tmp_path, body: bytes) -> tuple[int, str]:
    """Runs a calendar through ical-check: its exit code and its report."""
    assert CHECKER.exists(), f"{CHECKER} is missing"
    feed = tmp_path / "feed.ics"
    feed.write_bytes(body)
    result = subprocess.run(
        ["bash", str(CHECKER), str(feed), "2026-01-01", "2030-01-01"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(Path.home()),
            "PY": str(ROOT / ".venv" / "bin" / "python"),
        },
    )
    return result.returncode, result.stdout + result.stderr


def ical_check(tmp_path, body: bytes) -> str:
    """Runs the feed through ical-check; fails the test with its report if a consumer rejects it."""
    code, report = ical_check_report(tmp_path, body)
    assert code == 0, report
    return report


@pytest.fixture
def owner(make_member):
    return make_member(name="Kari Ansvarlig", email="kari@skien.kommune.no")


@pytest.fixture
def arena(owner):
    created, _ = services.create_arena(
        owner, ArenaInput(name="Klimanettverket Grenland", purpose="Erfaringer om overvann")
    )
    return created


def meeting(owner, arena, **fields):
    data = {
        "title": "Nettverksmøte",
        "starts_at": datetime(2027, 3, 15, 9),
        "ends_at": datetime(2027, 3, 15, 10, 30),
        **fields,
    }
    return meetings.create_meeting(owner, arena, MeetingInput(**data))


def feed(client, path, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response


def test_weekly_series_across_dst_with_cancelled_and_moved_occurrences(
    client, owner, arena, tmp_path
):
    series = meeting(owner, arena, rrule="FREQ=WEEKLY;COUNT=6")
    meetings.change_occurrence(owner, series, datetime(2027, 3, 22, 9), "cancel")
    meetings.change_occurrence(
        owner, series, datetime(2027, 4, 5, 9), "move", datetime(2027, 4, 6, 13)
    )
    body = feed(client, f"/arenas/{arena.slug}/calendar.ics").data
    ical_check(tmp_path, body)
    text = body.decode()
    assert "BEGIN:VTIMEZONE" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "DTSTART;TZID=Europe/Oslo:20270315T090000" in text
    assert "EXDATE;TZID=Europe/Oslo:20270322T090000" in text
    assert "RECURRENCE-ID;TZID=Europe/Oslo:20270405T090000" in text
    assert "ATTENDEE" not in text and "METHOD:PUBLISH" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text and "X-PUBLISHED-TTL:PT1H" in text
    # Read as a calendar app does: every occurrence at 09:00 Oslo time, summer or winter.
    parsed = icalendar.Calendar.from_ical(body)
    events = recurring_ical_events.of(parsed).between(date(2027, 3, 1), date(2027, 5, 1))
    starts = sorted(e.decoded("DTSTART") for e in events)
    local = [s.astimezone(ZoneInfo("Europe/Oslo")) for s in starts]
    assert [(s.month, s.day, s.hour) for s in local] == [
        (3, 15, 9),
        (3, 29, 9),
        (4, 6, 13),
        (4, 12, 9),
        (4, 19, 9),
    ]
    assert local[0].utcoffset().seconds == 3600 and local[1].utcoffset().seconds == 7200


def test_cancelled_edited_and_awkward_meetings_pass_every_consumer(
    client, owner, arena, tmp_path, clock
):
    clock.now = datetime(2027, 2, 1, 12, tzinfo=UTC)
    cancelled = meeting(
        owner,
        arena,
        title="Avlyst serie",
        rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=6",
        starts_at=datetime(2027, 3, 2, 14),
        ends_at=datetime(2027, 3, 2, 15),
    )
    meetings.cancel_meeting(owner, cancelled)
    edited = meeting(owner, arena, title="Endret serie", rrule="FREQ=WEEKLY;COUNT=3")
    meetings.update_meeting(
        owner,
        edited,
        MeetingInput(
            title="Endret serie",
            starts_at=datetime(2027, 3, 15, 10),
            ends_at=datetime(2027, 3, 15, 11),
            rrule="FREQ=WEEKLY;COUNT=3",
        ),
    )
    meeting(
        owner,
        arena,
        title='Tekst med komma, semikolon; «sitat» "quote" og æøå 😀',
        description="Linje 1, med komma; og semikolon\nLinje 2 " + "lang " * 400,
        location="Rådhuset, sal 2; Skien",
    )
    meeting(
        owner,
        arena,
        title="Bare digitalt",
        location="",
        online_url="https://teams.example.no/meet/123?a=b&c=d",
        starts_at=datetime(2027, 6, 1, 9),
        ends_at=datetime(2027, 6, 1, 10),
    )
    meeting(owner, arena, title="Uten slutt", starts_at=datetime(2027, 7, 1, 12), ends_at=None)
    body = feed(client, f"/arenas/{arena.slug}/calendar.ics").data
    report = ical_check(tmp_path, body)
    assert "all consumers accepted" in report
    parsed = icalendar.Calendar.from_ical(body)
    by_title = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert by_title["Avlyst serie"]["STATUS"] == "CANCELLED"
    assert by_title["Endret serie"]["SEQUENCE"] == 1
    assert "https://teams.example.no/meet/123?a=b&c=d" in str(
        by_title["Bare digitalt"]["DESCRIPTION"]
    )
    assert "DTEND" not in by_title["Uten slutt"]
    assert (
        len(str(by_title['Tekst med komma, semikolon; «sitat» "quote" og æøå 😀']["DESCRIPTION"]))
        > 2000
    )

    clock.now = datetime(2027, 3, 20, 12, tzinfo=UTC)  # 30 days after the cancellation it is gone
    body = feed(client, f"/arenas/{arena.slug}/calendar.ics").data
    assert b"Avlyst serie" not in body


def test_unchanged_feed_is_byte_identical_with_etag_and_304(client, owner, arena):
    meeting(owner, arena)
    first = feed(client, f"/arenas/{arena.slug}/calendar.ics")
    second = feed(client, f"/arenas/{arena.slug}/calendar.ics")
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get(
        f"/arenas/{arena.slug}/calendar.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def calendar_name(body: bytes) -> str:
    return str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"])


def test_each_feed_speaks_its_askers_language(client, owner, arena, make_member):
    """A calendar app gets the feed in its language; one language's ETag never earns a 304 for
    another; a personal feed is in the member's own language, whatever the app asks for."""
    meeting(owner, arena)
    asked = {
        language: feed(client, "/calendar/all.ics", **{"Accept-Language": language})
        for language in ("nb", "nn", "en")
    }
    assert calendar_name(asked["nb"].data) == "Alle samarbeidsarenaer – møter"
    assert calendar_name(asked["nn"].data) == "Alle samarbeidsarenaer – møte"
    assert calendar_name(asked["en"].data) == "All collaboration arenas – meetings"
    assert len({response.headers["ETag"] for response in asked.values()}) == 3
    assert all("Accept-Language" in response.headers["Vary"] for response in asked.values())
    english = client.get(
        "/calendar/all.ics",
        headers={"Accept-Language": "en", "If-None-Match": asked["nb"].headers["ETag"]},
    )
    assert english.status_code == 200
    assert calendar_name(english.data) == "All collaboration arenas – meetings"

    follower = make_member(preferred_language="nn")
    services.follow_arena(follower, arena)
    personal = feed(
        client, f"/calendar/{feed_tokens.feed_token(follower)}.ics", **{"Accept-Language": "en"}
    )
    assert calendar_name(personal.data) == "Arena – samarbeidsarenaene mine"


def test_last_modified_never_goes_back_after_a_deletion(client, owner, arena, clock):
    kept = meeting(owner, arena, title="Blir")
    clock.advance(hours=1)
    removed = meeting(owner, arena, title="Slettes")
    before = feed(client, f"/arenas/{arena.slug}/calendar.ics").last_modified
    clock.advance(hours=1)
    meetings.delete_meeting(owner, removed)
    after = feed(client, f"/arenas/{arena.slug}/calendar.ics")
    assert after.last_modified > before and b"Slettes" not in after.data
    assert kept.id


def test_members_only_arenas_appear_only_in_personal_feeds(client, owner, make_member, tmp_path):
    private, _ = services.create_arena(owner, ArenaInput(name="Lukket forum", visibility="members"))
    public, _ = services.create_arena(owner, ArenaInput(name="Åpent forum"))
    meeting(owner, private, title="Hemmelig møte")
    meeting(owner, public, title="Åpent møte")
    assert client.get(f"/arenas/{private.slug}/calendar.ics").status_code == 404
    everything = feed(client, "/calendar/all.ics").data
    assert b"Hemmelig" not in everything and "Åpent møte".encode() in everything

    follower = make_member()
    services.follow_arena(follower, private)
    token = feed_tokens.feed_token(follower)
    personal = feed(client, f"/calendar/{token}.ics").data
    assert b"Hemmelig m" in personal
    ical_check(tmp_path, personal)
    new_token = feed_tokens.regenerate_feed_token(follower, follower)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_organisation_and_single_meeting_feeds(client, owner, make_organisation, tmp_path):
    org = make_organisation("Porsgrunn kommune")
    arena_, _ = services.create_arena(
        owner, ArenaInput(name="Havnenettverket", organisation_ids=[org.id])
    )
    one = meeting(owner, arena_, title="Havnemøte")
    body = feed(client, f"/organisations/{org.slug}/calendar.ics").data
    assert b"Havnem" in body
    ical_check(tmp_path, feed(client, f"/meetings/{one.id}.ics").data)


def test_feed_tokens_never_reach_the_logs(caplog):
    from arena.web import HideSecretLinks

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "GET %s HTTP/1.1" 200 -',
        ("127.0.0.1", "/calendar/abc123.ics"),
        None,
    )
    HideSecretLinks().filter(record)
    assert "abc123" not in record.getMessage() and "/calendar/***.ics" in record.getMessage()


def test_personal_feed_link_on_profile_and_api(client, post_form, make_member, login_as):
    from arena.accounts.services import issue_api_token

    member = login_as(make_member())
    html = client.get("/profile").get_data(as_text=True)
    old = feed_tokens.feed_token(member)
    assert f"/calendar/{old}.ics" in html and f"webcal://localhost/calendar/{old}.ics" in html
    post_form("/profile/calendar-token", token_from="/profile")
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    headers = {"Authorization": f"Bearer {issue_api_token(member, 'x')}"}
    url = client.get("/api/v1/me", headers=headers).get_json()["calendar_feed_url"]
    assert client.get(url.removeprefix("http://localhost")).status_code == 200
    new_url = client.post("/api/v1/me/calendar-token", headers=headers).get_json()[
        "calendar_feed_url"
    ]
    assert new_url != url
    assert client.get(url.removeprefix("http://localhost")).status_code == 404
    assert client.get(new_url.removeprefix("http://localhost")).status_code == 200


def test_feed_follows_the_owners_name_and_account(client, owner, arena, make_member, clock):
    """ORGANIZER names the owner: a new name, or a deactivated owner, gives a new feed version."""
    from arena.accounts import services as accounts

    meeting(owner, arena)
    path = f"/arenas/{arena.slug}/calendar.ics"
    first = feed(client, path)
    assert 'CN="Kari Ansvarlig"' in first.get_data(as_text=True)
    clock.advance(minutes=5)
    accounts.update_profile(
        owner, owner, replace(accounts.profile_input(owner), name="Kari Nyttnavn")
    )
    renamed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert renamed.status_code == 200
    assert 'CN="Kari Nyttnavn"' in renamed.get_data(as_text=True)
    clock.advance(minutes=5)
    accounts.set_active(make_member(is_admin=True), owner, False)
    orphaned = feed(client, path).get_data(as_text=True)
    assert "Kari" not in orphaned and 'CN="Klimanettverket Grenland"' in orphaned


def test_all_arenas_feed_keeps_a_series_whose_last_occurrence_moved_later(
    clock, client, owner, arena
):
    series = meeting(owner, arena, rrule="FREQ=WEEKLY;COUNT=3")  # 15, 22 and 29 March 2027
    meetings.change_occurrence(
        owner, series, datetime(2027, 3, 29, 9), "move", datetime(2027, 6, 1, 9)
    )
    clock.now = datetime(2027, 5, 15, 12, tzinfo=UTC)  # 47 days after the last original start
    text = feed(client, "/calendar/all.ics").get_data(as_text=True)
    assert "RECURRENCE-ID;TZID=Europe/Oslo:20270329T090000" in text
    assert "DTSTART;TZID=Europe/Oslo:20270601T090000" in text
