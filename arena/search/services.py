"""Indexing and ranking, identical on SQLite and PostgreSQL: the database stores terms, finds them
by exact value or index range and adds up whole-number weights; all language work happens in
arena.text."""

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
#: How much a match counts, in tenths: the term itself or a synonym; another inflection the
#: stemmer did not unify («hydrogen»/«hydrogenet»: stems differing by at most INFLECTION_SLACK
#: letters at the end); or only a compound part.
EXACT, INFLECTION, COMPOUND = 10, 9, 6
INFLECTION_SLACK = 3
#: At most this many compound terms count for one query word (the commonest are kept).
MAX_EXPANSIONS = 60


def weight_of(field_weight: float) -> int:
    """A field weight such as 2.5 as the stored whole number (25)."""
    return round(field_weight * 10)


#: The highest field weight any index gives (a title or an area name), stored form.
TOP_WEIGHT = weight_of(3.0)


def index(kind: str, object_id: int, fields: list[tuple[str, float]]) -> None:
    """(Re)indexes one object from its texts and their weights; the caller commits."""
    weights: dict[str, int] = {}
    for content, field_weight in fields:
        for term in text.index_terms(content):
            if len(term) <= MAX_TERM_LENGTH:
                weights[term] = max(weight_of(field_weight), weights.get(term, 0))
    remove(kind, object_id)
    if weights:
        db.session.execute(
            sa.insert(SearchEntry),
            [
                {
                    "kind": kind,
                    "object_id": object_id,
                    "term": term,
                    "term_reversed": term[::-1],
                    "weight": weight,
                }
                for term, weight in sorted(weights.items())
            ],
        )


def remove(kind: str, object_id: int) -> None:
    db.session.execute(sa.delete(SearchEntry).filter_by(kind=kind, object_id=object_id))


def _next_after_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _matching_terms(kind: str, word: text.QueryWord) -> dict[str, int]:
    """Index terms that count as this query word, with how much each match counts."""
    matches = dict.fromkeys(word.alternatives, EXACT)
    q = word.term
    if q.startswith("~"):
        return matches
    term, backwards = SearchEntry.term, SearchEntry.term_reversed
    found: list[str] = []
    if len(q) >= COMPOUND_HEAD_MIN:
        shorter = [q[:k] for k in range(max(COMPOUND_HEAD_MIN, len(q) - INFLECTION_SLACK), len(q))]
        for t in db.session.scalars(
            sa.select(term).distinct().where(SearchEntry.kind == kind, term.in_(shorter))
        ):
            matches.setdefault(t, INFLECTION)
        for t in db.session.scalars(
            sa.select(term)
            .distinct()
            .where(SearchEntry.kind == kind, term > q, term < _next_after_prefix(q))
            .order_by(term)
            .limit(MAX_EXPANSIONS)
        ):
            if len(t) - len(q) >= TAIL_MIN:
                found.append(t)
            else:
                matches.setdefault(t, INFLECTION)
    if len(q) >= COMPOUND_TAIL_MIN:
        reversed_q = q[::-1]
        found += [
            t
            for t in db.session.scalars(
                sa.select(term)
                .distinct()
                .where(
                    SearchEntry.kind == kind,
                    backwards > reversed_q,
                    backwards < _next_after_prefix(reversed_q),
                )
                .order_by(term)
                .limit(MAX_EXPANSIONS)
            )
            if len(t) - len(q) >= HEAD_MIN
        ]
    for t in found:
        matches.setdefault(t, COMPOUND)
    return matches


def expanded_terms(kind: str, query: str) -> set[str]:
    """Every index term that counts as some word of the query (for showing what matched)."""
    return {t for word in text.parse_query(query) for t in _matching_terms(kind, word)}


def ranked(kind: str, query: str) -> sa.Subquery | None:
    """The objects matching a query as a subquery (object_id, matched, score) to join with.

    `matched` is how many of the query's words an object has; `score` adds up, per word, its
    best field weight times match quality. Order by matched, then score (both descending)."""
    words = text.parse_query(query)
    wanted = [
        sa.select(
            sa.literal(term, sa.String).label("term"),
            sa.literal(n).label("word"),
            sa.literal(quality).label("quality"),
        )
        for n, word in enumerate(words)
        for term, quality in sorted(_matching_terms(kind, word).items())
    ]
    if not wanted:
        return None
    wanted_terms = sa.union_all(*wanted).subquery("wanted")
    per_word = (
        sa.select(
            SearchEntry.object_id,
            wanted_terms.c.word,
            sa.func.max(SearchEntry.weight * wanted_terms.c.quality).label("best"),
        )
        .join(wanted_terms, SearchEntry.term == wanted_terms.c.term)
        .where(SearchEntry.kind == kind)
        .group_by(SearchEntry.object_id, wanted_terms.c.word)
        .subquery("per_word")
    )
    return (
        sa.select(
            per_word.c.object_id,
            sa.func.count().label("matched"),
            sa.func.sum(per_word.c.best).label("score"),
        )
        .group_by(per_word.c.object_id)
        .subquery("ranked")
    )


def best_first(ranking: sa.Subquery, object_id_column) -> tuple:
    """ORDER BY terms for a query joined with `ranked`: most words, highest score, newest id."""
    return (ranking.c.matched.desc(), ranking.c.score.desc(), object_id_column.desc())


@dataclass
class Hit:
    object_id: int
    #: How many of the query's words the object matched.
    matched: int
    #: Sum over matched words of field weight × match quality (whole numbers, in hundredths).
    score: int


def search(kind: str, query: str, limit: int | None = None) -> list[Hit]:
    """Objects matching the query, best first."""
    ranking = ranked(kind, query)
    if ranking is None:
        return []
    statement = sa.select(ranking).order_by(*best_first(ranking, ranking.c.object_id))
    if limit is not None:
        statement = statement.limit(limit)
    return [Hit(r.object_id, r.matched, r.score) for r in db.session.execute(statement)]
