"""Host headers are chosen by whoever sends the request: every absolute link in an email, a feed
or an API answer comes from BASE_URL alone, and production refuses requests for other hosts."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, body_of, to_of
from werkzeug.middleware.proxy_fix import ProxyFix

from arena import create_app
from arena.accounts.feed_tokens import feed_token
from arena.accounts.models import Member
from arena.accounts.services import issue_api_token
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.extensions import db
from arena.initiatives import services as initiatives

EVIL = "evil.example"
#: The test app's BASE_URL.
BASE = "http://localhost"


@pytest.fixture
def hostile(app, client, monkeypatch):
    """A client whose every request names the attacker's host, in Host and X-Forwarded-Host,
    with the app behind one proxy that would believe X-Forwarded-Host."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    headers = {"X-Forwarded-Host": EVIL}

    class Hostile:
        def get(self, path, **kwargs):
            return client.get(path, base_url=f"http://{EVIL}", headers=headers, **kwargs)

        def open(self, path, **kwargs):
            kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
            return client.open(path, base_url=f"http://{EVIL}", **kwargs)

        def post_form(self, path, data, token_from):
            page = self.get(token_from).get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
            return self.open(path, method="POST", data={"csrf_token": token, **data})

        def sign_in(self, member):
            response = self.post_form(
                "/auth/login", {"email": member.email, "password": PASSWORD}, "/auth/login"
            )
            assert response.status_code == 302

    return Hostile()


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>\\]+", text)


def assert_links_on_base(text: str) -> None:
    links = links_in(text)
    assert links, "expected at least one link"
    assert EVIL not in text
    assert all(link.startswith(BASE) for link in links if "localhost" in link or EVIL in link)


def test_password_reset_link_is_on_base_url(hostile, make_member, smtp_server):
    member = make_member(email="offer@example.no")
    response = hostile.post_form("/auth/forgot", {"email": member.email}, "/auth/forgot")
    assert response.status_code == 302
    (mail,) = smtp_server
    assert re.search(rf"{BASE}/auth/reset/\S+", body_of(mail))
    assert_links_on_base(body_of(mail))


def test_emails_from_pages_link_to_base_url(hostile, make_member, smtp_server, clock):
    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)
    owner = make_member(email="eier@example.no")
    colleague = make_member(email="kollega@example.no")
    follower = make_member(email="folger@example.no")
    hostile.sign_in(owner)

    # A new arena with someone else proposed as owner, a proposal, a contact request.
    hostile.post_form(
        "/arenas/new",
        {
            "name": "Planforum",
            "kind": "forum",
            "visibility": "public",
            "owner_email": colleague.email,
        },
        "/arenas/new",
    )
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Eierens arena"))
    hostile.post_form(
        f"/arenas/{arena.slug}/propose",
        {"role": "deputy", "email": follower.email},
        f"/arenas/{arena.slug}",
    )
    hostile.post_form(
        f"/members/{colleague.id}/contact",
        {"subject": "Hei", "message": "Kan vi snakke?"},
        f"/members/{colleague.id}/contact",
    )
    # A meeting tomorrow cancelled: followers hear of it by email.
    arenas.follow_arena(follower, arena)
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 2, 9))
    )
    hostile.post_form(f"/meetings/{meeting.id}/cancel", {}, f"/arenas/{arena.slug}")

    assert len(smtp_server) == 4, [m["Subject"] for m in smtp_server]
    for mail in smtp_server:
        assert_links_on_base(body_of(mail))


def test_feeds_and_pages_link_to_base_url(hostile, make_member):
    owner = make_member(email="eier@example.no")
    initiatives.create_initiative(
        owner, initiatives.InitiativeInput(title="Hydrogen", summary="Om noe", status="ongoing")
    )
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Eierens arena"))
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9))
    )
    arenas.follow_arena(owner, arena)
    token = feed_token(owner)
    for path in (
        f"/arenas/{arena.slug}/calendar.ics",
        f"/organisations/{owner.organisation.slug}/calendar.ics",
        "/calendar/all.ics",
        f"/meetings/{meeting.id}.ics",
        f"/calendar/{token}.ics",
        "/initiatives.atom",
    ):
        response = hostile.get(path)
        assert response.status_code == 200, path
        assert_links_on_base(response.get_data(as_text=True))

    hostile.sign_in(owner)
    for path in ("/profile", f"/arenas/{arena.slug}"):
        html = hostile.get(path).get_data(as_text=True)
        assert EVIL not in html, path


def test_api_answers_link_to_base_url(hostile, make_member):
    owner = make_member(email="eier@example.no")
    for n in range(3):
        initiatives.create_initiative(
            owner, initiatives.InitiativeInput(title=f"Tiltak {n}", summary="Om noe")
        )
    arenas.create_arena(owner, ArenaInput(name="Eierens arena"))
    headers = {"Authorization": f"Bearer {issue_api_token(owner, 'vert')}"}
    for method, path in (
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/me/calendar-token"),
        ("GET", "/api/v1/initiatives?per_page=1"),
        ("GET", "/api/v1/arenas"),
        ("GET", "/api/v1/arenas/eierens-arena"),
    ):
        response = hostile.open(path, method=method, headers=headers)
        assert response.status_code == 200, path
        assert_links_on_base(response.get_data(as_text=True))


@pytest.fixture
def production(app, monkeypatch):
    monkeypatch.setenv("ARENA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("BASE_URL", "https://arena.example.no")
    monkeypatch.setenv("PROXY_COUNT", "1")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    production = create_app()
    yield production
    with production.app_context():
        db.engine.dispose()


def test_production_refuses_requests_for_another_host(app, smtp_server, production, make_member):
    production.config.update(
        MAIL_SERVER=app.config["MAIL_SERVER"], MAIL_PORT=app.config["MAIL_PORT"]
    )
    member = make_member(email="offer@example.no")
    client = production.test_client()
    assert client.get("/auth/forgot", base_url="https://arena.example.no").status_code == 200
    assert client.get("/auth/forgot", base_url=f"https://{EVIL}").status_code == 400
    forwarded = {"X-Forwarded-Host": EVIL}
    answer = client.get("/auth/forgot", base_url="https://arena.example.no", headers=forwarded)
    assert answer.status_code == 400
    # Nothing is mailed for a refused host, not even with a valid form.
    page = client.get("/auth/forgot", base_url="https://arena.example.no").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    refused = client.post(
        "/auth/forgot",
        data={"csrf_token": token, "email": member.email},
        base_url="https://arena.example.no",
        headers={**forwarded, "Referer": "https://arena.example.no/auth/forgot"},
    )
    assert refused.status_code == 400 and smtp_server == []
    sent = client.post(
        "/auth/forgot",
        data={"csrf_token": token, "email": member.email},
        base_url="https://arena.example.no",
        headers={"Referer": "https://arena.example.no/auth/forgot"},
    )
    assert sent.status_code == 302
    (mail,) = smtp_server
    assert "https://arena.example.no/auth/reset/" in body_of(mail)


def test_production_without_shared_rate_limit_store_warns(app, monkeypatch, caplog):
    monkeypatch.setenv("ARENA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with caplog.at_level("WARNING"):
        production = create_app()
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    with production.app_context():
        db.engine.dispose()


def test_joining_emails_link_to_base_url(hostile, make_member, make_organisation, smtp_server):
    from arena.organisations.models import OrganisationDomain

    org = make_organisation("Skien kommune")
    org.domains.append(OrganisationDomain(domain="skien.kommune.no"))
    contact = make_member(email="kontakt@skien.kommune.no", org=org, is_organisation_contact=True)
    make_member(email="kjent@skien.kommune.no", org=org)
    for email in ("ny@gmail.com", "kjent@skien.kommune.no"):
        hostile.post_form(
            "/auth/register",
            {"email": email, "name": "Ny Person", "organisation_id": str(org.id)},
            "/auth/register",
        )
    confirm, known = smtp_server
    link = re.search(rf"{BASE}(/auth/confirm/\S+)", body_of(confirm))[1]
    hostile.post_form(
        link,
        {"password": "et-langt-og-godt-passord", "password_again": "et-langt-og-godt-passord"},
        link,
    )
    request = smtp_server[-1]
    assert to_of(request) == contact.email
    hostile.post_form("/auth/logout", {}, "/profile")  # the newcomer was signed in by the link
    hostile.sign_in(contact)
    newcomer = db.session.scalar(sa.select(Member).filter_by(email="ny@gmail.com"))
    hostile.post_form(f"/memberships/{newcomer.id}/approve", {}, "/memberships")
    decision = smtp_server[-1]
    assert to_of(decision) == "ny@gmail.com"
    for mail in (confirm, known, request, decision):
        assert_links_on_base(body_of(mail))
