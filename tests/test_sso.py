"""Single sign-on with a real OpenID Connect provider (oidc-provider on loopback): who signs in,
who is created, linked or refused, and every answer Arena must not believe."""

import socket
import time

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, csrf_token
from joserfc import jwt
from oidc_provider import TENANT, sign_in_at_provider

from arena.accounts import sso
from arena.accounts.models import Member, MemberIdentity
from arena.extensions import db

BASE = "http://localhost"


def start(client, name="entra", **query):
    answer = client.get(f"/auth/sso/{name}", query_string=query)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return answer.headers["Location"]


def sso_sign_in(client, login, name="entra"):
    """The whole round: Arena → the provider's pages → back to Arena's callback."""
    callback = sign_in_at_provider(start(client, name), login, BASE)
    return client.get(callback)


def signed_in_as(client) -> str | None:
    page = client.get("/profile")
    if page.status_code != 200:
        return None
    return db.session.scalar(sa.select(Member.email).join(MemberIdentity).limit(1))


@pytest.fixture
def skien(skien_tenant):
    return skien_tenant


def test_nothing_configured_the_pages_look_as_today(client):
    for page in ("/auth/login", "/auth/register"):
        assert "/auth/sso/" not in client.get(page).get_data(as_text=True)
    assert client.get("/auth/sso/entra").status_code == 404


def test_the_sign_in_page_shows_one_button_per_provider(client, provider):
    page = client.get("/auth/login").get_data(as_text=True)
    for label in ("Microsoft Entra ID", "Feide"):
        assert f"Logg inn med {label}" in page
    assert 'href="/auth/sso/entra"' in page


def test_the_request_to_the_provider_has_pkce_state_and_nonce(client, provider):
    location = start(client)
    assert location.startswith(provider.issuer + "/organizations/v2.0/auth?")
    for part in (
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "scope=openid",
    ):
        assert part in location
    assert "redirect_uri=http%3A%2F%2Flocalhost%2Fauth%2Fsso%2Fentra%2Fcallback" in location


def test_first_sign_in_creates_a_verified_member_and_the_second_finds_them(client, provider, skien):
    provider.set_account("kari", email="kari.nordmann@skien.kommune.no", name="Kari Nordmann")
    first = sso_sign_in(client, "kari")
    assert first.status_code == 302 and first.headers["Location"] == "/"
    member = db.session.scalar(sa.select(Member))
    assert member.email == "kari.nordmann@skien.kommune.no" and member.name == "Kari Nordmann"
    assert member.organisation == skien and member.is_verified and member.verified_via == "tenant"
    assert member.email_confirmed_at is not None
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    assert identity.issuer == provider.tenant_issuer() and identity.subject == "kari"
    assert "Kari Nordmann" in client.get("/profile").get_data(as_text=True)

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    second = sso_sign_in(client, "kari")
    assert second.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1
    assert client.get("/profile").status_code == 200


def test_a_feide_sign_in_is_placed_by_its_verified_domain(client, provider, skien):
    provider.set_account(
        "ola", email="ola@skien.kommune.no", email_verified=True, name="Ola Nordmann"
    )
    assert sso_sign_in(client, "ola", "feide").status_code == 302
    member = db.session.scalar(sa.select(Member))
    assert member.organisation == skien and member.verified_via == "domain"


def test_a_newcomer_arena_cannot_place_chooses_and_asks_to_join(
    client, provider, make_organisation, smtp_server, make_member
):
    usn = make_organisation(name="Universitetet i Sørøst-Norge")
    make_member(org=usn, email="kontakt@usn.no", is_organisation_contact=True)
    provider.set_account("per", email="per@gmail.com", email_verified=True, name="Per Privat")
    answer = sso_sign_in(client, "per", "feide")
    assert answer.headers["Location"] == "/auth/sso/finish"
    page = client.get("/auth/sso/finish").get_data(as_text=True)
    assert "per@gmail.com" in page and "Feide" in page
    done = client.post(
        "/auth/sso/finish",
        data={
            "csrf_token": csrf_token(client, "/auth/sso/finish"),
            "name": "Per Privat",
            "organisation_id": str(usn.id),
        },
    )
    assert done.status_code == 302
    member = db.session.scalar(sa.select(Member).filter_by(email="per@gmail.com"))
    assert member.organisation == usn and not member.is_verified
    assert [m["Subject"] for m in smtp_server] == [
        "Per Privat ber om å bli med i Universitetet i Sørøst-Norge"
    ]


def test_a_verified_address_links_to_the_existing_member(client, provider, make_member, skien):
    member = make_member(org=skien, email="kari@skien.kommune.no")
    provider.set_account("kari-id", email="kari@skien.kommune.no", email_verified=True)
    assert sso_sign_in(client, "kari-id", "feide").status_code == 302
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    assert identity.member_id == member.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 1


def test_an_unverified_address_links_only_after_the_password(
    client, provider, make_member, post_form
):
    member = make_member(email="kari@example.no")
    provider.set_account("kari-id", email="kari@example.no", email_verified=False)
    answer = sso_sign_in(client, "kari-id", "feide")
    assert answer.headers["Location"] == "/auth/login"
    assert client.get("/profile").status_code == 302  # not signed in
    assert db.session.scalar(sa.select(MemberIdentity)) is None
    page = client.get("/auth/login").get_data(as_text=True)
    assert "logg inn med passordet ditt én gang" in page
    wrong = post_form("/auth/login", {"email": member.email, "password": "feil-feil-feil"})
    assert wrong.status_code == 200 and db.session.scalar(sa.select(MemberIdentity)) is None
    right = post_form("/auth/login", {"email": member.email, "password": PASSWORD})
    assert right.status_code == 302
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    assert identity.member_id == member.id and identity.subject == "kari-id"


def test_an_unverified_address_nobody_has_is_not_made_an_account(client, provider):
    provider.set_account("x", email="noen@example.no", email_verified=False)
    answer = sso_sign_in(client, "x", "feide")
    assert answer.headers["Location"] == "/auth/login"
    assert "registrer deg" in client.get("/auth/login").get_data(as_text=True)
    assert db.session.scalar(sa.select(Member)) is None


def test_a_replayed_or_wrong_state_is_refused(client, provider, skien):
    provider.set_account("kari", email="kari@skien.kommune.no")
    callback = sign_in_at_provider(start(client), "kari", BASE)
    assert client.get(callback).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    replayed = client.get(callback)
    assert replayed.status_code == 400
    assert "kunne ikke bekrefte innloggingen" in replayed.get_data(as_text=True)
    forged = client.get("/auth/sso/entra/callback?code=abc&state=laget-av-angriper")
    assert forged.status_code == 400
    assert client.get("/profile").status_code == 302


def test_a_wrong_nonce_is_refused(client, provider, skien):
    provider.set_account("kari", email="kari@skien.kommune.no")
    location = start(client)
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_entra_"):
                value["data"]["nonce"] = "en-annen-nonce"
                session[key] = value
    answer = client.get(sign_in_at_provider(location, "kari", BASE))
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(Member)) is None


def test_an_expired_id_token_is_refused(app, client, skien, tmp_path, monkeypatch):
    """A provider whose clock is two minutes behind issues ID tokens that live 30 seconds: they
    expired 90 seconds before Arena reads them, beyond the minute of skew Arena allows."""
    from oidc_provider import Provider

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    late = Provider(port, tmp_path, BASE, clock_offset=-120, id_token_ttl=30)
    try:
        monkeypatch.setitem(app.config, "SSO_PROVIDERS", late.arena_config("feide"))
        late.set_account("kari", email="kari@skien.kommune.no", email_verified=True)
        answer = client.get(sign_in_at_provider(start(client, "feide"), "kari", BASE))
    finally:
        late.stop()
    assert answer.status_code == 400
    assert db.session.scalar(sa.select(Member)) is None


def _token(provider, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": provider.tenant_issuer(),
        "sub": "kari",
        "aud": "arena-entra",
        "iat": now,
        "exp": now + 300,
        "nonce": "n-1",
        "tid": TENANT,
        "email": "kari@skien.kommune.no",
    } | claims
    return jwt.encode({"alg": "RS256", "kid": "test-key"}, payload, provider.key)


def _validate(provider, id_token: str):
    """Arena's own check of an ID token (the callback's): signature from the provider's keys,
    issuer (with the tenant), audience, times, nonce."""
    return sso.client("entra").parse_id_token(
        {"id_token": id_token},
        nonce="n-1",
        claims_options=sso.claims_options("entra"),
        leeway=60,
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "en-annen-klient"},
        {"iss": "http://127.0.0.1:1/falsk"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "gjenbrukt"},
    ],
    ids=["wrong audience", "wrong issuer", "expired", "wrong nonce"],
)
def test_id_tokens_signed_by_the_provider_but_wrong_are_refused(provider, claims):
    with pytest.raises(sso_sign_in_errors()):
        _validate(provider, _token(provider, **claims))
    assert _validate(provider, _token(provider))["sub"] == "kari"  # the same, right, passes


def test_a_token_signed_by_someone_else_is_refused(provider):
    from joserfc.jwk import RSAKey

    forger = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    forged = jwt.encode(
        {"alg": "RS256", "kid": "test-key"},
        {
            "iss": provider.issuer,
            "sub": "x",
            "aud": "arena-entra",
            "nonce": "n-1",
            "iat": int(time.time()),
            "exp": int(time.time()) + 300,
        },
        forger,
    )
    with pytest.raises(sso_sign_in_errors()):
        _validate(provider, forged)


def sso_sign_in_errors():
    from arena.accounts.sso_views import REFUSED

    return REFUSED


def test_the_entra_multi_tenant_issuer_is_the_tokens_own_tenant():
    announced = "https://login.microsoftonline.com/{tenantid}/v2.0"
    claims = {"tid": "1111"}
    assert sso.expected_issuer(announced, claims) == "https://login.microsoftonline.com/1111/v2.0"
    assert sso.expected_issuer(announced, {}) is None  # no tenant: no issuer can match
    assert sso.expected_issuer("https://auth.dataporten.no", claims) == "https://auth.dataporten.no"


def test_a_provider_that_is_down_gets_a_clear_message(app, client, provider, monkeypatch):
    down = provider.arena_config("feide")[0] | {"name": "nede", "issuer": "http://127.0.0.1:9"}
    monkeypatch.setitem(app.config, "SSO_PROVIDERS", [down])
    answer = client.get("/auth/sso/nede")
    assert answer.status_code == 503
    assert "svarer ikke nå" in answer.get_data(as_text=True)


def test_sso_required_refuses_the_password_and_the_reset_link(
    client, provider, make_member, post_form, skien, smtp_server
):
    member = make_member(org=skien, email="kari@skien.kommune.no")
    skien.sso_required = True
    db.session.commit()
    refused = post_form("/auth/login", {"email": member.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "Skien kommune logger inn med sin egen innlogging" in refused.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    post_form("/auth/forgot", {"email": member.email}, token_from="/auth/forgot")
    (mail,) = smtp_server
    assert "/auth/reset/" not in mail.get_body(preferencelist=("plain",)).get_content()
    provider.set_account("kari", email=member.email)
    assert sso_sign_in(client, "kari").status_code == 302
    assert client.get("/profile").status_code == 200


def test_a_deactivated_member_cannot_sign_in_by_sso(client, provider, make_member, skien):
    member = make_member(org=skien, email="kari@skien.kommune.no", active=False)
    provider.set_account("kari", email=member.email)
    answer = sso_sign_in(client, "kari")
    assert answer.status_code == 403 and "deaktivert" in answer.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_a_changed_address_at_the_provider_follows_only_when_verified(
    client, provider, make_member, skien
):
    provider.set_account("kari", email="kari@skien.kommune.no", email_verified=True)
    sso_sign_in(client, "kari", "feide")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    provider.set_account("kari", email="kari.ny@skien.kommune.no", email_verified=False)
    sso_sign_in(client, "kari", "feide")
    assert db.session.scalar(sa.select(Member.email)) == "kari@skien.kommune.no"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    provider.set_account("kari", email="kari.ny@skien.kommune.no", email_verified=True)
    sso_sign_in(client, "kari", "feide")
    db.session.expire_all()
    assert db.session.scalar(sa.select(Member.email)) == "kari.ny@skien.kommune.no"


def test_sign_out_ends_arena_and_the_provider_session(client, provider, skien):
    provider.set_account("kari", email="kari@skien.kommune.no")
    sso_sign_in(client, "kari")
    out = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert out.status_code == 302
    assert out.headers["Location"].startswith(provider.issuer + "/organizations/v2.0/session/end?")
    assert "post_logout_redirect_uri=http%3A%2F%2Flocalhost%2F" in out.headers["Location"]
    assert client.get("/profile").status_code == 302


def test_members_see_and_remove_linked_sign_ins_but_not_the_last_way_in(
    client, provider, skien, make_member, login_as
):
    provider.set_account("kari", email="kari@skien.kommune.no")
    sso_sign_in(client, "kari")
    page = client.get("/profile").get_data(as_text=True)
    assert "Microsoft Entra ID som kari@skien.kommune.no" in page
    (identity,) = db.session.scalars(sa.select(MemberIdentity)).all()
    refused = client.post(
        f"/profile/sign-ins/{identity.id}/remove",
        data={"csrf_token": csrf_token(client, "/profile")},
        follow_redirects=True,
    )
    assert "eneste måten du kan logge inn på" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(MemberIdentity)) is not None

    someone = login_as(make_member(email="annen@example.no"))
    assert someone
    other = client.post(
        f"/profile/sign-ins/{identity.id}/remove",
        data={"csrf_token": csrf_token(client, "/profile")},
    )
    assert other.status_code == 403


def test_sign_out_may_go_on_to_the_provider_and_nowhere_else(client, provider):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in policy


def test_admins_tie_a_tenant_and_require_sso_and_a_merge_keeps_them(
    client, post_form, make_member, make_organisation, login_as
):
    from arena.organisations import services as organisations

    admin = login_as(make_member(is_admin=True))
    duplicate = make_organisation(name="Skien kommune (gammel)")
    page = f"/admin/organisations/{duplicate.slug}/edit"
    saved = post_form(
        page,
        {
            "name": duplicate.name,
            "kind": "kommune",
            "sso_tenant_id": TENANT.upper(),
            "sso_required": "y",
        },
        token_from=page,
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert duplicate.sso_tenant_id == TENANT.lower() and duplicate.sso_required
    clash = make_organisation(name="Annen kommune")
    page = f"/admin/organisations/{clash.slug}/edit"
    refused = post_form(
        page, {"name": clash.name, "kind": "kommune", "sso_tenant_id": TENANT}, token_from=page
    )
    assert refused.status_code == 200
    assert "hører allerede til Skien kommune (gammel)" in refused.get_data(as_text=True)

    kept = make_organisation(name="Skien kommune")
    organisations.merge_organisations(admin, duplicate, kept)
    db.session.expire_all()
    assert kept.sso_tenant_id == TENANT.lower() and kept.sso_required


def test_the_export_lists_linked_sign_ins_and_deletion_removes_them(
    client, provider, skien, post_form
):
    provider.set_account("kari", email="kari@skien.kommune.no")
    sso_sign_in(client, "kari")
    data = client.get("/profile/export").get_json()
    (sign_in,) = data["sign_ins"]
    assert sign_in["provider"] == "Microsoft Entra ID"
    assert sign_in["email"] == "kari@skien.kommune.no" and "subject" not in sign_in
    member = db.session.scalar(sa.select(Member))
    from arena.accounts import member_data

    member_data.erase_member(member)
    db.session.commit()
    assert db.session.scalar(sa.select(MemberIdentity)) is None
