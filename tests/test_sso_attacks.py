"""Signing in as someone else through single sign-on, each attack performed against the real
providers (tests/oidc_provider.py): an Entra tenant's administrators set the email claim to
anyone's address («nOAuth»), a guest in a tenant, a tenant of the attacker's own, a `tid` from a
provider that is not Entra, `email_verified` as a string, look-alike addresses, and the answer
that would tell whether an address is registered."""

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token
from oidc_provider import TENANT, sign_in_at_provider

from arena.accounts import sso
from arena.accounts.models import Member, MemberIdentity
from arena.extensions import db
from arena.organisations.models import OrganisationDomain

BASE = "http://localhost"


def sso_sign_in(client, login, name="entra"):
    """The whole round: Arena → the provider's pages → back to Arena's callback."""
    start = client.get(f"/auth/sso/{name}")
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    return client.get(sign_in_at_provider(start.headers["Location"], login, BASE))


@pytest.fixture
def skien(skien_tenant):
    return skien_tenant


@pytest.fixture
def admin(make_member):
    return make_member(email="admin@arena.example", is_admin=True)


def identities() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MemberIdentity))


def test_a_tenant_account_claiming_the_administrators_address_is_not_the_administrator(
    client, provider, skien, admin
):
    provider.set_account("tenant-admin", email="admin@arena.example", name="Ikke admin")
    answer = sso_sign_in(client, "tenant-admin")
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/login"
    assert client.get("/profile").status_code == 302  # nobody is signed in
    assert client.get("/admin").status_code in (302, 403)
    assert identities() == 0


def test_an_email_verified_claim_from_a_tenant_does_not_make_the_address_its(
    client, provider, skien, admin
):
    """A tenant's administrators can shape claims, `email_verified` included."""
    provider.set_account("shaped", email="admin@arena.example", email_verified=True)
    sso_sign_in(client, "shaped")
    assert client.get("/profile").status_code == 302 and identities() == 0


def test_a_tenant_account_in_its_own_domain_links_to_its_member(
    client, provider, skien, make_member
):
    member = make_member(org=skien, email="kari@skien.kommune.no")
    provider.set_account("kari-oid", email="KARI@Skien.Kommune.no")
    assert sso_sign_in(client, "kari-oid").headers["Location"] == "/"
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    assert identity.member_id == member.id and identity.issuer == provider.tenant_issuer()


def test_a_guest_in_the_tenant_is_not_made_a_verified_member_of_its_organisation(
    client, provider, skien
):
    provider.set_account("gjest", email="konsulent@firma.no", name="Konsulent")
    answer = sso_sign_in(client, "gjest")
    assert answer.headers["Location"] == "/auth/login"
    assert db.session.scalar(sa.select(Member)) is None
    assert "registrer deg" in client.get("/auth/login").get_data(as_text=True)


def test_a_guest_who_registers_asks_to_join_like_everyone_else(
    client, provider, skien, make_member, post_form, smtp_server
):
    guest = make_member(org=skien, email="konsulent@firma.no", verified=False)
    provider.set_account("gjest", email="konsulent@firma.no")
    sso_sign_in(client, "gjest")
    assert post_form("/auth/login", {"email": guest.email, "password": PASSWORD}).status_code == 302
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    assert identity.member_id == guest.id
    db.session.refresh(guest)
    assert not guest.is_verified  # the tenant said nothing about firma.no


def test_an_attackers_own_tenant_vouches_for_nothing(client, provider, skien, make_member):
    make_member(org=skien, email="kari@skien.kommune.no")
    provider.set_account("x", email="kari@skien.kommune.no", tid="angriperens-tenant")
    answer = sso_sign_in(client, "x")
    assert answer.headers["Location"] == "/auth/login"
    assert client.get("/profile").status_code == 302 and identities() == 0


def test_a_tid_from_a_provider_that_is_not_entra_counts_for_nothing(
    client, provider, skien, make_member
):
    make_member(org=skien, email="kari@skien.kommune.no")
    provider.set_account("x", email="kari@skien.kommune.no", tid=TENANT)
    sso_sign_in(client, "x", "feide")
    assert client.get("/profile").status_code == 302 and identities() == 0


def test_email_verified_as_a_string_is_not_verified(client, provider, make_member):
    make_member(email="ola@example.no")
    provider.set_account("x", email="ola@example.no", email_verified="true")
    sso_sign_in(client, "x", "feide")
    assert client.get("/profile").status_code == 302 and identities() == 0


def test_the_answer_does_not_tell_whether_an_address_is_registered(client, provider, make_member):
    make_member(email="finnes@example.no")
    answers = []
    for address in ("finnes@example.no", "finnes-ikke@example.no"):
        provider.set_account("x", email=address, email_verified=False)
        answer = sso_sign_in(client, "x", "feide")
        page = client.get("/auth/login").get_data(as_text=True)
        # The form's CSRF token is signed with the second it was made in: not what is told.
        told = re.sub(r'name="csrf_token"[^>]*>', "", page).replace(address, "")
        answers.append((answer.status_code, answer.headers.get("Location"), told))
    assert answers[0] == answers[1]


def test_a_look_alike_address_is_another_member(client, provider, make_organisation):
    """casefold() would make «straße.de» and «strasse.de» one address, and so one member."""
    from arena.accounts import services as accounts

    strasse = make_organisation(name="Strasse AS")
    db.session.add(OrganisationDomain(organisation=strasse, domain="strasse.de"))
    db.session.commit()
    accounts.create_member(
        email="kari@strasse.de", name="Kari", password=PASSWORD, organisation=strasse
    )
    provider.set_account("y", email="kari@straße.de", email_verified=True)
    answer = sso_sign_in(client, "y", "feide")
    assert answer.headers["Location"] == "/auth/sso/finish"  # a newcomer, not Kari
    assert identities() == 0


def test_a_standard_provider_gives_the_address_in_userinfo_only(
    client, provider, skien, monkeypatch
):
    """oidc-provider in its default configuration puts only `sub` in the ID token."""
    seen = []
    read = sso.read_claims

    def reading(name, token):
        seen.append(dict(token["userinfo"]))
        return read(name, token)

    monkeypatch.setattr(sso, "read_claims", reading)
    provider.set_account("ola", email="ola@skien.kommune.no", email_verified=True, name="Ola")
    assert sso_sign_in(client, "ola", "feide").headers["Location"] == "/"
    assert "email" not in seen[0]
    member = db.session.scalar(sa.select(Member))
    assert member.email == "ola@skien.kommune.no" and member.name == "Ola"
    assert member.organisation == skien and member.verified_via == "domain"


def test_a_name_claim_with_line_breaks_is_joined(client, provider, skien):
    provider.set_account(
        "ola", email="ola@skien.kommune.no", name="Ola\r\n\r\nKontoen din er låst: https://x"
    )
    sso_sign_in(client, "ola")
    assert db.session.scalar(sa.select(Member.name)) == "Ola Kontoen din er låst: https://x"


def test_signing_out_and_in_again_keeps_one_member(client, provider, skien):
    provider.set_account("kari", email="kari@skien.kommune.no")
    sso_sign_in(client, "kari")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    sso_sign_in(client, "kari")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


def test_a_changed_email_claim_from_the_tenant_is_followed_only_within_its_domains(
    client, provider, skien, admin
):
    provider.set_account("kari", email="kari@skien.kommune.no")
    sso_sign_in(client, "kari")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    provider.set_account("kari", email="admin@arena.example")  # the tenant changes the claim
    assert sso_sign_in(client, "kari").headers["Location"] == "/"  # still Kari, by her subject
    db.session.expire_all()
    kari = db.session.scalar(sa.select(Member).join(MemberIdentity))
    assert kari.email == "kari@skien.kommune.no" and kari.id != admin.id
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    provider.set_account("kari", email="kari.nordmann@skien.kommune.no")
    sso_sign_in(client, "kari")
    db.session.expire_all()
    assert kari.email == "kari.nordmann@skien.kommune.no"
