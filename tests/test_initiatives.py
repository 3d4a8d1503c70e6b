"""Initiatives: register, similar ones first, find with filters and search, update, follow,
the overview, the Atom feed, review reminders, permissions and conflicts."""

import re
from datetime import date

import feedparser
import pytest
import sqlalchemy as sa
from conftest import agree, body_of, to_of

from arena.errors import Conflict, PermissionDenied, ValidationFailed
from arena.expertise.models import ExpertiseArea
from arena.expertise.services import index_area
from arena.extensions import db
from arena.initiatives import following, listing, services
from arena.initiatives.listing import InitiativeFilter
from arena.initiatives.models import Initiative
from arena.initiatives.services import InitiativeInput


@pytest.fixture
def make_area():
    def make(name, name_nn="", synonyms=""):
        from arena.organisations.services import slugify

        area = ExpertiseArea(
            name=name, name_nn=name_nn, synonyms=synonyms, slug=slugify(name), approved=True
        )
        db.session.add(area)
        db.session.flush()
        index_area(area)
        db.session.commit()
        return area

    return make


@pytest.fixture
def make_initiative(make_member):
    def make(actor=None, **fields):
        actor = actor or make_member()
        data = InitiativeInput(
            **{"title": "Et initiativ", "summary": "Kort om det", "status": "ongoing", **fields}
        )
        return services.create_initiative(actor, data)

    return make


def municipality(name):
    from arena.organisations.models import Municipality

    return db.session.scalar(sa.select(Municipality).filter_by(name=name))


# --- services -----------------------------------------------------------------------------------


def test_register_with_defaults_and_relations(make_member, make_organisation, make_area):
    skien = make_organisation("Skien kommune")
    usn = make_organisation("USN", kind="akademia")
    member = make_member(org=skien)
    theme = make_area("Klimatilpasning")
    initiative = services.create_initiative(
        member,
        InitiativeInput(
            title="Overvann i Skien",
            summary="Flomveier kartlegges",
            status="planned",
            is_priority=True,
            partner_ids=[usn.id],
            theme_ids=[theme.id],
            municipality_ids=[municipality("Skien").id],
            new_wanted_names=["Hydrologi"],
            links=[("https://skien.kommune.no/overvann", "Prosjektside")],
            starts_on=date(2027, 1, 1),
            ends_on=None,
        ),
    )
    assert initiative.contact == member and initiative.lead_organisation == skien
    assert initiative.partners == []  # USN has not said so yet
    assert [(p.organisation.name, p.role) for p in initiative.proposals] == [("USN", "partner")]
    make_member(org=usn)
    agree(initiative)
    assert [o.name for o in initiative.partners] == ["USN"] and initiative.proposals == []
    assert [a.name for a in initiative.wanted_competence] == ["Hydrologi"]
    assert initiative.wanted_competence[0].approved is False  # proposed, usable at once
    assert initiative.links[0].label == "Prosjektside"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"summary": ""}, "summary"),
        ({"status": "done"}, "status"),
        ({"starts_on": date(2027, 5, 1), "ends_on": date(2027, 4, 1)}, "ends_on"),
        ({"lead_organisation_id": 999_999}, "lead_organisation_id"),
        ({"partner_ids": [999_999]}, "partner_ids"),
        ({"theme_ids": [999_999]}, "theme_ids"),
        ({"municipality_ids": [999_999]}, "municipality_ids"),
        ({"contact_email": "ingen@example.no"}, "contact_email"),
        ({"links": [("javascript:alert(1)", "")]}, "links"),
        ({"links": [("ftp://example.no/x", "")]}, "links"),
        ({"new_theme_names": ["x" * 101]}, "new_theme_names"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(make_member, fields, field):
    member = make_member()
    data = InitiativeInput(**{"title": "T", "summary": "S", "status": "idea", **fields})
    with pytest.raises(ValidationFailed) as failure:
        services.create_initiative(member, data)
    assert field in failure.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExpertiseArea)) == 0


def test_partner_listed_twice_or_lead_as_partner_is_refused(make_member, make_organisation):
    member = make_member()
    usn = make_organisation("USN")
    for partners in ([usn.id, usn.id], [member.organisation_id]):
        with pytest.raises(ValidationFailed) as failure:
            services.create_initiative(
                member, InitiativeInput(title="T", summary="S", partner_ids=partners)
            )
        assert "partner_ids" in failure.value.fields


def test_only_contact_lead_organisation_and_admins_edit(make_member, make_initiative):
    owner = make_member()
    colleague = make_member(org=owner.organisation)
    outsider = make_member()
    admin = make_member(is_admin=True)
    initiative = make_initiative(owner)
    change = InitiativeInput(title="Nytt navn", summary="S", status="ongoing")
    with pytest.raises(PermissionDenied):
        services.update_initiative(outsider, initiative, change, initiative.version)
    for editor in (owner, colleague, admin):
        services.update_initiative(editor, initiative, change, initiative.version)
    with pytest.raises(PermissionDenied):
        services.post_update(outsider, initiative, "Hei")


def test_second_of_two_simultaneous_edits_gets_a_conflict(make_member, make_initiative):
    owner = make_member()
    initiative = make_initiative(owner, title="Original")
    version_both_read = initiative.version
    services.update_initiative(
        owner,
        initiative,
        InitiativeInput(title="Først lagret", summary="S", status="ongoing"),
        version_both_read,
    )
    with pytest.raises(Conflict):
        services.update_initiative(
            owner,
            initiative,
            InitiativeInput(title="Andre lagret", summary="S", status="ongoing"),
            version_both_read,
        )
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).title == "Først lagret"


def test_similar_initiatives_by_words_themes_and_places(make_member, make_area, make_initiative):
    theme = make_area("Klimatilpasning")
    grenland = make_initiative(
        title="Klimatilpasning i Grenland", summary="Overvann og flom", theme_ids=[theme.id]
    )
    themed = make_initiative(title="Regnbed i sentrum", summary="Grønne tak", theme_ids=[theme.id])
    make_initiative(title="Reiselivsstrategi", summary="Helårsturisme i fjellet")
    found = listing.similar_initiatives("Klimatilpasningen i Skien", "flom", [theme.id])
    assert found[0] == grenland and themed in found
    assert [i.title for i in found if i.title == "Reiselivsstrategi"] == []
    assert listing.similar_initiatives("Helt annet tema", "om ingenting") == []


def test_filters_and_search(make_member, make_organisation, make_area, make_initiative):
    porsgrunn = make_organisation("Porsgrunn kommune")
    usn = make_organisation("USN", kind="akademia")
    hydrogen = make_area("Hydrogen")
    member = make_member(org=porsgrunn)
    a = make_initiative(
        member,
        title="Hydrogenknutepunkt",
        summary="Fyllestasjon",
        theme_ids=[hydrogen.id],
        is_priority=True,
        partner_ids=[usn.id],
        municipality_ids=[municipality("Porsgrunn").id],
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    b = make_initiative(
        make_member(org=usn),
        title="Reiseliv i Vinje",
        summary="Helårsturisme",
        status="idea",
        starts_on=date(2028, 1, 1),
    )

    def found(**fields):
        return [i.id for i in listing.list_initiatives(InitiativeFilter(**fields), member).items]

    assert found() == [b.id, a.id]  # newest first
    assert found(statuses=["idea"]) == [b.id]
    assert found(priority_only=True) == [a.id]
    assert found(theme=hydrogen) == [a.id]
    assert found(organisation=usn) == [b.id]  # USN was named a partner of a, not yet agreed
    agree(a)
    assert found(organisation=usn) == [a.id, b.id]  # lead or partner; a changed last
    assert found(organisation_kind="akademia") == [b.id]
    assert found(municipality=municipality("Porsgrunn")) == [a.id]
    assert found(active_from=date(2027, 1, 1)) == [b.id]
    assert found(active_to=date(2027, 6, 1)) == [a.id]
    assert found(query="hydrogenet") == [a.id]
    assert found(query="reiseliv vinje") == [b.id]


def test_non_public_initiatives_need_sign_in(client, make_member, make_initiative):
    hidden = make_initiative(title="Internt arbeid", is_public=False)
    assert client.get(f"/initiatives/{hidden.id}").status_code == 404
    assert "Internt arbeid" not in client.get("/initiatives").get_data(as_text=True)
    assert listing.list_initiatives(InitiativeFilter(), None).total == 0


# --- pages --------------------------------------------------------------------------------------


def test_register_through_the_form_shows_similar_first(
    client, post_form, make_member, login_as, make_initiative
):
    existing = make_initiative(title="Klimatilpasning i Grenland", summary="Overvann og flom")
    member = login_as(make_member())
    data = {
        "title": "Klimatilpasning i Bamble",
        "summary": "Flom og overvann i Bamble",
        "status": "planned",
        "lead_organisation_id": str(member.organisation_id),
        "is_public": "y",
    }
    response = post_form("/initiatives/new", data, token_from="/initiatives/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Finnes dette allerede?" in html
    assert (
        f'href="/initiatives/{existing.id}"' in html
        and 'name="seen_similar" type="hidden" value="1"' in html
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 1

    response = post_form(
        "/initiatives/new", {**data, "seen_similar": "1"}, token_from="/initiatives/new"
    )
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Initiative).filter_by(title="Klimatilpasning i Bamble"))
    assert new.contact_id == member.id and new.is_public


def test_form_errors_are_shown_next_to_fields(client, post_form, make_member, login_as):
    member = login_as(make_member())
    response = post_form(
        "/initiatives/new",
        {
            "title": "",
            "summary": "S",
            "status": "ongoing",
            "starts_on": "2027-13-40",
            "lead_organisation_id": str(member.organisation_id),
            "partner_ids": ["999999"],
        },
        token_from="/initiatives/new",
    )
    html = response.get_data(as_text=True)
    assert "Må fylles ut." in html and "Skriv en gyldig dato" in html
    assert "Velg bare fra alternativene i lista" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0


def test_edit_conflict_through_the_form(client, post_form, make_member, login_as, make_initiative):
    owner = login_as(make_member())
    initiative = make_initiative(owner, title="Original")
    data = {
        "title": "Mitt navn",
        "summary": "S",
        "status": "ongoing",
        "lead_organisation_id": str(owner.organisation_id),
        "version": "1",
    }
    page = f"/initiatives/{initiative.id}/edit"
    assert post_form(page, data, token_from=page).status_code == 302
    response = post_form(page, {**data, "title": "Noen andres"}, token_from=page)
    assert response.status_code == 409
    assert "Noen andre har endret initiativet" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).title == "Mitt navn"


def test_page_shows_contact_only_when_signed_in(client, make_member, make_initiative, login_as):
    contact = make_member(name="Kari Kontakt", email="kari@skien.kommune.no")
    initiative = make_initiative(contact, title="Synlig initiativ")
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Synlig initiativ" in html and "kari@skien.kommune.no" not in html
    login_as(make_member())
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "kari@skien.kommune.no" in html and "Kari Kontakt" in html


def test_markdown_description_is_sanitised(client, make_initiative):
    initiative = make_initiative(description="**Mål** <script>alert(1)</script> [x](javascript:x)")
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "<strong>Mål</strong>" in html and "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_unknown_filter_values_are_ignored_with_a_notice(client, make_initiative):
    make_initiative(title="Finnes")
    response = client.get(
        "/initiatives?theme=finnes-ikke&status=ferdig&municipality=9999"
        "&from=2027-02-30&kind=romvesen&page=-3"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Noen filtre finnes ikke" in html and "finnes-ikke" in html and "Finnes" in html


def test_list_filters_live_in_the_url_and_paginate(client, make_member, make_initiative):
    member = make_member()
    for n in range(25):
        make_initiative(member, title=f"Initiativ nummer {n}", status="ongoing")
    html = client.get("/initiatives?status=ongoing").get_data(as_text=True)
    assert "25 initiativ" in html and "side 1 av 2" in html
    assert 'href="/initiatives?status=ongoing&amp;page=2"' in html
    page_two = client.get("/initiatives?status=ongoing&page=2").get_data(as_text=True)
    assert "Initiativ nummer 0" in page_two


def test_updates_follow_and_overview(
    client, post_form, make_member, login_as, make_initiative, clock
):
    owner = make_member(name="Eier Eiersen")
    initiative = make_initiative(owner, title="Fulgt initiativ")
    follower = login_as(make_member())
    post_form("/follow", {"kind": "initiative", "id": initiative.id}, token_from="/profile")
    assert following.is_following(follower, "initiative", initiative.id)
    html = client.get("/overview").get_data(as_text=True)
    assert "Fulgt initiativ" in html

    clock.advance(hours=2)
    login_as(owner)
    page = f"/initiatives/{initiative.id}"
    post_form(f"{page}/updates", {"body": "Vi har fått **midler**!"}, token_from=page)
    assert "<strong>midler</strong>" in client.get(page).get_data(as_text=True)

    clock.advance(hours=1)
    login_as(follower)
    html = client.get("/overview").get_data(as_text=True)
    assert (
        "Endret siden sist du var her" in html
        and "Fulgt initiativ" in html.split("Dette følger du")[0]
    )
    html = client.get("/overview").get_data(as_text=True)
    assert "Ingenting nytt i det du følger" in html


def test_follow_theme_and_organisation_show_their_initiatives(
    client, post_form, make_member, make_area, login_as, make_initiative, clock
):
    theme = make_area("Reiseliv")
    follower = login_as(make_member())
    post_form("/follow", {"kind": "theme", "id": theme.id}, token_from="/profile")
    client.get("/overview")
    clock.advance(minutes=5)
    make_initiative(title="Nytt reiselivsprosjekt", theme_ids=[theme.id])
    html = client.get("/overview").get_data(as_text=True)
    assert "Nytt reiselivsprosjekt" in html
    assert following.is_following(follower, "theme", theme.id)
    response = post_form("/follow", {"kind": "planet", "id": 1}, token_from="/profile")
    assert response.status_code == 404


def test_organisation_and_theme_pages_list_initiatives(
    client, make_member, make_area, make_initiative
):
    theme = make_area("Hydrogen")
    member = make_member()
    make_initiative(member, title="Prioritert hydrogen", is_priority=True, theme_ids=[theme.id])
    make_initiative(member, title="Annet arbeid")
    html = client.get(f"/organisations/{member.organisation.slug}").get_data(as_text=True)
    priorities, rest = html.split('id="initiatives-heading"')
    assert "Prioritert hydrogen" in priorities and "Annet arbeid" in rest
    html = client.get(f"/areas/{theme.slug}").get_data(as_text=True)
    assert "Prioritert hydrogen" in html and "Annet arbeid" not in html


def test_atom_feed_is_valid_and_filtered(client, make_initiative):
    make_initiative(title="Hydrogen & <ammoniakk>", summary="Første «utkast»", status="planned")
    make_initiative(title="Reiseliv", status="idea")
    response = client.get("/initiatives.atom?status=planned")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Hydrogen & <ammoniakk>"]
    assert "Første «utkast»" in feed.entries[0].summary
    assert feed.entries[0].link.startswith("http://localhost/initiatives/")


def test_review_reminders_are_sent_once_and_shown_on_the_overview(
    client, runner, make_member, make_initiative, smtp_server, clock, login_as
):
    contact = make_member(email="kontakt@nome.kommune.no", preferred_language="nn")
    initiative = make_initiative(contact, title="Gammelt initiativ")
    make_initiative(contact, title="Ferdig", status="completed")
    clock.advance(days=100)
    assert runner.invoke(args=["send-reminders"]).exit_code == 0
    assert smtp_server == []

    clock.advance(days=90)
    result = runner.invoke(args=["send-reminders"])
    assert "initiative-reviews: 1" in result.output
    assert len(smtp_server) == 1
    mail = smtp_server[0]
    assert to_of(mail) == "kontakt@nome.kommune.no"
    assert "framleis aktuelt" in mail["Subject"]  # in the contact's nynorsk
    assert f"/initiatives/{initiative.id}" in body_of(mail)
    runner.invoke(args=["send-reminders"])
    assert len(smtp_server) == 1  # idempotent

    login_as(contact)
    html = client.get("/overview").get_data(as_text=True)
    assert "Er desse framleis aktuelle?" in html and "Gammelt initiativ" in html
    services.confirm_current(contact, initiative)
    assert (
        "Gammelt initiativ"
        not in client.get("/overview")
        .get_data(as_text=True)
        .split("Dette følgjer du")[0]
        .split("changed-heading")[0]
    )


def test_deleting_the_contact_keeps_the_initiative_as_former_member(
    client, post_form, make_member, make_initiative, login_as
):
    from conftest import PASSWORD

    contact = login_as(make_member())
    initiative = make_initiative(contact, title="Blir stående")
    services.post_update(contact, initiative, "Siste ord")
    post_form(
        "/profile/delete", {"confirm": "y", "password": PASSWORD}, token_from="/profile/delete"
    )
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Blir stående" in html and "tidligere medlem" in html and "Siste ord" in html


def test_merging_organisations_moves_initiatives(make_member, make_organisation, make_initiative):
    from arena.organisations.services import merge_organisations

    admin = make_member(is_admin=True)
    right = make_organisation("Universitetet i Sørøst-Norge")
    duplicate = make_organisation("USN")
    led = make_initiative(make_member(org=duplicate), title="Ledet av duplikatet")
    partnered = make_initiative(make_member(org=right), partner_ids=[duplicate.id])
    merge_organisations(admin, duplicate, right)
    db.session.expire_all()
    assert db.session.get(Initiative, led.id).lead_organisation_id == right.id
    assert db.session.get(Initiative, partnered.id).partners == []  # the lead is not a partner


def test_wanted_competence_lists_people_in_other_organisations(
    client, make_member, make_area, make_initiative, login_as
):
    from arena.expertise import services as expertise

    hydrology = make_area("Hydrologi")
    owner = make_member()
    colleague = make_member(org=owner.organisation, name="Kollega Samme Org")
    outsider = make_member(name="Ekspert Annen Org")
    for member, level in ((colleague, 3), (outsider, 2)):
        expertise.set_expertise(member, member, hydrology, level)
    initiative = make_initiative(owner, wanted_ids=[hydrology.id])
    login_as(make_member())
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    section = html.split('id="wanted-heading"')[1].split("</section>")[0]
    assert "Ekspert Annen Org" in section and "Kollega Samme Org" not in section
    assert "/experts?q=Hydrologi" in section
    read = " ".join(re.sub(r"<[^>]+>", "", section).split())  # what a person reads
    assert "Hydrologi: Ekspert Annen Org (" in read


def test_organisation_filter_is_a_text_field_when_there_are_too_many(
    client, make_member, make_organisation, make_initiative, monkeypatch
):
    from arena.organisations import services as organisations

    skien = make_organisation("Skien kommune")
    make_initiative(make_member(org=skien), title="Fra Skien")
    make_initiative(make_member(org=make_organisation("Porsgrunn kommune")), title="Fra Porsgrunn")
    assert '<select class="ds-input" id="organisation"' in client.get("/initiatives").text
    monkeypatch.setattr(organisations, "MENU_LIMIT", 1)
    html = client.get("/initiatives?organisation=skien+kommune").get_data(as_text=True)
    assert (
        '<input class="ds-input" id="organisation" name="organisation" value="Skien kommune"'
        in html
    )
    assert "Fra Skien" in html and "Fra Porsgrunn" not in html
    assert "Fra Skien" in client.get(f"/initiatives?organisation={skien.slug}").text


def test_partners_are_typed_by_name_when_there_are_too_many_to_tick(
    client, post_form, make_member, make_organisation, login_as, monkeypatch
):
    """A Nordic network has thousands of organisations: partners are then typed one per line
    (any case, or the URL name); a name that matches none is named in the error, nothing is
    saved, and the text stays as typed."""
    from arena.organisations import services as organisations

    member = login_as(make_member(org=make_organisation("Skien kommune")))
    porsgrunn = make_organisation("Porsgrunn kommune")
    make_organisation("Østlandsforskning")
    monkeypatch.setattr(organisations, "MENU_LIMIT", 2)
    form = client.get("/initiatives/new").get_data(as_text=True)
    assert '<textarea aria-describedby="partner_ids-hint" class="ds-input" id="partner_ids"' in form
    assert 'type="checkbox" class="ds-input" id="partner_ids-' not in form

    data = {
        "title": "Felles innkjøp",
        "summary": "Vi kjøper inn sammen",
        "status": "planned",
        "lead_organisation_id": str(member.organisation_id),
        "seen_similar": "1",
    }
    typed = "ØSTLANDSFORSKNING\nPorsgrunn Kommun\n<b>Finnes ikke</b>"
    response = post_form("/initiatives/new", {**data, "partner_ids": typed}, token_from="/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "Fant ingen organisasjon som heter «Porsgrunn Kommun», «&lt;b&gt;Finnes ikke&lt;/b&gt;»"
        in html
    )
    assert "ØSTLANDSFORSKNING\nPorsgrunn Kommun\n&lt;b&gt;Finnes ikke&lt;/b&gt;</textarea>" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 0

    typed = f"østlandsforskning\n{porsgrunn.slug}\n\nPorsgrunn kommune\n"
    response = post_form("/initiatives/new", {**data, "partner_ids": typed}, token_from="/")
    assert response.status_code == 302
    initiative = db.session.scalar(sa.select(Initiative))
    named = {p.organisation.name for p in initiative.proposed("partner")}
    assert named == {"Østlandsforskning", "Porsgrunn kommune"}  # asked, until they say yes
    edit = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    names = edit.split('id="partner_ids"')[1].split("</textarea>")[0]
    assert "Østlandsforskning" in names and "Porsgrunn kommune" in names

    response = post_form(
        "/initiatives/new", {**data, "partner_ids": "skien kommune"}, token_from="/"
    )
    assert "kan ikke også være samarbeidspartner" in response.get_data(as_text=True)


def test_lists_name_themes_in_the_readers_language_form(client, make_area, make_initiative):
    procurement = make_area("Offentlige anskaffelser", name_nn="Offentlege innkjøp")
    make_initiative(title="Felles innkjøp av el-bilar", theme_ids=[procurement.id])
    for lang, shown, hidden in (
        ("nn", "Offentlege innkjøp", "Offentlige anskaffelser"),
        ("nb", "Offentlige anskaffelser", "Offentlege innkjøp"),
    ):
        html = client.get(f"/initiatives?lang={lang}").get_data(as_text=True)
        card = html.split("Felles innkjøp av el-bilar")[1].split("</article>")[0]
        assert shown in card and hidden not in card, lang


def test_a_colleague_editing_keeps_a_field_still_waiting_for_approval(
    client, make_member, make_initiative, login_as
):
    author = make_member()
    initiative = make_initiative(author, new_wanted_names=["Hydrologi"])
    (wanted,) = initiative.wanted_competence
    assert not wanted.approved
    login_as(make_member(org=author.organisation))
    form = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    assert f'value="{wanted.id}"' in form and "Hydrologi" in form
    new = client.get("/initiatives/new").get_data(as_text=True)
    assert "Hydrologi" not in new  # offered elsewhere only to its proposer and admins
