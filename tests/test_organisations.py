"""Browsing organisations, and creating, editing, approving and merging them as admin."""

import pytest
import sqlalchemy as sa

from arena.accounts.models import Member
from arena.extensions import db
from arena.organisations.models import Organisation
from arena.organisations.services import is_valid_org_number, merge_organisations, slugify


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("974760673", True),
        ("923609016", True),
        ("974760674", False),
        ("12345678", False),
        ("97476067a", False),
        ("", False),
        ("9747606730", False),
    ],
)
def test_org_number_modulus_11(number, valid):
    assert is_valid_org_number(number) is valid


def test_slug_folds_norwegian_letters():
    assert slugify("Tønsberg kommune") == "tonsberg-kommune"
    assert slugify("Bø Sauelag – Ærlig & Åpen") == "bo-sauelag-aerlig-apen"


def test_browse_filters_by_kind_and_municipality(client, make_organisation, make_member):
    skien = make_organisation("Skien kommune", kind="kommune", municipality="Skien")
    make_organisation("Nome kommune", kind="kommune", municipality="Nome")
    make_organisation("USN", kind="akademia", municipality="Horten")
    make_organisation("Ventende AS", kind="naeringsliv", approved=False)
    make_member(org=skien)
    make_member(org=skien)

    html = client.get("/organisations").get_data(as_text=True)
    assert "Skien kommune" in html and "USN" in html and "Ventende AS" not in html

    html = client.get("/organisations?kind=akademia").get_data(as_text=True)
    assert "USN" in html and "Skien kommune" not in html

    municipality_id = skien.municipality_id
    html = client.get(f"/organisations?municipality={municipality_id}").get_data(as_text=True)
    assert "Skien kommune" in html and "Nome kommune" not in html

    # Unknown filter values are ignored, never an error.
    for query in ("kind=finnes-ikke", "municipality=abc", "municipality=99999", "kind=%27%3B--"):
        assert client.get(f"/organisations?{query}").status_code == 200


def test_organisation_page_shows_members_to_signed_in_members_only(
    client, make_organisation, make_member, login_as
):
    org = make_organisation("Telemarksforsking", kind="akademia")
    make_member(org=org, name="Sigrid Forsker")
    html = client.get(f"/organisations/{org.slug}").get_data(as_text=True)
    assert "Telemarksforsking" in html and "Sigrid Forsker" not in html and "1 medlem" in html
    login_as(make_member())
    html = client.get(f"/organisations/{org.slug}").get_data(as_text=True)
    assert "Sigrid Forsker" in html


def test_pending_organisation_is_hidden_from_members_but_shown_to_admins(
    client, make_organisation, make_member, login_as
):
    org = make_organisation("Ventende AS", approved=False)
    assert client.get(f"/organisations/{org.slug}").status_code == 404
    login_as(make_member(is_admin=True))
    assert client.get(f"/organisations/{org.slug}").status_code == 200


def test_admin_creates_organisation(client, post_form, make_member, login_as):
    login_as(make_member(is_admin=True))
    response = post_form(
        "/admin/organisations/new",
        {
            "name": "Vinje Reiseliv",
            "kind": "naeringsliv",
            "municipality_id": "",
            "org_number": "974 760 673",
            "website": "https://vinje.example.no",
        },
        token_from="/admin/organisations/new",
    )
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organisation).filter_by(name="Vinje Reiseliv"))
    assert org.approved and org.org_number == "974760673" and org.slug == "vinje-reiseliv"


def test_admin_organisation_form_rejects_bad_input(
    client, post_form, make_member, make_organisation, login_as
):
    make_organisation("Skien kommune", org_number="974760673")
    login_as(make_member(is_admin=True))
    cases = [
        ({"name": "", "kind": "kommune"}, "Må fylles ut"),
        ({"name": "X" * 201, "kind": "kommune"}, "Kan ikke være lengre enn 200"),
        ({"name": "Ny", "kind": "finnes-ikke"}, "Velg et av alternativene i lista"),
        ({"name": "Ny", "kind": "kommune", "org_number": "123"}, "9 siffer"),
        ({"name": "Ny", "kind": "kommune", "org_number": "974760673"}, "allerede registrert"),
        ({"name": "skien KOMMUNE", "kind": "kommune"}, "finnes allerede"),
        (
            {"name": "Ny", "kind": "kommune", "municipality_id": "9999"},
            "Velg et av alternativene i lista",
        ),
        ({"name": "Ny", "kind": "kommune", "website": "javascript:alert(1)"}, "https://"),
    ]
    for fields, message in cases:
        response = post_form(
            "/admin/organisations/new", fields, token_from="/admin/organisations/new"
        )
        assert response.status_code == 200, fields
        assert message in response.get_data(as_text=True), fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 2


def test_names_match_whatever_the_case_of_æ_ø_å(
    client, post_form, make_member, make_organisation, login_as
):
    """«ØSTLANDSFORSKNING» is the same name as «Østlandsforskning», on SQLite as on PostgreSQL:
    a duplicate is refused and the initiative filter finds it typed in lower case."""
    from arena.organisations.services import find_organisation

    existing = make_organisation("Østlandsforskning Ås")
    login_as(make_member(is_admin=True))
    response = post_form(
        "/admin/organisations/new",
        {"name": "ØSTLANDSFORSKNING ÅS", "kind": "akademia"},
        token_from="/admin/organisations/new",
    )
    assert "finnes allerede" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 2
    assert find_organisation("østlandsforskning ås") == existing


def test_admin_edits_and_approves(client, post_form, make_member, make_organisation, login_as):
    org = make_organisation("Bø Sauelag", kind="frivillighet", approved=False)
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{org.slug}/edit"
    response = post_form(
        page, {"name": "Bø og Omegn Sauelag", "kind": "frivillighet"}, token_from=page
    )
    assert response.status_code == 302
    response = post_form(f"/admin/organisations/{org.slug}/approve", token_from="/admin")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.name == "Bø og Omegn Sauelag" and org.approved
    assert org.slug == "bo-sauelag"  # links stay valid after a rename


def test_admin_merges_duplicate_organisation(
    client, post_form, make_member, make_organisation, login_as
):
    target = make_organisation("Universitetet i Sørøst-Norge", kind="akademia")
    duplicate = make_organisation("USN", kind="akademia", approved=False, org_number="923609016")
    moved = make_member(org=duplicate)
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{duplicate.slug}/merge"
    response = post_form(page, {"target": target.slug}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, duplicate.id) is None
    assert db.session.get(Member, moved.id).organisation_id == target.id
    assert db.session.get(Organisation, target.id).org_number == "923609016"


def test_merge_into_itself_is_refused(client, post_form, make_member, make_organisation, login_as):
    org = make_organisation("USN", kind="akademia")
    login_as(make_member(is_admin=True))
    page = f"/admin/organisations/{org.slug}/merge"
    response = post_form(page, {"target": org.slug}, token_from=page)
    assert response.status_code == 200  # not among the choices
    assert db.session.get(Organisation, org.id) is not None


def test_merging_keeps_the_duplicates_arena_participation(make_member, make_organisation):
    """The arenas area hands its rows over in a merge (they used to go with the cascade)."""
    from arena.arenas import services as arenas
    from arena.arenas.services import ArenaInput

    right = make_organisation("Skien kommune")
    duplicate = make_organisation("Skien Kommune (dublett)")
    owner = make_member(org=right)
    both, _ = arenas.create_arena(
        owner, ArenaInput(name="Begge", organisation_ids=[right.id, duplicate.id])
    )
    only, _ = arenas.create_arena(
        owner, ArenaInput(name="Bare dubletten", organisation_ids=[duplicate.id])
    )
    merge_organisations(make_member(is_admin=True), duplicate, right)
    db.session.expire_all()
    assert [o.name for o in both.organisations] == ["Skien kommune"]
    assert [o.name for o in only.organisations] == ["Skien kommune"]
