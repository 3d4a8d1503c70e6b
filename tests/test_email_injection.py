"""Arena's emails carrying an attacker's words and links: a name with line breaks that starts a
paragraph of its own («Din Microsoft 365-konto er låst. Lås den opp her: https://evil...»), and
an HTML part that made a link of a «Label: URL» line. One-line fields refuse line breaks in
forms, the API and imports; the HTML part links only Arena's own addresses; what a member wrote
stands apart as a quotation in both parts."""

import pytest
import sqlalchemy as sa
from conftest import body_of

from arena.accounts.models import Member
from arena.accounts.services import issue_api_token
from arena.expertise import importer
from arena.expertise.models import ContactRequest
from arena.extensions import db

PHISH = "Ola\r\n\r\nDin Microsoft 365-konto er låst. Lås den opp her: https://evil.example/o365"


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_registration_refuses_a_name_with_line_breaks_and_sends_nothing(
    client, post_form, make_organisation, smtp_server
):
    org = make_organisation("Skien kommune")
    answer = post_form(
        "/auth/register",
        {"email": "ola@example.no", "name": PHISH, "organisation_id": str(org.id)},
        token_from="/auth/register",
    )
    assert answer.status_code == 200
    assert "Skal stå på én linje, uten linjeskift." in answer.get_data(as_text=True)
    assert count(Member) == 0 and len(smtp_server) == 0


def test_the_profile_form_and_the_api_refuse_line_breaks_in_names(
    client, post_form, make_member, login_as
):
    member = login_as(make_member(name="Ola Nordmann"))
    page = post_form("/profile", {"name": PHISH, "preferred_language": "nb"}, token_from="/profile")
    assert page.status_code == 200 and "uten linjeskift" in page.get_data(as_text=True)
    token = issue_api_token(member, "skript")
    for field in ("name", "title", "phone"):
        answer = client.patch("/api/v1/me", json={field: "Ola\nNordmann"}, headers=bearer(token))
        assert answer.status_code == 422, field
        assert field in answer.get_json()["error"]["fields"]
    db.session.refresh(member)
    assert member.name == "Ola Nordmann"


def test_an_import_with_a_line_break_in_a_name_writes_nothing(make_organisation):
    make_organisation("Skien kommune")
    content = (
        ",".join(importer.HEADER) + "\n" + f'ola@skien.kommune.no,"{PHISH}",Skien kommune,,,,,\n'
    ).encode()
    report = importer.import_members(None, content)
    assert report.errors and "linjeskift" in report.errors[0][1]
    assert count(Member) == 0


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/initiatives", {"title": "Tiltak\nLås opp kontoen", "summary": "Kort"}),
        ("/api/v1/arenas", {"name": "Forum\r\nLås opp", "purpose": "", "kind": "forum"}),
    ],
)
def test_titles_and_names_from_the_api_refuse_line_breaks(client, make_member, path, body):
    token = issue_api_token(make_member(), "skript")
    answer = client.post(path, json=body, headers=bearer(token))
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) & {"title", "name"}


def test_a_contact_request_is_quoted_and_its_links_are_not_made_links(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member(name="Ekspert Eva")
    sender = login_as(make_member(name="Spør Sara"))
    page = f"/members/{expert.id}/contact"
    message = "Hei!\n\nKontoen din er låst. Lås den opp her: https://evil.example/o365"
    assert (
        post_form(page, {"subject": "Hei", "message": message}, token_from=page).status_code == 302
    )
    (mail,) = smtp_server
    text, html = body_of(mail), html_of(mail)
    assert "> Kontoen din er låst. Lås den opp her: https://evil.example/o365" in text
    assert 'href="https://evil.example' not in html
    quote = html[html.index("<blockquote") : html.index("</blockquote>")]
    assert "https://evil.example/o365" in quote  # shown as text, inside the quotation
    assert f'href="http://localhost/members/{sender.id}"' in html  # Arena's own link stays
    assert count(ContactRequest) == 1


def test_a_contact_request_subject_with_line_breaks_is_refused(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member()
    login_as(make_member())
    page = f"/members/{expert.id}/contact"
    answer = post_form(page, {"subject": "Hei\nLås opp", "message": "Hei"}, token_from=page)
    assert answer.status_code == 200 and "uten linjeskift" in answer.get_data(as_text=True)
    assert len(smtp_server) == 0 and count(ContactRequest) == 0
