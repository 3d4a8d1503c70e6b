"""Front page, health check, statements, security headers and error pages."""

import pytest

from arena import create_app
from arena.config import ConfigError


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy",
        "/accessibility",
        "/organisations",
        "/auth/login",
        "/auth/register",
        "/auth/forgot",
    ],
)
def test_public_pages_render_with_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert '<html lang="nb"' in response.get_data(as_text=True)


def test_front_page_tells_what_arena_is_for(client):
    html = client.get("/").get_data(as_text=True)
    assert "Regel 4" in html and "Regel 8" in html and "Regel 10" in html
    assert 'href="/privacy"' in html and 'href="/accessibility"' in html


def test_pages_have_no_inline_scripts(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/finnes-ikke")
    assert response.status_code == 404
    assert "Siden finnes ikke" in response.get_data(as_text=True)


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/finnes-ikke")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("ARENA_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_production_cookies_are_secure_behind_https(monkeypatch):
    monkeypatch.setenv("ARENA_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://arena.example.no")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_unknown_language_falls_back_to_bokmal(client):
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="nb"' in html


def test_make_run_serves_on_the_port_asked_for(tmp_path):
    """`PORT=... make run` sets up, seeds and serves there (5000 when not asked)."""
    import os
    import signal
    import subprocess
    import time
    import urllib.request

    from live import ROOT, free_port

    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as answer:  # noqa: S310
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, "make run stopped"
                assert time.monotonic() < deadline, "make run did not serve on PORT"
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_every_page_has_a_description_an_icon_and_no_duplicate_ids(client, make_member, login_as):
    import re
    from collections import Counter

    login_as(make_member())
    for path in ("/", "/profile", "/arenas", "/auth/register"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r'<meta name="description" content="[^"]{40,}">', html), path
        icon = client.get(re.search(r'<link rel="icon" href="([^"]+)"', html)[1])
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        icon.close()
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, n in ids.items() if n > 1] == [], path
        assert "aria-required" not in html
        # A required menu must offer an empty first choice; one that always has a value is not
        # marked required.
        for select in re.findall(r"<select[^>]*required[^>]*>.*?</select>", html, re.S):
            first = re.search(r'<option[^>]*value="([^"]*)"', select)[1]
            assert first == "", select[:200]
    assert client.get("/favicon.ico").status_code == 301
