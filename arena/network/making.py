"""The collaboration map's graphs, made and kept: a graph is kept per filter and reader scope,
and after a change it is brought up to date rather than made anew: only the initiatives, arenas
and organisations changed are read again, and counted out of and into copies of its tables."""

from collections import defaultdict
from datetime import timedelta
from itertools import combinations

from arena.access import sees_members_only
from arena.keep import KeptUpToDate
from arena.network import sources
from arena.network.graph import Graph, Item, Link, NetworkFilter, collector_paused

#: The graphs of the filters asked for lately: one per filter for everyone who may see
#: members-only initiatives and arenas, one for everyone else (anonymous readers share it).
_kept = KeptUpToDate(size=16)
#: Above this many initiatives, arenas and organisations changed at once, a graph is made anew.
MOST_CHANGES = 2000


def network(chosen: NetworkFilter, reader) -> Graph:
    """The graph for this filter as the reader may see it (members-only initiatives and arenas
    count for verified members only): kept while nothing changes, and after a change brought up
    to date from what changed."""
    version = sources.version()
    if not _whole_months(chosen):  # odd dates would push out the graphs most people ask for
        return _made(chosen, reader, version)
    return _kept.get(
        version,
        (chosen.key, sees_members_only(reader)),
        make=lambda: _made(chosen, reader, version),
        update=lambda kept: _updated(kept, chosen, reader, version),
    )


def _whole_months(chosen: NetworkFilter) -> bool:
    """Whether the period (if any) runs from the first of a month to the last of one (a year,
    a quarter, a month: the periods people compare), kept; other dates are made each time."""
    return (chosen.start is None or chosen.start.day == 1) and (
        chosen.end is None or (chosen.end + timedelta(days=1)).day == 1
    )


def _made(chosen: NetworkFilter, reader, version: sources.Version) -> Graph:
    """The graph from scratch: every initiative and arena counted, in id order (so every link
    lists its initiatives and arenas in order)."""
    with collector_paused():
        organisations = sources.organisations()
        focus = frozenset(o.id for o in organisations.values() if chosen.chooses(o))
        narrowed = len(focus) < len(organisations)
        arena_names = {}
        taking_part: dict[Item, tuple[int, ...]] = {}
        activity: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        shared: dict[tuple[int, int], tuple[list[int], list[int]]] = {}  # initiatives, arenas
        for item, (members, names) in sorted(_counted(chosen, reader).items()):
            is_arena, item_id = item
            present = _present(members, organisations)
            if narrowed and focus.isdisjoint(present):
                continue
            taking_part[item] = present
            if is_arena:
                arena_names[item_id] = names
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


def _counted(chosen: NetworkFilter, reader, initiatives=None, arenas=None) -> dict:
    """{item: (its organisations, (slug, name) of an arena)} of the initiatives and arenas the
    filter counts, of those ids when given (None: all)."""
    found = {}
    if chosen.counts_initiatives and initiatives != []:
        for initiative_id, members in sources.initiative_rows(chosen, reader, initiatives).items():
            found[False, initiative_id] = (members, None)
    if chosen.counts_arenas and arenas != []:
        for arena_id, (members, slug, name) in sources.arena_rows(chosen, reader, arenas).items():
            found[True, arena_id] = (members, (slug, name))
    return found


def _present(members, organisations) -> tuple[int, ...]:
    """The approved ones among an initiative's or arena's organisations, by id."""
    return tuple(sorted({o for o in members if o in organisations}))


def _updated(kept: Graph, chosen: NetworkFilter, reader, version: sources.Version):
    """The kept graph with the initiatives, arenas and organisations changed since read again
    (those removed are not found again: counted out); None when it must be made anew (much
    changed, a bulk change, or an organisation approved, removed, or moved in or out of focus)."""
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
        counted = _counted(chosen, reader, initiatives, arenas)
        for item in sorted([(False, i) for i in initiatives] + [(True, i) for i in arenas]):
            changes.forget(item)
            if item in counted:
                changes.count(item, *counted[item])
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
