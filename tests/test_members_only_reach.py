"""An unverified member who followed an arena before it became members-only: the arena page is a
404 for them, and so nothing of it reaches them elsewhere: the front page, the digest preview, the
emails about cancelled meetings, the invitations."""

from datetime import datetime

import pytest
from conftest import to_of

from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.outbox import settings


@pytest.fixture
def closed(make_member, make_organisation, clock):
    clock.now = datetime.fromisoformat("2026-11-30T08:00:00+00:00")
    owner = make_member(name="Eier Eva")
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Lukket innkjøpsforum"))
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Hemmelig møte", starts_at=datetime(2026, 12, 1, 9))
    )
    newcomer = make_member(name="Ny Nils", email="nils@example.no", verified=False)
    settings.change_settings(newcomer, newcomer, {"meeting_invitations": "on"})
    arenas.follow_arena(newcomer, arena)
    arenas.update_arena(owner, arena, ArenaInput(name="Lukket innkjøpsforum", visibility="members"))
    return {"owner": owner, "arena": arena, "meeting": meeting, "newcomer": newcomer}


def test_the_front_page_and_the_digest_preview_say_nothing_of_it(client, closed, login_as):
    login_as(closed["newcomer"])
    assert client.get(f"/arenas/{closed['arena'].slug}").status_code == 404
    for page in ("/", "/profile/notifications", "/overview"):
        answer = client.get(page)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200, page
        assert "Lukket innkjøpsforum" not in text and "Hemmelig møte" not in text, page


def test_a_cancelled_meeting_is_not_emailed_to_them(closed, smtp_server):
    before = [to_of(m) for m in smtp_server]  # the invitation and its withdrawal
    meetings.cancel_meeting(closed["owner"], closed["meeting"])
    after = [to_of(m) for m in smtp_server][len(before) :]
    assert "nils@example.no" not in after
    assert all(
        "Hemmelig møte" not in m["Subject"] or "Fjernet" in m["Subject"]
        for m in smtp_server
        if to_of(m) == "nils@example.no"
    )
