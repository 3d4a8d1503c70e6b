"""Indexing and ranking, identical on SQLite and PostgreSQL: the database only stores terms and
finds them by exact value or index range; all language work happens in arena.text."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from arena import text
from arena.extensions import db
from arena.search.models import SearchEntry

MAX_TERM_LENGTH = 64
#: A query term matches the tail of a compound («planlegging» in «arealplanlegging») when it
#: is at least this long and the head left over is at least HEAD_MIN letters.
COMPOUND_TAIL_MIN = 5
HEAD_MIN = 3
#: ... and the start of one («klima» in «klimatilpasning») when the tail left is long enough.
COMPOUND_HEAD_MIN = 4
TAIL_MIN = 3
#: How much a match counts by kind: the term itself or a synonym, or only a compound part.
EXACT, COMPOUND = 1.0, 0.6
#: The highest field weight any index gives (a title or an area name).
TOP_WEIGHT = 3.0


def index(kind: str, object_id: int, fields: list[tuple[str, float]]) -> None:
    """(Re)indexes one object from its texts and their weights; the caller commits."""
    weights: dict[str, float] = {}
    for content, weight in fields:
        for term in text.index_terms(content):
            if len(term) <= MAX_TERM_LENGTH:
                weights[term] = max(weight, weights.get(term, 0.0))
    remove(kind, object_id)
    if weights:
        db.session.execute(
            sa.insert(SearchEntry),
            [
                {"kind": kind, "object_id": object_id, "term": term, "term_reversed": term[::-1],
                 "weight": weight}
                for term, weight in sorted(weights.items())
            ],
        )  # fmt: skip


def remove(kind: str, object_id: int) -> None:
    db.session.execute(sa.delete(SearchEntry).filter_by(kind=kind, object_id=object_id))


def _next_after_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _matching_terms(kind: str, word: text.QueryWord) -> dict[str, float]:
    """Index terms that count as this query word, with how much each match counts."""
    matches = {term: EXACT for term in word.alternatives}
    q = word.term
    if q.startswith("~"):
        return matches
    column, reversed_column = SearchEntry.term, SearchEntry.term_reversed
    if len(q) >= COMPOUND_HEAD_MIN:
        starts = db.session.scalars(
            sa.select(column)
            .distinct()
            .where(SearchEntry.kind == kind, column > q, column < _next_after_prefix(q))
        )
        matches |= {t: COMPOUND for t in starts if len(t) - len(q) >= TAIL_MIN}
    if len(q) >= COMPOUND_TAIL_MIN:
        backwards = q[::-1]
        ends = db.session.scalars(
            sa.select(column)
            .distinct()
            .where(
                SearchEntry.kind == kind,
                reversed_column > backwards,
                reversed_column < _next_after_prefix(backwards),
            )
        )
        for t in ends:
            if len(t) - len(q) >= HEAD_MIN:
                matches.setdefault(t, COMPOUND)
    return matches


@dataclass
class Hit:
    object_id: int
    #: How many of the query's words the object matched.
    matched: int
    score: float


def search(kind: str, query: str, among: sa.Select | None = None) -> list[Hit]:
    """Objects matching the query, best first: most query words matched, then highest score.

    `among` optionally restricts the objects to a SELECT of ids (the page's other filters)."""
    words = text.parse_query(query)
    if not words:
        return []
    per_word = [_matching_terms(kind, word) for word in words]
    all_terms = set().union(*per_word)
    statement = sa.select(SearchEntry.object_id, SearchEntry.term, SearchEntry.weight).where(
        SearchEntry.kind == kind, SearchEntry.term.in_(sorted(all_terms))
    )
    if among is not None:
        statement = statement.where(SearchEntry.object_id.in_(among))
    postings: dict[int, dict[str, float]] = defaultdict(dict)
    for object_id, term, weight in db.session.execute(statement):
        postings[object_id][term] = weight
    hits = []
    for object_id, found in postings.items():
        matched, score = 0, 0.0
        for matches in per_word:
            best = max((found[t] * q for t, q in matches.items() if t in found), default=0.0)
            if best:
                matched += 1
                score += best
        hits.append(Hit(object_id, matched, round(score, 6)))
    hits.sort(key=lambda h: (-h.matched, -h.score, -h.object_id))
    return hits
