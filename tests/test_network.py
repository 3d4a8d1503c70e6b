"""The collaboration map (issue 18): the graph's numbers against a network counted by hand, its
filters, members-only arenas and initiatives for verified members only, the stable layout, the
table holding the same facts as the picture, and the API giving the same graph."""

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa
from conftest import agree

from arena.accounts.services import issue_api_token
from arena.arenas import services as arenas
from arena.arenas.services import ArenaInput
from arena.expertise.models import ExpertiseArea
from arena.expertise.vocabulary import merge_areas
from arena.extensions import db
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput
from arena.keep import forget_everything
from arena.network import graph as network_graph
from arena.network import picture
from arena.network.api import _network_json
from arena.network.making import network
from arena.organisations.services import (
    OrganisationInput,
    merge_organisations,
    update_organisation,
)


@pytest.fixture
def region(make_member, make_organisation):
    """Hand-counted (anonymous): Skien–Porsgrunn share «Overvann», «Hydrogen» and
    «Grenlandsrådet» (3); Skien–USN and Porsgrunn–USN «Overvann» (1 each); Skien–Siljan and
    Porsgrunn–Siljan «Grenlandsrådet» (1 each). Verified members also see USN–Bedrift (the
    members-only «Lukket») and USN–Telemarksforsking (the members-only arena). «Venter AS» is
    not approved and never appears; «Eget» (Skien alone) links nobody."""
    klima = ExpertiseArea(name="Klima", slug="klima", approved=True)
    hydrogen = ExpertiseArea(name="Hydrogen", slug="hydrogen", approved=True)
    db.session.add_all([klima, hydrogen])
    db.session.commit()
    orgs = {
        "skien": make_organisation(name="Skien kommune", municipality="Skien"),
        "porsgrunn": make_organisation(name="Porsgrunn kommune", municipality="Porsgrunn"),
        "siljan": make_organisation(name="Siljan kommune", municipality="Siljan"),
        "usn": make_organisation(name="USN", kind="akademia", municipality="Porsgrunn"),
        "tf": make_organisation(
            name="Telemarksforsking", kind="akademia", municipality="Midt-Telemark"
        ),
        "bedrift": make_organisation(name="Bedrift AS", kind="naeringsliv", municipality="Skien"),
        "venter": make_organisation(name="Venter AS", kind="naeringsliv", approved=False),
    }
    people = {key: make_member(org=org, name=f"Person {key}") for key, org in orgs.items()}

    def initiative(lead, title, partners, **fields):
        return agree(
            initiatives.create_initiative(
                people[lead],
                InitiativeInput(
                    title=title, summary=title, partner_ids=[orgs[p].id for p in partners], **fields
                ),
            )
        )

    made = {
        "overvann": initiative(
            "skien", "Overvann", ["porsgrunn", "usn"], theme_ids=[klima.id],
            starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31),
        ),
        "hydrogen": initiative(
            "porsgrunn", "Hydrogen", ["skien"], theme_ids=[hydrogen.id],
            starts_on=date(2026, 3, 1),
        ),
        "lukket": initiative("usn", "Lukket", ["bedrift"], is_public=False),
        "eget": initiative("skien", "Eget", []),
    }  # fmt: skip
    grenland, _ = arenas.create_arena(
        people["skien"],
        ArenaInput(
            name="Grenlandsrådet",
            organisation_ids=[orgs[k].id for k in ("skien", "porsgrunn", "siljan")],
        ),
    )
    arenas.create_arena(
        people["usn"],
        ArenaInput(
            name="Lukket forum",
            visibility="members",
            organisation_ids=[orgs["usn"].id, orgs["tf"].id],
        ),
    )
    return {"orgs": orgs, "people": people, "initiatives": made, "arena": grenland, "klima": klima}


def weights(page: str) -> dict[frozenset, int]:
    """The links the picture draws: {frozenset of two organisation ids: weight}."""
    return {
        frozenset((int(a), int(b))): int(w)
        for a, b, w in re.findall(
            r'<line [^>]*data-source="(\d+)" data-target="(\d+)" data-weight="(\d+)"', page
        )
    }


def by_name(region, found: dict) -> dict[frozenset, int]:
    names = {org.id: key for key, org in region["orgs"].items()}
    return {frozenset(names[i] for i in pair): w for pair, w in found.items()}


def test_the_graph_is_the_network_counted_by_hand(client, region, login_as):
    page = client.get("/network").get_data(as_text=True)
    assert by_name(region, weights(page)) == {
        frozenset({"skien", "porsgrunn"}): 3,
        frozenset({"skien", "usn"}): 1,
        frozenset({"porsgrunn", "usn"}): 1,
        frozenset({"skien", "siljan"}): 1,
        frozenset({"porsgrunn", "siljan"}): 1,
    }
    summary = re.search(r'id="map-summary">(.*?)</p>', page).group(1)
    assert summary == "4 organisasjoner med forbindelser, 5 forbindelser"
    assert "Venter AS" not in page and "Lukket" not in page
    not_connected = re.search(r'id="not-connected">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", not_connected) == ["Bedrift AS", "Telemarksforsking"]
    # Node activity: Skien leads «Overvann» and «Eget», is a partner in «Hydrogen», and takes
    # part in the arena.
    graph = network(network_graph.NetworkFilter(), None)
    skien = graph.nodes[region["orgs"]["skien"].id]
    assert (skien.initiatives, skien.arenas) == (3, 1)

    # A verified member also sees the members-only initiative and arena.
    login_as(region["people"]["skien"])
    page = client.get("/network").get_data(as_text=True)
    assert by_name(region, weights(page))[frozenset({"usn", "bedrift"})] == 1
    assert by_name(region, weights(page))[frozenset({"usn", "tf"})] == 1
    assert len(weights(page)) == 7 and 'id="not-connected"' not in page


def test_an_unverified_member_sees_what_anonymous_readers_see(
    client, region, login_as, make_member
):
    newcomer = make_member(org=region["orgs"]["usn"], verified=False)
    login_as(newcomer)
    page = client.get("/network").get_data(as_text=True)
    assert len(weights(page)) == 5 and "Lukket forum" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("shared=arenas", {("porsgrunn", "skien"): 1, ("siljan", "skien"): 1,
                           ("porsgrunn", "siljan"): 1}),
        ("shared=initiatives", {("porsgrunn", "skien"): 2, ("skien", "usn"): 1,
                                ("porsgrunn", "usn"): 1}),
        ("theme=klima", {("porsgrunn", "skien"): 1, ("skien", "usn"): 1, ("porsgrunn", "usn"): 1}),
        ("from=2026-01-01", {("porsgrunn", "skien"): 2, ("siljan", "skien"): 1,
                             ("porsgrunn", "siljan"): 1}),
        ("to=2024-12-31", {}),
        ("municipality=4010", {("siljan", "skien"): 1, ("porsgrunn", "siljan"): 1}),
        ("kind=akademia", {("skien", "usn"): 1, ("porsgrunn", "usn"): 1}),
    ],
)  # fmt: skip
def test_filters(client, region, query, expected):
    page = client.get(f"/network?{query}").get_data(as_text=True)
    assert by_name(region, weights(page)) == {frozenset(k): w for k, w in expected.items()}


def test_not_connected_yet_and_neighbouring_municipalities(client, region):
    page = client.get("/network?from=2026-01-01").get_data(as_text=True)
    # «Overvann» ended in 2025: USN shares nothing from 2026.
    listed = re.search(r'id="not-connected">(.*?)</ul>', page, re.S).group(1)
    assert "USN" in listed
    # Skien, Porsgrunn and Siljan border each other; with initiatives only, Siljan shares none.
    page = client.get("/network?shared=initiatives").get_data(as_text=True)
    apart = re.search(r'id="neighbours-apart">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", apart) == ["Porsgrunn og Siljan", "Skien og Siljan"]
    page = client.get("/network").get_data(as_text=True)
    assert 'id="neighbours-apart"' not in page  # the arena joins all three
    page = client.get("/network?shared=initiatives&municipality=4001").get_data(as_text=True)
    apart = re.search(r'id="neighbours-apart">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", apart) == ["Porsgrunn og Siljan"]


def test_the_neighbour_list_names_real_municipalities_once():
    from arena.organisations.models import Municipality

    numbers = set(db.session.scalars(db.select(Municipality.number)))
    pairs = network_graph.neighbour_pairs()
    assert len(pairs) == len({frozenset(p) for p in pairs}) > 40
    assert all(a in numbers and b in numbers and a != b for a, b in pairs)
    # Every municipality of the region has a neighbour in it.
    assert {n for pair in pairs for n in pair} == numbers


def test_the_same_data_draws_the_same_map(client, region, make_organisation, make_member):
    def positions() -> dict[str, tuple[str, str]]:
        forget_everything()  # worked out afresh, not read from what was kept
        picture._placed.cache_clear()  # laid out afresh too
        page = client.get("/network").get_data(as_text=True)
        found = re.findall(r'data-id="(\d+)" data-x="([\d.]+)" data-y="([\d.]+)"', page)
        return {node: (x, y) for node, x, y in found}

    first = positions()
    assert len(first) == 4 and positions() == first
    # The figures never overlap.
    drawing = picture.picture(network(network_graph.NetworkFilter(), None))
    for a in drawing.nodes:
        for b in drawing.nodes:
            if a is not b:
                assert ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5 >= a.r + b.r


def test_selecting_an_organisation_lists_what_it_shares(client, region):
    skien = region["orgs"]["skien"]
    page = client.get(f"/network?org={skien.slug}").get_data(as_text=True)
    panel = re.search(r'id="selected-heading"[^>]*>(.*?)</section>', page, re.S).group(1)
    assert panel.startswith("Skien kommune</h2>")
    partners = re.search(r'id="selected-partners">(.*)</ul>', panel, re.S).group(1)
    assert "Porsgrunn kommune</a>: 2 initiativ, 1 arena" in partners
    overvann = region["initiatives"]["overvann"]
    assert f'href="/initiatives/{overvann.id}">Overvann</a>' in partners
    assert 'href="/arenas/grenlandsradet">Grenlandsrådet</a>' in partners
    # The selected organisation's links stand out on the picture.
    assert len(re.findall(r'<line [^>]*class="is-selected"', page)) == 3
    # An organisation the filters leave off the map is named as such, not as unknown.
    page = client.get("/network?municipality=4010&org=bedrift-as").get_data(as_text=True)
    assert 'id="selected-outside">Bedrift AS er ikke med i dette utvalget' in page
    assert "Noen filtre finnes ikke" not in page and 'id="selected-heading"' not in page
    unknown = client.get("/network?org=finnes-ikke&municipality=9999&from=igår")
    assert unknown.status_code == 200
    warning = unknown.get_data(as_text=True)
    assert "Noen filtre finnes ikke og ble ikke brukt: 9999, igår, finnes-ikke" in warning


def test_the_table_holds_the_same_facts_as_the_picture(client, region, login_as):
    login_as(region["people"]["usn"])
    page = client.get("/network").get_data(as_text=True)
    drawn = weights(page)
    table = re.search(r'id="network-table">(.*?)</table>', page, re.S).group(1)
    from_table = {}
    for row_id, row in re.findall(r'<tr data-id="(\d+)">(.*?)</tr>', table, re.S):
        for partner, weight in re.findall(r'data-partner="(\d+)" data-weight="(\d+)"', row):
            from_table[frozenset((int(row_id), int(partner)))] = int(weight)
    assert from_table == drawn
    rows = sorted(int(r) for r in re.findall(r'<tr data-id="(\d+)">', table))
    assert rows == sorted(int(i) for i in re.findall(r'data-id="(\d+)" data-x', page))


def test_a_change_shows_at_once(client, region, clock):
    assert len(weights(client.get("/network").get_data(as_text=True))) == 5
    clock.advance(minutes=1)
    agree(
        initiatives.create_initiative(
            region["people"]["siljan"],
            InitiativeInput(title="Ny", summary="Ny", partner_ids=[region["orgs"]["usn"].id]),
        )
    )
    found = by_name(region, weights(client.get("/network").get_data(as_text=True)))
    assert found[frozenset({"siljan", "usn"})] == 1


def test_the_api_gives_the_same_graph(client, region):
    token = issue_api_token(region["people"]["siljan"], "kart")
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/network?shared=initiatives", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    links = {frozenset((k["source"], k["target"])): k["weight"] for k in body["links"]}
    assert links == {
        frozenset({"skien-kommune", "porsgrunn-kommune"}): 2,
        frozenset({"skien-kommune", "usn"}): 1,
        frozenset({"porsgrunn-kommune", "usn"}): 1,
        frozenset({"usn", "bedrift-as"}): 1,  # the token's member is verified
    }
    overvann = next(k for k in body["links"] if k["weight"] == 2)
    ids = {i["id"]: i["title"] for i in body["initiatives"]}
    assert sorted(ids[i] for i in overvann["initiatives"]) == ["Hydrogen", "Overvann"]
    assert body["neighbours_apart"] == [["Porsgrunn", "Siljan"], ["Skien", "Siljan"]]
    arenas_only = client.get("/api/v1/network?shared=arenas", headers=headers).get_json()
    assert {a["slug"] for a in arenas_only["arenas"]} == {"grenlandsradet", "lukket-forum"}
    bad = client.get("/api/v1/network?municipality=9999&theme=finnes-ikke", headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"municipality", "theme"}
    assert client.get("/api/v1/network?kind=robot", headers=headers).status_code == 422
    assert client.get("/api/v1/network").status_code == 401
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/network" in document["paths"]


NEW_TITLE = 'Nytt «samarbeid» om "vann" \\ æøå </script>'


def test_a_graph_brought_up_to_date_is_the_graph_made_afresh(clock, region, make_member):
    """After a change, a kept graph is brought up to date from the initiatives, arenas and
    organisations that changed (a merge, or an organisation moving out of the focus, makes it
    anew): under every filter and for both kinds of reader it must be exactly the graph made from
    scratch, the API's answer too."""
    orgs, people = region["orgs"], region["people"]
    admin = make_member(org=orgs["usn"], email="admin@example.no", is_admin=True)
    filters = [
        network_graph.NetworkFilter(),
        network_graph.NetworkFilter(municipality=orgs["skien"].municipality),
        network_graph.NetworkFilter(kind="akademia"),
        network_graph.NetworkFilter(kind="kommune"),
        network_graph.NetworkFilter(theme=region["klima"]),
        network_graph.NetworkFilter(shared="arenas"),
        network_graph.NetworkFilter(start=date(2026, 1, 1), end=date(2026, 12, 31)),
    ]
    readers = [None, people["usn"]]

    def facts(graph) -> dict:
        return {
            "nodes": list(graph.nodes.values()),
            "links": sorted(graph.links.values()),
            "by_node": {i: sorted(links.values()) for i, links in graph.by_node.items()},
            "strength": graph.strength,
            "not_connected": graph.not_connected,
            "neighbours_apart": graph.neighbours_apart,
            "api": json.loads(_network_json(graph, json.dumps)),
        }

    def compared(change, brought_up_to_date: bool | None) -> None:
        """None: brought up to date under some filters, made anew under others."""
        asked = [(chosen, reader) for chosen in filters for reader in readers]
        kept = [network(chosen, reader) for chosen, reader in asked]
        clock.advance(minutes=1)
        change()
        updated = [network(chosen, reader) for chosen, reader in asked]
        forget_everything()
        for (chosen, reader), before, after in zip(asked, kept, updated, strict=True):
            assert after.version != before.version
            if brought_up_to_date is not None:
                assert (after.brought_from == before.version) is brought_up_to_date
            assert facts(after) == facts(network(chosen, reader)), chosen

    overvann, lukket = region["initiatives"]["overvann"], region["initiatives"]["lukket"]

    def edit(initiative, **changes):
        fields = {
            "title": initiative.title,
            "summary": initiative.summary,
            "starts_on": initiative.starts_on,
            "ends_on": initiative.ends_on,
            "is_public": initiative.is_public,
            "partner_ids": [p.id for p in initiative.partners],
            "theme_ids": [t.id for t in initiative.themes],
        }
        initiatives.update_initiative(
            people["skien"] if initiative is overvann else people["usn"],
            initiative,
            InitiativeInput(**{**fields, **changes}),
            initiative.version,
        )
        agree(initiative)

    # A partner leaves, another joins, one stays; the period moves into 2026.
    compared(
        lambda: edit(
            overvann,
            partner_ids=[orgs["porsgrunn"].id, orgs["siljan"].id],
            ends_on=date(2026, 6, 30),
        ),
        brought_up_to_date=True,
    )
    # A new initiative between two organisations not linked before.
    compared(
        lambda: agree(
            initiatives.create_initiative(
                people["bedrift"],
                InitiativeInput(title=NEW_TITLE, summary="Nytt", partner_ids=[orgs["tf"].id]),
            )
        ),
        brought_up_to_date=True,
    )
    answer = json.loads(_network_json(network(filters[0], None), json.dumps))
    assert NEW_TITLE in {i["title"] for i in answer["initiatives"]}  # written out by hand

    # An arena renamed, one organisation out and another in; a members-only initiative public.
    def arena_and_initiative():
        arenas.update_arena(
            people["skien"],
            region["arena"],
            ArenaInput(
                name="Grenlandsrådet 2",
                organisation_ids=[orgs[k].id for k in ("skien", "siljan", "tf")],
            ),
        )
        edit(lukket, is_public=True)

    compared(arena_and_initiative, brought_up_to_date=True)

    def organisation(org, **changes):
        fields = {"name": org.name, "kind": org.kind, "municipality_id": org.municipality_id}
        update_organisation(admin, org, OrganisationInput(**{**fields, **changes}))

    # An organisation renamed (its name and slug on the links), then one moving elsewhere
    # (made anew where it leaves or enters the focus).
    compared(lambda: organisation(orgs["skien"], name="Skien by"), brought_up_to_date=True)
    skien_id = orgs["skien"].municipality_id
    compared(lambda: organisation(orgs["usn"], municipality_id=skien_id), brought_up_to_date=None)

    # Fields of expertise merged: the themes move in bulk (no initiative's row is touched), and
    # the map under the theme kept takes in the initiative about the merged one.
    def fields_merged():
        hydrogen = db.session.scalar(sa.select(ExpertiseArea).filter_by(slug="hydrogen"))
        merge_areas(admin, hydrogen, region["klima"])
        db.session.commit()

    compared(fields_merged, brought_up_to_date=False)
    themed = network(network_graph.NetworkFilter(theme=region["klima"]), None)
    assert region["initiatives"]["hydrogen"].id in {
        i for link in themed.links.values() for i in link.initiatives
    }
    # An initiative removed: counted out.
    compared(
        lambda: initiatives.delete_initiative(
            people["porsgrunn"], region["initiatives"]["hydrogen"]
        ),
        brought_up_to_date=True,
    )
    # Organisations merged: what the duplicate took part in moves over, and all is made anew.
    compared(lambda: merge_organisations(admin, orgs["tf"], orgs["usn"]), brought_up_to_date=False)


def test_odd_periods_do_not_push_out_the_kept_graphs(region):
    """The map keeps a graph per filter; a period of any two dates is made for its reader
    without being kept, so many of them do not push out the graphs most people ask for."""
    whole_year = network_graph.NetworkFilter(start=date(2026, 1, 1), end=date(2026, 12, 31))
    everything = network(network_graph.NetworkFilter(), None)
    year = network(whole_year, None)
    for day in range(1, 29):
        odd = network_graph.NetworkFilter(start=date(2026, 1, day), end=date(2026, 2, day))
        assert network(odd, None) is not network(odd, None)  # made each time
    assert network(network_graph.NetworkFilter(), None) is everything
    assert network(whole_year, None) is year


def test_a_change_stamped_by_a_slow_clock_still_reaches_the_map(clock, region):
    """The map is kept for the change counters, not for the newest time stamped: a partner
    added by a server whose clock runs ten minutes behind (or in a transaction that began
    before another's and commits after it) is on the map at once."""
    people, orgs = region["people"], region["orgs"]
    eget = region["initiatives"]["eget"]
    pair = tuple(sorted((orgs["skien"].id, orgs["bedrift"].id)))
    before = network(network_graph.NetworkFilter(), None)
    assert pair not in before.links
    clock.advance(minutes=-10)
    initiatives.update_initiative(
        people["skien"],
        eget,
        InitiativeInput(title=eget.title, summary=eget.summary, partner_ids=[orgs["bedrift"].id]),
        eget.version,
    )
    agree(eget)
    db.session.commit()
    after = network(network_graph.NetworkFilter(), None)
    assert after.brought_from == before.version
    assert after.links[pair].initiatives == (eget.id,)
