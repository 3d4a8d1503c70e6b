"""Leaving Arena without a password: a member who only ever signed in with their organisation's
account confirms deleting it with an emailed link; and a deactivated member's calendar loses what
Arena put there."""

import re
from datetime import datetime

import sqlalchemy as sa
from conftest import body_of, csrf_token, to_of
from oidc_provider import sign_in_at_provider

from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.extensions import db
from arena.outbox import settings


def sso_member(client, provider, skien_tenant):
    provider.set_account("kari", email="kari@skien.kommune.no", name="Kari Nordmann")
    start = client.get("/auth/sso/entra").headers["Location"]
    assert client.get(sign_in_at_provider(start, "kari", "http://localhost")).status_code == 302
    return db.session.scalar(sa.select(Member))


def delete_link(mail) -> str:
    match = re.search(r"http://localhost(/profile/delete/\S+)", body_of(mail))
    assert match, body_of(mail)
    return match.group(1)


def test_a_member_without_a_password_deletes_the_account_with_an_emailed_link(
    client, provider, skien_tenant, smtp_server
):
    member = sso_member(client, provider, skien_tenant)
    assert not member.has_password
    page = client.get("/profile/delete").get_data(as_text=True)
    assert 'name="password"' not in page and "Vi sender en lenke" in page
    sent = client.post(
        "/profile/delete",
        data={"csrf_token": csrf_token(client, "/profile/delete"), "confirm": "y"},
    )
    assert sent.status_code == 302
    (mail,) = smtp_server
    assert to_of(mail) == "kari@skien.kommune.no"
    assert db.session.scalar(sa.select(Member)) is not None  # nothing gone yet
    link = delete_link(mail)
    assert "Slett kontoen min" in client.get(link).get_data(as_text=True)
    done = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert done.status_code == 302
    assert db.session.scalar(sa.select(Member)) is None
    assert client.get("/profile").status_code == 302  # signed out


def test_the_link_deletes_nobody_else(
    client, provider, skien_tenant, make_member, login_as, smtp_server
):
    sso_member(client, provider, skien_tenant)
    client.post(
        "/profile/delete",
        data={"csrf_token": csrf_token(client, "/profile/delete"), "confirm": "y"},
    )
    (mail,) = smtp_server
    link = delete_link(mail)
    other = login_as(make_member(email="annen@example.no"))
    opened = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "den er til en annen konto" in opened and "Slett kontoen min" in opened
    refused = client.post(link, data={"csrf_token": csrf_token(client, "/profile/delete")})
    assert refused.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 2
    assert db.session.get(Member, other.id) is not None


def test_a_password_is_not_accepted_where_the_organisation_requires_sso(
    client, post_form, make_member, make_organisation, login_as, smtp_server
):
    org = make_organisation(name="Skien kommune")
    org.sso_required = True
    member = login_as(make_member(org=org))
    assert member.has_password and not member.signs_in_with_password
    page = client.get("/profile/delete").get_data(as_text=True)
    assert 'name="password"' not in page
    post_form("/profile/delete", {"confirm": "y"}, token_from="/profile/delete")
    assert [to_of(m) for m in smtp_server] == [member.email]


def test_deactivating_a_member_takes_arenas_meetings_out_of_their_calendar(
    make_member, smtp_server
):
    owner = make_member()
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    meetings.create_meeting(
        owner, arena, MeetingInput(title="Snart", starts_at=datetime(2027, 1, 14, 9))
    )
    member = make_member(email="slutter@example.no")
    settings.change_settings(member, member, {"meeting_invitations": "on"})
    arenas.follow_arena(member, arena)
    admin = make_member(is_admin=True)
    assert [m["Subject"] for m in smtp_server] == ["Invitasjon: «Snart»"]
    accounts.set_active(admin, member, False)
    assert [m["Subject"] for m in smtp_server][1:] == ["Fjernet fra kalenderen din: «Snart»"]
    assert to_of(smtp_server[1]) == "slutter@example.no"
