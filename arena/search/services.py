"""Indexing and ranking, identical on SQLite and PostgreSQL: the database stores terms, finds them
by exact value or index range and adds up whole-number weights; all language work happens in
arena.text."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.dialects import postgresql

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
EXACT, INFLECTION, COMPOUND = text.SAME, 9, 6
#: A word the index does not know at all is read as the known words one typing error away (two
#: for long words), counting this much; the first letter is taken as typed.
TYPO, TYPO_MIN_LENGTH, TYPO_LONG, TYPO_PREFIX = 7, 5, 9, 1
INFLECTION_SLACK = 3
#: At most this many compound terms count for one query word (the commonest are kept).
MAX_EXPANSIONS = 60


#: What rebuilds each index, registered by the area that owns it (`reindexer`): a change of the
#: vocabulary reindexes them all without the search module knowing the areas.
_reindexers: dict[str, Callable[[], int]] = {}


def reindexer(name: str):
    """Decorator: the function rebuilds one index and returns how many entries it wrote."""

    def register(rebuild: Callable[[], int]) -> Callable[[], int]:
        _reindexers[name] = rebuild
        return rebuild

    return register


def reindex_everything() -> dict[str, int]:
    """Rebuilds every registered index; the caller commits."""
    return {name: rebuild() for name, rebuild in _reindexers.items()}


#: Brings the text pipeline the current concept labels before it is used (registered by the
#: expertise area, arena/expertise/concepts.py, which owns the labels).
_vocabulary_sources: list = []


def follow_vocabulary(refresh) -> None:
    _vocabulary_sources[:] = [refresh]


def _current_vocabulary() -> None:
    """Asks once per request (and at every use outside one) whether the labels changed."""
    if not _vocabulary_sources:
        return
    if has_request_context():
        if g.get("_vocabulary_current"):
            return
        g._vocabulary_current = True
    _vocabulary_sources[0]()


def weight_of(field_weight: float) -> int:
    """A field weight such as 2.5 as the stored whole number (25)."""
    return round(field_weight * 10)


#: The highest field weight any index gives (a title or an area name), stored form.
TOP_WEIGHT = weight_of(3.0)


def entries_for(
    kind: str, object_id: int, fields: list[tuple[str | set[str], float]]
) -> list[dict]:
    """The index rows of one object: each term once, with the weight of its best field. A field
    is a text, or a set of terms already made (a concept's term)."""
    weights: dict[str, int] = {}
    for content, field_weight in fields:
        for term in content if isinstance(content, set) else text.index_terms(content):
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
    _current_vocabulary()
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
    _current_vocabulary()
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
    key = (kind, word.term, frozenset(word.alternatives.items()))
    if key not in cache:
        cache[key] = _look_up_terms(kind, word)
    return cache[key]


def _look_up_terms(kind: str, word: text.QueryWord) -> dict[str, int]:
    matches = dict(word.alternatives)
    q = word.term
    if q.startswith(("~", "@")):  # a synonym group or a concept: no letters to look up
        return matches
    found: list[str] = []
    # A concept's label needs no compounds: the compounds that name a field are its narrower
    # concepts' labels, which the concept brings along (and much faster than scanning words).
    names_a_concept = any(t[0] == "@" and w == EXACT for t, w in word.alternatives.items())
    shorter, longer, ending = _neighbours(kind, q, tails=not names_a_concept)
    for t in shorter:
        matches.setdefault(t, INFLECTION)
    for t in longer:
        if len(t) - len(q) >= TAIL_MIN:
            found.append(t)
        else:
            matches.setdefault(t, INFLECTION)
    found += [t for t in ending if len(t) - len(q) >= HEAD_MIN]
    for t in [] if names_a_concept else found:
        matches.setdefault(t, COMPOUND)
    is_label = len(matches) > 1  # synonyms, concepts or other forms: a known word, no typo
    if len(q) >= TYPO_MIN_LENGTH and not is_label and not _known(kind, matches):
        for near in _near_terms(kind, q):
            matches.setdefault(near, TYPO)
            for group, quality in text.phrase_groups((near,)).items():
                matches.setdefault(group, quality * TYPO // EXACT)
    return matches


#: The three look-ups of _neighbours, each tagged with its place in the answer.
_SHORTER = "SELECT 0 AS part, term FROM search_terms WHERE kind = :kind AND term IN :shorter"
_LONGER = (
    "SELECT * FROM (SELECT 1 AS part, term FROM search_terms WHERE kind = :kind"
    " AND term > :q AND term < :q_end ORDER BY term LIMIT :most) AS longer"
)
_ENDING = (
    "SELECT * FROM (SELECT 2 AS part, term FROM search_terms WHERE kind = :kind"
    " AND term_reversed > :r AND term_reversed < :r_end ORDER BY term LIMIT :most) AS ending"
)


def _neighbours(kind: str, q: str, tails: bool) -> tuple[list[str], list[str], list[str]]:
    """The vocabulary's terms near a query term, in one statement: shorter forms of it
    («planer» for «planene»), terms it begins (up to MAX_EXPANSIONS, by term) and, with
    `tails`, terms it ends (compounds: «arealplanlegging» for «planlegging»)."""
    parts, params = [], {"kind": kind, "most": MAX_EXPANSIONS}
    if len(q) >= COMPOUND_HEAD_MIN:
        shorter = [q[:k] for k in range(max(COMPOUND_HEAD_MIN, len(q) - INFLECTION_SLACK), len(q))]
        if shorter:
            parts.append(_SHORTER)
            params["shorter"] = shorter
        parts.append(_LONGER)
        params.update(q=q, q_end=_next_after_prefix(q))
    if len(q) >= COMPOUND_TAIL_MIN and tails:
        parts.append(_ENDING)
        params.update(r=q[::-1], r_end=_next_after_prefix(q[::-1]))
    found: tuple[list[str], list[str], list[str]] = ([], [], [])
    if parts:
        statement = sa.text(" UNION ALL ".join(parts))
        if "shorter" in params:
            shorter_terms = sa.bindparam("shorter", expanding=True, type_=sa.String)
            statement = statement.bindparams(shorter_terms)
        for part, term in sorted(db.session.execute(statement, params)):
            found[part].append(term)
    return found


def _known(kind: str, terms) -> bool:
    return (
        db.session.scalar(
            sa.select(SearchEntry.term)
            .where(SearchEntry.kind == kind, SearchEntry.term.in_(sorted(terms)))
            .limit(1)
        )
        is not None
    )


def _near_terms(kind: str, q: str) -> list[str]:
    """The index's terms closest to a misspelt one: one edit away, two for long words."""
    limit = 2 if len(q) >= TYPO_LONG else 1
    prefix = q[:TYPO_PREFIX]
    candidates = db.session.scalars(
        sa.select(SearchTerm.term).where(
            SearchTerm.kind == kind,
            SearchTerm.term >= prefix,
            SearchTerm.term < _next_after_prefix(prefix),
            sa.func.length(SearchTerm.term).between(len(q) - limit, len(q) + limit),
        )
    )
    distances = {t: text.edit_distance(q, t, limit) for t in candidates}
    best = min(distances.values(), default=limit + 1)
    return sorted(t for t, d in distances.items() if d == best <= limit)


def expanded_terms(kind: str, words: list[text.QueryWord]) -> set[str]:
    """Every index term that counts as some word of a query (its words: `text.parse_query`),
    for showing what matched."""
    _current_vocabulary()
    return {t for word in words for t in _matching_terms(kind, word)}


def ranked(kind: str, query: str) -> sa.Subquery | None:
    """The objects matching a query as a subquery (object_id, matched, score) to join with.

    `matched` is how many of the query's words an object has; `score` adds up, per word, its
    best field weight times match quality. Order by matched, then score (both descending)."""
    _current_vocabulary()
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


def one_of(column, values: list):
    """`column IN values`, which PostgreSQL gets as `= ANY(array)`: one bound value however many
    there are (a long IN list costs milliseconds to write and to parse)."""
    if db.session.get_bind().dialect.name == "postgresql":
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(values)


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
