"""Norwegian text for search, one pipeline for indexing and querying alike.

NFC -> casefold -> words -> stop words -> nynorsk spelling to bokmål -> Snowball Norwegian stem ->
fold æ/ø/å (also typed as ae/oe/aa or a/o). Synonym groups (shipped data) become a shared group
term on both sides, so «KI» meets «kunstig intelligens» and «innkjøp» meets «anskaffelser». So do
the labels of the fields of expertise (concepts, in the database): every label of a concept, in
any language, becomes its concept term («@12»), and a query for a concept also asks, less
strongly, for its narrower and related concepts.
Compound parts are matched when searching (see arena.search): «planlegging» finds
«arealplanlegging» because «areal» is itself a known word.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files

import snowballstemmer

WORD = re.compile(r"\w+")
#: Nynorsk spellings rewritten to bokmål before stemming: (pattern, replacement).
NYNORSK_SPELLING = [
    (re.compile(r"jar"), "er"),  # innbyggjarinvolvering -> innbyggerinvolvering
    (re.compile(r"leg(e|t)?$"), r"lig\1"),  # offentleg -> offentlig
    (re.compile(r"heit(a|ar|ane|en|er)?$"), r"het\1"),  # frivilligheit -> frivillighet
]
_FOLD_LETTERS = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e"})
_stemmer = snowballstemmer.stemmer("norwegian")
MAX_QUERY_WORDS = 12
#: How much a term counts as the thing asked for, in tenths: the same word, a synonym or a label
#: of the same concept. A concept's narrower and related concepts count less (their phrases say).
SAME = 10


def _data(name: str) -> str:
    return files("arena").joinpath(f"data/{name}").read_text("utf-8")


@cache
def stop_words() -> frozenset[str]:
    lines = (line.strip() for line in _data("stopwords.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def words(text: str) -> list[str]:
    """The words of a text, normalised (NFC, casefolded); hyphens split words."""
    return WORD.findall(unicodedata.normalize("NFC", text or "").casefold().replace("_", " "))


def fold(term: str) -> str:
    """æ/ø/å and their typed stand-ins (ae, oe, aa) all fold to plain letters."""
    term = term.translate(_FOLD_LETTERS)
    return term.replace("ae", "a").replace("oe", "o").replace("aa", "a")


#: Words seen recently: stemming is the costly part of indexing, and the vocabulary people use is
#: small; a bound keeps a worker that reads every word anyone typed from growing without end.
@lru_cache(maxsize=100_000)
def term_of(word: str) -> str:
    """The search term for one normalised word: bokmål spelling, stemmed, folded."""
    for pattern, replacement in NYNORSK_SPELLING:
        word = pattern.sub(replacement, word)
    return fold(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """The search terms of a text, in order, stop words left out."""
    return [term_of(w) for w in words(text) if w not in stop_words()]


#: A phrase (its term sequence) -> the group terms it stands for, each with how much it counts.
Phrases = dict[tuple[str, ...], dict[str, int]]


@cache
def synonym_groups() -> Phrases:
    """The shipped synonym groups: each alternative of a line stands for the line's term."""
    phrases: Phrases = {}
    for number, line in enumerate(_data("synonyms.txt").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        group = f"~{number}"
        for alternative in line.split("="):
            phrase = tuple(terms(alternative))
            if phrase:
                phrases.setdefault(phrase, {})[group] = SAME
    return phrases


@cache
def _longest_synonym() -> int:
    return max(map(len, synonym_groups()), default=1)


@dataclass(frozen=True)
class _Concepts:
    version: object = None
    phrases: Phrases = field(default_factory=dict)
    longest: int = 1


_concepts = _Concepts()


def use_concepts(version: object, phrases: Phrases) -> None:
    """Makes the concepts' label phrases part of the pipeline (a new version clears the cache).
    Replaced whole, so a reader never sees one version's phrases with another's length."""
    global _concepts
    if version == _concepts.version:
        return
    _concepts = _Concepts(version, phrases, max(map(len, phrases), default=1))
    index_terms.cache_clear()


def concepts_version() -> object:
    return _concepts.version


def concept_phrases() -> Phrases:
    return _concepts.phrases


def _phrase(candidate: tuple[str, ...]) -> dict[str, int]:
    groups = synonym_groups().get(candidate)
    concepts = _concepts.phrases.get(candidate)
    if groups and concepts:
        return {**groups, **concepts}
    return groups or concepts or {}


def group_terms(
    sequence: list[str], concepts: bool = True
) -> list[tuple[int, int, dict[str, int]]]:
    """Where synonym and (unless told not to) concept phrases occur in a term sequence: (start,
    end, group terms), the longest phrase at each start."""
    longest = max(_longest_synonym(), _concepts.longest if concepts else 1)
    phrase = _phrase if concepts else lambda candidate: synonym_groups().get(candidate)
    found = []
    for start in range(len(sequence)):
        for length in range(min(longest, len(sequence) - start), 0, -1):
            groups = phrase(tuple(sequence[start : start + length]))
            if groups:
                found.append((start, start + length, groups))
                break
    return found


@lru_cache(maxsize=20_000)
def index_terms(text: str) -> frozenset[str]:
    """All terms a document text is found by: its own terms plus its synonym groups."""
    sequence = terms(text)
    groups = {
        term
        for *_span, found in group_terms(sequence)
        for term, weight in found.items()
        if weight == SAME
    }
    return frozenset(sequence) | groups


def phrase_groups(phrase: tuple[str, ...]) -> dict[str, int]:
    """The synonym and concept terms a phrase stands for, with how much each counts."""
    return _phrase(phrase)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Letters inserted, deleted, changed or swapped with a neighbour to make a into b (optimal
    string alignment); anything above limit is reported as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def terms_and_synonyms(text: str) -> frozenset[str]:
    """A text's terms and its shipped synonym groups, without the concepts its phrases name."""
    sequence = terms(text)
    groups = {t for *_span, found in group_terms(sequence, concepts=False) for t in found}
    return frozenset(sequence) | groups


@dataclass
class QueryWord:
    """One thing the searcher asked for: the term as typed and the terms that count as it, with
    how much each counts (SAME for the term itself, its synonyms and its concepts)."""

    text: str
    term: str
    alternatives: dict[str, int]


def parse_query(query: str) -> list[QueryWord]:
    """The query as a list of wanted things; a synonym phrase counts as one thing."""
    normalised = [w for w in words(query[:1000]) if w not in stop_words()][:MAX_QUERY_WORDS]
    sequence = [term_of(w) for w in normalised]
    result: list[QueryWord] = []
    position = 0
    phrases = {start: (end, groups) for start, end, groups in group_terms(sequence)}
    while position < len(sequence):
        if position in phrases and phrases[position][0] - position > 1:
            end, groups = phrases[position]
            text = " ".join(normalised[position:end])
            term = min(t for t, weight in groups.items() if weight == SAME)
            result.append(QueryWord(text, term, dict(groups)))
            position = end
            continue
        term = sequence[position]
        alternatives = dict(phrases[position][1]) if position in phrases else {}
        alternatives[term] = SAME
        result.append(QueryWord(normalised[position], term, alternatives))
        position += 1
    return result
