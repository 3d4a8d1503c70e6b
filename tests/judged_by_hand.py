"""The hand-written judged collection for «Finn en kollega» (tests/data/judged): organisations of
the region, members with their fields typed the way people type them, and queries of every kind.

Nothing here comes from Arena: each typed field carries the judge's own field key and level
(«Kart og GIS=gis:2»), each «spør meg om» the keys it only mentions, each query the keys it asks
for and the keys that count as related. Grades follow one rule:
a declared wanted field at level 3 = 3, at level 2 = 2; at level 1, or a related field at level 2
or 3, or a wanted field only mentioned in «spør meg om» = 1; anything else 0."""

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from arena.expertise import importer

DATA = Path(__file__).parent / "data" / "judged"


@dataclass
class JudgedMember:
    email: str
    name: str
    organisation: str
    title: str
    #: (the field as typed, the judge's key, level)
    fields: list[tuple[str, str, int]]
    ask_me_about: str
    mentions: set[str] = field(default_factory=set)

    def level(self, key: str) -> int:
        return max((level for _typed, k, level in self.fields if k == key), default=0)


@dataclass
class JudgedQuery:
    kind: str
    text: str
    wanted: set[str]
    related: set[str]


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text("utf-8").splitlines()
    return [
        [cell.strip() for cell in line.split("|")]
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def organisations() -> list[tuple[str, str, str]]:
    return [(name, kind, place) for name, kind, place in _rows("organisations.txt")]


def members() -> list[JudgedMember]:
    found = []
    for n, (name, organisation, title, typed, ask, mentions) in enumerate(_rows("members.txt")):
        fields = []
        for entry in filter(None, (e.strip() for e in typed.split(";"))):
            as_typed, judged = entry.rsplit("=", 1)
            key, level = judged.split(":")
            fields.append((as_typed.strip(), key.strip(), int(level)))
        found.append(
            JudgedMember(
                email=f"judged{n}@example.no",
                name=name,
                organisation=organisation,
                title=title,
                fields=fields,
                ask_me_about=ask,
                mentions={m.strip() for m in mentions.split(",") if m.strip()},
            )
        )
    return found


def queries() -> list[JudgedQuery]:
    return [
        JudgedQuery(
            kind=kind,
            text=text,
            wanted={k.strip() for k in wanted.split(",") if k.strip()},
            related={k.strip() for k in related.split(",") if k.strip()},
        )
        for kind, text, wanted, related in _rows("queries.txt")
    ]


def grade(member: JudgedMember, query: JudgedQuery) -> int:
    best = max((member.level(k) for k in query.wanted), default=0)
    if best >= 2:
        return best
    related = max((member.level(k) for k in query.related), default=0)
    mentioned = bool(query.wanted & member.mentions)
    return 1 if best == 1 or related >= 2 or mentioned else 0


def import_file() -> bytes:
    """The members as Arena's import file: fields as typed, the judge's keys left out."""
    places = {name: place for name, _kind, place in organisations()}
    kinds = {name: kind for name, kind, _place in organisations()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importer.HEADER)
    for m in members():
        writer.writerow(
            [
                m.email,
                m.name,
                m.organisation,
                kinds[m.organisation],
                places[m.organisation],
                m.title,
                ";".join(f"{typed}:{level}" for typed, _key, level in m.fields),
                m.ask_me_about,
            ]
        )
    return out.getvalue().encode("utf-8")


def ndcg_at_10(ranked_grades: list[int], all_grades: list[int]) -> float:
    def dcg(grades):
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:10]))

    ideal = dcg(sorted(all_grades, reverse=True))
    return dcg(ranked_grades) / ideal if ideal else 1.0


def evaluate(search) -> dict[str, dict[str, float]]:
    """nDCG@10 of each query, by kind: search(text) gives the emails found, best first."""
    people = {m.email: m for m in members()}
    by_kind: dict[str, dict[str, float]] = {}
    for query in queries():
        ranked = [grade(people[email], query) for email in search(query.text) if email in people]
        everyone = [grade(person, query) for person in people.values()]
        by_kind.setdefault(query.kind, {})[query.text] = ndcg_at_10(ranked, everyone)
    return by_kind
