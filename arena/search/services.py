"""Indexing and ranking, identical on SQLite and PostgreSQL: the database stores terms, finds them
by exact value or index range and adds up whole-number weights; all language work happens in
arena.text."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context

from arena import text
from arena.extensions import db
from arena.search.models import SearchEntry, SearchTerm

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


def entries_for(kind: str, object_id: int, fields: list[tuple[str, float]]) -> list[dict]:
    """The index rows of one object: each term once, with the weight of its best field."""
    weights: dict[str, int] = {}
    for content, field_weight in fields:
        for term in text.index_terms(content):
            if len(term) <= MAX_TERM_LENGTH:
                weights[term] = max(weight_of(field_weight), weights.get(term, 0))
    return [
        {
            "kind": kind,
            "object_id": object_id,
            "term": term,
            "term_reversed": term[::-1],
            "weight": weight,
        }
        for term, weight in sorted(weights.items())
    ]


def index(kind: str, object_id: int, fields: list[tuple[str, float]]) -> None:
    """(Re)indexes one object from its texts and their weights; the caller commits."""
    remove(kind, object_id)
    rows = entries_for(kind, object_id, fields)
    if rows:
        db.session.execute(sa.insert(SearchEntry), rows)
        remember_terms(kind, {row["term"] for row in rows})


def remember_terms(kind: str, terms: set[str]) -> None:
    """Adds new terms to the index's vocabulary (those it has are left alone)."""
    if not terms:
        return
    known = set()
    ordered = sorted(terms)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        known |= set(
            db.session.scalars(
                sa.select(SearchTerm.term).where(
                    SearchTerm.kind == kind, SearchTerm.term.in_(chunk)
                )
            )
        )
    new = [{"kind": kind, "term": t, "term_reversed": t[::-1]} for t in ordered if t not in known]
    if new:
        # Another request may add the same new term at the same moment (PostgreSQL runs them in
        # parallel): a term that is there by then is simply known. Sorted, so locks never cross.
        db.session.execute(_insert_if_absent(SearchTerm), new)


def _insert_if_absent(model):
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of the database in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing()


def index_many(kind: str, documents, batch: int = 20_000) -> int:
    """Replaces the index rows of many objects at once: documents yields (id, fields)."""
    ids, rows, count = [], [], 0
    for object_id, fields in documents:
        ids.append(object_id)
        rows += entries_for(kind, object_id, fields)
        count += 1
        if len(rows) >= batch:
            _replace(kind, ids, rows)
            ids, rows = [], []
    _replace(kind, ids, rows)
    return count


def _replace(kind: str, ids: list[int], rows: list[dict]) -> None:
    remember_terms(kind, {row["term"] for row in rows})
    for start in range(0, len(ids), 5000):
        db.session.execute(
            sa.delete(SearchEntry).where(
                SearchEntry.kind == kind, SearchEntry.object_id.in_(ids[start : start + 5000])
            )
        )
    if rows:
        db.session.execute(sa.insert(SearchEntry), rows)


def remove(kind: str, object_id: int) -> None:
    db.session.execute(sa.delete(SearchEntry).filter_by(kind=kind, object_id=object_id))


def _next_after_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _matching_terms(kind: str, word: text.QueryWord) -> dict[str, int]:
    """Index terms that count as this query word, with how much each match counts."""
    # One request may ask several times (ranking, areas, the sentence shown): look up once.
    cache = g.setdefault("_search_terms", {}) if has_request_context() else {}
    key = (kind, word.term, frozenset(word.alternatives))
    if key not in cache:
        cache[key] = _look_up_terms(kind, word)
    return cache[key]


def _look_up_terms(kind: str, word: text.QueryWord) -> dict[str, int]:
    matches = dict.fromkeys(word.alternatives, EXACT)
    q = word.term
    if q.startswith("~"):
        return matches
    term, backwards = SearchTerm.term, SearchTerm.term_reversed
    found: list[str] = []
    if len(q) >= COMPOUND_HEAD_MIN:
        shorter = [q[:k] for k in range(max(COMPOUND_HEAD_MIN, len(q) - INFLECTION_SLACK), len(q))]
        for t in db.session.scalars(
            sa.select(term).where(SearchTerm.kind == kind, term.in_(shorter))
        ):
            matches.setdefault(t, INFLECTION)
        for t in db.session.scalars(
            sa.select(term)
            .where(SearchTerm.kind == kind, term > q, term < _next_after_prefix(q))
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
                .where(
                    SearchTerm.kind == kind,
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


def ranked(kind: str, query: str, strongest: int | None = None) -> sa.Subquery | None:
    """The objects matching a query as a subquery (object_id, matched, score) to join with.

    `matched` is how many of the query's words an object has; `score` adds up, per word, its
    best field weight times match quality. Order by matched, then score (both descending).

    With `strongest`, only objects among the strongest postings of some wanted term are ranked
    (each term's top `strongest` by weight): for a top-k list with k <= strongest this keeps the
    cost flat as the index grows; their scores are still computed in full."""
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
    )
    if strongest is not None:
        terms = sorted({t for word in words for t in _matching_terms(kind, word)})
        strongest_postings = sa.union(
            *[
                sa.select(
                    sa.select(SearchEntry.object_id)
                    .where(SearchEntry.kind == kind, SearchEntry.term == term)
                    .order_by(SearchEntry.weight.desc(), SearchEntry.object_id.desc())
                    .limit(strongest)
                    .subquery()
                )
                for term in terms
            ]
        )
        # Fetched first, so every database looks the few candidates up by primary key.
        candidates = sorted(db.session.scalars(strongest_postings))
        per_word = per_word.where(SearchEntry.object_id.in_(candidates))
    per_word = per_word.subquery("per_word")
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
