"""Who works with whom (rules 5-7): organisations linked when they share an initiative (as lead
or partner) or a collaboration arena, the link weighing as many as they share.

A filter chooses the organisations in focus (municipality, kind) and what counts as shared
(theme, period, initiatives and/or arenas); the graph holds the organisations in focus, the
partners they are linked to, and the links that touch the focus. It is worked out from three
statements and kept while nothing it shows changes."""

import csv
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from arena.access import sees_members_only
from arena.arenas.models import Arena, arena_organisations
from arena.dates import OSLO
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives import listing
from arena.initiatives.models import Initiative, initiative_partners
from arena.keep import Kept
from arena.organisations.models import Municipality, Organisation

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


@dataclass
class Graph:
    #: By name: the organisations in focus and the partners they are linked to.
    nodes: dict[int, Node]
    #: In the order they were first met (initiatives by id, then arenas by id): the same on
    #: every run.
    links: list[Link]
    #: (slug, name) of the arenas behind the links.
    arena_names: dict[int, tuple[str, str]]
    #: Organisations in focus sharing nothing with anyone, by name.
    not_connected: list[Node]
    #: Neighbouring municipalities whose municipality organisations share nothing.
    neighbours_apart: list[tuple[str, str]]
    #: Each organisation's links.
    by_node: dict[int, list[Link]] = field(default_factory=dict)
    #: What is made from it once and kept with it: the map drawn, the API's answer.
    derived: dict = field(default_factory=dict, repr=False, compare=False)

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
        return sorted(self.by_node.get(node_id, []), key=lambda k: (-k.weight, k.other(node_id)))


def initiative_titles(ids) -> dict[int, str]:
    """The titles of these initiatives (those behind links: the graph keeps only their ids)."""
    ids = sorted(set(ids))
    titles = {}
    for start in range(0, len(ids), 5000):  # well within every database's limit on values
        chunk = ids[start : start + 5000]
        titles.update(
            db.session.execute(
                sa.select(Initiative.id, Initiative.title).where(Initiative.id.in_(chunk))
            ).all()
        )
    return titles


_kept = Kept()


def _version() -> tuple:
    """Moves whenever an initiative, arena or organisation is added, changed or removed
    (partners, themes, dates, visibility and arena organisations change updated_at)."""
    counted = [
        sa.select(aggregate).scalar_subquery()
        for table in (Initiative, Arena, Organisation)
        for aggregate in (sa.func.count(table.id), sa.func.max(table.updated_at))
    ]
    return tuple(db.session.execute(sa.select(*counted)).one())


def network(chosen: NetworkFilter, reader) -> Graph:
    """The graph for this filter as the reader may see it (members-only initiatives and arenas
    count for verified members only)."""
    members_only = sees_members_only(reader)
    return _kept.get(_version(), (chosen.key, members_only), lambda: _build(chosen, reader))


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


def _build(chosen: NetworkFilter, reader) -> Graph:
    with collector_paused():
        return _build_graph(chosen, reader)


def _build_graph(chosen: NetworkFilter, reader) -> Graph:
    connection = db.session.connection()  # plain rows: tens of thousands of them
    organisations = {
        row.id: row
        for row in connection.execute(
            sa.select(
                Organisation.id,
                Organisation.name,
                Organisation.slug,
                Organisation.kind,
                Organisation.municipality_id,
                Municipality.name.label("municipality"),
                Municipality.number,
            )
            .outerjoin(Municipality, Municipality.id == Organisation.municipality_id)
            .where(Organisation.approved)
        )
    }
    focus = {
        o.id
        for o in organisations.values()
        if (chosen.municipality is None or o.municipality_id == chosen.municipality.id)
        and (chosen.kind is None or o.kind == chosen.kind)
    }
    # Each initiative's and arena's organisations, in id order (so every link's lists are too);
    # with organisations chosen, only what they take part in (all their links are there).
    narrowed = focus if len(focus) < len(organisations) else None
    taking_part: list[tuple[bool, int, list[int]]] = []
    arena_names: dict[int, tuple[str, str]] = {}
    if chosen.counts_initiatives:
        for initiative_id, orgs in _initiative_rows(chosen, reader, connection):
            if narrowed is None or not narrowed.isdisjoint(orgs):
                taking_part.append((False, initiative_id, orgs))
    if chosen.counts_arenas:
        for arena_id, orgs, slug, name in _arena_rows(chosen, reader, connection):
            if narrowed is None or not narrowed.isdisjoint(orgs):
                taking_part.append((True, arena_id, orgs))
                arena_names[arena_id] = (slug, name)

    activity: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    pairs: dict[tuple[int, int], tuple[list[int], list[int]]] = {}  # initiatives, arenas
    linked: set[int] = set()  # sharing something with someone
    for is_arena, item_id, members in taking_part:
        present = sorted({o for o in members if o in organisations})
        for organisation_id in present:
            activity[organisation_id][is_arena] += 1
        if len(present) > 1:
            linked.update(present)
        for pair in combinations(present, 2):
            shared = pairs.get(pair)
            if shared is None:
                shared = pairs[pair] = ([], [])
            shared[is_arena].append(item_id)

    links = [
        Link(a, b, tuple(initiatives), tuple(arenas))
        for (a, b), (initiatives, arenas) in pairs.items()
        if a in focus or b in focus
    ]
    by_node: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        by_node[link.source].append(link)
        by_node[link.target].append(link)
    nodes = {}
    for row in sorted((organisations[i] for i in focus | set(by_node)), key=lambda o: o.name):
        counts = activity.get(row.id, [0, 0])
        nodes[row.id] = Node(
            row.id, row.name, row.slug, row.kind, row.municipality, row.id in focus, *counts
        )
    arenas_behind = {i for link in links for i in link.arenas}
    return Graph(
        nodes=nodes,
        links=links,
        arena_names={i: n for i, n in arena_names.items() if i in arenas_behind},
        not_connected=[n for n in nodes.values() if n.in_focus and n.id not in linked],
        neighbours_apart=_neighbours_apart(chosen, organisations, pairs),
        by_node=dict(by_node),
    )


def _focus_select(chosen: NetworkFilter):
    """SQL: the ids of the organisations a municipality or kind chooses (None: all)."""
    conditions = []
    if chosen.municipality is not None:
        conditions.append(Organisation.municipality_id == chosen.municipality.id)
    if chosen.kind is not None:
        conditions.append(Organisation.kind == chosen.kind)
    return sa.select(Organisation.id).where(*conditions) if conditions else None


def _initiative_rows(chosen: NetworkFilter, reader, connection) -> list[tuple[int, list[int]]]:
    """(initiative, its lead and partners) of the initiatives the filter counts, by id; with
    organisations chosen, only those they take part in."""
    conditions = listing.filter_conditions(
        listing.InitiativeFilter(
            theme=chosen.theme, active_from=chosen.start, active_to=chosen.end
        ),
        reader,
    )
    focus = _focus_select(chosen)
    if focus is not None:
        conditions.append(
            sa.or_(
                Initiative.lead_organisation_id.in_(focus),
                Initiative.id.in_(
                    sa.select(initiative_partners.c.initiative_id).where(
                        initiative_partners.c.organisation_id.in_(focus)
                    )
                ),
            )
        )
    leads = sa.select(Initiative.id, Initiative.lead_organisation_id).where(*conditions)
    partners = sa.select(initiative_partners.c.initiative_id, initiative_partners.c.organisation_id)
    if conditions:  # no filter and no members-only to hide: every partner row counts
        partners = partners.join(
            Initiative, Initiative.id == initiative_partners.c.initiative_id
        ).where(*conditions)
    grouped: dict[int, list[int]] = {}
    for initiative_id, organisation_id in connection.execute(leads.union_all(partners)).all():
        grouped.setdefault(initiative_id, []).append(organisation_id)
    return sorted(grouped.items())


def _arena_rows(chosen: NetworkFilter, reader, connection):
    """(arena, its organisations, slug, name) of the arenas the filter counts, by id: not
    archived, public unless the reader sees members-only ones, existing by the period's end;
    with organisations chosen, only those they take part in."""
    conditions = [Arena.archived.is_(False)]
    if not sees_members_only(reader):
        conditions.append(Arena.visibility == "public")
    if chosen.end is not None:  # created before the day after the end began in Oslo
        day_after = datetime.combine(chosen.end + timedelta(days=1), time(), ZoneInfo(OSLO))
        conditions.append(Arena.created_at < day_after.astimezone(UTC))
    focus = _focus_select(chosen)
    if focus is not None:
        conditions.append(
            Arena.id.in_(
                sa.select(arena_organisations.c.arena_id).where(
                    arena_organisations.c.organisation_id.in_(focus)
                )
            )
        )
    grouped: dict[int, tuple] = {}
    rows = connection.execute(
        sa.select(
            arena_organisations.c.arena_id,
            arena_organisations.c.organisation_id,
            Arena.slug,
            Arena.name,
        )
        .join(Arena, Arena.id == arena_organisations.c.arena_id)
        .where(*conditions)
    ).all()
    for arena_id, organisation_id, slug, name in rows:
        grouped.setdefault(arena_id, (arena_id, [], slug, name))[1].append(organisation_id)
    return [grouped[i] for i in sorted(grouped)]


def neighbour_pairs() -> list[tuple[str, str]]:
    """(number, number) of each pair of neighbouring municipalities (arena/data/neighbours.csv)."""
    with NEIGHBOURS_FILE.open(encoding="utf-8") as rows:
        return [(row["number"], row["neighbour_number"]) for row in csv.DictReader(rows)]


def _neighbours_apart(chosen, organisations, pairs) -> list[tuple[str, str]]:
    """Neighbouring municipalities whose municipality organisations (kind «kommune») both take
    part in Arena and share nothing under the filter; with a municipality chosen, its own."""
    if chosen.kind not in (None, "kommune"):
        return []
    councils: dict[str, list] = defaultdict(list)
    for row in organisations.values():
        if row.kind == "kommune" and row.number:
            councils[row.number].append(row)
    apart = []
    for a, b in neighbour_pairs():
        if a not in councils or b not in councils:
            continue
        if chosen.municipality is not None and chosen.municipality.number not in (a, b):
            continue
        if not any(
            (min(x.id, y.id), max(x.id, y.id)) in pairs for x in councils[a] for y in councils[b]
        ):
            apart.append((councils[a][0].municipality, councils[b][0].municipality))
    return sorted(apart)
