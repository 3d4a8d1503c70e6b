"""The signed-in front page (issue 18): the member's next meetings, what changed in what they
follow since their last visit, initiatives that want competence they have, their organisation's
arenas without an owner and what waits for them, read off the page as the member reads it."""

import re
from datetime import datetime, timedelta

import pytest

from arena.accounts import member_data
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.expertise import contacts
from arena.expertise.models import ExpertiseArea
from arena.expertise.services import set_expertise
from arena.extensions import db
from arena.initiatives import following
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput
from arena.notifications.models import VisitMark


def items(page: str, list_id: str) -> list[str]:
    """The text of each item of the list with this id, tags removed (empty if none)."""
    found = re.search(rf'<ul class="ds-list" id="{list_id}">(.*?)</ul>', page, re.S)
    if not found:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    ]


def heading(page: str, heading_id: str) -> str:
    found = re.search(rf'id="{heading_id}">(.*?)</h2>', page, re.S)
    return found.group(1).strip() if found else ""


@pytest.fixture
def people(make_member, make_organisation, clock):
    clock.now = datetime.fromisoformat("2026-11-30T08:00:00+00:00")  # Monday 09:00 in Oslo
    klima = ExpertiseArea(
        name="Klimatilpasning", name_nn="Klimatilpassing", name_en="Climate adaptation",
        slug="klimatilpasning", approved=True,
    )  # fmt: skip
    hydrogen = ExpertiseArea(name="Hydrogen", slug="hydrogen", approved=True)
    db.session.add_all([klima, hydrogen])
    db.session.commit()
    skien = make_organisation(name="Skien kommune")
    usn = make_organisation(name="Universitetet i Sørøst-Norge", kind="akademia")
    return {
        "klima": klima,
        "hydrogen": hydrogen,
        "skien": skien,
        "usn": usn,
        "kari": make_member(org=skien, name="Kari Nordmann"),
        "sara": make_member(org=usn, name="Sara Forsker"),
    }


def test_anonymous_readers_get_no_personal_part(client, people):
    page = client.get("/").get_data(as_text=True)
    assert "my-meetings-heading" not in page and "changes-heading" not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(VisitMark)) == 0


def test_next_meetings_are_those_of_the_arenas_followed_or_held(client, people, login_as):
    kari, sara = people["kari"], people["sara"]
    held, _ = arenas.create_arena(kari, ArenaInput(name="Klimanettverket"))
    followed, _ = arenas.create_arena(sara, ArenaInput(name="Forskerforum"))
    other, _ = arenas.create_arena(sara, ArenaInput(name="Annet forum"))
    arenas.follow_arena(kari, followed)
    meetings.create_meeting(
        kari, held, MeetingInput(title="Klimamøte", starts_at=datetime(2026, 12, 3, 13))
    )
    meetings.create_meeting(
        sara, followed, MeetingInput(title="Seminar", starts_at=datetime(2026, 12, 1, 9, 30))
    )
    meetings.create_meeting(
        sara, followed, MeetingInput(title="Om tre uker", starts_at=datetime(2026, 12, 21, 9))
    )
    meetings.create_meeting(
        sara, other, MeetingInput(title="Ikke mitt", starts_at=datetime(2026, 12, 2, 9))
    )
    login_as(kari)
    page = client.get("/").get_data(as_text=True)
    shown = items(page, "my-meetings")
    # Soonest first, within 14 days, only the arenas Kari holds or follows.
    assert len(shown) == 2
    assert "Seminar, Forskerforum" in shown[0] and "tirsdag 1. desember 2026 kl. 09.30" in shown[0]
    assert "Klimamøte, Klimanettverket" in shown[1] and "torsdag 3. desember" in shown[1]
    assert not any("Ikke mitt" in s or "Om tre uker" in s for s in shown)  # in the public list
    # Before the public parts of the page.
    assert page.index("my-meetings-heading") < page.index("numbers-heading")
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Your next meetings" in english and "Tuesday 1 December 2026" in english


def test_what_changed_counts_from_the_previous_visit(client, people, login_as, clock):
    kari, sara, klima = people["kari"], people["sara"], people["klima"]
    following.follow(kari, "theme", klima.id)
    following.follow(kari, "organisation", people["usn"].id)
    watched = initiatives.create_initiative(
        sara, InitiativeInput(title="Overvann i Porsgrunn", summary="x")
    )
    following.follow(kari, "initiative", watched.id)
    clock.advance(days=1)
    initiatives.create_initiative(
        sara, InitiativeInput(title="Klima i skolen", summary="x", theme_ids=[klima.id])
    )
    initiatives.create_initiative(kari, InitiativeInput(title="Mitt eget", summary="x",
                                                        theme_ids=[klima.id]))  # fmt: skip
    clock.now -= timedelta(days=9)  # before the first visit's week
    initiatives.create_initiative(
        sara, InitiativeInput(title="Gammelt klimaprosjekt", summary="x", theme_ids=[klima.id])
    )
    clock.now += timedelta(days=9, hours=1)

    login_as(kari)
    first = client.get("/").get_data(as_text=True)
    assert heading(first, "changes-heading") == "Nytt de siste 7 dagene"
    shown = items(first, "changes")
    assert [s.split(",")[0] for s in shown] == [
        "Nytt initiativ: Klima i skolen",
        "Nytt initiativ: Overvann i Porsgrunn",
    ]  # newest first; not her own, not one from before the week
    assert shown[0].endswith("tirsdag 1. desember 2026")  # the weekday is the date's

    # Things happen while she looks around; within the hour the visit is the same one.
    clock.advance(minutes=5)
    initiatives.post_update(sara, watched, "Vi har fått midler.")
    held, _ = arenas.create_arena(sara, ArenaInput(name="Forskerforum"))
    arenas.follow_arena(kari, held)
    clock.advance(minutes=40)
    again = client.get("/").get_data(as_text=True)
    assert heading(again, "changes-heading") == "Nytt de siste 7 dagene"
    assert len(items(again, "changes")) == 4

    # Next visit (two hours later): only what happened since the visit before began.
    clock.advance(hours=2)
    meetings.create_meeting(
        sara, held, MeetingInput(title="Seminar", starts_at=datetime(2026, 12, 9, 9))
    )
    later = client.get("/").get_data(as_text=True)
    assert heading(later, "changes-heading") == "Nytt siden forrige besøk tirsdag 1. desember 2026"
    shown = [s.split(",")[0] for s in items(later, "changes")]
    assert shown == ["Møtene er endret: Forskerforum", "Oppdatering: Overvann i Porsgrunn"]
    nynorsk = client.get("/?lang=nn").get_data(as_text=True)
    assert heading(nynorsk, "changes-heading") == "Nytt sidan førre besøk tysdag 1. desember 2026"


def test_members_only_changes_and_wanted_initiatives_stay_with_verified_members(
    client, people, login_as, make_member
):
    klima = people["klima"]
    newcomer = make_member(org=people["skien"], name="Ny Person", verified=False)
    following.follow(newcomer, "theme", klima.id)
    set_expertise(newcomer, newcomer, klima, 3)
    initiatives.create_initiative(
        people["sara"],
        InitiativeInput(
            title="Lukket klimaprosjekt", summary="x", theme_ids=[klima.id],
            wanted_ids=[klima.id], is_public=False,
        ),
    )  # fmt: skip
    login_as(newcomer)
    page = client.get("/").get_data(as_text=True)
    assert "Lukket klimaprosjekt" not in page
    login_as(people["kari"])
    following.follow(people["kari"], "theme", klima.id)
    set_expertise(people["kari"], people["kari"], klima, 2)
    page = client.get("/").get_data(as_text=True)
    assert any("Lukket klimaprosjekt" in s for s in items(page, "changes"))
    assert any("Lukket klimaprosjekt" in s for s in items(page, "wanted"))


def test_initiatives_that_want_the_members_competence(client, people, login_as):
    kari, sara, klima, hydrogen = (people[k] for k in ("kari", "sara", "klima", "hydrogen"))
    set_expertise(kari, kari, klima, 2)
    for title, wanted, status in (
        ("Flomsikring", [klima], "planned"),
        ("Hydrogenbusser", [hydrogen], "ongoing"),
        ("Ferdig klimaplan", [klima], "completed"),
    ):
        wanted_ids = [a.id for a in wanted]
        initiatives.create_initiative(
            sara, InitiativeInput(title=title, summary="x", status=status, wanted_ids=wanted_ids)
        )
    initiatives.create_initiative(
        kari, InitiativeInput(title="Eget klimaprosjekt", summary="x", wanted_ids=[klima.id])
    )
    login_as(kari)
    shown = items(client.get("/").get_data(as_text=True), "wanted")
    assert shown == ["Flomsikring – Universitetet i Sørøst-Norge, søker Klimatilpasning"]
    # The field is named in the page's language.
    assert items(client.get("/?lang=nn").get_data(as_text=True), "wanted") == [
        "Flomsikring – Universitetet i Sørøst-Norge, søkjer Klimatilpassing"
    ]
    assert items(client.get("/?lang=en").get_data(as_text=True), "wanted") == [
        "Flomsikring – Universitetet i Sørøst-Norge, wants Climate adaptation"
    ]


def test_arenas_without_owner_and_what_waits(client, people, login_as, make_member):
    kari, sara, skien, usn = (people[k] for k in ("kari", "sara", "skien", "usn"))
    # Kari is Skien's contact person, and a newcomer asks to join Skien.
    kari.is_organisation_contact = True
    db.session.commit()
    make_member(org=skien, name="Ny Søker", verified=False)
    arenas.create_arena(kari, ArenaInput(name="Skiens forum", organisation_ids=[skien.id]))
    for creator, name, organisation, owner in (
        (kari, "Eierløs i Skien", skien, sara),
        (sara, "Eierløs ved USN", usn, kari),
    ):
        arenas.create_arena(
            creator,
            ArenaInput(name=name, organisation_ids=[organisation.id], owner_email=owner.email),
        )
    arenas.create_arena(sara, ArenaInput(name="Forskerforum", deputy_email=kari.email))
    contacts.send_contact_request(sara, kari, "Overvann", "Kan vi snakkes?", "/members/1")
    login_as(kari)
    page = client.get("/").get_data(as_text=True)
    assert items(page, "orphans") == ["Eierløs i Skien – ta ansvar"]
    assert heading(page, "orphans-heading") == "Arenaer i Skien kommune uten ansvarlig"
    assert items(page, "waiting") == [
        "1 forespørsel fra kollegaer er ikke besvart",
        "1 ønsker å bli bekreftet som medlem",
        "Du er foreslått som ansvarlig for Eierløs ved USN",
        "Du er foreslått som stedfortreder for Forskerforum",
    ]
    # Sara (USN) sees her own organisation's arena and her proposal, none of Skien's.
    login_as(sara)
    page = client.get("/").get_data(as_text=True)
    assert items(page, "orphans") == ["Eierløs ved USN – ta ansvar"]
    assert items(page, "waiting") == ["Du er foreslått som ansvarlig for Eierløs i Skien"]


def test_the_visit_mark_is_exported_and_deleted_with_the_member(client, people, login_as):
    kari = people["kari"]
    login_as(kari)
    client.get("/")
    exported = member_data.export_member_data(kari, kari)
    assert exported["front_page_visits"]["latest"].startswith("2026-11-30T08:00")
    member_data.erase_member(kari)
    assert db.session.get(VisitMark, kari.id) is None
