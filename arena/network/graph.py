"""Who works with whom (rules 5-7): organisations linked when they share an initiative (as lead
or partner) or a collaboration arena, the link weighing as many as they share.

A filter chooses the organisations in focus (municipality, kind) and what counts as shared
(theme, period, initiatives and/or arenas); the graph holds the organisations in focus, the
partners they are linked to, and the links that touch the focus. It is worked out from three
statements and kept (arena/network/making.py)."""

import csv
import functools
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from arena.expertise.models import ExpertiseArea
from arena.network import sources
from arena.organisations.models import Municipality

SHARED = ("both", "initiatives", "arenas")
NEIGHBOURS_FILE = Path(__file__).resolve().parent.parent / "data" / "neighbours.csv"


@dataclass(frozen=True)
class NetworkFilter:
    """The map's filters; they live in the URL."""

    municipality: Municipality | None = None
    kind: str | None = None
    theme: ExpertiseArea | None = None
    start: date | None = None
    end: date | None = None
    shared: str = "both"

    @property
    def key(self) -> tuple:
        return (
            self.municipality.id if self.municipality else None,
            self.kind,
            self.theme.id if self.theme else None,
            self.start,
            self.end,
            self.shared,
        )

    @property
    def counts_initiatives(self) -> bool:
        return self.shared in ("both", "initiatives")

    @property
    def counts_arenas(self) -> bool:
        # Arenas have no themes: with a theme chosen, only initiatives are about it.
        return self.shared in ("both", "arenas") and self.theme is None

    def chooses(self, organisation) -> bool:
        """Whether the municipality and kind chosen put the organisation in focus."""
        return (
            self.municipality is None or organisation.municipality_id == self.municipality.id
        ) and (self.kind is None or organisation.kind == self.kind)

    @property
    def in_use(self) -> bool:
        return self.key != NetworkFilter().key


@dataclass
class Node:
    id: int
    name: str
    slug: str
    kind: str
    municipality: str | None
    #: Chosen by the filter (the others are partners of those chosen).
    in_focus: bool
    initiatives: int = 0
    arenas: int = 0

    @property
    def activity(self) -> int:
        """How many initiatives and arenas it takes part in (under the filter)."""
        return self.initiatives + self.arenas


class Link(NamedTuple):
    """Two organisations and what they share. A tuple of numbers: Python's garbage collector
    stops looking at it, which matters with 60,000 of them kept."""

    source: int  # the lower id
    target: int
    initiatives: tuple[int, ...]
    arenas: tuple[int, ...]

    @property
    def weight(self) -> int:
        return len(self.initiatives) + len(self.arenas)

    def other(self, node_id: int) -> int:
        return self.target if node_id == self.source else self.source


Item = tuple[bool, int]  # (is an arena, its id): an initiative or arena


@dataclass
class Graph:
    """The network under one filter, for readers who see members-only initiatives and arenas or
    for those who do not. Never changed once made (but for what is made from it and kept with
    it): a change makes a new graph from it, sharing what the change left alone."""

    version: sources.Version
    #: Every approved organisation, and those the filter chooses.
    organisations: dict[int, Any]
    focus: frozenset[int]
    #: The initiatives and arenas counted (with organisations chosen: those they take part in),
    #: each with its approved organisations by id.
    taking_part: dict[Item, tuple[int, ...]]
    #: (slug, name) of the arenas counted.
    arena_names: dict[int, tuple[str, str]]
    #: The links that touch the focus, by (lower id, higher id).
    links: dict[tuple[int, int], Link]
    #: Each organisation's links, by the organisation at the other end.
    by_node: dict[int, dict[int, Link]]
    #: Each organisation's (initiatives, arenas) counted.
    activity: dict[int, tuple[int, int]]
    #: Each organisation's links' weights added up.
    strength: dict[int, int]
    #: The version of the graph it was brought up to date from (None: made from scratch).
    brought_from: sources.Version | None = None
    #: Made from one link, by (lower id, higher id), or one initiative or arena, by
    #: ("initiative" or "arena", id): the API's JSON of each. Carried over to the graph a change
    #: makes, but for the links, initiatives and arenas the change touched.
    pieces: dict = field(default_factory=dict, repr=False, compare=False)
    #: What is made from the whole once and kept with it: the map drawn, the API's answer.
    derived: dict = field(default_factory=dict, repr=False, compare=False)
    #: The kept graph's nodes that a change left as they were: used again, not made anew (a
    #: new object is work for Python's garbage collector, which walks all of them at times).
    still_true: InitVar[dict[int, Node]] = {}
    #: By name: the organisations in focus and the partners they are linked to.
    nodes: dict[int, Node] = field(init=False)
    #: Organisations in focus sharing nothing with anyone, by name.
    not_connected: list[Node] = field(init=False)
    #: Neighbouring municipalities whose municipality organisations share nothing.
    neighbours_apart: list[tuple[str, str]] = field(init=False)

    def __post_init__(self, still_true: dict[int, Node]) -> None:
        self.nodes = {}
        for row in sorted(
            (self.organisations[i] for i in self.focus | self.by_node.keys()),
            key=lambda o: (o.name, o.id),
        ):
            node = still_true.get(row.id)
            if node is None:
                node = Node(
                    row.id,
                    row.name,
                    row.slug,
                    row.kind,
                    row.municipality,
                    row.id in self.focus,
                    *self.activity.get(row.id, (0, 0)),
                )
            self.nodes[row.id] = node
        self.not_connected = [
            n for n in self.nodes.values() if n.in_focus and n.id not in self.by_node
        ]
        self.neighbours_apart = _neighbours_apart(self)

    def once(self, name: str, make):
        """`make()`, made the first time it is asked for (a benign race: two requests may
        both make it)."""
        if name not in self.derived:
            with collector_paused():
                self.derived[name] = make()
        return self.derived[name]

    def partner_count(self, node_id: int) -> int:
        return len(self.by_node.get(node_id, ()))

    def links_of(self, node_id: int) -> list[Link]:
        """Heaviest first (sorted when asked: the page asks for a few organisations)."""
        return sorted(
            self.by_node.get(node_id, {}).values(), key=lambda k: (-k.weight, k.other(node_id))
        )

    def items_behind_links(self, is_arena: bool) -> list[int]:
        """The ids of the initiatives or arenas behind the links, in order."""
        return sorted(
            item_id
            for (arena, item_id), present in self.taking_part.items()
            if arena == is_arena and len(present) > 1
        )


@contextmanager
def collector_paused():
    """The whole network makes some 60,000 small objects at once, all kept (links, and from them
    the map and the API's answer): Python's cyclic garbage collector would walk the heap again
    and again meanwhile (2-3x the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def neighbour_pairs() -> tuple[tuple[str, str], ...]:
    """(number, number) of each pair of neighbouring municipalities (arena/data/neighbours.csv)."""
    with NEIGHBOURS_FILE.open(encoding="utf-8") as rows:
        return tuple((row["number"], row["neighbour_number"]) for row in csv.DictReader(rows))


def _neighbours_apart(graph: Graph) -> list[tuple[str, str]]:
    """Neighbouring municipalities whose municipality organisations (kind «kommune») both take
    part in Arena and share nothing under the filter; with a municipality chosen, its own."""
    councils: dict[str, list] = defaultdict(list)
    for row in graph.organisations.values():
        if row.kind == "kommune" and row.number:
            councils[row.number].append(row)
    apart = []
    for a, b in neighbour_pairs():
        if a not in councils or b not in councils:
            continue
        if not any(c.id in graph.focus for c in councils[a] + councils[b]):
            continue  # a kind other than «kommune», or another municipality, chosen
        if not any(
            (min(x.id, y.id), max(x.id, y.id)) in graph.links
            for x in councils[a]
            for y in councils[b]
        ):
            apart.append((councils[a][0].municipality, councils[b][0].municipality))
    return sorted(apart)
