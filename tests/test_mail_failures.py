"""An SMTP server that is down never fails the change that causes an email nor tells anything
about who is registered; a name someone chose can never add an address to a header."""

import socket
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from conftest import body_of

from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.models import Arena, Meeting, RoleProposal
from arena.arenas.services import ArenaInput
from arena.extensions import db


@pytest.fixture
def smtp_down(app, monkeypatch):
    """MAIL_SERVER points at a loopback port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_changes_that_email_succeed_once_when_smtp_is_down(
    smtp_down, client, post_form, make_member, login_as, clock, caplog
):
    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)
    owner = login_as(make_member(email="eier@example.no"))
    colleague = make_member(email="kollega@example.no")
    follower = make_member(email="folger@example.no")

    created = post_form(
        "/arenas/new",
        {
            "name": "Planforum",
            "kind": "forum",
            "visibility": "public",
            "owner_email": colleague.email,
        },
        token_from="/arenas/new",
    )
    assert created.status_code == 302
    assert count(Arena) == 1 and count(RoleProposal) == 1

    arena, _ = arenas.create_arena(owner, ArenaInput(name="Eierens arena"))
    proposed = post_form(
        f"/arenas/{arena.slug}/propose",
        {"role": "deputy", "email": follower.email},
        token_from=f"/arenas/{arena.slug}",
    )
    assert proposed.status_code == 302 and count(RoleProposal) == 2

    arenas.follow_arena(follower, arena)
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 2, 9))
    )
    cancelled = post_form(f"/meetings/{meeting.id}/cancel", token_from=f"/arenas/{arena.slug}")
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert "not sent: ConnectionRefusedError" in caplog.text


def test_password_reset_answers_the_same_for_known_and_unknown_when_smtp_is_down(
    smtp_down, client, post_form, make_member
):
    member = make_member(email="kjent@example.no")
    known = post_form("/auth/forgot", {"email": member.email}, token_from="/auth/forgot")
    unknown = post_form("/auth/forgot", {"email": "ukjent@example.no"}, token_from="/auth/forgot")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


def test_a_display_name_cannot_add_a_reply_to_address(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member(email="eva@usn.no")
    login_as(make_member(name="Eve <attacker@evil.example>, Bob", email="eve@example.no"))
    page = f"/members/{expert.id}/contact"
    post_form(page, {"subject": "Hei", "message": "Kan vi snakke?"}, token_from=page)
    (mail,) = smtp_server
    (address,) = mail["Reply-To"].addresses
    assert address.addr_spec == "eve@example.no"
    assert address.display_name == "Eve <attacker@evil.example>, Bob"
    assert "Kan vi snakke?" in body_of(mail)
