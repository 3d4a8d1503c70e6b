"""Expertise on the profile, «Ta kontakt», area curation, CSV import, reminders and the API."""

from datetime import datetime

import sqlalchemy as sa
from conftest import body_of, to_of

from arena.accounts.models import Member
from arena.accounts.services import issue_api_token
from arena.expertise import importer
from arena.expertise import services as expertise
from arena.expertise.models import ContactRequest, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput
from arena.organisations.models import Organisation
from arena.organisations.services import slugify


def make_area(name, name_nn="", synonyms="", approved=True):
    area = ExpertiseArea(
        name=name, name_nn=name_nn, synonyms=synonyms, slug=slugify(name), approved=approved
    )
    db.session.add(area)
    db.session.flush()
    expertise.index_area(area)
    db.session.commit()
    return area


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- the profile ----------------------------------------------------------------------------------


def test_add_area_by_name_nynorsk_name_or_synonym(client, post_form, make_member, login_as):
    klima = make_area("Klimatilpasning", "Klimatilpassing")
    ki = make_area("Kunstig intelligens", synonyms="KI, AI")
    member = login_as(make_member())
    for typed, area in (("klimatilpassing", klima), ("KI", ki)):
        response = post_form(
            "/profile/expertise", {"area": typed, "level": "3"}, token_from="/profile"
        )
        assert response.status_code == 302, typed
        assert db.session.get(MemberExpertise, (member.id, area.id)).level == 3


def test_typing_suggests_existing_areas_before_proposing_a_new_one(
    client, post_form, make_member, login_as
):
    make_area("Arealplanlegging")
    member = login_as(make_member())
    response = post_form(
        "/profile/expertise", {"area": "planlegging", "level": "2"}, token_from="/profile"
    )
    html = response.get_data(as_text=True)
    assert "Mente du et av disse?" in html and "Arealplanlegging" in html
    assert "foreslå «planlegging» som nytt fagområde" in html
    assert count(MemberExpertise) == 0
    response = post_form(
        "/profile/expertise",
        {"area": "planlegging", "level": "2", "propose": "1"},
        token_from="/profile",
    )
    assert response.status_code == 302
    proposed = db.session.scalar(sa.select(ExpertiseArea).filter_by(name="Planlegging"))
    assert proposed.approved is False and proposed.proposed_by_id == member.id
    assert db.session.get(MemberExpertise, (member.id, proposed.id)).level == 2


def test_level_outside_1_to_3_is_refused(client, post_form, make_member, login_as):
    make_area("Hydrogen")
    login_as(make_member())
    for level in ("0", "4", "ekspert", ""):
        response = post_form(
            "/profile/expertise", {"area": "Hydrogen", "level": level}, token_from="/profile"
        )
        assert response.status_code == 422
    assert count(MemberExpertise) == 0


def test_change_level_and_remove(client, post_form, make_member, login_as):
    area = make_area("Hydrogen")
    member = login_as(make_member())
    expertise.set_expertise(member, member, area, 1)
    post_form(
        f"/profile/expertise/{area.id}",
        {"level": "3", "note": "Ledet pilot"},
        token_from="/profile",
    )
    entry = db.session.get(MemberExpertise, (member.id, area.id))
    assert entry.level == 3 and entry.note == "Ledet pilot"
    post_form(f"/profile/expertise/{area.id}/remove", token_from="/profile")
    assert count(MemberExpertise) == 0


def test_profile_shows_what_is_missing_and_ask_me_about_is_searchable(
    client, post_form, make_member, login_as
):
    member = login_as(make_member(title=""))
    html = client.get("/profile").get_data(as_text=True)
    assert "Profilen din mangler" in html and "minst ett fagområde" in html
    post_form(
        "/profile",
        {
            "name": member.name,
            "preferred_language": "nb",
            "ask_me_about": "Spør meg om sirkulære byggeplasser.",
        },
        token_from="/profile",
    )
    searcher = make_member()
    from arena.expertise import finder

    found = finder.find_experts(searcher, finder.ExpertQuery(text="byggeplass")).results
    assert [r.member.id for r in found] == [member.id]


def test_area_page_lists_people_by_level(client, make_member, login_as):
    area = make_area("Folkehelse")
    for name, level in (("Ekspert Eva", 3), ("Interessert Ida", 1)):
        member = make_member(name=name)
        expertise.set_expertise(member, member, area, level)
    assert "Logg inn for å se hvem" in client.get(f"/areas/{area.slug}").get_data(as_text=True)
    login_as(make_member())
    html = client.get(f"/areas/{area.slug}").get_data(as_text=True)
    assert html.index("Ekspert Eva") < html.index("Interessert Ida")


def test_a_field_held_by_many_names_the_first_and_counts_the_rest(
    client, make_member, login_as, monkeypatch
):
    """A field held by thousands is one page: the first by name at each level, how many there
    are, and the way to the rest through the finder."""
    monkeypatch.setattr(expertise, "PEOPLE_SHOWN", 3)
    area = make_area("Folkehelse")
    for n in range(5):
        member = make_member(name=f"Kyndig {n}")
        expertise.set_expertise(member, member, area, 2)
    login_as(make_member())
    html = client.get(f"/areas/{area.slug}").get_data(as_text=True)
    assert [f"Kyndig {n}" in html for n in range(5)] == [True, True, True, False, False]
    assert "(5)" in html
    assert "Og 2 til: søk blant dem i «Finn en kollega»" in html
    assert "/experts?q=Folkehelse&amp;level_min=2&amp;include_own_organisation=1" in html


# --- the finder page ----------------------------------------------------------------------------


def test_finder_page_needs_sign_in_and_shows_how_to_reach(client, make_member, login_as):
    area = make_area("Hydrogen")
    expert = make_member(name="Hydro Gen", phone="+47 400 00 000", title="Prosjektleder")
    expertise.set_expertise(expert, expert, area, 3, "Fyllestasjoner")
    assert client.get("/experts?q=hydrogen").status_code == 302
    login_as(make_member())
    html = client.get("/experts?q=hydrogenet").get_data(as_text=True)
    assert "Hydro Gen" in html and expert.email in html and "Ekspert" in html
    assert f"/members/{expert.id}/contact" in html


def test_finder_page_guidance_and_bad_filters(client, make_member, login_as):
    login_as(make_member())
    html = client.get("/experts").get_data(as_text=True)
    assert "Skriv hva du trenger hjelp til" in html
    html = client.get(
        "/experts?q=x&level_min=7&organisation_kind=romvesen&municipality=1"
    ).get_data(as_text=True)
    assert "Noen filtre finnes ikke" in html and "romvesen" in html


# --- «Ta kontakt» ---------------------------------------------------------------------------------


def test_contact_request_emails_the_expert_with_reply_to_the_sender(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member(name="Ekspert Eva", email="eva@usn.no", preferred_language="en")
    sender = login_as(
        make_member(name="Spør Sara", email="sara@nome.kommune.no", title="Planlegger")
    )
    page = f"/members/{expert.id}/contact"
    response = post_form(
        page, {"subject": "Overvann", "message": "Kan du hjelpe oss?"}, token_from=page
    )
    assert response.status_code == 302
    (mail,) = smtp_server
    assert to_of(mail) == "eva@usn.no" and "sara@nome.kommune.no" in mail["Reply-To"]
    assert "Spør Sara" in mail["Subject"] and "would like to talk" in mail["Subject"]
    assert "Kan du hjelpe oss?" in body_of(mail)
    assert f"http://localhost/members/{sender.id}" in body_of(mail)
    request = db.session.scalar(sa.select(ContactRequest))
    assert request.sender_id == sender.id and request.answered_at is None

    login_as(expert)
    html = client.get("/profile/contact-requests").get_data(as_text=True)
    assert "Overvann" in html
    post_form(f"/contact-requests/{request.id}/answered", token_from="/profile/contact-requests")
    db.session.refresh(request)
    assert request.answered_at is not None


def test_contact_requests_are_limited_to_ten_a_day(
    client, post_form, make_member, login_as, smtp_server, clock
):
    expert = make_member()
    login_as(make_member())
    page = f"/members/{expert.id}/contact"
    statuses = [
        post_form(page, {"subject": f"Nr {n}", "message": "Hei"}, token_from=page).status_code
        for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    assert len(smtp_server) == 10 and count(ContactRequest) == 10
    clock.advance(days=1, minutes=1)
    assert (
        post_form(page, {"subject": "Ny dag", "message": "Hei"}, token_from=page).status_code == 302
    )


def test_contact_form_rejects_empty_or_overlong_input(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member()
    login_as(make_member())
    page = f"/members/{expert.id}/contact"
    for data in ({"subject": "", "message": "Hei"}, {"subject": "Hei", "message": "x" * 3001}):
        response = post_form(page, data, token_from=page)
        assert response.status_code == 200 and "ds-error-summary" in response.get_data(as_text=True)
    assert smtp_server == [] and count(ContactRequest) == 0


# --- curating the vocabulary ----------------------------------------------------------------------


def test_admin_merges_areas_moving_members_and_initiatives(
    client, post_form, make_member, login_as
):
    right = make_area("Klimatilpasning")
    duplicate = make_area("Klimatilpassing i kommunene", approved=False)
    both = make_member(name="Har begge")
    expertise.set_expertise(both, both, right, 1)
    expertise.set_expertise(both, both, duplicate, 3)
    only = make_member(name="Har duplikatet")
    expertise.set_expertise(only, only, duplicate, 2)
    initiative = initiatives.create_initiative(
        only, InitiativeInput(title="Flomvern", summary="S", theme_ids=[duplicate.id])
    )
    login_as(make_member(is_admin=True))
    page = f"/admin/areas/{duplicate.slug}/merge"
    assert post_form(page, {"target": right.slug}, token_from=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExpertiseArea, duplicate.id) is None
    assert db.session.get(MemberExpertise, (both.id, right.id)).level == 3
    assert db.session.get(MemberExpertise, (only.id, right.id)).level == 2
    assert [a.name for a in db.session.get(type(initiative), initiative.id).themes] == [
        "Klimatilpasning"
    ]


def test_admin_renames_and_approves_a_proposed_area(client, post_form, make_member, login_as):
    proposed = make_area("kunstig inteligens", approved=False)
    login_as(make_member(is_admin=True))
    assert "kunstig inteligens" in client.get("/admin/areas").get_data(as_text=True)
    page = f"/admin/areas/{proposed.slug}/edit"
    post_form(page, {"name": "Kunstig intelligens", "synonyms": "KI, AI"}, token_from=page)
    db.session.refresh(proposed)
    assert proposed.name == "Kunstig intelligens" and proposed.approved
    assert expertise.suggest_areas(None, "KI")[0].id == proposed.id  # approved: for everyone


# --- import ---------------------------------------------------------------------------------------

HEADER = "email,name,organisation,organisation_kind,municipality,title,expertise,ask_me_about\n"


def test_import_creates_and_updates_members_all_or_nothing(make_member, make_organisation):
    make_organisation("Skien kommune")
    make_area("Klimatilpasning")
    existing = make_member(email="ola@skien.kommune.no", name="Gammelt Navn")
    content = (
        HEADER + "kari@skien.kommune.no,Kari Nordmann,Skien kommune,,,Rådgiver,"
        "Klimatilpasning:3 ; Hydrologi : 2,Overvann\n"
        + "OLA@skien.kommune.no,Ola Nordmann,skien-kommune,,,,Klimatilpasning:1,\n"
        + "per@nyorg.no,Per Hansen,Ny Organisasjon AS,naeringsliv,Bamble,,,\n"
    ).encode()
    preview = importer.import_members(None, content, dry_run=True)
    assert not preview.errors and (preview.created, preview.updated) == (2, 1)
    assert preview.new_organisations == ["Ny Organisasjon AS"]
    assert preview.new_areas == ["Hydrologi"]
    assert count(Member) == 1

    report = importer.import_members(None, content)
    assert report.written
    kari = db.session.scalar(sa.select(Member).filter_by(email="kari@skien.kommune.no"))
    assert {(e.area.name, e.level) for e in expertise.expertise_of(kari)} == {
        ("Klimatilpasning", 3),
        ("Hydrologi", 2),
    }
    db.session.refresh(existing)
    assert existing.name == "Ola Nordmann"
    per = db.session.scalar(sa.select(Member).filter_by(email="per@nyorg.no"))
    assert per.organisation.kind == "naeringsliv" and per.organisation.municipality.name == "Bamble"


def test_import_reports_every_bad_line_and_writes_nothing(make_organisation):
    make_organisation("Skien kommune")
    content = (
        HEADER
        + "ok@skien.kommune.no,Ok Person,Skien kommune,,,,,\n"
        + "ikke-epost,Navn,Skien kommune,,,,,\n"
        + "a@b.no,Navn,Skien kommune,,,,Klima:4,\n"
        + "c@d.no,Navn,Ukjent AS,romvesen,,,,\n"
        + "ok@skien.kommune.no,Dobbel,Skien kommune,,,,,\n"
        + "e@f.no,Navn,Skien kommune,,Atlantis,,,\n"
        + "g@h.no,Navn,Skien kommune,,,,Klima,\n"
    ).encode()
    report = importer.import_members(None, content)
    lines = {line for line, _reason in report.errors}
    assert lines == {3, 4, 5, 6, 7, 8}
    reasons = dict(report.errors)
    assert "linje 2" in reasons[6] and "Atlantis" in reasons[7] and "romvesen" in reasons[5]
    assert count(Member) == 0 and count(Organisation) == 1


def test_import_rejects_wrong_header_and_non_utf8():
    assert importer.import_members(None, b"epost,navn\nx,y\n").errors[0][0] == 1
    bad = (HEADER + "ø@x.no,Åse,Org,kommune,,,,\n").encode("latin-1")
    assert "UTF-8" in importer.import_members(None, bad).errors[0][1]
    assert count(Member) == 0


def test_import_cli_dry_run_and_errors(runner, tmp_path, make_organisation):
    make_organisation("Skien kommune")
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "kari@skien.kommune.no,Kari,Skien kommune,,,,,\n", "utf-8")
    result = runner.invoke(args=["import-members", str(good), "--dry-run"])
    assert result.exit_code == 0 and "Would import 1 new" in result.output
    assert count(Member) == 0
    result = runner.invoke(args=["import-members", str(good)])
    assert result.exit_code == 0 and count(Member) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "x,Kari,Skien kommune,,,,,\n", "utf-8")
    result = runner.invoke(args=["import-members", str(bad)])
    assert result.exit_code == 1 and "line 2" in result.output


def test_admin_import_page_previews_then_imports(
    client, post_form, make_member, login_as, make_organisation
):
    make_organisation("Skien kommune")
    login_as(make_member(is_admin=True))
    from io import BytesIO

    csv_text = HEADER + "kari@skien.kommune.no,Kari Nordmann,Skien kommune,,,,,\n"
    response = post_form(
        "/admin/import",
        {"file": (BytesIO(csv_text.encode()), "ansatte.csv")},
        token_from="/admin/import",
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "Forhåndsvisning" in html and "kari@skien.kommune.no" in html
    assert count(Member) == 1
    response = post_form(
        "/admin/import", {"content": csv_text, "confirm": "y"}, token_from="/admin/import"
    )
    assert response.status_code == 302 and count(Member) == 2


# --- reminders and the API ----------------------------------------------------------------------


def test_profile_review_reminder_after_a_year(runner, make_member, smtp_server, clock):
    member = make_member(email="gammel@example.no")
    clock.advance(days=300)
    runner.invoke(args=["send-reminders"])
    assert smtp_server == []
    clock.advance(days=70)
    result = runner.invoke(args=["send-reminders"])
    assert "profile-reviews: 1" in result.output
    assert to_of(smtp_server[0]) == "gammel@example.no"
    assert "http://localhost/profile" in body_of(smtp_server[0])
    runner.invoke(args=["send-reminders"])
    assert len(smtp_server) == 1
    assert member.active


def test_experts_api(client, make_member, make_organisation):
    area = make_area("Hydrogen")
    expert = make_member(name="Hydro Gen", org=make_organisation("Herøya"))
    expertise.set_expertise(expert, expert, area, 3)
    caller = make_member()
    colleague = make_member(org=caller.organisation, name="Kollega")
    expertise.set_expertise(colleague, colleague, area, 3)
    headers = {"Authorization": f"Bearer {issue_api_token(caller, 'x')}"}
    body = client.get("/api/v1/experts?q=hydrogenet", headers=headers).get_json()
    assert [r["name"] for r in body["results"]] == ["Hydro Gen"]
    assert body["results"][0]["expertise"] == [{"area": "Hydrogen", "level": 3}]
    assert body["results"][0]["organisation"]["name"] == "Herøya"
    body = client.get(
        "/api/v1/experts?q=hydrogen&include_own_organisation=1", headers=headers
    ).get_json()
    assert {r["name"] for r in body["results"]} == {"Hydro Gen", "Kollega"}
    for query in (
        "level_min=0",
        "level_min=4",
        "level_min=x",
        "limit=0",
        "organisation_kind=romvesen",
    ):
        response = client.get(f"/api/v1/experts?q=hydrogen&{query}", headers=headers)
        assert response.status_code == 422, query


def test_me_expertise_api(client, make_member):
    hydrogen = make_area("Hydrogen")
    energi = make_area("Energi")
    member = make_member()
    headers = {"Authorization": f"Bearer {issue_api_token(member, 'x')}"}
    response = client.put(
        "/api/v1/me/expertise",
        headers=headers,
        json={
            "expertise": [
                {"area": "hydrogen", "level": 3, "note": "Pilot"},
                {"area": "energi", "level": 1},
            ]
        },
    )
    assert response.status_code == 200
    got = client.get("/api/v1/me/expertise", headers=headers).get_json()["expertise"]
    assert [(e["area"], e["level"]) for e in got] == [("hydrogen", 3), ("energi", 1)]
    for bad in (
        {"expertise": [{"area": "hydrogen", "level": 5}]},
        {"expertise": [{"area": "finnes-ikke", "level": 1}]},
        {"expertise": [{"area": "hydrogen", "level": 1}, {"area": "hydrogen", "level": 2}]},
        {"expertise": "hydrogen"},
        {"areas": []},
        {"expertise": [{"level": 1}]},
    ):
        response = client.put("/api/v1/me/expertise", headers=headers, json=bad)
        assert response.status_code == 422, bad
    assert count(MemberExpertise) == 2
    assert {hydrogen.id, energi.id} == set(db.session.scalars(sa.select(MemberExpertise.area_id)))


def test_expertise_areas_api_suggests_by_synonym_and_nynorsk(client, make_member):
    make_area("Kunstig intelligens", synonyms="KI, AI")
    make_area("Offentlige anskaffelser", "Offentlege innkjøp")
    headers = {"Authorization": f"Bearer {issue_api_token(make_member(), 'x')}"}
    assert [
        a["name"]
        for a in client.get("/api/v1/expertise-areas", headers=headers).get_json()["results"]
    ] == ["Kunstig intelligens", "Offentlige anskaffelser"]
    for query, expected in (
        ("ai", "Kunstig intelligens"),
        ("offentlege", "Offentlige anskaffelser"),
        ("innkjøp", "Offentlige anskaffelser"),
    ):
        results = client.get(f"/api/v1/expertise-areas?q={query}", headers=headers).get_json()
        assert results["results"][0]["name"] == expected, query


def test_an_import_that_renames_an_owner_changes_their_arenas_feeds(
    client, make_member, make_organisation
):
    """The importer goes through the account services: a new name reaches the ORGANIZER of the
    owner's arena feeds, and the feed's ETag changes."""
    from arena.arenas import meetings
    from arena.arenas import services as arenas
    from arena.arenas.meetings import MeetingInput
    from arena.arenas.services import ArenaInput

    org = make_organisation("Skien kommune")
    owner = make_member(email="ola@skien.kommune.no", name="Ola Gammel", org=org)
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9))
    )
    before = client.get("/arenas/planforum/calendar.ics")
    assert "Ola Gammel" in before.get_data(as_text=True)
    csv = (
        b"email,name,organisation,organisation_kind,municipality,title,expertise,ask_me_about\n"
        b"ola@skien.kommune.no,Ola Ny,Skien kommune,,,,,\n"
    )
    report = importer.import_members(None, csv)
    assert report.written and not report.errors
    after = client.get(
        "/arenas/planforum/calendar.ics", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    body = after.get_data(as_text=True)
    assert "Ola Ny" in body and "Ola Gammel" not in body
