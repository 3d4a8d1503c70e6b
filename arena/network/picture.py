"""The collaboration map drawn: which organisations fit on it, where each stands, and the
shapes that tell their kinds apart without colour.

The layout is NetworkX's spring layout (Fruchterman-Reingold), computed on the server: the page
needs no script, and a test can read every position. It starts each organisation from a point
derived from its id and runs a fixed number of steps, so the same data draws the same map on
every visit, and an organisation keeps roughly its place when others come and go."""

import functools
import hashlib
import math
from dataclasses import dataclass

import networkx

from arena.network.graph import Graph, Link, Node

#: The most organisations drawn; above it the most active are drawn and the page says so.
MAP_LIMIT = 60
#: Organisations named on the map itself (the most active); the others on focus and in the table.
NAMED = 12
WIDTH, HEIGHT, MARGIN = 960, 640, 48
STEPS = 120

#: Each kind's colour (all at least 4.5:1 on white) and shape (so colour is never alone).
KIND_STYLES = {
    "fylkeskommune": ("#1d4f91", "circle"),
    "kommune": ("#0b6e69", "square"),
    "statlig": ("#5b3e96", "triangle"),
    "akademia": ("#a3320b", "diamond"),
    "naeringsliv": ("#7a5200", "pentagon"),
    "naeringshage": ("#a12a63", "hexagon"),
    "interesseorganisasjon": ("#386119", "star"),
    "frivillighet": ("#7a3b3b", "triangle-down"),
    "annet": ("#4d4d4d", "plus"),
}


@dataclass
class DrawnNode:
    node: Node
    x: float
    y: float
    r: float

    @property
    def colour(self) -> str:
        return KIND_STYLES.get(self.node.kind, KIND_STYLES["annet"])[0]

    @property
    def path(self) -> str:
        shape = KIND_STYLES.get(self.node.kind, KIND_STYLES["annet"])[1]
        return shape_path(shape, self.x, self.y, self.r)

    @property
    def label_anchor(self) -> str:
        return "end" if self.x > WIDTH * 0.72 else "start"


@dataclass
class DrawnLink:
    link: Link
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return round(min(1.5 + 1.5 * math.log2(self.link.weight), 9), 1)


@dataclass
class Picture:
    nodes: list[DrawnNode]
    links: list[DrawnLink]
    #: Organisations with at least one link (all of them would be drawn below MAP_LIMIT).
    connected: int
    #: Each drawn organisation's links to other drawn ones, heaviest first.
    partners: dict[int, list[Link]]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def cut(self) -> bool:
        return self.connected > len(self.nodes)


def picture(graph: Graph) -> Picture:
    """The map of this graph, drawn once and kept with it."""
    return graph.once("picture", lambda: draw(graph))


def drawn_nodes(graph: Graph) -> tuple[list[Node], int]:
    """The organisations drawn (those with links; in focus first, then the strongest, up to
    MAP_LIMIT) and how many have links."""
    strength = graph.strength
    connected = [graph.nodes[i] for i in strength]
    connected.sort(key=lambda n: (not n.in_focus, -strength[n.id], n.name, n.id))
    return connected[:MAP_LIMIT], len(connected)


def draw(graph: Graph) -> Picture:
    nodes, connected = drawn_nodes(graph)
    ids = sorted(n.id for n in nodes)
    drawn_ids = set(ids)
    links = sorted(
        link
        for i in ids
        for other, link in graph.by_node[i].items()
        if i < other and other in drawn_ids
    )
    most = max((n.activity for n in nodes), default=1) or 1
    radius = {n.id: round(7 + 13 * math.sqrt(n.activity / most), 1) for n in nodes}
    positions = _placed(
        tuple((i, radius[i]) for i in ids), tuple((k.source, k.target, k.weight) for k in links)
    )
    drawn = [DrawnNode(n, *positions[n.id], radius[n.id]) for n in nodes]
    at = {d.node.id: d for d in drawn}
    partners: dict[int, list[Link]] = {i: [] for i in ids}
    for link in links:
        partners[link.source].append(link)
        partners[link.target].append(link)
    for node_id, found in partners.items():
        found.sort(key=lambda k, node_id=node_id: (-k.weight, k.other(node_id)))
    return Picture(
        nodes=drawn,
        links=[
            DrawnLink(k, at[k.source].x, at[k.source].y, at[k.target].x, at[k.target].y)
            for k in links
        ],
        connected=connected,
        partners=partners,
    )


@functools.lru_cache(maxsize=64)
def _placed(radii: tuple, links: tuple) -> dict[int, tuple[float, float]]:
    """Where each organisation stands, for these organisations (id, radius) and links (id, id,
    weight): a change elsewhere in the network leaves the drawing as it was, not laid out again."""
    return _apart(_layout([i for i, _r in radii], links), dict(radii))


def _start(node_id: int) -> tuple[float, float]:
    """A fixed starting point in [-1, 1]² for each organisation (not Python's salted hash)."""
    digest = hashlib.sha256(str(node_id).encode()).digest()
    return (
        int.from_bytes(digest[:4]) / 2**31 - 1,
        int.from_bytes(digest[4:8]) / 2**31 - 1,
    )


def _layout(ids: list[int], links) -> dict[int, tuple[float, float]]:
    """Positions in the picture's coordinates. Each group of organisations linked to each other
    is laid out on its own (apart, the spring layout would push them to the edges and squeeze
    each): the largest fills the picture, or its left part when there are others, which share
    the right-hand column by size."""
    if not ids:
        return {}
    graph = networkx.Graph()
    graph.add_nodes_from(ids)
    graph.add_weighted_edges_from(links)
    groups = sorted(
        (sorted(group) for group in networkx.connected_components(graph)),
        key=lambda group: (-len(group), group[0]),
    )
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    if len(groups) == 1:
        boxes = [(MARGIN, MARGIN, inner_w, inner_h)]
    else:
        main_w = inner_w * 0.7
        boxes = [(MARGIN, MARGIN, main_w - MARGIN / 2, inner_h)]
        rest = sum(len(group) for group in groups[1:])
        top = MARGIN
        for group in groups[1:]:
            height = inner_h * len(group) / rest
            boxes.append((MARGIN + main_w + MARGIN / 2, top, inner_w - main_w - MARGIN / 2, height))
            top += height
    positions = {}
    for group, box in zip(groups, boxes, strict=True):
        positions.update(_spring(graph.subgraph(group), group, box))
    return positions


def _spring(graph, ids: list[int], box) -> dict[int, tuple[float, float]]:
    """One linked group's positions inside box (left, top, width, height), rounded."""
    left, top, width, height = box
    if len(ids) == 1:
        return {ids[0]: (round(left + width / 2, 1), round(top + height / 2, 1))}
    found = networkx.spring_layout(
        graph, pos={i: _start(i) for i in ids}, iterations=STEPS, weight="weight", seed=18
    )
    xs = [float(found[i][0]) for i in ids]
    ys = [float(found[i][1]) for i in ids]
    span_x, span_y = (max(xs) - min(xs)) or 1, (max(ys) - min(ys)) or 1
    return {
        i: (
            round(left + (float(found[i][0]) - min(xs)) / span_x * width, 1),
            round(top + (float(found[i][1]) - min(ys)) / span_y * height, 1),
        )
        for i in ids
    }


def _apart(positions: dict, radius: dict, gap: float = 6) -> dict:
    """Pushes overlapping figures apart (a few passes over the pairs, in id order), inside the
    margins; positions rounded, so every run gives the same."""
    at = {i: list(p) for i, p in positions.items()}
    ids = sorted(at)
    for _ in range(30):
        moved = False
        for a_index, a in enumerate(ids):
            for b in ids[a_index + 1 :]:
                dx, dy = at[b][0] - at[a][0], at[b][1] - at[a][1]
                distance = math.hypot(dx, dy)
                wanted = radius[a] + radius[b] + gap
                if distance >= wanted:
                    continue
                if distance == 0:
                    dx, dy, distance = 1.0, 0.0, 1.0
                push = (wanted - distance) / 2
                for node, sign in ((a, -1), (b, 1)):
                    at[node][0] += sign * push * dx / distance
                    at[node][1] += sign * push * dy / distance
                moved = True
        for node in ids:
            at[node][0] = min(max(at[node][0], MARGIN), WIDTH - MARGIN)
            at[node][1] = min(max(at[node][1], MARGIN / 2), HEIGHT - MARGIN / 2)
        if not moved:
            break
    return {i: (round(x, 1), round(y, 1)) for i, (x, y) in at.items()}


def names_on_map(drawing: Picture, first: list[int] = ()) -> set[int]:
    """The organisations named on the map itself: those in `first` (the selected one and its
    partners), then the most active, up to NAMED more, skipping a name that would cover another
    name or figure (every one is named in the table and when focused)."""
    boxes = {d.node.id: (d.x - d.r, d.y - d.r, d.x + d.r, d.y + d.r) for d in drawing.nodes}
    placed: list[tuple] = []
    named: set[int] = set()
    wanted = {node_id: n for n, node_id in enumerate(first)}
    order = sorted(
        drawing.nodes,
        key=lambda d: (wanted.get(d.node.id, len(wanted)), -d.node.activity, d.node.name),
    )
    for d in order:
        if len(named) >= NAMED + len(wanted):
            break
        width = 8.2 * len(d.node.name)
        left = d.x + d.r + 4 if d.label_anchor == "start" else d.x - d.r - 4 - width
        box = (left, d.y - 10, left + width, d.y + 8)
        others = [b for node_id, b in boxes.items() if node_id != d.node.id] + placed
        if any(_overlap(box, other) for other in others):
            continue
        placed.append(box)
        named.add(d.node.id)
    return named


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def shape_path(shape: str, x: float, y: float, r: float) -> str:
    """SVG path data of a shape of about radius r around (x, y)."""
    if shape == "circle":
        arc = f"a{r:.1f},{r:.1f} 0 1,0"
        return f"M{x - r:.1f},{y:.1f}{arc} {2 * r:.1f},0{arc} {-2 * r:.1f},0z"
    if shape == "square":
        s = r * 0.88
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}z"
    if shape == "plus":
        a, b = r * 0.38, r
        points = [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b), (-a, b),
                  (-a, a), (-b, a), (-b, -a), (-a, -a)]  # fmt: skip
        return _polygon(x, y, points)
    if shape == "star":
        points = [
            (
                (r * 1.15 if k % 2 == 0 else r * 0.5) * math.sin(k * math.pi / 5),
                -(r * 1.15 if k % 2 == 0 else r * 0.5) * math.cos(k * math.pi / 5),
            )
            for k in range(10)
        ]
        return _polygon(x, y, points)
    corners, turn, size = {
        "triangle": (3, 0, 1.2),
        "triangle-down": (3, math.pi, 1.2),
        "diamond": (4, 0, 1.15),
        "pentagon": (5, 0, 1.05),
        "hexagon": (6, math.pi / 6, 1.05),
    }[shape]
    points = [
        (r * size * math.sin(turn + k * 2 * math.pi / corners),
         -r * size * math.cos(turn + k * 2 * math.pi / corners))
        for k in range(corners)
    ]  # fmt: skip
    return _polygon(x, y, points)


def _polygon(x: float, y: float, points) -> str:
    return "M" + "L".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in points) + "z"
