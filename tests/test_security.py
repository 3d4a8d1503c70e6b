"""Secrets and production settings: feed, reset and API tokens never reach the server's logs;
password reset and token endpoints are rate limited; a production app sets its session cookie
and security headers as the foundation requires."""

import os
import re

import pytest
import requests
from conftest import PASSWORD, csrf_token, sign_in
from live import flask, free_port, server_database, start_gunicorn, stop

from arena import create_app
from arena.accounts.feed_tokens import feed_token
from arena.accounts.services import issue_api_token
from arena.extensions import db, limiter


def test_secret_links_and_tokens_never_reach_the_logs(tmp_path_factory):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": server_database(tmp_path_factory, "logs"),
        "SECRET_KEY": "log-tests",
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    flask(env, "db", "upgrade")
    flask(env, "seed-demo")
    log = tmp_path_factory.getbasetemp() / "gunicorn-logs.log"
    checker = create_app(
        {"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": "log-tests"}
    )
    with checker.app_context():
        from arena.accounts.models import Member

        member = db.session.query(Member).first()
        api_token, calendar = issue_api_token(member, "logg"), feed_token(member)
    with checker.app_context():  # after the first context gave its connection back
        db.engine.dispose()
    server = start_gunicorn(env, port, log, extra=("--access-logfile", "-", "--log-level", "debug"))
    base = f"http://127.0.0.1:{port}"
    try:
        assert requests.get(f"{base}/calendar/{calendar}.ics", timeout=10).status_code == 200
        assert requests.get(f"{base}/auth/reset/hemmelig-lenke-123", timeout=10).status_code == 400
        headers = {"Authorization": f"Bearer {api_token}"}
        assert requests.get(f"{base}/api/v1/me", headers=headers, timeout=10).status_code == 200
    finally:
        stop(server)
    written = log.read_text()
    assert "GET /calendar/***.ics" in written and "GET /auth/reset/***" in written
    for secret in (calendar, "hemmelig-lenke-123", api_token):
        assert secret not in written


@pytest.mark.parametrize(
    "method, path, api, allowed",
    [
        ("post", "/auth/reset/{token}", False, 10),
        ("post", "/auth/forgot", False, 3),  # each one an email to the address
        ("post", "/profile/tokens", False, 10),
        ("post", "/profile/calendar-token", False, 10),
        ("post", "/api/v1/me/calendar-token", True, 10),
    ],
)
def test_reset_and_token_endpoints_are_rate_limited(
    client, make_member, method, path, api, allowed
):
    member = make_member()
    headers = {}
    if api:
        headers["Authorization"] = f"Bearer {issue_api_token(member, 'grense')}"
    else:
        sign_in(client, member)
    data = {} if api else {"csrf_token": csrf_token(client, "/profile"), "email": member.email}
    path = path.format(token="ugyldig")
    answers = [
        client.open(path, method=method, data=data, headers=headers).status_code
        for _ in range(allowed + 1)
    ]
    assert 429 not in answers[:allowed] and answers[allowed] == 429, answers
    limiter.reset()


def test_production_app_sets_secure_cookie_and_headers(app, make_member, monkeypatch):
    monkeypatch.setenv("ARENA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("BASE_URL", "https://arena.example.no")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    member = make_member(email="produksjon@example.no")
    production = create_app()
    client = production.test_client()
    base = "https://arena.example.no"

    page = client.get("/auth/login", base_url=base)
    for header in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "X-Frame-Options",
        "Strict-Transport-Security",
    ):
        assert page.headers.get(header), header
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
    signed_in = client.post(
        "/auth/login",
        data={"csrf_token": token, "email": member.email, "password": PASSWORD},
        base_url=base,
        headers={"Referer": f"{base}/auth/login"},  # over HTTPS, CSRF also checks the referrer
    )
    assert signed_in.status_code == 302
    cookie = next(c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    profile = client.get("/profile", base_url=base)
    assert profile.status_code == 200 and "no-store" in profile.headers["Cache-Control"]
    with production.app_context():
        db.engine.dispose()


def test_production_never_logs_an_unsent_email_body(app, monkeypatch, caplog, make_member):
    from arena.outbox import delivery
    from arena.outbox.messages import queue_email

    monkeypatch.setitem(app.config, "ARENA_ENV", "production")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    member = make_member(email="kari@example.no")
    queue_email(member, "account", "Nytt passord", "https://arena.example.no/auth/reset/hemmelig")
    db.session.commit()
    assert delivery.deliver_due().retried == 1
    assert "hemmelig" not in caplog.text
