"""Personal API tokens (page and CLI), bearer authentication, JSON errors, the OpenAPI document."""

import re

import sqlalchemy as sa

from arena.accounts.models import ApiToken
from arena.accounts.services import hash_token, issue_api_token
from arena.extensions import db


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_page_creates_a_token_shown_once_and_stored_hashed(
    client, post_form, make_member, login_as
):
    member = login_as(make_member())
    response = post_form("/profile/tokens", {"name": "Power BI"}, token_from="/profile/tokens")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == hash_token(secret) and secret not in stored.token_hash
    assert len(secret) >= 43  # 256 bits, url-safe base64
    # Shown once only.
    assert secret not in client.get("/profile/tokens").get_data(as_text=True)

    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.get_json()["email"] == member.email
    db.session.refresh(stored)
    assert stored.last_used_at is not None


def test_revoked_token_stops_working(client, post_form, make_member, login_as):
    member = login_as(make_member())
    secret = issue_api_token(member, "Skript")
    token = db.session.scalar(sa.select(ApiToken))
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    response = post_form(f"/profile/tokens/{token.id}/revoke", token_from="/profile/tokens")
    assert response.status_code == 302
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_member_cannot_revoke_someone_elses_token(client, post_form, make_member, login_as):
    owner = make_member()
    issue_api_token(owner, "Eierens")
    token = db.session.scalar(sa.select(ApiToken))
    login_as(make_member())
    response = post_form(f"/profile/tokens/{token.id}/revoke", token_from="/profile/tokens")
    assert response.status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None


def test_token_name_is_required_and_bounded(client, post_form, make_member, login_as):
    login_as(make_member())
    for name, message in [("", "Må fylles ut"), ("x" * 101, "Kan ikke være lengre enn 100")]:
        response = post_form("/profile/tokens", {"name": name}, token_from="/profile/tokens")
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_missing_malformed_or_unknown_tokens_get_json_401(client, make_member):
    member = make_member()
    deactivated = make_member(active=False)
    dead_secret = issue_api_token(deactivated, "x")
    for headers in [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer arena_not-a-real-token"},
        {"Authorization": "Bearer " + "x" * 5000},
        bearer(dead_secret),
    ]:
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        body = response.get_json()
        assert set(body["error"]) == {"code", "message", "fields"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert member.active


def test_api_ignores_session_cookies(client, make_member, login_as):
    login_as(make_member())
    assert client.get("/api/v1/me").status_code == 401


def test_organisations_api_lists_approved_organisations(client, make_member, make_organisation):
    skien = make_organisation("Skien kommune", kind="kommune", municipality="Skien")
    make_organisation("USN", kind="akademia")
    make_organisation("Ventende AS", approved=False)
    member = make_member(org=skien)
    secret = issue_api_token(member, "test")
    body = client.get("/api/v1/organisations", headers=bearer(secret)).get_json()
    names = [o["name"] for o in body["results"]]
    assert names == ["Skien kommune", "USN"]
    assert body["results"][0]["municipality"] == {"number": "4003", "name": "Skien"}
    assert body["results"][0]["member_count"] == 1

    body = client.get("/api/v1/organisations?kind=akademia", headers=bearer(secret)).get_json()
    assert [o["name"] for o in body["results"]] == ["USN"]

    response = client.get("/api/v1/organisations?kind=bogus", headers=bearer(secret))
    assert response.status_code == 422
    assert "kind" in response.get_json()["error"]["fields"]


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from OpenAPI"


def test_create_token_cli_prints_a_working_token(client, runner, make_member):
    member = make_member(email="ola@nome.kommune.no")
    result = runner.invoke(args=["create-token", "OLA@nome.kommune.no", "--name", "Intranett"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.get_json()["id"] == member.id
    assert db.session.scalar(sa.select(ApiToken.name)) == "Intranett"

    result = runner.invoke(args=["create-token", "ingen@example.no"])
    assert result.exit_code == 1 and "No member" in result.output


def test_patch_me_changes_own_profile(client, make_member):
    member = make_member(name="Gammelt Navn")
    secret = issue_api_token(member, "test")
    change = {"title": "Seniorrådgiver", "preferred_language": "nn"}
    response = client.patch("/api/v1/me", json=change, headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["title"] == "Seniorrådgiver"
    db.session.refresh(member)
    assert member.preferred_language == "nn" and member.name == "Gammelt Navn"


def test_patch_me_rejects_bad_input_and_writes_nothing(client, make_member):
    member = make_member(name="Gammelt Navn")
    secret = issue_api_token(member, "test")
    headers = {**bearer(secret), "Content-Type": "application/json"}
    cases = [
        (dict(data="{not json", headers=headers), 400, "bad_request"),
        (dict(data="[1, 2]", headers=headers), 400, "bad_request"),
        (
            dict(data="name=x", headers={**bearer(secret), "Content-Type": "text/plain"}),
            415,
            "unsupported_media_type",
        ),
        (dict(json={"name": "x" * 121}, headers=bearer(secret)), 422, "validation_failed"),
        (dict(json={"name": ""}, headers=bearer(secret)), 422, "validation_failed"),
        (dict(json={"name": 42}, headers=bearer(secret)), 422, "validation_failed"),
        (dict(json={"is_admin": True}, headers=bearer(secret)), 422, "validation_failed"),
        (dict(json={"preferred_language": "de"}, headers=bearer(secret)), 422, "validation_failed"),
    ]
    for kwargs, status, code in cases:
        response = client.patch("/api/v1/me", **kwargs)
        assert response.status_code == status, kwargs
        error = response.get_json()["error"]
        assert error["code"] == code, kwargs
        assert error["message"]
    db.session.refresh(member)
    assert member.name == "Gammelt Navn" and not member.is_admin


def test_the_same_mistake_gets_the_same_answer_everywhere(client, make_member):
    """400 for a body that is not JSON, 415 for another type, 422 for a refused field, 405 with
    Allow: one envelope, in the caller's language."""
    headers = bearer(issue_api_token(make_member(), "feil"))
    for path in ("/api/v1/arenas", "/api/v1/initiatives"):
        response = client.post(path, data="{oops", headers=headers, content_type="application/json")
        assert response.status_code == 400, path
        response = client.post(path, data="name=x", headers=headers)
        assert response.status_code == 415, path
        for answer in (
            client.post(path, json={"name": 5, "title": 5}, headers=headers),
            client.get(f"{path}?per_page=0", headers=headers),
            client.get(f"{path}?kind=ukjent&per_page=banan", headers=headers),
        ):
            error = answer.get_json()["error"]
            assert answer.status_code == 422, (path, error)
            assert error["code"] == "validation_failed" and error["fields"], (path, error)
    answer = client.get("/api/v1/organisations?kind=ukjent&lang=en", headers=headers)
    assert answer.get_json()["error"]["message"] == "The request has errors."
    assert answer.get_json()["error"]["fields"]["kind"].startswith("Unknown value.")
    answer = client.put("/api/v1/arenas?lang=nn", headers=headers)
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert answer.get_json()["error"]["code"] == "method_not_allowed"
    assert answer.get_json()["error"]["message"] == "Denne handlinga er ikkje tillaten her."


def test_dates_in_a_query_are_written_as_dates(client, make_member):
    """«from=0» is not 1 January 1970: a date in the URL is YYYY-MM-DD or a 422 naming it."""
    member = make_member()
    headers = {"Authorization": f"Bearer {issue_api_token(member, 'test')}"}
    for path in ("/api/v1/initiatives", "/api/v1/network"):
        for value in ("0", "1.5", "20270101", "2027-1-1"):
            answer = client.get(f"{path}?from={value}", headers=headers)
            assert answer.status_code == 422, (path, value)
            assert "from" in answer.get_json()["error"]["fields"]
        assert client.get(f"{path}?from=2027-01-01", headers=headers).status_code == 200
