"""The best objects for a query without ranking all of them: candidates from each wanted term's
strongest postings, scored in full from their postings, in whole numbers, so every database ranks
alike (the colleague finder's search; arena/search/services.py holds the index and the terms)."""

import math

import sqlalchemy as sa

from arena import text
from arena.extensions import db
from arena.search.models import SearchEntry
from arena.search.services import (
    INFLECTION,
    Hit,
    _current_vocabulary,
    _matching_terms,
)


def strongest_matches(
    kind: str,
    words: list[text.QueryWord],
    strongest: int,
    population: int | None = None,
    within: sa.Select | None = None,
) -> dict[int, Hit]:
    """The objects that can be best for a query (its words: `text.parse_query`), scored in
    full, by object id.

    Only objects among the strongest postings of some wanted term are considered (its top
    `strongest` by weight; fewer through a weaker match), so a top-k list with k <= strongest
    costs the same however large the index grows. Their postings are then read by primary key and
    scored here, in whole numbers, so every database ranks alike.

    With `population` (how many objects are searched), each word of a several-word query also
    counts by how rare it is: «solceller» in «solceller på taket av skolen» more than «skolen».

    With `within` (a SELECT of the ids the caller may return: its filters), the strongest
    postings are those of the allowed objects, so a filter never leaves out an object that would
    have been best among them (one academic among seventy municipal experts)."""
    _current_vocabulary()
    rarity = [1] * len(words)
    if population and len(words) > 1:
        rarity = _rarity(kind, words, population)
    wanted: dict[str, list[tuple[int, int]]] = {}  # term -> (word, quality) it counts for
    for n, word in enumerate(words):
        for term, quality in _matching_terms(kind, word).items():
            wanted.setdefault(term, []).append((n, quality))
    if not wanted:
        return {}
    limits = {
        term: strongest if max(q for _n, q in counts) >= INFLECTION else strongest // 3
        for term, counts in wanted.items()
    }
    best: dict[tuple[int, int], int] = {}  # (object, word) -> the word's best value there

    def count(object_id: int, term: str, weight: int) -> None:
        for n, quality in wanted[term]:
            value = weight * quality * rarity[n]
            best[object_id, n] = max(value, best.get((object_id, n), 0))

    strongest_postings = (
        _strongest_postings(kind, limits)
        if within is None
        else _strongest_postings_within(kind, limits, within)
    )
    for object_id, term, weight in strongest_postings:
        count(object_id, term, weight)
    for object_id, term, weight in _postings(
        kind, _missing(strongest_postings, limits, wanted, best, rarity)
    ):
        count(object_id, term, weight)
    hits: dict[int, Hit] = {}
    for (object_id, _n), value in best.items():
        hit = hits.setdefault(object_id, Hit(object_id, 0, 0))
        hit.matched += 1
        hit.score += value
    return hits


def _missing(strongest_postings, limits, wanted, best, rarity) -> dict[frozenset, list[int]]:
    """Which postings of the candidates could still raise a score: a term's list cut off at
    weight w gives any object not on it at most w, so it is looked up only for the objects whose
    best value for that word so far is lower. Object ids by the set of terms to look up."""
    cut_at: dict[str, int] = {}
    lengths: dict[str, int] = {}
    listed: dict[int, set[str]] = {}  # object -> terms it is on the list of
    for object_id, term, weight in strongest_postings:
        listed.setdefault(object_id, set()).add(term)
        lengths[term] = lengths.get(term, 0) + 1
        cut_at[term] = min(weight, cut_at.get(term, weight))
    # What each cut-off list could still give each word it counts for, by word.
    at_most: dict[int, list[tuple[int, str]]] = {}
    for term, w in cut_at.items():
        if lengths[term] >= limits[term]:
            for n, quality in wanted[term]:
                at_most.setdefault(n, []).append((w * quality * rarity[n], term))
    could_raise: dict[tuple[int, int], frozenset] = {}  # (word, its best so far) -> terms

    def raising(n: int, value: int) -> frozenset:
        if (n, value) not in could_raise:
            could_raise[n, value] = frozenset(t for v, t in at_most.get(n, ()) if v > value)
        return could_raise[n, value]

    missing: dict[frozenset, list[int]] = {}
    for object_id in sorted(listed):
        terms = frozenset().union(
            *(raising(n, best.get((object_id, n), 0)) for n in range(len(rarity)))
        )
        terms -= listed[object_id]
        if terms:
            missing.setdefault(terms, []).append(object_id)
    return missing


# The two statements below are written as SQL text, with every value bound: built from SQLAlchemy
# objects they cost several times more to build than to run (a query brings 5-60 terms).


def _strongest_postings(kind: str, limits: dict[str, int]) -> list[tuple[int, str, int]]:
    """Each term's strongest postings (its top `limit` by weight, read in the order of
    ix_search_entries_kind_term) as (object_id, term, weight)."""
    parts, params = [], {"kind": kind}
    for n, (term, limit) in enumerate(sorted(limits.items())):
        parts.append(  # only numbers are written into the text; the values are bound
            f"SELECT object_id, term, weight FROM (SELECT object_id, term, weight"  # noqa: S608
            f" FROM search_entries WHERE kind = :kind AND term = :t{n}"
            f" ORDER BY weight DESC, object_id DESC LIMIT :n{n}) AS s{n}"
        )
        params[f"t{n}"], params[f"n{n}"] = term, limit
    return [tuple(row) for row in db.session.execute(sa.text(" UNION ALL ".join(parts)), params)]


def _strongest_postings_within(
    kind: str, limits: dict[str, int], within: sa.Select
) -> list[tuple[int, str, int]]:
    """_strongest_postings among the objects `within` selects."""
    entry = SearchEntry.__table__
    # Correlated: each posting, read in weight order, is looked up among the allowed objects by
    # primary key, so a list stops as soon as it has its `limit` (an IN of every allowed id
    # would build a list of them all first).
    allowed = within.where(within.selected_columns[0] == entry.c.object_id).exists()
    lists = [
        sa.select(entry.c.object_id, entry.c.term, entry.c.weight)
        .where(entry.c.kind == kind, entry.c.term == term, allowed)
        .order_by(entry.c.weight.desc(), entry.c.object_id.desc())
        .limit(limit)
        .subquery()
        for term, limit in sorted(limits.items())
    ]
    statement = sa.union_all(*(sa.select(*found.c) for found in lists))
    return [tuple(row) for row in db.session.execute(statement)]


#: Objects per list of ids in one look-up (well under every database's limit on bound values).
IDS_AT_ONCE = 500


def _postings(kind: str, missing: dict[frozenset, list[int]]):
    """These objects' postings of these terms, in one statement, probed by primary key (kind,
    object_id, term). SQLite is told to use that key: left to itself it walks a common term's
    postings. PostgreSQL gets each list as one array: a long IN list costs milliseconds to write
    and to parse."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    key = "" if postgres else "INDEXED BY sqlite_autoindex_search_entries_1 "
    parts, params, expanding = [], {"kind": kind}, []

    def one_of(column: str, values: list) -> str:
        name = f"v{len(params)}"
        params[name] = values
        if postgres:
            return f"{column} = ANY(:{name})"
        expanding.append(sa.bindparam(name, expanding=True))
        return f"{column} IN :{name}"

    for terms, object_ids in missing.items():
        for start in range(0, len(object_ids), IDS_AT_ONCE):
            ids = object_ids[start : start + IDS_AT_ONCE]
            parts.append(
                f"SELECT object_id, term, weight FROM search_entries {key}"  # noqa: S608
                f"WHERE kind = :kind AND {one_of('object_id', ids)}"
                f" AND {one_of('term', sorted(terms))}"
            )
    if not parts:
        return []
    statement = sa.text(" UNION ALL ".join(parts)).bindparams(*expanding)
    return db.session.execute(statement, params)


def strength(hit: Hit) -> tuple[int, int, int]:
    """Sort key (descending) where strength beats coverage: score times words matched, so an
    expert in one word of a query ranks above a passing mention of each."""
    return (hit.score * hit.matched, hit.score, hit.object_id)


#: Counting how many objects have a word stops here (a word that common is common enough).
RARITY_COUNT_CAP = 2000


def _rarity(kind: str, words: list[text.QueryWord], population: int) -> list[int]:
    """How rare each word is among the objects, in tenths: 10 ln(1 + population / having it).
    One statement for all the words (its text holds only numbers; the terms are bound)."""
    counts, params = [], {"kind": kind, "cap": RARITY_COUNT_CAP}
    for n, word in enumerate(words):
        counts.append(
            f"(SELECT count(DISTINCT object_id) FROM (SELECT object_id FROM search_entries"  # noqa: S608
            f" WHERE kind = :kind AND term IN :w{n} LIMIT :cap) AS r{n})"
        )
        params[f"w{n}"] = sorted(_matching_terms(kind, word)) or [""]
    statement = sa.text("SELECT " + ", ".join(counts)).bindparams(
        *(sa.bindparam(f"w{n}", expanding=True) for n in range(len(words)))
    )
    having = db.session.execute(statement, params).one()
    return [max(1, round(10 * math.log(1 + population / max(h, 1)))) for h in having]
