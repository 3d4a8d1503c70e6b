"""Fields of expertise as concepts: the shipped vocabulary and its command, labels in three
languages, broader/narrower/related links, curation by admins, and what typing, import, merging
and ranking do with them."""

import csv

import sqlalchemy as sa
from conftest import csrf_token

from arena.expertise import concepts, finder, importer, vocabulary
from arena.expertise import services as expertise
from arena.expertise.models import BROADER, RELATED, AreaLink, ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput
from arena.outbox.jobs import run_next_job
from arena.outbox.models import OutboxJob

HEADER = "email,name,organisation,organisation_kind,municipality,title,expertise,ask_me_about\n"


def by_slug(slug):
    return db.session.scalar(sa.select(ExpertiseArea).filter_by(slug=slug))


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def names(searcher, query):
    answer = finder.find_experts(searcher, finder.ExpertQuery(text=query))
    return [r.member.name for r in answer.results]


# --- the shipped vocabulary ---------------------------------------------------------------------


def test_the_shipped_vocabulary_is_complete_in_three_languages_and_consistent():
    rows = list(csv.DictReader(concepts.shipped_vocabulary().splitlines()))
    slugs = [row["slug"] for row in rows]
    assert 150 <= len(rows) <= 250 and len(set(slugs)) == len(slugs)
    for row in rows:
        assert row["nb"] and row["en"], row["slug"]
        for relation in ("broader", "related"):
            for other in filter(None, row[relation].split(";")):
                assert other in slugs and other != row["slug"], (row["slug"], other)
    # Every preferred label names one concept only.
    owners = {}
    for row in rows:
        for key in {expertise.name_key(row[k]) for k in ("nb", "nn", "en") if row[k]}:
            assert owners.setdefault(key, row["slug"]) == row["slug"], key


def test_load_vocabulary_command_adds_concepts_once_and_keeps_what_admins_curated(runner):
    result = runner.invoke(args=["load-vocabulary"])
    assert result.exit_code == 0, result.output
    total = count(ExpertiseArea)
    assert total >= 150 and f"{total} new" in result.output
    klima = by_slug("klimatilpasning")
    assert (klima.name, klima.name_nn, klima.name_en) == (
        "Klimatilpasning",
        "Klimatilpassing",
        "Climate adaptation",
    )
    assert by_slug("klima-og-miljo") in concepts.links_of(klima)["broader"]
    # An admin curates; loading again changes nothing of it and adds nothing twice.
    klima.name_en = "Adapting to climate change"
    klima.synonyms = "egen etikett"
    db.session.commit()
    links = count(AreaLink)
    again = runner.invoke(args=["load-vocabulary"])
    assert "0 new" in again.output and count(ExpertiseArea) == total
    assert count(AreaLink) == links
    db.session.refresh(klima)
    assert klima.name_en == "Adapting to climate change"
    assert klima.alternatives[0] == "egen etikett" and "klimarisiko" in klima.alternatives


def test_loading_finds_an_existing_area_by_its_name_instead_of_duplicating_it(runner):
    old = ExpertiseArea(name="Klimatilpassing", slug="klima-gammel", approved=True, synonyms="")
    db.session.add(old)
    db.session.commit()
    concepts.load_vocabulary()
    assert by_slug("klimatilpasning") is None
    db.session.refresh(old)
    assert old.name_en == "Climate adaptation" and "klimarisiko" in old.alternatives


# --- labels in the reader's language ------------------------------------------------------------


def test_area_page_speaks_the_readers_language_and_shows_links(client):
    concepts.load_vocabulary()
    page = {
        lang: client.get("/areas/bosetting-av-flyktninger", query_string={"lang": lang}).text
        for lang in ("nb", "nn", "en")
    }
    assert "<h1" in page["nb"] and ">Bosetting av flyktninger</h1>" in page["nb"]
    assert ">Busetjing av flyktningar</h1>" in page["nn"]
    assert ">Refugee settlement</h1>" in page["en"]
    assert "Del av" in page["nb"] and "Integrering" in page["nb"]
    assert "Part of" in page["en"] and "Integration of immigrants" in page["en"]
    assert "Beslektede fagområder" in page["nb"] and "Housing policy" in page["en"]


def test_expertise_areas_api_gives_every_label_and_the_links(client, make_member):
    from arena.accounts.services import issue_api_token

    concepts.load_vocabulary()
    token = issue_api_token(make_member(), "t")
    answer = client.get(
        "/api/v1/expertise-areas?q=spatial planning",
        headers={"Authorization": f"Bearer {token}"},
    ).json
    first = answer["results"][0]
    assert first["slug"] == "arealplanlegging" and first["name_en"] == "Spatial planning"
    assert "samfunnsplanlegging" in first["broader"] and "kart-og-geodata" in first["related"]
    assert "reguleringsplan" in first["synonyms"]


# --- typing and import land on concepts ---------------------------------------------------------


def test_any_label_in_any_language_or_form_names_the_concept():
    concepts.load_vocabulary()
    for typed, slug in [
        ("Spatial planning", "arealplanlegging"),
        ("GIS", "kart-og-geodata"),
        ("busetjing av flyktningar", "bosetting-av-flyktninger"),
        ("Busetjinga av flyktningar", "bosetting-av-flyktninger"),  # inflected
        ("BAERKRAFT", None),  # not a label: no guess
        ("baerekraft", "baerekraft"),  # æ typed as ae
        ("Offentlege innkjøp", "innkjop"),
    ]:
        found = expertise.find_area_by_name(typed)
        assert (found.slug if found else None) == slug, typed


def test_import_lands_on_concepts_and_only_truly_new_names_are_proposed(make_organisation):
    concepts.load_vocabulary()
    before = count(ExpertiseArea)
    make_organisation("Vinje kommune")
    content = (
        HEADER + "a@vinje.kommune.no,Åse,Vinje kommune,,,,Busetjing av flyktningar:3;"
        "Spatial planning:2;kart og GIS:1;Fjellturisme i Vest-Telemark:2,\n"
    ).encode()
    report = importer.import_members(None, content, dry_run=True)
    assert report.new_areas == ["Fjellturisme i Vest-Telemark"]
    importer.import_members(None, content)
    assert count(ExpertiseArea) == before + 1
    new = db.session.scalar(sa.select(ExpertiseArea).filter_by(name="Fjellturisme i Vest-Telemark"))
    assert not new.approved, "a new name waits for an admin"
    assert new in vocabulary.proposed_areas()
    levels = {e.area.slug: e.level for e in db.session.scalars(sa.select(MemberExpertise))}
    assert levels["bosetting-av-flyktninger"] == 3 and levels["arealplanlegging"] == 2
    assert levels["kart-og-geodata"] == 1


def test_profile_entry_typed_in_english_lands_on_the_concept(
    client, make_member, login_as, post_form
):
    concepts.load_vocabulary()
    member = login_as(make_member())
    before = count(ExpertiseArea)
    post_form("/profile/expertise", {"area": "Public health", "level": "2"}, token_from="/profile")
    assert count(ExpertiseArea) == before
    entry = db.session.scalar(sa.select(MemberExpertise).filter_by(member_id=member.id))
    assert entry.area.slug == "folkehelse" and entry.level == 2


# --- curation -----------------------------------------------------------------------------------


def test_admin_names_a_concept_in_three_languages_and_links_it(
    client, make_member, login_as, post_form
):
    concepts.load_vocabulary()
    area = by_slug("trebygg")
    login_as(make_member(is_admin=True))
    page = f"/admin/areas/{area.slug}/edit"
    form = client.get(page).text
    assert 'value="Timber buildings"' in form and "Bygg og eiendom" in form
    data = {
        "name": "Trebygg",
        "name_nn": "Trebygg",
        "name_en": "Wooden buildings",
        "synonyms": "massivtre, limtre",
        "broader": "Bygg og eiendom, Skogbruk",
        "related": "Klimagassreduksjon",
    }
    assert post_form(page, data, token_from=page).status_code == 302
    db.session.refresh(area)
    assert area.name_en == "Wooden buildings" and area.alternatives == ["massivtre", "limtre"]
    links = concepts.links_of(area)
    assert {a.slug for a in links["broader"]} == {"bygg-og-eiendom", "skogbruk"}
    assert {a.slug for a in links["related"]} == {"klimagassreduksjon"}
    assert expertise.find_area_by_name("limtre") == area
    # Texts that mention a label are reindexed by the worker.
    assert db.session.scalar(sa.select(OutboxJob.name).order_by(OutboxJob.id.desc())) == (
        "reindex_search"
    )


def test_admin_link_errors_are_named_and_write_nothing(client, make_member, login_as, post_form):
    concepts.load_vocabulary()
    area = by_slug("trebygg")
    login_as(make_member(is_admin=True))
    page = f"/admin/areas/{area.slug}/edit"
    for field, value, message in [
        ("broader", "Ukjent greie", "Ukjent fagområde: «Ukjent greie»."),
        ("related", "Trebygg", "Et fagområde kan ikke lenkes til seg selv."),
        ("name", "Skogbruk", "Det finnes allerede et fagområde med dette navnet."),
    ]:
        data = {"name": "Trebygg", "broader": "Bygg og eiendom", field: value}
        response = post_form(page, data, token_from=page)
        assert response.status_code == 200 and message in response.text
    db.session.refresh(area)
    assert {a.slug for a in concepts.links_of(area)["broader"]} == {"bygg-og-eiendom"}
    parent = by_slug("bygg-og-eiendom")
    data = {"name": "Bygg og eiendom", "broader": "Trebygg"}
    response = post_form(f"/admin/areas/{parent.slug}/edit", data, token_from=page)
    assert "Et smalere fagområde kan ikke også være bredere." in response.text


def test_only_admins_edit_concepts(client, make_member, login_as):
    concepts.load_vocabulary()
    login_as(make_member())
    page = "/admin/areas/trebygg/edit"
    assert client.get(page).status_code == 403
    token = csrf_token(client, "/profile")
    assert client.post(page, data={"csrf_token": token, "name": "X"}).status_code == 403
    assert by_slug("trebygg").name == "Trebygg"


def test_merge_moves_labels_links_members_and_initiative_themes(
    client, make_member, login_as, post_form
):
    concepts.load_vocabulary()
    duplicate = expertise.propose_area(None, "Vindmøller på land")
    target = by_slug("vindkraft")
    concepts.link(duplicate, by_slug("naturmangfold"), RELATED)
    concepts.link(duplicate, target, BROADER)  # would point at itself after the merge
    someone = make_member(name="Vind Person")
    expertise.set_expertise(someone, someone, duplicate, 3)
    initiative = initiatives.create_initiative(
        someone, InitiativeInput(title="Vind", summary="S", theme_ids=[duplicate.id])
    )
    db.session.commit()
    login_as(make_member(is_admin=True))
    page = f"/admin/areas/{duplicate.slug}/merge"
    assert post_form(page, {"target": target.slug}, token_from=page).status_code == 302
    db.session.expire_all()
    target = by_slug("vindkraft")
    assert "Vindmøller på land" in target.alternatives
    assert expertise.find_area_by_name("vindmøller på land") == target
    assert by_slug("naturmangfold") in concepts.links_of(target)["related"]
    assert target not in concepts.links_of(target)["broader"]
    assert [a.slug for a in db.session.get(type(initiative), initiative.id).themes] == ["vindkraft"]
    assert names(make_member(), "vindmøller på land") == ["Vind Person"]


# --- ranking ------------------------------------------------------------------------------------


def test_a_query_in_any_language_finds_the_concept_and_its_narrower_fields(make_member):
    concepts.load_vocabulary()

    def person(name, slug, level, **fields):
        member = make_member(name=name, **fields)
        expertise.set_expertise(member, member, by_slug(slug), level)
        return member

    person("Areal Ekspert", "arealplanlegging", 3)
    person("Areal Erfaren", "arealplanlegging", 2)
    person("Kommuneplan Ekspert", "kommuneplanlegging", 3)
    person("Areal Interessert", "arealplanlegging", 1)
    mentions = make_member(name="Nevner Areal", ask_me_about="Spør meg om arealplanlegging.")
    expertise.index_member(mentions)
    db.session.commit()
    person("Annet Felt", "reiseliv", 3)
    searcher = make_member()
    for query in ("arealplanlegging", "spatial planning", "arealplanlegginga", "reguleringsplan"):
        assert names(searcher, query)[:2] == ["Areal Ekspert", "Areal Erfaren"], query
    found = names(searcher, "spatial planning")
    assert found.index("Areal Interessert") < found.index("Nevner Areal")
    assert "Annet Felt" not in found
    # The broader concept finds those with narrower fields: planners of every kind.
    assert set(names(searcher, "planlegging")[:4]) == {
        "Areal Ekspert",
        "Areal Erfaren",
        "Kommuneplan Ekspert",
        "Areal Interessert",
    }


def test_a_typo_is_read_as_the_nearest_known_word(make_member):
    concepts.load_vocabulary()
    member = make_member(name="Beredskap Person")
    expertise.set_expertise(member, member, by_slug("samfunnssikkerhet"), 3)
    searcher = make_member()
    assert names(searcher, "beredsksp") == ["Beredskap Person"]
    assert names(searcher, "bredskap") == ["Beredskap Person"]
    assert names(searcher, "xyzzyq") == []


def test_a_label_change_reaches_texts_that_mention_it_through_the_worker(make_member):
    concepts.load_vocabulary()
    while run_next_job():  # the load's own reindex
        pass
    mentions = make_member(name="Nevner", ask_me_about="Spør meg om regnbedene våre.")
    searcher = make_member()
    assert names(searcher, "overvannshåndtering") == []
    area = by_slug("overvann")
    change = vocabulary.AreaChange(
        name=area.name, name_nn=area.name_nn, name_en=area.name_en, synonyms="regnbed"
    )
    vocabulary.update_area(make_member(is_admin=True), area, change)
    assert run_next_job()
    db.session.commit()
    assert names(searcher, "overvannshåndtering") == [mentions.name]


def test_load_vocabulary_refuses_a_file_of_another_form_and_writes_nothing(runner, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,level\nKlima,3\n", encoding="utf-8")
    result = runner.invoke(args=["load-vocabulary", str(wrong)])
    assert result.exit_code != 0 and "Not a vocabulary file" in result.output
    assert count(ExpertiseArea) == 0
