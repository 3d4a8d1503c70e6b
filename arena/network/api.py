"""API route for the collaboration map: the same graph as /network, with the same filters."""

import json
from typing import Literal

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from pydantic import Field

from arena.api.declare import Answer, IsoDate, Query, Slug, operation, supported_date
from arena.errors import ValidationFailed
from arena.network.forms import filter_from_args
from arena.network.graph import SHARED
from arena.network.making import network
from arena.network.sources import initiative_titles
from arena.organisations.models import ORGANISATION_KINDS


class NetworkQuery(Query):
    municipality: str | None = Field(
        None, pattern=r"^[0-9]{4}$", examples=["4003"], description="Organisations located here"
    )
    kind: Literal[ORGANISATION_KINDS] | None = Field(None, description="Organisations of this kind")
    theme: Slug | None = Field(None, description="Initiatives with this theme (then no arenas)")
    start: IsoDate | None = supported_date("Shared on or after", alias="from")
    end: IsoDate | None = supported_date("Shared on or before", alias="to")
    shared: Literal[SHARED] = Field("both", description="What counts as shared")


class NetworkNode(Answer):
    slug: str
    name: str
    kind: Literal[ORGANISATION_KINDS]
    municipality: str | None
    in_focus: bool = Field(description="Chosen by the filters (the others are their partners)")
    initiatives: int = Field(description="Initiatives it leads or is a partner in")
    arenas: int = Field(description="Arenas it takes part in")


class NetworkLink(Answer):
    source: str = Field(description="Organisation slug")
    target: str = Field(description="Organisation slug")
    weight: int = Field(description="Initiatives and arenas the two share")
    initiatives: list[int] = Field(description="Ids of the shared initiatives")
    arenas: list[str] = Field(description="Slugs of the shared arenas")


class SharedInitiative(Answer):
    id: int
    title: str


class SharedArena(Answer):
    slug: str
    name: str


class Network(Answer):
    nodes: list[NetworkNode]
    links: list[NetworkLink]
    initiatives: list[SharedInitiative] = Field(description="The initiatives behind the links")
    arenas: list[SharedArena] = Field(description="The arenas behind the links")
    not_connected: list[str] = Field(description="Slugs of organisations in focus sharing nothing")
    neighbours_apart: list[list[str]] = Field(
        description="Neighbouring municipalities whose municipality organisations share nothing"
    )


@operation("GET", "/network", query=NetworkQuery, answer=Network)
def get_network(query: NetworkQuery):
    """Who works with whom: organisations linked when they share an initiative (lead or partner)
    or an arena, weighted by how many; members-only ones count for verified members only."""
    chosen, unknown = filter_from_args(request.args)
    if unknown:
        raise ValidationFailed(
            _("Ukjente filterverdier."),
            {key: _("Ukjent verdi: %(values)s", values=value) for key, value in unknown.items()},
        )
    graph = network(chosen, g.api_member)
    # Thousands of links at nordic scale: the answer is written once for each graph, from the
    # pieces of the graph before it but for the links and initiatives a change touched.
    answer = graph.once("json", lambda: _network_json(graph, current_app.json.dumps))
    return Response(answer, mimetype="application/json")


def _network_json(graph, dumps) -> str:
    """The answer as JSON text, written from the pieces kept for each link (in the order of
    their organisations' ids) and each initiative."""
    pieces = graph.pieces
    slug = {node.id: json.dumps(node.slug) for node in graph.nodes.values()}
    links = []
    for pair in sorted(graph.links):
        piece = pieces.get(pair)
        if piece is None:  # written out by hand: 60,000 calls of dumps take a second
            k = graph.links[pair]
            arenas = ",".join(json.dumps(graph.arena_names[a][0]) for a in k.arenas)
            piece = pieces[pair] = (
                f'{{"arenas":[{arenas}],"initiatives":[{",".join(map(str, k.initiatives))}],'
                f'"source":{slug[k.source]},"target":{slug[k.target]},"weight":{k.weight}}}'
            )
        links.append(piece)
    behind = graph.items_behind_links(is_arena=False)
    titles = initiative_titles(i for i in behind if ("initiative", i) not in pieces)
    for initiative_id, title in titles.items():
        pieces["initiative", initiative_id] = (
            f'{{"id":{initiative_id},"title":{json.dumps(title)}}}'
        )
    rest = {
        "nodes": [
            {
                "slug": n.slug,
                "name": n.name,
                "kind": n.kind,
                "municipality": n.municipality,
                "in_focus": n.in_focus,
                "initiatives": n.initiatives,
                "arenas": n.arenas,
            }
            for n in graph.nodes.values()
        ],
        "arenas": [
            {"slug": s, "name": n}
            for s, n in sorted(
                graph.arena_names[a] for a in graph.items_behind_links(is_arena=True)
            )
        ],
        "not_connected": [n.slug for n in graph.not_connected],
        "neighbours_apart": [list(pair) for pair in graph.neighbours_apart],
    }
    return "".join(
        [
            dumps(rest)[:-1],
            ',"links":[',
            ",".join(links),
            '],"initiatives":[',
            ",".join(pieces["initiative", i] for i in behind if ("initiative", i) in pieces),
            "]}",
        ]
    )
