"""The smaller attacks of the last round, each performed first: dates past what Arena supports,
malformed JSON bodies, and parallel posts against a daily limit."""

import threading

import pytest
import sqlalchemy as sa

from arena.accounts.services import issue_api_token
from arena.expertise.models import ContactRequest
from arena.extensions import db


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
@pytest.mark.parametrize("path", ["/network", "/initiatives"])
def test_pages_with_a_date_past_the_supported_years_name_it_and_do_not_fail(client, path, value):
    for key in ("from", "to"):
        answer = client.get(path, query_string={key: value})
        assert answer.status_code == 200, (key, answer.status_code)
        assert value in answer.get_data(as_text=True)  # named as a filter left out


@pytest.mark.parametrize("path", ["/api/v1/network", "/api/v1/initiatives"])
def test_the_api_refuses_a_date_past_the_supported_years_with_a_422(client, make_member, path):
    token = issue_api_token(make_member(), "skript")
    for key in ("from", "to"):
        answer = client.get(path, query_string={key: "9999-12-31"}, headers=bearer(token))
        assert answer.status_code == 422
        assert key in answer.get_json()["error"]["fields"]
    fine = client.get(path, query_string={"to": "2199-12-31"}, headers=bearer(token))
    assert fine.status_code == 200


def test_the_openapi_document_states_the_supported_dates(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = document["paths"]["/network"]["get"]["parameters"]
    (to,) = [p for p in parameters if p["name"] == "to"]
    assert "1900-01-01 to 2199-12-31" in to["description"]


def test_a_new_initiative_dated_past_the_supported_years_is_a_422(client, make_member):
    token = issue_api_token(make_member(), "skript")
    body = {"title": "Tiltak", "summary": "Kort", "ends_on": "9999-12-31"}
    answer = client.post("/api/v1/initiatives", json=body, headers=bearer(token))
    assert answer.status_code == 422 and "ends_on" in answer.get_json()["error"]["fields"]


def test_invalid_utf8_in_a_json_body_is_refused_with_a_400(client, make_member):
    member = make_member(name="Ola Nordmann")
    token = issue_api_token(member, "skript")
    answer = client.patch(
        "/api/v1/me",
        data=b'{"name": "Ola \xff\xfe Nordmann"}',
        headers=bearer(token) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "bad_request"
    db.session.refresh(member)
    assert member.name == "Ola Nordmann"


def test_parallel_contact_requests_never_pass_the_daily_limit(app, make_member, smtp_server):
    """Thirty posts at once from one member: ten are stored and sent, never more."""
    from arena.expertise.contacts import CONTACTS_PER_DAY, send_contact_request

    expert_id = make_member().id
    sender_id = make_member().id
    outcomes = []

    def post(n):
        with app.app_context():
            from arena.accounts.models import Member

            sender, expert = db.session.get(Member, sender_id), db.session.get(Member, expert_id)
            try:
                send_contact_request(sender, expert, f"Nr {n}", "Hei", "http://localhost/x")
                outcomes.append("sent")
            except Exception as error:  # noqa: BLE001 - the refusal is what is counted
                outcomes.append(type(error).__name__)
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(ContactRequest))
    assert stored == CONTACTS_PER_DAY and outcomes.count("sent") == CONTACTS_PER_DAY
    assert len(smtp_server) == CONTACTS_PER_DAY


def test_the_documented_years_are_the_supported_ones():
    import re

    from arena.api.declare import SUPPORTED_YEARS
    from arena.dates import FIRST_YEAR, LAST_YEAR

    pattern = re.compile(SUPPORTED_YEARS)
    for year in range(1, 10_000):
        documented = pattern.match(f"{year:04d}-01-01") is not None
        assert documented == (FIRST_YEAR <= year <= LAST_YEAR), year


def test_a_proposed_field_waits_for_approval_outside_its_proposer_and_admins(
    client, make_member, login_as
):
    """Anyone could propose «Ring meg på 99 99 99 99» and have it shown as Arena's vocabulary."""
    from arena.expertise import services as expertise

    proposer = make_member(name="Foreslår Frida")
    stranger = make_member(name="Fremmed Finn")
    admin = make_member(is_admin=True)
    area = expertise.propose_area(proposer, "Tangoundervisning")
    expertise.set_expertise(proposer, proposer, area, 2)
    assert not area.approved
    page = f"/areas/{area.slug}"
    assert client.get(page).status_code == 404  # anonymous
    for reader, status in ((stranger, 404), (proposer, 200), (admin, 200)):
        login_as(reader)
        assert client.get(page).status_code == status, reader.name
        api = client.get(
            "/api/v1/expertise-areas",
            query_string={"q": "tango"},
            headers=bearer(issue_api_token(reader, "skript")),
        ).get_json()["results"]
        assert (area.slug in [a["slug"] for a in api]) == (status == 200), reader.name
    # The finder still finds the proposer by the words they typed.
    login_as(stranger)
    assert "Foreslår Frida" in client.get("/experts?q=tangoundervisning").get_data(as_text=True)
