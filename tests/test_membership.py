"""Membership Arena verifies instead of believing: registration confirms the address (one answer
whether the address is known or not), a domain or an organisation contact verifies the
membership, and until then a member cannot act for the organisation."""

import re

import pytest
import sqlalchemy as sa
from conftest import body_of, csrf_token, to_of

from arena import access
from arena.accounts.models import Member
from arena.addresses import normalise_email
from arena.arenas import ownership
from arena.arenas import services as arenas
from arena.arenas.services import ArenaInput
from arena.declaration.services import public_ambassadors, sign_declaration
from arena.errors import PermissionDenied, ValidationFailed
from arena.expertise import finder
from arena.expertise import services as expertise
from arena.expertise.models import ExpertiseArea
from arena.expertise.services import members_with_area
from arena.extensions import db, limiter
from arena.initiatives import services as initiatives
from arena.organisations.models import Organisation, OrganisationDomain

NEW_PASSWORD = "fjordbris-over-telemark"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def register(post_form, **fields):
    data = {"email": "kari@skien.kommune.no", "name": "Kari Nordmann", **fields}
    return post_form("/auth/register", data, token_from="/auth/register")


def link_in(mail, path: str) -> str:
    match = re.search(rf"http://localhost({path}/\S+)", body_of(mail))
    assert match, body_of(mail)
    return match.group(1)


def choose_password(post_form, link: str):
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return post_form(link, data, token_from=link)


@pytest.fixture
def skien(make_organisation):
    org = make_organisation("Skien kommune")
    org.domains.append(OrganisationDomain(domain="skien.kommune.no"))
    db.session.commit()
    return org


# --- registration -------------------------------------------------------------------------------


def test_registration_confirms_the_address_and_its_domain_verifies(
    client, post_form, skien, smtp_server
):
    response = register(post_form, organisation_id=str(skien.id), title="Rådgiver")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/register/sent"
    assert "kari@skien.kommune.no" in client.get("/auth/register/sent").get_data(as_text=True)
    member = db.session.scalar(sa.select(Member))
    assert member.email_confirmed_at is None and not member.is_verified
    # Not confirmed: the account cannot sign in, whatever password is tried.
    failed = post_form("/auth/login", {"email": member.email, "password": NEW_PASSWORD})
    assert "Feil e-post eller passord" in failed.get_data(as_text=True)

    (mail,) = smtp_server
    assert to_of(mail) == "kari@skien.kommune.no"
    link = link_in(mail, "/auth/confirm")
    page = client.get(link).get_data(as_text=True)
    assert "Kari Nordmann" in page and "Velg" in page
    response = choose_password(post_form, link)
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    profile = client.get("/profile").get_data(as_text=True)
    assert "Du er bekreftet som medlem av Skien kommune" in profile
    db.session.expire_all()
    assert member.email_confirmed_at is not None and member.verified_via == "domain"
    # The link worked once.
    assert client.get(link).status_code == 400


def test_registration_answers_the_same_for_a_known_address_and_creates_nothing(
    client, post_form, make_member, skien, smtp_server
):
    known = make_member(email="ola@skien.kommune.no", org=skien)
    answers = []
    for email in ("OLA@Skien.Kommune.no", "ny@skien.kommune.no"):
        answers.append(
            register(
                post_form,
                email=email,
                organisation_id="new",
                new_organisation_name=f"Lag for {email}",
                new_organisation_kind="frivillighet",
            )
        )
        client.get("/auth/register/sent")
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert count(Member) == 2  # the known address made nothing
    assert (
        db.session.scalar(sa.select(Organisation).filter_by(name="Lag for OLA@Skien.Kommune.no"))
        is None
    )
    tried, confirm = smtp_server
    assert to_of(tried) == known.email and "Noen prøvde" in tried["Subject"]
    assert "/auth/forgot" in body_of(tried) and "/auth/confirm/" not in body_of(tried)
    assert to_of(confirm) == "ny@skien.kommune.no" and "/auth/confirm/" in body_of(confirm)


def test_registering_again_before_confirming_sends_a_new_link(
    client, post_form, skien, smtp_server
):
    register(post_form, organisation_id=str(skien.id))
    register(post_form, organisation_id=str(skien.id), name="Noen Andre")
    first, second = smtp_server
    assert count(Member) == 1
    assert db.session.scalar(sa.select(Member.name)) == "Kari Nordmann"  # details unchanged
    assert "/auth/confirm/" in body_of(second)
    assert choose_password(post_form, link_in(second, "/auth/confirm")).status_code == 302


def test_confirmation_link_expires_after_three_days_and_is_signed(
    client, post_form, skien, smtp_server
):
    import time

    register(post_form, organisation_id=str(skien.id))
    link = link_in(smtp_server[0], "/auth/confirm")
    real_time = time.time
    try:
        time.time = lambda: real_time() + 3 * 24 * 3600 - 60  # itsdangerous reads the wall clock
        assert client.get(link).status_code == 200
        time.time = lambda: real_time() + 3 * 24 * 3600 + 60
        response = client.get(link)
    finally:
        time.time = real_time
    assert response.status_code == 400 and "tre døgn" in response.get_data(as_text=True)
    assert client.get(link[:-3] + "abc").status_code == 400


def test_registration_is_rate_limited(client, post_form, skien, smtp_server):
    limiter.reset()
    statuses = [register(post_form, organisation_id=str(skien.id)).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]  # three emails an hour to one address
    assert len(smtp_server) == 3
    limiter.reset()


def test_unconfirmed_registrations_are_forgotten_after_a_week(
    runner, post_form, make_organisation, skien, smtp_server, clock
):
    register(post_form, organisation_id=str(skien.id))
    register(
        post_form,
        email="per@gmail.com",
        organisation_id="new",
        new_organisation_name="Pers lag",
        new_organisation_kind="frivillighet",
    )
    clock.advance(days=6)
    runner.invoke(args=["send-reminders"])
    assert count(Member) == 2
    clock.advance(days=1, seconds=1)
    result = runner.invoke(args=["send-reminders"])
    assert "forget-unconfirmed-registrations: 2" in result.output
    assert count(Member) == 0
    assert db.session.scalar(sa.select(Organisation).filter_by(name="Pers lag")) is None
    assert db.session.get(Organisation, skien.id) is not None


# --- verification -------------------------------------------------------------------------------


@pytest.fixture
def newcomer(client, post_form, skien, smtp_server):
    """Per, confirmed with a gmail address, asking to join Skien kommune."""
    register(
        post_form, email="per.privat@gmail.com", name="Per Privat", organisation_id=str(skien.id)
    )
    choose_password(post_form, link_in(smtp_server[-1], "/auth/confirm"))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    member = db.session.scalar(sa.select(Member).filter_by(email="per.privat@gmail.com"))
    assert member.email_confirmed_at is not None and not member.is_verified
    return member


def test_a_private_address_waits_and_the_contact_answers(
    client, post_form, make_member, login_as, skien, smtp_server
):
    contact = make_member(email="kontakt@skien.kommune.no", org=skien, is_organisation_contact=True)
    other_contact = make_member(is_organisation_contact=True)  # of another organisation
    admin = make_member(is_admin=True)
    register(
        post_form, email="per.privat@gmail.com", name="Per Privat", organisation_id=str(skien.id)
    )
    choose_password(post_form, link_in(smtp_server[-1], "/auth/confirm"))
    profile = client.get("/profile").get_data(as_text=True)
    assert "venter på at Skien kommune bekrefter" in profile
    request_mail = smtp_server[-1]
    assert to_of(request_mail) == contact.email  # the contact, not the admins
    assert "Per Privat" in request_mail["Subject"] and "/memberships" in body_of(request_mail)
    per = db.session.scalar(sa.select(Member).filter_by(email="per.privat@gmail.com"))

    login_as(other_contact)
    assert "Per Privat" not in client.get("/memberships").get_data(as_text=True)
    refused = post_form(f"/memberships/{per.id}/approve", token_from="/memberships")
    assert refused.status_code == 403
    login_as(per)
    assert client.get("/memberships").status_code == 403

    login_as(contact)
    page = client.get("/memberships").get_data(as_text=True)
    assert "Per Privat" in page and "1 forespørsel venter" in page
    assert post_form(f"/memberships/{per.id}/approve", token_from="/memberships").status_code == 302
    db.session.expire_all()
    assert per.verified_via == "approval" and per.verified_by_id == contact.id
    assert "Du er bekreftet" in smtp_server[-1]["Subject"] and to_of(smtp_server[-1]) == per.email
    again = post_form(f"/memberships/{per.id}/refuse", token_from="/memberships")
    assert again.status_code == 409
    assert admin.id


def test_without_contacts_the_admins_answer_and_a_refusal_can_be_followed_by_a_new_request(
    client, post_form, make_member, make_organisation, login_as, newcomer, smtp_server
):
    admin = make_member(is_admin=True, email="admin@example.no")
    assert not any(to_of(m) == admin.email for m in smtp_server)  # asked before the admin existed
    login_as(admin)
    post_form(f"/memberships/{newcomer.id}/refuse", token_from="/memberships")
    db.session.expire_all()
    assert newcomer.join_refused_at is not None and not newcomer.is_verified
    assert "bekreftet ikke" in smtp_server[-1]["Subject"]

    other = make_organisation("Porsgrunn kommune")
    login_as(newcomer)
    assert "har ikke bekreftet" in client.get("/profile").get_data(as_text=True)
    response = post_form(
        "/profile/membership",
        {"membership-organisation_id": str(other.id)},
        token_from="/profile",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert newcomer.organisation_id == other.id and newcomer.join_refused_at is None
    assert (
        to_of(smtp_server[-1]) == admin.email and "Porsgrunn kommune" in smtp_server[-1]["Subject"]
    )


def test_an_admin_adding_a_domain_verifies_those_waiting_in_it(
    client, post_form, make_member, login_as, make_organisation
):
    org = make_organisation("Nome kommune")
    waiting = make_member(email="ola@nome.kommune.no", org=org, verified=False)
    private = make_member(email="ola@gmail.com", org=org, verified=False)
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{org.slug}/edit"
    fields = {"name": org.name, "kind": "kommune", "domains": "@Nome.Kommune.no\n"}
    assert post_form(page, fields, token_from=page).status_code == 302
    db.session.expire_all()
    assert org.domain_names == ["nome.kommune.no"]
    assert waiting.verified_via == "domain" and not private.is_verified
    assert "nome.kommune.no" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("gmail.com", "Alle kan få en adresse"),
        ("fastmail.com", "Alle kan få en adresse"),
        ("hotmail.fr", "Alle kan få en adresse"),
        ("yahoo.co.uk", "Alle kan få en adresse"),
        ("pm.me", "Alle kan få en adresse"),
        ("gm\u0430il.com", "blander bokstaver fra ulike alfabet"),  # a Cyrillic «а»
        ("skien.kommune.no", "hører allerede til Skien kommune"),
        ("ikke et domene", "er ikke et domene"),
    ],
)
def test_domains_that_prove_nothing_are_refused(
    client, post_form, make_member, login_as, make_organisation, skien, typed, message
):
    org = make_organisation("Nome kommune")
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{org.slug}/edit"
    response = post_form(
        page, {"name": org.name, "kind": "kommune", "domains": typed}, token_from=page
    )
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.domain_names == []


def test_a_domain_with_norwegian_letters_is_kept_in_idna_form_and_verifies(
    client, post_form, make_member, login_as, make_organisation
):
    org = make_organisation("Bø kommune")
    waiting = make_member(email=normalise_email("Kari@BØ.no"), org=org, verified=False)
    assert waiting.email == "kari@xn--b-5ga.no"
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{org.slug}/edit"
    post_form(page, {"name": org.name, "kind": "kommune", "domains": "@Bø.no"}, token_from=page)
    db.session.expire_all()
    assert org.domain_names == ["xn--b-5ga.no"]
    assert waiting.is_verified


def test_merging_organisations_keeps_their_domains(make_member, make_organisation, skien):
    from arena.organisations.services import merge_organisations

    duplicate = make_organisation("Skien Kommune (dublett)")
    duplicate.domains.append(OrganisationDomain(domain="skien.no"))
    db.session.commit()
    merge_organisations(make_member(is_admin=True), duplicate, skien)
    db.session.expire_all()
    assert skien.domain_names == ["skien.kommune.no", "skien.no"]


def test_create_user_and_import_vouch_for_the_membership(runner, tmp_path, skien):
    result = runner.invoke(
        args=[
            "create-user",
            "kari@example.no",
            "--name",
            "Kari",
            "--organisation",
            "Skien kommune",
        ],
        input="et-langt-og-godt-passord\n",
    )
    assert result.exit_code == 0, result.output
    kari = db.session.scalar(sa.select(Member).filter_by(email="kari@example.no"))
    assert kari.is_verified and kari.verified_via == "admin" and kari.email_confirmed_at
    csv = tmp_path / "ansatte.csv"
    csv.write_text(
        "email,name,organisation,organisation_kind,municipality,title,expertise,ask_me_about\n"
        "ola@gmail.com,Ola,Skien kommune,,,,,\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["import-members", str(csv)]).exit_code == 0
    ola = db.session.scalar(sa.select(Member).filter_by(email="ola@gmail.com"))
    assert ola.is_verified and ola.verified_via == "admin" and ola.email_confirmed_at is None


# --- what an unverified member cannot do -------------------------------------------------------


@pytest.fixture
def claimed(make_member, make_organisation):
    """Eve claims Skien kommune with a private address; Kari really works there."""
    skien = make_organisation("Skien kommune")
    kari = make_member(email="kari@skien.kommune.no", org=skien, phone="+47 900 00 000")
    eve = make_member(email="eve@gmail.com", org=skien, verified=False, name="Eve")
    return skien, kari, eve


def test_an_unverified_member_cannot_act_for_the_organisation(claimed, make_member):
    skien, kari, eve = claimed
    initiative = initiatives.create_initiative(
        kari, initiatives.InitiativeInput(title="Skiens initiativ", summary="Om noe")
    )
    assert not access.can_edit_initiative(eve, initiative) and access.can_edit_initiative(
        kari, initiative
    )
    for attempt in (
        lambda: initiatives.create_initiative(
            eve, initiatives.InitiativeInput(title="X", summary="Y")
        ),
        lambda: initiatives.delete_initiative(eve, initiative),
        lambda: arenas.create_arena(eve, ArenaInput(name="Eves arena")),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    arena, _ = arenas.create_arena(
        kari, ArenaInput(name="Lukket forum", visibility="members", organisation_ids=[skien.id])
    )
    assert not access.can_see_arena(eve, arena) and access.can_see_arena(kari, arena)
    with pytest.raises(ValidationFailed):  # nobody can hand Eve an arena role
        ownership.propose_role(kari, arena, "deputy", eve.email)
    kari.active = False  # Kari leaves: the arena has no owner, but Eve cannot take it
    db.session.commit()
    assert arena.is_orphaned and not access.can_take_responsibility(eve, arena)
    with pytest.raises(PermissionDenied):
        ownership.take_responsibility(eve, arena)


def test_an_unverified_member_sees_no_contact_details_and_is_not_listed(
    client, claimed, login_as, make_member
):
    skien, kari, eve = claimed
    expert = make_member(email="eva@usn.no", phone="+47 911 11 111")
    sign_declaration(eve, public_consent=True)
    assert eve not in public_ambassadors()
    login_as(eve)
    html = client.get(f"/members/{expert.id}").get_data(as_text=True)
    assert "eva@usn.no" not in html and "911 11 111" not in html
    assert "Kontaktinformasjonen vises når" in html
    assert "Ta kontakt" not in html
    org_page = client.get(f"/organisations/{skien.slug}").get_data(as_text=True)
    assert "Eve" not in org_page and kari.name in org_page
    area = ExpertiseArea(name="Hydrogen", slug="hydrogen", approved=True)
    db.session.add(area)
    for person in (kari, eve):
        expertise.set_expertise(person, person, area, 3)
    wanted = finder.ExpertQuery(text="hydrogen", include_own_organisation=True)
    found = [r.member for r in finder.find_experts(expert, wanted).results]
    assert kari in found and eve not in found
    assert members_with_area(area) == [kari]

    login_as(kari)  # a verified member sees both
    html = client.get(f"/members/{expert.id}").get_data(as_text=True)
    assert "eva@usn.no" in html and "911 11 111" in html


def test_the_admins_list_of_members_comes_a_page_at_a_time(client, make_member, login_as):
    from arena.accounts.services import MEMBERS_PER_PAGE

    admin = make_member(name="Aase Admin", is_admin=True)
    for n in range(MEMBERS_PER_PAGE + 5):
        make_member(name=f"Medlem {n:03d}")
    login_as(admin)
    first = client.get("/admin/members").get_data(as_text=True)
    second = client.get("/admin/members?page=2").get_data(as_text=True)
    assert "Aase Admin" in first and "Medlem 098" in first and "Medlem 099" not in first
    assert "Medlem 099" in second and "Medlem 104" in second and "Aase Admin" not in second
    assert "Side 1 av 2" in first and 'href="/admin/members?page=2"' in first
