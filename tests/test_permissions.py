"""Every route that changes data, pages and API, tried anonymous, as a member of another
organisation, as the owner and as admin, with and without a CSRF token; a new route without an
entry in the matrix fails the suite."""

import pytest
import sqlalchemy as sa
from conftest import api_path, csrf_token, sign_in, snapshot

from arena.accounts.services import issue_api_token
from arena.extensions import db

# rule -> (path builder, form data, expected status as anonymous / member of another organisation
# / member of the owner's organisation not yet verified / owner / admin). Everyone acts on the
# owner's things: 302 after success (200 for a form shown again), 403 refused, "login" a redirect
# to the login form.
ROLES = ("anonymous", "other", "unverified", "owner", "admin")


def _answer_token(member_id: int, meeting_id: int) -> str:
    from arena.arenas import attendance

    answer = {"m": member_id, "t": meeting_id, "o": "2027-03-08T09:00:00", "a": "yes"}
    return attendance._serializer().dumps(answer)


MATRIX = {
    "/auth/login": (
        lambda w: "/auth/login",
        {"email": "x@y.no", "password": "feil-feil-feil"},
        (200, 200, 200, 200, 200),
    ),
    "/auth/logout": (lambda w: "/auth/logout", {}, (302, 302, 302, 302, 302)),
    "/auth/register": (lambda w: "/auth/register", {}, (200, 200, 200, 200, 200)),
    "/auth/forgot": (lambda w: "/auth/forgot", {"email": "x@y.no"}, (302, 302, 302, 302, 302)),
    "/auth/reset/<token>": (lambda w: "/auth/reset/ugyldig", {}, (400, 400, 400, 400, 400)),
    "/profile": (lambda w: "/profile", {"name": ""}, ("login", 200, 200, 200, 200)),
    "/profile/password": (lambda w: "/profile/password", {}, ("login", 422, 422, 422, 422)),
    "/profile/sessions/end": (lambda w: "/profile/sessions/end", {}, ("login", 302, 302, 302, 302)),
    "/profile/delete": (lambda w: "/profile/delete", {}, ("login", 200, 200, 200, 200)),
    # A link that is not the signed-in member's: refused (test_account_deletion has the rest).
    "/profile/delete/<token>": (
        lambda w: "/profile/delete/ugyldig",
        {},
        ("login", 302, 302, 302, 302),
    ),
    "/profile/tokens": (lambda w: "/profile/tokens", {"name": ""}, ("login", 200, 200, 200, 200)),
    "/profile/tokens/<int:token_id>/revoke": (
        lambda w: f"/profile/tokens/{w['token_id']}/revoke",
        {},
        ("login", 403, 403, 302, 403),
    ),
    "/declaration/sign": (
        lambda w: "/declaration/sign",
        {"public_consent": "y"},
        ("login", 302, 302, 302, 302),
    ),
    "/declaration/withdraw": (lambda w: "/declaration/withdraw", {}, ("login", 302, 302, 302, 302)),
    "/initiatives/new": (
        lambda w: "/initiatives/new",
        {"title": ""},
        ("login", 200, 403, 200, 200),
    ),
    "/initiatives/<int:initiative_id>/edit": (
        lambda w: f"/initiatives/{w['initiative']}/edit",
        lambda w: {
            "title": "Endret",
            "summary": "Endret",
            "status": "ongoing",
            "lead_organisation_id": str(w["owner_org"]),
            "version": "1",
        },
        ("login", 403, 403, 302, 302),
    ),
    # Asked of the other member's organisation: theirs (and an admin's) to answer.
    "/initiatives/<int:initiative_id>/proposals/<int:proposal_id>/<any(accept, decline):answer>": (
        lambda w: f"/initiatives/{w['initiative']}/proposals/{w['initiative_proposal']}/accept",
        {},
        ("login", 302, 403, 403, 302),
    ),
    "/initiatives/<int:initiative_id>/updates": (
        lambda w: f"/initiatives/{w['initiative']}/updates",
        {"body": "Nytt"},
        ("login", 403, 403, 302, 302),
    ),
    "/initiatives/<int:initiative_id>/confirm": (
        lambda w: f"/initiatives/{w['initiative']}/confirm",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/initiatives/<int:initiative_id>/delete": (
        lambda w: f"/initiatives/{w['initiative']}/delete",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/follow": (
        lambda w: "/follow",
        lambda w: {"kind": "initiative", "id": w["initiative"]},
        ("login", 302, 302, 302, 302),
    ),
    "/profile/expertise": (
        lambda w: "/profile/expertise",
        {"area": "", "level": "2"},
        ("login", 422, 422, 422, 422),
    ),
    "/profile/expertise/<int:area_id>": (
        lambda w: f"/profile/expertise/{w['area']}",
        {"level": "2"},
        ("login", 302, 302, 302, 302),
    ),
    "/profile/expertise/<int:area_id>/remove": (
        lambda w: f"/profile/expertise/{w['area']}/remove",
        {},
        ("login", 302, 302, 302, 302),
    ),
    "/profile/review": (lambda w: "/profile/review", {}, ("login", 302, 302, 302, 302)),
    "/members/<int:member_id>/contact": (
        lambda w: f"/members/{w['owner'].id}/contact",
        {"subject": ""},
        ("login", 200, 403, 200, 200),
    ),
    "/contact-requests/<int:request_id>/answered": (
        lambda w: f"/contact-requests/{w['contact_request']}/answered",
        {},
        ("login", 403, 403, 302, 403),
    ),
    "/admin/areas/<slug>/approve": (
        lambda w: "/admin/areas/foreslatt/approve",
        {},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/areas/<slug>/edit": (
        lambda w: "/admin/areas/foreslatt/edit",
        {"name": "Nytt navn"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/areas/<slug>/merge": (
        lambda w: "/admin/areas/foreslatt/merge",
        {"target": "godkjent"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/import": (lambda w: "/admin/import", {}, ("login", 403, 403, 403, 200)),
    "/profile/calendar-token": (
        lambda w: "/profile/calendar-token",
        {},
        ("login", 302, 302, 302, 302),
    ),
    "/arenas/new": (lambda w: "/arenas/new", {"name": ""}, ("login", 200, 403, 200, 200)),
    "/arenas/<slug>/edit": (
        lambda w: f"/arenas/{w['arena']}/edit",
        {"name": "Kapret", "kind": "forum", "visibility": "public"},
        ("login", 403, 403, 302, 302),
    ),
    "/arenas/<slug>/propose": (
        lambda w: f"/arenas/{w['arena']}/propose",
        {"role": "owner", "email": "annen@example.no"},
        ("login", 403, 403, 302, 302),
    ),
    "/proposals/<int:proposal_id>/accept": (
        lambda w: f"/proposals/{w['proposal']}/accept",
        {},
        ("login", 403, 403, 403, 403),
    ),
    "/proposals/<int:proposal_id>/decline": (
        lambda w: f"/proposals/{w['proposal']}/decline",
        {},
        ("login", 403, 403, 403, 403),
    ),
    "/proposals/<int:proposal_id>/withdraw": (
        lambda w: f"/proposals/{w['proposal']}/withdraw",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/arenas/<slug>/take-responsibility": (
        lambda w: f"/arenas/{w['arena']}/take-responsibility",
        {},
        ("login", 302, 403, 302, 302),
    ),
    "/arenas/<slug>/follow": (
        lambda w: f"/arenas/{w['arena']}/follow",
        {},
        ("login", 302, 302, 302, 302),
    ),
    "/arenas/<slug>/review": (
        lambda w: f"/arenas/{w['arena']}/review",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/arenas/<slug>/archive": (
        lambda w: f"/arenas/{w['arena']}/archive",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/arenas/<slug>/reopen": (
        lambda w: f"/arenas/{w['arena']}/reopen",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/arenas/<slug>/meetings/new": (
        lambda w: f"/arenas/{w['arena']}/meetings/new",
        {"title": "Nytt", "day": "2027-04-01", "start": "09:00", "repeat": "none"},
        ("login", 403, 403, 302, 302),
    ),
    "/meetings/<int:meeting_id>/edit": (
        lambda w: f"/meetings/{w['meeting']}/edit",
        {"title": "Endret", "day": "2027-03-01", "start": "10:00", "repeat": "none"},
        ("login", 403, 403, 302, 302),
    ),
    "/meetings/<int:meeting_id>/cancel": (
        lambda w: f"/meetings/{w['meeting']}/cancel",
        {},
        ("login", 403, 403, 302, 302),
    ),
    "/meetings/<int:meeting_id>/occurrence": (
        lambda w: f"/meetings/{w['meeting']}/occurrence",
        {"occurrence": "2027-03-08T09:00:00", "action": "cancel"},
        ("login", 403, 403, 302, 302),
    ),
    "/admin/members/<int:member_id>/admin": (
        lambda w: f"/admin/members/{w['owner'].id}/admin",
        {"value": "1"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/members/<int:member_id>/active": (
        lambda w: f"/admin/members/{w['owner'].id}/active",
        {"value": "0"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/organisations/new": (
        lambda w: "/admin/organisations/new",
        {"name": "Ny AS", "kind": "naeringsliv"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/organisations/<slug>/edit": (
        lambda w: f"/admin/organisations/{w['pending'].slug}/edit",
        {"name": "Endret AS", "kind": "naeringsliv"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/organisations/<slug>/approve": (
        lambda w: f"/admin/organisations/{w['pending'].slug}/approve",
        {},
        ("login", 403, 403, 403, 302),
    ),
    "/auth/confirm/<token>": (lambda w: "/auth/confirm/ugyldig", {}, (400, 400, 400, 400, 400)),
    "/memberships/<int:member_id>/<any(approve, refuse):answer>": (
        lambda w: f"/memberships/{w['unverified'].id}/approve",
        {},
        ("login", 403, 403, 403, 302),
    ),
    "/profile/membership": (
        lambda w: "/profile/membership",
        lambda w: {"membership-organisation_id": str(w["owner_org"])},
        ("login", 409, 302, 409, 409),
    ),
    "/admin/members/<int:member_id>/contact": (
        lambda w: f"/admin/members/{w['owner'].id}/contact",
        {"value": "1"},
        ("login", 403, 403, 403, 302),
    ),
    "/admin/organisations/<slug>/merge": (
        lambda w: f"/admin/organisations/{w['pending'].slug}/merge",
        {"target": "mal-as"},
        ("login", 403, 403, 403, 302),
    ),
    "/profile/notifications": (
        lambda w: "/profile/notifications",
        {
            "digest": "weekly",
            "initiative_updates": "digest",
            "competence_wanted": "digest",
            "contact_requests": "off",
            "role_proposals": "off",
            "meeting_changes": "immediately",
            "review_reminders": "off",
            "meeting_invitations": "on",
        },
        ("login", 302, 302, 302, 302),
    ),
    # Anyone signed in who may see the arena answers for themselves.
    "/meetings/<int:meeting_id>/answer": (
        lambda w: f"/meetings/{w['meeting']}/answer",
        {"occurrence": "2027-03-08T09:00:00", "answer": "yes"},
        ("login", 302, 302, 302, 302),
    ),
    # The owner's link from an invitation: it answers for the owner, signed in or not, and is
    # refused to anyone else signed in.
    "/answer/<token>": (
        lambda w: f"/answer/{_answer_token(w['owner'].id, w['meeting'])}",
        {},
        (200, 403, 403, 200, 403),
    ),
    # Without a sign-in waiting to be finished, everyone is sent to the sign-in page.
    "/auth/sso/finish": (
        lambda w: "/auth/sso/finish",
        {"name": "Ny", "organisation_id": "1"},
        (302, 302, 302, 302, 302),
    ),
    "/profile/sign-ins/<int:identity_id>/remove": (
        lambda w: f"/profile/sign-ins/{w['identity']}/remove",
        {},
        ("login", 403, 403, 302, 403),
    ),
    # Only failed messages are sent again: the admin is told so for the queued one (302).
    "/admin/outbox/<int:message_id>/resend": (
        lambda w: f"/admin/outbox/{w['outbox_message']}/resend",
        {},
        ("login", 403, 403, 403, 302),
    ),
}

#: Routes whose signed link is the authority, with neither session nor CSRF token (a mail
#: program posts it), and where they are tested.
SIGNED_LINK_ROUTES = {
    "/unsubscribe/<token>": "tests/test_outbox.py (RFC 8058 one-click unsubscribe)",
}

# (rule, method, JSON body, expected status for a member of another organisation / a member of
# the owner's organisation not yet verified / the owner / an admin); without a token every one
# answers 401. Proposals are answered only by the person asked.
API_MATRIX = [
    ("/api/v1/me", "PATCH", {"title": "Endret"}, (200, 200, 200, 200)),
    ("/api/v1/initiatives", "POST", {"title": "Nytt", "summary": "Nytt"}, (201, 403, 201, 201)),
    ("/api/v1/initiatives/<int:initiative_id>", "PATCH", {"title": "Endret"}, (403, 403, 200, 200)),
    ("/api/v1/initiatives/<int:initiative_id>", "DELETE", None, (403, 403, 204, 204)),
    # Asked of the other member's organisation: theirs (and an admin's) to answer.
    (
        "/api/v1/initiatives/<int:initiative_id>/proposals/<int:organisation_proposal_id>/accept",
        "POST",
        None,
        (200, 403, 403, 200),
    ),
    (
        "/api/v1/initiatives/<int:initiative_id>/proposals/<int:organisation_proposal_id>/decline",
        "POST",
        None,
        (200, 403, 403, 200),
    ),
    ("/api/v1/me/expertise", "PUT", {"expertise": []}, (200, 200, 200, 200)),
    ("/api/v1/me/calendar-token", "POST", None, (200, 200, 200, 200)),
    ("/api/v1/me/notifications", "PATCH", {"meeting_changes": "off"}, (200, 200, 200, 200)),
    ("/api/v1/me/notifications", "PATCH", {"meeting_invitations": True}, (200, 200, 200, 200)),
    ("/api/v1/arenas", "POST", {"name": "Ny"}, (201, 403, 201, 201)),
    ("/api/v1/arenas/<slug>", "PATCH", {"name": "Kapret"}, (403, 403, 200, 200)),
    (
        "/api/v1/arenas/<slug>/proposals",
        "POST",
        {"role": "owner", "email": "annen@example.no"},
        (403, 403, 201, 201),
    ),
    ("/api/v1/proposals/<int:proposal_id>/accept", "POST", None, (403, 403, 403, 403)),
    ("/api/v1/proposals/<int:proposal_id>/decline", "POST", None, (403, 403, 403, 403)),
    ("/api/v1/proposals/<int:proposal_id>/withdraw", "POST", None, (403, 403, 200, 200)),
    ("/api/v1/arenas/<slug>/follow", "POST", None, (200, 200, 200, 200)),
    ("/api/v1/arenas/<slug>/follow", "DELETE", None, (200, 200, 200, 200)),
    (
        "/api/v1/arenas/<slug>/meetings",
        "POST",
        {"title": "Nytt", "starts_at": "2027-04-01T09:00"},
        (403, 403, 201, 201),
    ),
    ("/api/v1/meetings/<int:meeting_id>", "PATCH", {"title": "Kapret"}, (403, 403, 200, 200)),
    ("/api/v1/meetings/<int:meeting_id>", "DELETE", None, (403, 403, 200, 200)),
    (
        "/api/v1/meetings/<int:meeting_id>/exceptions",
        "POST",
        {"occurrence": "2027-03-08T09:00", "action": "cancel"},
        (403, 403, 201, 201),
    ),
]


def test_every_mutating_route_is_in_the_matrix(app):
    mutating = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    missing = mutating - set(MATRIX) - {entry[0] for entry in API_MATRIX} - set(SIGNED_LINK_ROUTES)
    assert not missing, f"add these routes to the permission matrix: {sorted(missing)}"


@pytest.mark.parametrize("rule", sorted(MATRIX))
@pytest.mark.parametrize("who", ROLES)
def test_mutating_route_permissions(app, client, world, rule, who):
    build, data, expected = MATRIX[rule]
    expected = expected[ROLES.index(who)]
    if who != "anonymous":
        sign_in(client, world[who])
    before = snapshot()
    data = data(world) if callable(data) else data
    response = client.post(build(world), data={"csrf_token": csrf_token(client), **data})
    if expected == "login":
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if expected in (403, "login", 400):
        db.session.expire_all()
        assert snapshot() == before, "a refused request changed data"


@pytest.mark.parametrize("who", ROLES)
def test_forms_without_csrf_token_are_refused(client, world, who):
    if who != "anonymous":
        sign_in(client, world[who])
    before = snapshot()
    for rule, (build, data, _expected) in MATRIX.items():
        data = data(world) if callable(data) else data
        response = client.post(build(world), data=data)
        assert response.status_code == 400, rule
        other_token = client.post(build(world), data={**data, "csrf_token": "forged-or-stale"})
        assert other_token.status_code == 400, rule
    assert snapshot() == before


def test_api_mutations_need_a_token(client, world):
    before = snapshot()
    for rule, method, body, _expected in API_MATRIX:
        response = client.open(api_path(world, rule), method=method, json=body)
        assert response.status_code == 401
    assert snapshot() == before


API_ROLES = ("other", "unverified", "owner", "admin")


@pytest.mark.parametrize("entry", API_MATRIX, ids=lambda e: f"{e[1]} {e[0]}")
@pytest.mark.parametrize("who", API_ROLES)
def test_api_route_permissions(client, world, entry, who):
    rule, method, body, expected = entry
    expected = expected[API_ROLES.index(who)]
    headers = {"Authorization": f"Bearer {issue_api_token(world[who], 'matrise')}"}
    before = snapshot()
    response = client.open(api_path(world, rule), method=method, json=body, headers=headers)
    assert response.status_code == expected, response.get_json()
    if expected == 403:
        assert response.get_json()["error"]["code"]
        db.session.expire_all()
        assert snapshot() == before, "a refused request changed data"


def test_api_initiative_changes_by_another_organisation_are_refused(client, world):
    other_token = issue_api_token(world["other"], "andres")
    before = snapshot()
    headers = {"Authorization": f"Bearer {other_token}"}
    path = f"/api/v1/initiatives/{world['initiative']}"
    assert client.patch(path, json={"title": "Kapret"}, headers=headers).status_code == 403
    assert client.delete(path, headers=headers).status_code == 403
    assert snapshot() == before


def test_admin_role_and_deactivation(client, post_form, world, login_as):
    login_as(world["admin"])
    owner = world["owner"]
    post_form(f"/admin/members/{owner.id}/admin", {"value": "1"}, token_from="/admin/members")
    db.session.refresh(owner)
    assert owner.is_admin
    post_form(f"/admin/members/{owner.id}/active", {"value": "0"}, token_from="/admin/members")
    db.session.refresh(owner)
    assert not owner.active
    # An admin cannot lock themselves out.
    admin = world["admin"]
    response = post_form(
        f"/admin/members/{admin.id}/active", {"value": "0"}, token_from="/admin/members"
    )
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.active and admin.is_admin


def test_admin_pages_are_for_admins(client, world, login_as):
    message = world["outbox_message"]
    paths = (
        "/admin",
        "/admin/members",
        "/admin/organisations",
        "/admin/outbox",
        f"/admin/outbox/{message}",
        f"/admin/outbox/{message}/preview",
    )
    for path in paths:
        assert client.get(path).status_code == 302
    login_as(world["other"])
    for path in paths:
        assert client.get(path).status_code == 403
    login_as(world["admin"])
    for path in paths:
        assert client.get(path).status_code == 200


def test_api_arena_changes_by_others_are_refused(client, world):
    """Someone else's token cannot change the arena, its meetings or answer its proposals."""
    headers = {"Authorization": f"Bearer {issue_api_token(world['other'], 'andres')}"}
    before = snapshot()
    arena, meeting, proposal = world["arena"], world["meeting"], world["proposal"]
    attempts = [
        ("PATCH", f"/api/v1/arenas/{arena}", {"name": "Kapret"}),
        (
            "POST",
            f"/api/v1/arenas/{arena}/proposals",
            {"role": "owner", "email": "annen@example.no"},
        ),
        ("POST", f"/api/v1/proposals/{proposal}/accept", None),
        (
            "POST",
            f"/api/v1/arenas/{arena}/meetings",
            {"title": "X", "starts_at": "2027-04-01T09:00"},
        ),
        ("PATCH", f"/api/v1/meetings/{meeting}", {"title": "Kapret"}),
        ("DELETE", f"/api/v1/meetings/{meeting}", None),
        (
            "POST",
            f"/api/v1/meetings/{meeting}/exceptions",
            {"occurrence": "2027-03-08T09:00", "action": "cancel"},
        ),
    ]
    for method, path, body in attempts:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.get_json())
    assert snapshot() == before


def test_what_an_unverified_member_reads(client, world):
    """Members-only arenas and initiatives, and colleagues' addresses, are for verified members;
    pages and the API agree."""
    from arena.arenas.models import Arena
    from arena.initiatives.models import Initiative

    arena = db.session.scalar(sa.select(Arena).filter_by(slug=world["arena"]))
    arena.visibility = "members"
    db.session.get(Initiative, world["initiative"]).is_public = False
    db.session.commit()
    pages = (f"/arenas/{world['arena']}", f"/initiatives/{world['initiative']}")
    api = (f"/api/v1/arenas/{world['arena']}", f"/api/v1/initiatives/{world['initiative']}")
    for who, visible in (("unverified", False), ("other", True)):
        sign_in(client, world[who])
        headers = {"Authorization": f"Bearer {issue_api_token(world[who], 'les')}"}
        for path in pages:
            assert client.get(path).status_code == (200 if visible else 404), (who, path)
        for path in api:
            answer = client.get(path, headers=headers)
            assert answer.status_code == (200 if visible else 404), (who, path)
        register = client.get("/arenas").get_data(as_text=True)
        assert ("Eierens arena" in register) == visible, who
        profile = client.get(f"/members/{world['owner'].id}").get_data(as_text=True)
        assert ("eier@example.no" in profile) == visible, who
    # A public initiative shows its contact's address in the API only to verified members.
    db.session.get(Initiative, world["initiative"]).is_public = True
    db.session.commit()
    for who, email in (("unverified", None), ("other", "eier@example.no")):
        headers = {"Authorization": f"Bearer {issue_api_token(world[who], 'kontakt')}"}
        answer = client.get(f"/api/v1/initiatives/{world['initiative']}", headers=headers)
        assert answer.get_json()["contact"]["email"] == email, who
