"""Signing the declaration, withdrawing, and the public list of ambassadors."""

import sqlalchemy as sa

from arena.declaration import services
from arena.declaration.models import Signature
from arena.extensions import db


def sign(post_form, consent=True):
    data = {"public_consent": "y"} if consent else {}
    return post_form("/declaration/sign", data, token_from="/declaration")


def test_declaration_shows_the_ten_rules_and_highlights_4_8_10(client):
    html = client.get("/declaration").get_data(as_text=True)
    assert html.count('<li id="rule-') == 10
    assert "Vi informerer hverandre om hva vi gjør og prioriterer." in html
    for number in (4, 8, 10):
        assert f'<li id="rule-{number}" class="rules__supported">' in html
    assert "ikke juridisk bindende" in html
    assert "/auth/login?next=/declaration" in html


def test_sign_with_consent_appears_on_ambassadors_then_withdraw(
    client, post_form, make_member, make_organisation, login_as
):
    org = make_organisation("Skien kommune", municipality="Skien")
    member = login_as(make_member(org=org, name="Astrid Lie", title="Næringssjef"))
    assert sign(post_form).status_code == 302
    html = client.get("/ambassadors").get_data(as_text=True)
    assert "Astrid Lie" in html and "Næringssjef" in html and "Skien kommune" in html
    assert "Ambassadør for «Jobbe smartere sammen»" in client.get(f"/members/{member.id}").get_data(
        as_text=True
    )

    assert post_form("/declaration/withdraw", token_from="/declaration").status_code == 302
    assert "Astrid Lie" not in client.get("/ambassadors").get_data(as_text=True)
    assert not services.is_ambassador(member)


def test_signing_without_consent_is_not_listed_publicly(client, post_form, make_member, login_as):
    member = login_as(make_member(name="Privat Person"))
    sign(post_form, consent=False)
    assert services.is_ambassador(member)
    assert "Privat Person" not in client.get("/ambassadors").get_data(as_text=True)


def test_signing_twice_is_harmless_and_updates_consent(client, post_form, make_member, login_as):
    member = login_as(make_member(name="To Ganger"))
    sign(post_form)
    sign(post_form, consent=False)
    signatures = db.session.scalars(sa.select(Signature)).all()
    assert len(signatures) == 1 and not signatures[0].public_consent
    assert "To Ganger" not in client.get("/ambassadors").get_data(as_text=True)
    assert member.id == signatures[0].member_id


def test_signing_again_after_withdrawing_starts_a_new_signature(
    client, post_form, make_member, login_as, clock
):
    login_as(make_member())
    sign(post_form)
    post_form("/declaration/withdraw", token_from="/declaration")
    clock.advance(days=30)
    sign(post_form)
    signature = db.session.scalar(sa.select(Signature))
    assert signature.is_current and signature.signed_at == clock.now


def test_signing_when_not_signed_in_leads_to_login_and_back(client, post_form):
    response = post_form("/declaration/sign", {"public_consent": "y"}, token_from="/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/declaration"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_csrf_token_from_another_session_is_rejected(app, client, make_member, login_as):
    from conftest import csrf_token

    stolen = csrf_token(app.test_client(), "/auth/login")  # the attacker's own session
    login_as(make_member())
    response = client.post("/declaration/sign", data={"csrf_token": stolen, "public_consent": "y"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_forged_sign_post_without_csrf_is_rejected(client, make_member, login_as):
    login_as(make_member())
    response = client.post("/declaration/sign", data={"public_consent": "y"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_ambassadors_search_and_filters(client, make_member, make_organisation):
    skien = make_organisation("Skien kommune", kind="kommune", municipality="Skien")
    usn = make_organisation("Universitetet i Sørøst-Norge", kind="akademia", municipality="Horten")
    for org, name, title in [
        (skien, "Bjørn Dahl", "Planlegger"),
        (usn, "Åse Vik", "Professor"),
        (usn, "Knut Moen", "Forsker"),
    ]:
        services.sign_declaration(make_member(org=org, name=name, title=title), True)

    def names(query):
        html = client.get("/ambassadors?" + query).get_data(as_text=True)
        return {n for n in ("Bjørn Dahl", "Åse Vik", "Knut Moen") if n in html}

    assert names("") == {"Bjørn Dahl", "Åse Vik", "Knut Moen"}
    assert names("q=bjorn") == {"Bjørn Dahl"}  # ø typed as o
    assert names("q=aase") == {"Åse Vik"}  # å typed as aa
    assert names("q=PROFESSOR") == {"Åse Vik"}
    assert names("q=sorost+forsker") == {"Knut Moen"}  # all words must match
    assert names("kind=akademia") == {"Åse Vik", "Knut Moen"}
    assert names(f"municipality={skien.municipality_id}") == {"Bjørn Dahl"}


def test_ambassadors_search_answers_normally_for_hostile_input(client, make_member):
    services.sign_declaration(make_member(name="Vanlig Navn"), True)
    for query in [
        '"',
        "'; DROP TABLE members; --",
        "%",
        "_",
        "x" * 10_000,
        "😀🇳🇴",
        "<script>",
        "kind=%00",
        "\u202e",
    ]:
        response = client.get(
            "/ambassadors", query_string={"q": query, "kind": query, "municipality": query}
        )
        assert response.status_code == 200, query
        assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_ambassador_counts_and_growth_are_shown_as_chart_and_table(
    client, make_member, make_organisation, clock
):
    skien = make_organisation("Skien kommune", kind="kommune", municipality="Skien")
    usn = make_organisation("USN", kind="akademia", municipality="Horten")
    services.sign_declaration(make_member(org=skien), True)
    clock.advance(days=40)
    services.sign_declaration(make_member(org=usn), True)
    services.sign_declaration(make_member(org=usn), True)
    services.sign_declaration(make_member(org=usn), False)  # signed, not listed
    services.sign_declaration(make_member(org=usn, verified=False), True)  # not verified
    html = client.get("/ambassadors").get_data(as_text=True)
    assert html.count("<meter") == 2 + 2 + 12  # a bar per kind, municipality and month
    assert "<tr><td>Universitet, høgskole og forskning</td><td>2</td></tr>" in html
    assert "<tr><td>Horten</td><td>2</td></tr>" in html
    assert "<tr><td>november 2026</td><td>1</td></tr>" in html
    # The growth chart ends where the page's count is: the ambassadors it lists.
    assert "3 ambassadører funnet" in html
    assert "<tr><td>januar 2027</td><td>3</td></tr>" in html


def test_deleting_account_removes_signature(client, post_form, make_member, login_as):
    from conftest import PASSWORD

    member = login_as(make_member(name="Skal Slettes"))
    sign(post_form)
    post_form(
        "/profile/delete", {"confirm": "y", "password": PASSWORD}, token_from="/profile/delete"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
    assert member.id


def test_export_includes_signature(client, post_form, make_member, login_as):
    login_as(make_member())
    sign(post_form)
    data = client.get("/profile/export").get_json()
    assert data["declaration_signature"]["public_consent"] is True
    assert data["declaration_signature"]["withdrawn_at"] is None
