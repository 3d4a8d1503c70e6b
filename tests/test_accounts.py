"""Registration, sign-in, throttling, password reset by email, profiles, export and deletion."""

import re

import sqlalchemy as sa
from conftest import PASSWORD, body_of, to_of

from arena.accounts.models import Member
from arena.extensions import db
from arena.organisations.models import Organisation

GOOD_PASSWORD = "fjordbris-over-telemark"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def register(post_form, **fields):
    data = {
        "email": "kari@skien.kommune.no",
        "name": "Kari Nordmann",
        "title": "Rådgiver",
        **fields,
    }
    return post_form("/auth/register", data, token_from="/auth/register")


def test_register_with_proposed_organisation_waits_for_approval(client, post_form):
    response = register(
        post_form,
        organisation_id="new",
        new_organisation_name="Bø Sauelag",
        new_organisation_kind="frivillighet",
        new_organisation_org_number="",
    )
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organisation).filter_by(name="Bø Sauelag"))
    assert org is not None and org.approved is False
    assert "Bø Sauelag" not in client.get("/organisations").get_data(as_text=True)


def test_bad_registration_input_is_explained_next_to_fields_and_writes_nothing(
    client, post_form, make_organisation
):
    org = make_organisation()
    cases = [
        ({"email": "ikke-en-epost"}, "gyldig e-postadresse"),
        ({"email": "a" * 250 + "@x.no"}, "Kan ikke være lengre enn 254"),
        ({"name": "N" * 121}, "Kan ikke være lengre enn 120"),
        ({"organisation_id": "999999"}, "Velg et av alternativene i lista"),
        (
            {
                "organisation_id": "new",
                "new_organisation_name": "X AS",
                "new_organisation_kind": "naeringsliv",
                "new_organisation_org_number": "123456789",
            },
            "kontrollsiffer",
        ),
        (
            {"organisation_id": "new", "new_organisation_name": "", "new_organisation_kind": ""},
            "Navn må fylles ut",
        ),
    ]
    for fields, message in cases:
        response = register(post_form, **{"organisation_id": str(org.id), **fields})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, fields
        assert message in html, (fields, message)
        assert 'aria-invalid="true"' in html and "ds-error-summary" in html
    assert count(Member) == 0
    assert count(Organisation) == 1


def test_login_and_logout(client, post_form, make_member):
    member = make_member(email="ingrid@usn.no")
    response = post_form("/auth/login", {"email": "Ingrid@USN.no", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    response = post_form("/auth/logout", token_from="/profile")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302
    assert member.active


def test_wrong_password_gives_one_message_for_both_cases(client, post_form, make_member):
    make_member(email="ingrid@usn.no")
    wrong = post_form("/auth/login", {"email": "ingrid@usn.no", "password": "feil-passord-her"})
    unknown = post_form("/auth/login", {"email": "ingen@usn.no", "password": "feil-passord-her"})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Feil e-post eller passord" in response.get_data(as_text=True)


def test_next_after_login_stays_on_this_site(client, post_form, make_member):
    make_member(email="ingrid@usn.no")
    for target, expected in [
        ("/organisations", "/organisations"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        client.get("/")  # fresh form
        response = post_form(
            "/auth/login", {"email": "ingrid@usn.no", "password": PASSWORD, "next": target}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target
        post_form("/auth/logout", token_from="/profile")


def test_login_is_throttled_per_account(client, post_form, make_member):
    make_member(email="ingrid@usn.no")
    statuses = []
    for _ in range(12):
        response = post_form("/auth/login", {"email": "ingrid@usn.no", "password": "feil-feil"})
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert "For mange forsøk" in response.get_data(as_text=True)
    # Even the right password waits until the minute is over.
    response = post_form("/auth/login", {"email": "ingrid@usn.no", "password": PASSWORD})
    assert response.status_code == 429


def test_login_is_throttled_per_address(client, post_form):
    statuses = []
    for n in range(11):
        response = post_form("/auth/login", {"email": f"gjett{n}@usn.no", "password": "feil-feil"})
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_login_form_without_csrf_token_is_rejected(client, make_member):
    make_member(email="ingrid@usn.no")
    response = client.post("/auth/login", data={"email": "ingrid@usn.no", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


def test_deactivated_member_cannot_sign_in_and_is_signed_out(client, post_form, make_member):
    member = make_member(email="ingrid@usn.no")
    post_form("/auth/login", {"email": "ingrid@usn.no", "password": PASSWORD})
    member.active = False
    db.session.commit()
    assert client.get("/profile").status_code == 302
    response = post_form("/auth/login", {"email": "ingrid@usn.no", "password": PASSWORD})
    assert "Feil e-post eller passord" in response.get_data(as_text=True)


def reset_link(message) -> str:
    match = re.search(r"http://localhost(/auth/reset/\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def test_password_reset_by_emailed_link(client, post_form, make_member, smtp_server):
    make_member(email="ingrid@usn.no", name="Ingrid Haugen")
    response = post_form("/auth/forgot", {"email": "INGRID@usn.no"}, token_from="/auth/forgot")
    assert response.status_code == 302
    assert len(smtp_server) == 1
    mail = smtp_server[0]
    assert to_of(mail) == "ingrid@usn.no"
    assert "Ingrid Haugen" in body_of(mail)
    link = reset_link(mail)

    new_password = "sommer-i-seljord-2027"
    response = post_form(
        link, {"password": new_password, "password_again": new_password}, token_from=link
    )
    assert response.status_code == 302
    response = post_form("/auth/login", {"email": "ingrid@usn.no", "password": new_password})
    assert response.status_code == 302
    # Single use: the same link no longer works.
    assert client.get(link).status_code == 400


def test_password_reset_never_reveals_whether_email_is_registered(
    client, post_form, make_member, smtp_server
):
    make_member(email="ingrid@usn.no")
    known = post_form("/auth/forgot", {"email": "ingrid@usn.no"}, token_from="/auth/forgot")
    unknown = post_form("/auth/forgot", {"email": "ukjent@usn.no"}, token_from="/auth/forgot")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(smtp_server) == 1
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "Hvis adressen er registrert" in known_page


def test_password_reset_link_expires_after_an_hour(
    client, post_form, make_member, smtp_server, clock
):
    make_member(email="ingrid@usn.no")
    post_form("/auth/forgot", {"email": "ingrid@usn.no"}, token_from="/auth/forgot")
    link = reset_link(smtp_server[0])
    assert client.get(link).status_code == 200
    import time

    real_time = time.time
    try:
        time.time = lambda: real_time() + 3601  # itsdangerous reads the wall clock
        response = client.get(link)
    finally:
        time.time = real_time
    assert response.status_code == 400
    assert "utløpt" in response.get_data(as_text=True)


def test_tampered_reset_link_is_refused(client):
    response = client.get("/auth/reset/eyJtIjoxLCJwIjoiYWJjIn0.forged.signature")
    assert response.status_code == 400


def test_profile_edit_with_safe_markdown(client, post_form, make_member, login_as):
    member = login_as(make_member())
    bio = "Jobber med **klimatilpasning**.\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    response = post_form(
        "/profile",
        {
            "name": "Ny Navnesen",
            "title": "Seniorrådgiver",
            "phone": "+47 400 00 000",
            "bio": bio,
            "preferred_language": "nn",
        },
        token_from="/profile",
    )
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.name == "Ny Navnesen" and member.preferred_language == "nn"
    html = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert "<strong>klimatilpasning</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert '<html lang="nn"' in html


def test_profile_rejects_overlong_fields(client, post_form, make_member, login_as):
    member = login_as(make_member(name="Gammelt Navn"))
    response = post_form(
        "/profile", {"name": "N" * 200, "preferred_language": "nb"}, token_from="/profile"
    )
    assert response.status_code == 200
    assert "Kan ikke være lengre enn 120" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.name == "Gammelt Navn"


def test_change_password_keeps_this_session(client, post_form, make_member, login_as):
    member = login_as(make_member())
    response = post_form(
        "/profile/password",
        {"pw-current_password": PASSWORD, "pw-new_password": "nytt-og-langt-passord"},
        token_from="/profile",
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    db.session.refresh(member)
    wrong = post_form(
        "/profile/password",
        {"pw-current_password": "feil-passord-igjen", "pw-new_password": "enda-et-nytt-passord"},
        token_from="/profile",
    )
    assert wrong.status_code == 422
    assert "Passordet er feil" in wrong.get_data(as_text=True)


def test_member_profiles_are_for_signed_in_members_only(client, make_member, login_as):
    other = make_member(name="Sigrid Bø", title="Forsker")
    response = client.get(f"/members/{other.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login_as(make_member())
    html = client.get(f"/members/{other.id}").get_data(as_text=True)
    assert "Sigrid Bø" in html and "Forsker" in html
    assert client.get("/members/999999").status_code == 404


def test_export_gives_all_own_data_as_json(client, make_member, login_as):
    member = login_as(make_member(name="Eirik Tveit", title="Planlegger", bio="Om *meg*"))
    response = client.get("/profile/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["member"]["name"] == "Eirik Tveit"
    assert data["member"]["email"] == member.email
    assert data["member"]["bio"] == "Om *meg*"
    assert data["organisation"]["name"] == member.organisation.name
    assert "password_hash" not in response.get_data(as_text=True)


def test_delete_account_needs_confirmation_and_password(client, post_form, make_member, login_as):
    member = login_as(make_member())
    member_id = member.id
    response = post_form("/profile/delete", {"password": PASSWORD}, token_from="/profile/delete")
    assert response.status_code == 200
    assert "Kryss av for å bekrefte" in response.get_data(as_text=True)
    response = post_form(
        "/profile/delete",
        {"confirm": "y", "password": "feil-passord-her"},
        token_from="/profile/delete",
    )
    assert "Passordet er feil" in response.get_data(as_text=True)
    assert db.session.get(Member, member_id) is not None

    response = post_form(
        "/profile/delete", {"confirm": "y", "password": PASSWORD}, token_from="/profile/delete"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member_id) is None
    assert client.get("/profile").status_code == 302


def test_export_holds_what_every_area_keeps_about_the_member(client, make_member, login_as):
    from arena.arenas import ownership
    from arena.arenas import services as arenas
    from arena.arenas.services import ArenaInput
    from arena.expertise.models import ContactRequest

    member = login_as(make_member(name="Eirik Tveit"))
    colleague = make_member(name="Kari Kollega", email="kari@example.no")
    held, _ = arenas.create_arena(member, ArenaInput(name="Planforum"))
    passed_on, _ = arenas.create_arena(member, ArenaInput(name="Gammelt forum"))
    handover = ownership.propose_role(member, passed_on, "owner", colleague.email)
    ownership.accept_proposal(colleague, handover.id)
    asked = ownership.propose_role(colleague, passed_on, "deputy", member.email)
    followed, _ = arenas.create_arena(colleague, ArenaInput(name="Klimanettverket"))
    arenas.follow_arena(member, followed)
    db.session.add_all(
        [
            ContactRequest(
                sender_id=member.id, expert_id=colleague.id, subject="Ut", message="Hei"
            ),
            ContactRequest(
                sender_id=colleague.id, expert_id=member.id, subject="Inn", message="Hå"
            ),
        ]
    )
    db.session.commit()
    client.get("/overview")  # «Min oversikt» remembers the visit

    data = client.get("/profile/export").get_json()
    roles = {(r["arena"], r["role"], r["ended_at"] is None) for r in data["arenas"]["roles"]}
    assert roles == {("planforum", "owner", True), ("gammelt-forum", "owner", False)}
    proposals = {
        (p["arena"], p["role"], p["proposed_to_me"], p["status"])
        for p in data["arenas"]["proposals"]
    }
    assert ("gammelt-forum", "owner", False, "accepted") in proposals
    assert ("gammelt-forum", "deputy", True, "pending") in proposals and asked.id
    assert data["arenas"]["following"] == ["klimanettverket"]
    assert [r["subject"] for r in data["contact_requests"]["sent"]] == ["Ut"]
    assert [(r["subject"], r["with"]) for r in data["contact_requests"]["received"]] == [
        ("Inn", "Kari Kollega")
    ]
    assert data["initiatives"]["overview_last_seen_at"] is not None
    assert data["membership"]["verified_via"] == "admin"
    assert len(data["sessions"]) == 1


def test_deleting_an_account_removes_the_messages_it_sent(client, post_form, make_member, login_as):
    from arena.expertise.models import ContactRequest

    member = login_as(make_member())
    expert = make_member(email="eva@usn.no")
    db.session.add_all(
        [
            ContactRequest(
                sender_id=member.id, expert_id=expert.id, subject="Hei", message="Privat"
            ),
            ContactRequest(sender_id=expert.id, expert_id=member.id, subject="Svar", message="Ok"),
        ]
    )
    db.session.commit()
    post_form(
        "/profile/delete", {"confirm": "y", "password": PASSWORD}, token_from="/profile/delete"
    )
    db.session.expire_all()
    assert db.session.scalars(sa.select(ContactRequest.message)).all() == []
