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


@pytest.mark.database_free
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
        last_words = {command[-1] for command in _commands_in_group(server.pid) if command}
        assert "worker" in last_words, "make run started no worker"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _commands_in_group(group: int) -> list[list[str]]:
    """The command lines of the processes in a process group (Linux /proc)."""
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if entry.name.isdigit() and int(fields[2]) == group:
                found.append((entry / "cmdline").read_text().split("\0")[:-1])
        except (OSError, IndexError, ValueError):
            continue
    return found


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


def test_pages_styles_and_feeds_go_out_compressed_and_static_files_are_kept_a_year(
    client, make_member
):
    import gzip
    import re

    import brotli

    from arena.arenas import services as arenas
    from arena.arenas.services import ArenaInput

    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    html = brotli.decompress(page.data).decode()
    assert "<html" in html
    for name in ("designsystemet.css", "arena.css"):
        url = re.search(rf'href="([^"]*{name}\?v=[0-9a-f]{{12}})"', html)[1]
        style = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert "max-age=31536000" in style.headers["Cache-Control"]
        assert style.headers["Content-Encoding"] == "gzip"
        assert len(gzip.decompress(style.data)) > 3 * len(style.data)

    arenas.create_arena(make_member(), ArenaInput(name="Planforum"))
    plain = client.get("/calendar/all.ics")
    packed = client.get("/calendar/all.ics", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/calendar/all.ics",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304 and again.headers["ETag"] == packed.headers["ETag"]


def test_the_styles_served_cover_every_designsystemet_class_the_templates_use():
    import importlib.util

    from live import ROOT

    spec = importlib.util.spec_from_file_location("css", ROOT / "scripts" / "designsystemet_css.py")
    css = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(css)
    served = (ROOT / "static" / "vendor" / "designsystemet.css").read_text()
    assert served == css.build()
    assert css.missing_components(served) == []


def test_mail_server_written_as_host_and_port_is_where_the_email_goes(
    app, monkeypatch, make_member, smtp_server
):
    """MAIL_SERVER=host:port once sent to port 25 of a host named «host:port»; now the port is
    read, and a port that disagrees with MAIL_PORT stops the start."""
    from arena.config import Config
    from arena.extensions import db
    from arena.outbox.messages import queue_email

    port = app.config["MAIL_PORT"]
    monkeypatch.setenv("MAIL_SERVER", f"127.0.0.1:{port}")
    monkeypatch.delenv("MAIL_PORT", raising=False)
    config = Config()
    monkeypatch.setitem(app.config, "MAIL_SERVER", config.MAIL_SERVER)
    monkeypatch.setitem(app.config, "MAIL_PORT", config.MAIL_PORT)
    member = make_member(email="kari@example.no")
    queue_email(member, "account", "Hei", "Via host:port")
    db.session.commit()
    assert [m["Subject"] for m in smtp_server] == ["Hei"]

    monkeypatch.setenv("MAIL_PORT", str(port + 1))
    with pytest.raises(ConfigError, match="keep one"):
        Config()
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.no:smtp")
    monkeypatch.delenv("MAIL_PORT")
    with pytest.raises(ConfigError, match="must be a number"):
        Config()
