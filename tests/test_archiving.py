"""Archiving an arena that has finished its work: what the owner, its followers, calendar
subscribers and everyone browsing see afterwards, and who may do it."""

import time
from datetime import datetime

import pytest
from conftest import csrf_token, to_of
from icalendar import Calendar
from test_invitations import invitations_on, parts
from test_two_tabs import TABS, at_once

from arena.arenas import meetings, services
from arena.arenas.meetings import MeetingInput
from arena.arenas.models import Arena
from arena.arenas.services import ArenaInput
from arena.errors import ValidationFailed
from arena.extensions import db


def press(client, arena, action: str) -> str:
    """The owner presses «Arkiver» or «Åpne igjen» on the arena's page; the page that follows."""
    token = csrf_token(client, f"/arenas/{arena.slug}")
    answer = client.post(
        f"/arenas/{arena.slug}/{action}", data={"csrf_token": token}, follow_redirects=True
    )
    return answer.get_data(as_text=True)


def test_an_archived_arena_cancels_what_is_to_come_and_leaves_the_lists(
    client, login_as, smtp_server, make_member, clock
):
    owner = make_member(name="Kari Ansvarlig")
    arena, _ = services.create_arena(owner, ArenaInput(name="Prosjektgruppe for skolebruk"))
    past = meetings.create_meeting(
        owner, arena, MeetingInput(title="Oppstart", starts_at=datetime(2026, 10, 1, 9))
    )
    coming = meetings.create_meeting(
        owner, arena, MeetingInput(title="Sluttmøte", starts_at=datetime(2027, 1, 14, 9))
    )
    series = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Ukemøte", starts_at=datetime(2026, 11, 2, 9), rrule="FREQ=WEEKLY;COUNT=20"
        ),
    )
    follower = make_member(email="per@example.no")
    invitations_on(follower)
    services.follow_arena(follower, arena)
    invited = len(smtp_server)
    assert invited == 2  # the coming meeting and the series, not the past one
    assert arena in services.similar_arenas("Prosjektgruppe for skolebruk", "", [])

    # Someone else may not archive it.
    login_as(follower)
    refused = client.post(
        f"/arenas/{arena.slug}/archive", data={"csrf_token": csrf_token(client, "/arenas")}
    )
    assert refused.status_code == 403
    assert not db.session.get(Arena, arena.id).archived

    login_as(owner)
    page = press(client, arena, "archive")
    assert "Arenaen er arkivert. 2 kommende møter er avlyst." in page
    assert "Denne arenaen er arkivert" in page
    assert "Nytt møte" not in page

    # Followers with invitations get the cancellations in their inbox.
    cancels = smtp_server[invited:]
    assert [to_of(m) for m in cancels] == [follower.email] * 2
    assert {parts(m)["method"] for m in cancels} == {"CANCEL"}

    # The arena's feed shows both as cancelled; the past meeting is left as it was.
    feed = Calendar.from_ical(client.get(f"/arenas/{arena.slug}/calendar.ics").data)
    status = {str(e["UID"]): str(e.get("STATUS", "")) for e in feed.walk("VEVENT")}
    assert status[coming.uid] == status[series.uid] == "CANCELLED"
    assert status.get(past.uid, "CONFIRMED") == "CONFIRMED"

    # It leaves the register and the «similar arenas» shown to someone starting a new one, and
    # takes no new meetings.
    assert arena.name not in client.get("/arenas").get_data(as_text=True)
    assert arena not in services.similar_arenas("Prosjektgruppe for skolebruk", "", [])
    with pytest.raises(ValidationFailed):
        meetings.create_meeting(
            owner, arena, MeetingInput(title="Etterpå", starts_at=datetime(2027, 2, 1, 9))
        )

    # Opened again, it is back in the register; what was cancelled stays cancelled.
    page = press(client, arena, "reopen")
    assert "Arenaen er åpnet igjen." in page
    assert arena.name in client.get("/arenas").get_data(as_text=True)
    assert db.session.get(meetings.Meeting, coming.id).status == "cancelled"


def test_archiving_from_two_tabs_cancels_each_meeting_once(
    app, smtp_server, make_member, clock, monkeypatch
):
    owner = make_member()
    arena, _ = services.create_arena(owner, ArenaInput(name="Nettverk for berekraft"))
    tomorrow = datetime(2026, 11, 27, 9)  # soon: followers are emailed about it
    meetings.create_meeting(owner, arena, MeetingInput(title="Sluttmøte", starts_at=tomorrow))
    with_invitations = make_member(email="per@example.no")
    invitations_on(with_invitations)
    services.follow_arena(with_invitations, arena)
    services.follow_arena(make_member(email="ola@example.no"), arena)
    before = len(smtp_server)

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # each tab had its form
    withdraw = meetings.withdraw

    def slowly(meeting):  # a busy server: every tab has read the arena before any writes
        time.sleep(0.3)
        withdraw(meeting)

    monkeypatch.setattr(meetings, "withdraw", slowly)
    address = f"/arenas/{arena.slug}/archive"
    codes = at_once(app, owner, lambda tab: tab.post(address))

    assert codes == [302] * TABS
    # Per's calendar takes the cancellation; Ola, who has no invitations, is emailed.
    received = {to_of(m): m for m in smtp_server[before:]}
    assert len(smtp_server) - before == 2
    assert parts(received["per@example.no"])["method"] == "CANCEL"
    assert "er avlyst" in received["ola@example.no"]["Subject"]
    db.session.expire_all()
    assert db.session.get(Arena, arena.id).archived
