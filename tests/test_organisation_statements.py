"""A member naming another organisation (rule 4's facts): a Porsgrunn member registers an
initiative with Skagerak Energi as lead and ticks «prioritert». Skagerak never said so: until one
of its verified members accepts, the page says «foreslått», and the counts, the priority filter,
the map and the API leave it out; its contacts are asked by email and on the front page."""

import re

import pytest
import sqlalchemy as sa
from conftest import body_of, csrf_token, to_of

from arena.accounts.services import issue_api_token
from arena.extensions import db
from arena.initiatives import services as initiatives
from arena.initiatives.models import Initiative, OrganisationProposal
from arena.initiatives.services import InitiativeInput


@pytest.fixture
def grenland(make_member, make_organisation):
    porsgrunn = make_organisation(name="Porsgrunn kommune")
    skagerak = make_organisation(name="Skagerak Energi", kind="naeringsliv")
    usn = make_organisation(name="USN", kind="akademia")
    return {
        "porsgrunn": porsgrunn,
        "skagerak": skagerak,
        "usn": usn,
        "ola": make_member(org=porsgrunn, name="Ola Porsgrunn", email="ola@porsgrunn.no"),
        "kontakt": make_member(
            org=skagerak,
            name="Siri Skagerak",
            email="siri@skagerak.no",
            is_organisation_contact=True,
        ),
        "ansatt": make_member(org=skagerak, name="Per Skagerak", email="per@skagerak.no"),
        "ny": make_member(org=skagerak, email="ny@skagerak.no", verified=False),
        "forsker": make_member(org=usn, name="Una USN", email="una@usn.no"),
    }


def forged(people, **fields) -> Initiative:
    data = {
        "title": "Grønt hydrogen",
        "summary": "Produksjon i Herøya",
        "lead_organisation_id": people["skagerak"].id,
        "is_priority": True,
        "partner_ids": [people["usn"].id],
    }
    return initiatives.create_initiative(people["ola"], InitiativeInput(**data | fields))


def test_naming_another_organisation_lead_and_priority_is_only_a_proposal(
    client, grenland, login_as, smtp_server
):
    initiative = forged(grenland)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Prioritert av Skagerak Energi" not in page
    assert re.search(r"Foreslått ansvarlig</dt><dd>Skagerak Energi", page)
    assert re.search(r"Leder</dt><dd><a[^>]*>Porsgrunn kommune</a>", page)
    assert re.search(r"Foreslått partner</dt><dd>USN", page)
    # Counts, filters, the map and the API: only what the organisations said.
    listed = client.get("/initiatives?priority=1").get_data(as_text=True)
    assert "Grønt hydrogen" not in listed
    by_skagerak = client.get("/initiatives?organisation=skagerak-energi").get_data(as_text=True)
    assert "Grønt hydrogen" not in by_skagerak
    network = client.get("/api/v1/network", headers=bearer(grenland["ola"])).get_json()
    assert network["links"] == []
    answer = client.get(f"/api/v1/initiatives/{initiative.id}", headers=bearer(grenland["ola"]))
    shown = answer.get_json()
    assert shown["lead_organisation"]["slug"] == "porsgrunn-kommune" and not shown["is_priority"]
    assert {(p["organisation"]["slug"], p["role"]) for p in shown["proposed"]} == {
        ("skagerak-energi", "lead"),
        ("usn", "partner"),
    }
    # Skagerak's contact and USN's member (no contact there) are asked by email.
    assert sorted(to_of(m) for m in smtp_server) == ["siri@skagerak.no", "una@usn.no"]
    (asked,) = [m for m in smtp_server if to_of(m) == "siri@skagerak.no"]
    assert "Ola Porsgrunn" in body_of(asked) and "å lede initiativet og ha det blant" in body_of(
        asked
    )
    assert f"http://localhost/initiatives/{initiative.id}#proposals" in body_of(asked)


def test_a_verified_member_of_the_organisation_accepts_and_then_it_counts(
    client, grenland, login_as, smtp_server
):
    initiative = forged(grenland)
    login_as(grenland["ansatt"])
    front = client.get("/").get_data(as_text=True)
    assert "Er Skagerak Energi med på «Grønt hydrogen»?" in front
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    (lead,) = [p for p in initiative.proposals if p.role == "lead"]
    action = f"/initiatives/{initiative.id}/proposals/{lead.id}/accept"
    assert action in page
    assert client.post(action, data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    db.session.expire_all()
    assert initiative.lead_organisation == grenland["skagerak"] and initiative.is_priority
    # Porsgrunn asked Skagerak to lead: it stays on as a partner, by its own member's word.
    assert [o.name for o in initiative.partners] == ["Porsgrunn kommune"]
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Prioritert av Skagerak Energi" in page and "Foreslått ansvarlig" not in page
    assert "Grønt hydrogen" in client.get("/initiatives?priority=1").get_data(as_text=True)


def test_a_no_goes_back_to_the_proposer_and_changes_nothing(
    client, grenland, login_as, smtp_server
):
    initiative = forged(grenland)
    before = len(smtp_server)
    login_as(grenland["forsker"])
    (partner,) = initiative.proposed("partner")
    url = f"/initiatives/{initiative.id}/proposals/{partner.id}/decline"
    assert client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code == 302
    db.session.expire_all()
    assert initiative.partners == [] and not initiative.proposed("partner")
    (told,) = smtp_server[before:]
    assert to_of(told) == "ola@porsgrunn.no" and "USN sa nei" in told["Subject"]


@pytest.mark.parametrize("who", ["ny", "forsker", "ola"])
def test_only_a_verified_member_of_the_organisation_may_answer(client, grenland, login_as, who):
    initiative = forged(grenland)
    (lead,) = initiative.proposed("lead")
    login_as(grenland[who])
    url = f"/initiatives/{initiative.id}/proposals/{lead.id}/accept"
    assert client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code == 403
    db.session.expire_all()
    assert initiative.lead_organisation == grenland["porsgrunn"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationProposal)) == 2


def test_an_edit_that_leaves_them_alone_keeps_the_proposals_and_asks_once(
    client, grenland, smtp_server
):
    initiative = forged(grenland)
    asked = len(smtp_server)
    token = issue_api_token(grenland["ola"], "skript")
    answer = client.patch(
        f"/api/v1/initiatives/{initiative.id}",
        json={"title": "Grønt hydrogen på Herøya", "version": initiative.version},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert {p["role"] for p in answer.get_json()["proposed"]} == {"lead", "partner"}
    assert len(smtp_server) == asked
    # Taking USN off withdraws the question; that is no statement for USN.
    answer = client.patch(
        f"/api/v1/initiatives/{initiative.id}",
        json={"partners": [], "version": answer.get_json()["version"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [p["role"] for p in answer.get_json()["proposed"]] == ["lead"]


def test_an_admin_and_the_organisations_own_members_say_it_at_once(grenland, make_member):
    own = initiatives.create_initiative(
        grenland["ansatt"],
        InitiativeInput(title="Eget", summary="Vårt", is_priority=True),
    )
    assert own.lead_organisation == grenland["skagerak"] and own.is_priority
    admin = make_member(is_admin=True)
    set_by_admin = forged(grenland, title="Av admin")
    initiatives.update_initiative(
        admin,
        set_by_admin,
        InitiativeInput(
            title="Av admin",
            summary="x",
            lead_organisation_id=grenland["skagerak"].id,
            partner_ids=[grenland["usn"].id],
            is_priority=True,
        ),
        set_by_admin.version,
    )
    assert set_by_admin.lead_organisation == grenland["skagerak"] and set_by_admin.is_priority
    assert [o.name for o in set_by_admin.partners] == ["USN"] and set_by_admin.proposals == []


def bearer(member) -> dict:
    return {"Authorization": f"Bearer {issue_api_token(member, 'skript')}"}


def test_the_api_answers_for_the_organisation_as_the_page_does(client, grenland, smtp_server):
    initiative = forged(grenland)
    (lead,) = initiative.proposed("lead")
    (partner,) = initiative.proposed("partner")
    base = f"/api/v1/initiatives/{initiative.id}/proposals"
    refused = client.post(f"{base}/{lead.id}/accept", headers=bearer(grenland["forsker"]))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    accepted = client.post(f"{base}/{lead.id}/accept", headers=bearer(grenland["ansatt"]))
    assert accepted.status_code == 200
    shown = accepted.get_json()
    assert shown["lead_organisation"]["slug"] == "skagerak-energi" and shown["is_priority"]
    declined = client.post(f"{base}/{partner.id}/decline", headers=bearer(grenland["forsker"]))
    assert declined.status_code == 200 and declined.get_json()["proposed"] == []
    assert "usn" not in {p["slug"] for p in declined.get_json()["partners"]}
    gone = client.post(f"{base}/{partner.id}/accept", headers=bearer(grenland["forsker"]))
    assert gone.status_code == 404
