"""Who works with whom (rules 5-7): organisations linked when they share an initiative (as lead
or partner) or a collaboration arena, the link weighing as many as they share.

A filter chooses the organisations in focus (municipality, kind) and what counts as shared
(theme, period, initiatives and/or arenas); the graph holds the organisations in focus, the
partners they are linked to, and the links that touch the focus. It is worked out from three
statements and kept; after a change, only the initiatives, arenas and organisations changed are
read again, and counted out of and into a copy of the kept graph."""

import csv
import functools
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

from arena.access import sees_members_only
from arena.expertise.models import ExpertiseArea
from arena.keep import KeptUpToDate
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


#: The graphs of the filters asked for lately (each reader scope its own).
_kept = KeptUpToDate(size=16)
#: Above this many initiatives, arenas and organisations changed at once, a graph is made anew.
MOST_CHANGES = 2000


def network(chosen: NetworkFilter, reader) -> Graph:
    """The graph for this filter as the reader may see it (members-only initiatives and arenas
    count for verified members only): kept while nothing changes, and after a change made from
    the graph kept with only the initiatives and arenas changed read again."""
    version = sources.version()
    return _kept.get(
        version,
        (chosen.key, sees_members_only(reader)),
        make=lambda: _made(chosen, reader, version),
        update=lambda kept: _updated(kept, chosen, reader, version),
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


def _made(chosen: NetworkFilter, reader, version: sources.Version) -> Graph:
    """The graph from scratch: every initiative and arena counted, in id order (so every link
    lists its initiatives and arenas in order)."""
    with collector_paused():
        organisations = sources.organisations()
        focus = frozenset(o.id for o in organisations.values() if chosen.chooses(o))
        narrowed = len(focus) < len(organisations)
        items: list[tuple[Item, list[int]]] = []
        names, arena_names = {}, {}
        if chosen.counts_initiatives:
            rows = sources.initiative_rows(chosen, reader)
            items.extend(((False, i), members) for i, members in sorted(rows.items()))
        if chosen.counts_arenas:
            for arena_id, (members, slug, name) in sorted(
                sources.arena_rows(chosen, reader).items()
            ):
                items.append(((True, arena_id), members))
                names[arena_id] = (slug, name)
        taking_part: dict[Item, tuple[int, ...]] = {}
        activity: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        shared: dict[tuple[int, int], tuple[list[int], list[int]]] = {}  # initiatives, arenas
        for item, members in items:
            is_arena, item_id = item
            present = _present(members, organisations)
            if narrowed and focus.isdisjoint(present):
                continue
            taking_part[item] = present
            if is_arena:
                arena_names[item_id] = names[item_id]
            for organisation_id in present:
                activity[organisation_id][is_arena] += 1
            for pair in combinations(present, 2):
                if pair[0] in focus or pair[1] in focus:
                    lists = shared.get(pair)
                    if lists is None:
                        lists = shared[pair] = ([], [])
                    lists[is_arena].append(item_id)
        links = {pair: Link(*pair, tuple(i), tuple(a)) for pair, (i, a) in shared.items()}
        by_node: dict[int, dict[int, Link]] = defaultdict(dict)
        strength: dict[int, int] = defaultdict(int)
        for (a, b), link in links.items():
            by_node[a][b] = by_node[b][a] = link
            strength[a] += link.weight
            strength[b] += link.weight
        return Graph(
            version=version,
            organisations=organisations,
            focus=focus,
            taking_part=taking_part,
            arena_names=arena_names,
            links=links,
            by_node=dict(by_node),
            activity={o: (i, a) for o, (i, a) in activity.items()},
            strength=dict(strength),
        )


def _present(members, organisations) -> tuple[int, ...]:
    """The approved ones among an initiative's or arena's organisations, by id."""
    return tuple(sorted({o for o in members if o in organisations}))


def _updated(kept: Graph, chosen: NetworkFilter, reader, version: sources.Version):
    """The kept graph with the initiatives, arenas and organisations changed since read again,
    and those removed counted out; None when it must be made anew (much changed, or an
    organisation was approved, merged, removed, or moved in or out of the focus)."""
    changed = sources.changed_since(kept.version, version)
    if changed is None:
        return None
    initiatives, arenas = changed.initiatives, changed.arenas
    if len(initiatives) + len(arenas) + len(changed.organisations) > MOST_CHANGES:
        return None
    organisations = kept.organisations
    if changed.organisations:  # names and places (the API's links name them by slug: kept)
        rows = sources.organisations(changed.organisations)
        for organisation_id in changed.organisations:
            was, row = organisations.get(organisation_id), rows.get(organisation_id)
            if (was is None) != (row is None):
                return None  # approved, or no longer: what it takes part in counts anew
            if was is not None and chosen.chooses(was) != chosen.chooses(row):
                return None
        organisations = {**organisations, **rows}
    with collector_paused():
        changes = _Changes(organisations, kept)
        for is_arena, left in ((False, changed.initiatives_left), (True, changed.arenas_left)):
            if left is not None:  # some removed
                for item in [i for i in kept.taking_part if i[0] == is_arena and i[1] not in left]:
                    changes.forget(item)
        counted = {}
        if chosen.counts_initiatives and initiatives:
            counted = sources.initiative_rows(chosen, reader, initiatives)
        for initiative_id in sorted(initiatives):
            changes.forget((False, initiative_id))
            if initiative_id in counted:
                changes.count((False, initiative_id), counted[initiative_id])
        counted = {}
        if chosen.counts_arenas and arenas:
            counted = sources.arena_rows(chosen, reader, arenas)
        for arena_id in sorted(arenas):
            changes.forget((True, arena_id))
            if arena_id in counted:
                members, slug, name = counted[arena_id]
                changes.count((True, arena_id), members, (slug, name))
        return changes.graph(version)


class _Changes:
    """Counts initiatives and arenas out of and into copies of a kept graph's tables (each
    organisation's links copied when first touched)."""

    def __init__(self, organisations: dict, kept: Graph):
        self.organisations, self.focus, self.kept = organisations, kept.focus, kept
        # With organisations chosen, only what they take part in is counted (all their links).
        self.narrowed = len(self.focus) < len(organisations)
        self.taking_part = dict(kept.taking_part)
        self.arena_names = dict(kept.arena_names)
        self.links = dict(kept.links)
        self.by_node = dict(kept.by_node)
        self.activity = dict(kept.activity)
        self.strength = dict(kept.strength)
        self.copied: set[int] = set()  # organisations whose links are this graph's own
        self.stale: set = set()  # pieces of the kept graph that no longer hold
        self.touched: set[int] = set()  # organisations whose counts may have changed

    def count(self, item: Item, members, names: tuple[str, str] | None = None) -> None:
        present = _present(members, self.organisations)
        if self.narrowed and self.focus.isdisjoint(present):
            return
        self.taking_part[item] = present
        if names is not None:
            self.arena_names[item[1]] = names
        self._take_part(item, present, 1)

    def forget(self, item: Item) -> None:
        present = self.taking_part.pop(item, None)
        self.stale.add(("arena" if item[0] else "initiative", item[1]))
        if item[0]:
            self.arena_names.pop(item[1], None)
        if present is not None:
            self._take_part(item, present, -1)

    def _take_part(self, item: Item, present: tuple[int, ...], sign: int) -> None:
        is_arena, item_id = item
        self.touched.update(present)
        for organisation_id in present:
            initiatives, arenas = self.activity.get(organisation_id, (0, 0))
            self.activity[organisation_id] = (
                (initiatives, arenas + sign) if is_arena else (initiatives + sign, arenas)
            )
        for pair in combinations(present, 2):
            if pair[0] not in self.focus and pair[1] not in self.focus:
                continue
            self.stale.add(pair)
            old = self.links.get(pair) or Link(*pair, (), ())
            shared = old[2 + is_arena]
            if sign > 0:
                shared = tuple(sorted((*shared, item_id)))
            else:
                shared = tuple(i for i in shared if i != item_id)
            link = old._replace(arenas=shared) if is_arena else old._replace(initiatives=shared)
            self._relink(pair, link if link.weight else None, link.weight - old.weight)

    def _relink(self, pair: tuple[int, int], link: Link | None, change: int) -> None:
        if link is None:
            del self.links[pair]
        else:
            self.links[pair] = link
        for end, other in (pair, pair[::-1]):
            self.strength[end] = self.strength.get(end, 0) + change
            if self.strength[end] == 0:
                del self.strength[end]
            if end not in self.copied:
                self.by_node[end] = dict(self.by_node.get(end, {}))
                self.copied.add(end)
            if link is None:
                del self.by_node[end][other]
                if not self.by_node[end]:
                    del self.by_node[end]
                    self.copied.discard(end)
            else:
                self.by_node[end][other] = link

    def graph(self, version: sources.Version) -> Graph:
        pieces = self.kept.pieces.copy()
        for stale in self.stale:
            pieces.pop(stale, None)
        return Graph(
            version=version,
            organisations=self.organisations,
            focus=self.focus,
            taking_part=self.taking_part,
            arena_names=self.arena_names,
            links=self.links,
            by_node=self.by_node,
            activity=self.activity,
            strength=self.strength,
            pieces=pieces,
            brought_from=self.kept.version,
            still_true={
                i: node
                for i, node in self.kept.nodes.items()
                if i not in self.touched and self.organisations[i] is self.kept.organisations[i]
            },
        )


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
