"""Injection: every payload of tests/data/injection.txt (script tags, attribute breakouts,
javascript: URLs, template syntax, SQL, LIKE wildcards, CRLF for header and iCal injection) is
entered in every text field, then read back as HTML, JSON, Atom and iCal: inert everywhere, and
the feeds still pass ical-check."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import sqlalchemy as sa
from conftest import body_of, csrf_token, sign_in
from test_calendar import ical_check

from arena.accounts.models import Member
from arena.accounts.services import issue_api_token
from arena.declaration.services import sign_declaration
from arena.extensions import db
from arena.lines import has_line_break, one_line

PAYLOADS = [
    line.replace("\\r", "\r").replace("\\n", "\n")
    for line in (Path(__file__).parent / "data" / "injection.txt").read_text().splitlines()
    if line and not line.startswith("#")
]
# What must never appear in a page: markup or a link the payloads would have brought along.
LIVE_MARKUP = re.compile(
    r"<script>alert|<img src=x|<svg onload|<a\b[^>]*\bhref\s*=\s*[\"']?\s*javascript:"
    r"|</title><script",
    re.IGNORECASE,
)


def enter_everywhere(client, world, smtp_server) -> dict:
    """Each payload in each text field, through the API and the forms; returns what was made."""
    api = {"Authorization": f"Bearer {issue_api_token(world['owner'], 'injeksjon')}"}
    made = {"initiatives": [], "arenas": [], "meetings": 0}
    sign_in(client, world["owner"])
    token = csrf_token(client)
    for n, payload in enumerate(PAYLOADS):
        response = client.patch(
            "/api/v1/me",
            json={"title": payload, "bio": payload, "ask_me_about": payload},
            headers=api,
        )
        assert response.status_code in (200, 422), response.get_json()
        # One-line fields refuse line breaks; the payload goes on, joined, in them and whole in
        # the fields of many lines.
        title = one_line(payload)
        if has_line_break(payload):
            response = client.post(
                "/api/v1/initiatives", json={"title": payload, "summary": "x"}, headers=api
            )
            assert response.status_code == 422 and "title" in response.get_json()["error"]["fields"]
        response = client.post(
            "/api/v1/initiatives",
            json={"title": title, "summary": payload, "description": payload},
            headers=api,
        )
        assert response.status_code == 201, (payload, response.get_json())
        initiative = response.get_json()
        assert initiative["title"] == title.strip()  # stored as text, given back as text
        made["initiatives"].append(initiative["id"])
        response = client.post(
            f"/initiatives/{initiative['id']}/updates", data={"csrf_token": token, "body": payload}
        )
        assert response.status_code == 302
        response = client.post(
            "/api/v1/arenas",
            json={"name": f"{title} {n}", "purpose": payload, "cadence": "monthly"},
            headers=api,
        )
        assert response.status_code == 201, (payload, response.get_json())
        slug = response.get_json()["slug"]
        made["arenas"].append(slug)
        response = client.post(
            f"/api/v1/arenas/{slug}/meetings",
            json={
                "title": title,
                "description": payload,
                "location": title,
                "starts_at": f"2027-04-{n + 1:02d}T09:00",
            },
            headers=api,
        )
        assert response.status_code == 201, (payload, response.get_json())
        made["meetings"] += 1
    # A name that tries to add a mail header, and a contact request with the payloads.
    world["owner"].name = "Kari\r\nBcc: angriper@example.com"
    db.session.commit()
    for payload in PAYLOADS[:3] + [p for p in PAYLOADS if "\r\n" in p]:
        response = client.post(
            f"/members/{world['other'].id}/contact",
            data={"csrf_token": token, "subject": payload, "message": payload},
        )
        assert response.status_code in (200, 302)
    return made


def test_payloads_are_inert_in_html_json_atom_and_ical(client, world, smtp_server, tmp_path):
    made = enter_everywhere(client, world, smtp_server)
    owner = world["owner"]

    pages = ["/initiatives", "/arenas", f"/members/{owner.id}", "/profile", "/overview"]
    pages += [f"/initiatives/{i}" for i in made["initiatives"]]
    pages += [f"/arenas/{slug}" for slug in made["arenas"]]
    pages += [f"/experts?q={p[:60]}" for p in PAYLOADS] + [f"/initiatives?q={p}" for p in PAYLOADS]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        assert not LIVE_MARKUP.search(html), (page, LIVE_MARKUP.search(html).group())
    # Template syntax is shown as typed, never evaluated.
    template_payload = PAYLOADS.index("{{ 7*7 }} {% raw %}")
    page = client.get(f"/initiatives/{made['initiatives'][template_payload]}").text
    assert "{{ 7*7 }} {% raw %}" in page

    # Atom: well-formed XML whose titles are the payloads as text, never elements.
    atom = client.get("/initiatives.atom").data
    tree = ET.fromstring(atom)  # noqa: S314 - our own feed, parsed to check it
    assert not [e for e in tree.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "img", "svg")]
    titles = {e.text for e in tree.iter("{http://www.w3.org/2005/Atom}title")}
    assert "<script>alert('xss')</script>" in titles

    # iCal: no payload starts a line of its own; every feed passes the seven consumers.
    feed = client.get("/calendar/all.ics").data
    lines = feed.decode().split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "X-INJECTED"))]
    assert sum(line == "BEGIN:VEVENT" for line in lines) == made["meetings"] + 1  # + the world's
    assert sum(line.startswith("SUMMARY:Falsk") for line in lines) == 0
    ical_check(tmp_path, feed)

    # SQL: the payloads were data, never statements.
    assert db.session.scalar(sa.select(sa.func.count(Member.id))) >= 3

    # Mail: a CR/LF in a name or subject never becomes a header.
    assert smtp_server, "the contact requests were not sent"
    for mail in smtp_server:
        assert mail["Bcc"] is None and "angriper" not in mail["To"]
        assert "\n" not in mail["Subject"] and "\r" not in (mail["Reply-To"] or "")
        assert body_of(mail)


def test_like_wildcards_match_only_themselves(client, world):
    sign_declaration(world["other"], True)
    for wildcard in ("%", "_", "%_%", "\\%"):
        page = client.get(f"/ambassadors?q={wildcard}").get_data(as_text=True)
        assert world["other"].name not in page, wildcard
    assert world["other"].name in client.get("/ambassadors").get_data(as_text=True)
