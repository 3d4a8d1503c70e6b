"""The initiatives API: listing with filters and next links, create, read, patch, delete."""

import sqlalchemy as sa

from arena.accounts.services import issue_api_token
from arena.extensions import db
from arena.initiatives import services
from arena.initiatives.models import Initiative
from arena.initiatives.services import InitiativeInput


def auth(member):
    return {"Authorization": f"Bearer {issue_api_token(member, 'test')}"}


def test_list_paginates_with_next_links_and_filters(client, make_member):
    member = make_member()
    for n in range(5):
        services.create_initiative(
            member,
            InitiativeInput(
                title=f"Hydrogen {n}", summary="S", status="ongoing" if n % 2 else "idea"
            ),
        )
    headers = auth(member)
    body = client.get("/api/v1/initiatives?per_page=2", headers=headers).get_json()
    assert body["total"] == 5 and len(body["results"]) == 2
    seen = [r["id"] for r in body["results"]]
    while body["next"]:
        body = client.get(body["next"], headers=headers).get_json()
        seen += [r["id"] for r in body["results"]]
    assert len(set(seen)) == 5
    body = client.get("/api/v1/initiatives?status=ongoing&q=hydrogen", headers=headers).get_json()
    assert body["total"] == 2 and all(r["status"] == "ongoing" for r in body["results"])
    response = client.get("/api/v1/initiatives?theme=finnes-ikke", headers=headers)
    assert response.status_code == 422 and "theme" in response.get_json()["error"]["fields"]


def test_create_read_patch_delete(client, make_member, make_organisation):
    usn = make_organisation("USN", kind="akademia")
    member = make_member()
    headers = auth(member)
    response = client.post(
        "/api/v1/initiatives",
        headers=headers,
        json={
            "title": "Felles innkjøp",
            "summary": "Samordnet",
            "status": "planned",
            "partners": [usn.slug],
            "municipalities": ["4003"],
            "starts_on": "2027-01-01",
            "links": [{"url": "https://example.no", "label": "Side"}],
        },
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["partners"] == []  # USN's own word is still missing
    usn_ref = {"slug": "usn", "name": "USN"}
    assert created["proposed"] == [{"organisation": usn_ref, "role": "partner"}]
    assert created["municipalities"] == [{"number": "4003", "name": "Skien"}]
    assert created["contact"]["email"] == member.email

    path = f"/api/v1/initiatives/{created['id']}"
    assert client.get(path, headers=headers).get_json()["title"] == "Felles innkjøp"
    patched = client.patch(path, headers=headers, json={"status": "ongoing", "version": 1})
    assert patched.status_code == 200
    assert patched.get_json()["status"] == "ongoing"
    assert patched.get_json()["partners"] == created["partners"]  # untouched fields stay
    stale = client.patch(path, headers=headers, json={"title": "Gammel", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    assert client.delete(path, headers=headers).status_code == 204
    assert client.get(path, headers=headers).status_code == 404


def test_bad_json_input_gives_json_errors_and_writes_nothing(client, make_member):
    headers = auth(make_member())
    cases = [
        ({"title": "", "summary": "S"}, 422, "title"),
        ({"title": "T", "summary": "S", "status": "done"}, 422, "status"),
        ({"title": "T", "summary": "S", "partners": ["finnes-ikke"]}, 422, "partners"),
        ({"title": "T", "summary": "S", "partners": "usn"}, 422, "partners"),
        ({"title": "T", "summary": "S", "starts_on": "i morgen"}, 422, "starts_on"),
        (
            {"title": "T", "summary": "S", "starts_on": "2027-05-01", "ends_on": "2027-04-01"},
            422,
            "ends_on",
        ),
        ({"title": 5, "summary": "S"}, 422, "title"),
        ({"title": "T", "summary": "S", "is_public": "ja"}, 422, "is_public"),
        (
            {"title": "T", "summary": "S", "links": [{"url": "javascript:alert(1)"}]},
            422,
            "links.0.url",
        ),
        ({"title": "T", "summary": "S", "owner": "meg"}, 422, "owner"),
    ]
    for body, status, field in cases:
        response = client.post("/api/v1/initiatives", headers=headers, json=body)
        assert response.status_code == status, body
        assert field in response.get_json()["error"]["fields"], body
    response = client.post(
        "/api/v1/initiatives", headers={**headers, "Content-Type": "application/json"}, data="{oops"
    )
    assert response.status_code == 400
    response = client.post("/api/v1/initiatives", headers=headers, data="title=x")
    assert response.status_code == 415
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0


def test_the_next_page_keeps_the_language_and_the_filters(client, make_member):
    member = make_member()
    for n in range(3):
        services.create_initiative(member, InitiativeInput(title=f"Vind {n}", summary="S"))
    body = client.get(
        "/api/v1/initiatives?per_page=2&status=idea&lang=nn", headers=auth(member)
    ).get_json()
    assert "lang=nn" in body["next"] and "status=idea" in body["next"]
    assert "page=2" in body["next"] and "per_page=2" in body["next"]
