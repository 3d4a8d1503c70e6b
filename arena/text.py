"""Norwegian text for search, one pipeline for indexing and querying alike.

NFC -> casefold -> words -> stop words -> nynorsk spelling to bokmål -> Snowball Norwegian stem ->
fold æ/ø/å (also typed as ae/oe/aa or a/o). Synonym groups (shipped data) become a shared group
term on both sides, so «KI» meets «kunstig intelligens» and «innkjøp» meets «anskaffelser».
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


@cache
def term_of(word: str) -> str:
    """The search term for one normalised word: bokmål spelling, stemmed, folded."""
    for pattern, replacement in NYNORSK_SPELLING:
        word = pattern.sub(replacement, word)
    return fold(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    """The search terms of a text, in order, stop words left out."""
    return [term_of(w) for w in words(text) if w not in stop_words()]


@dataclass(frozen=True)
class SynonymGroups:
    """Synonym phrases as term sequences, each mapped to its group's shared term."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


@cache
def synonym_groups() -> SynonymGroups:
    phrases: dict[tuple[str, ...], str] = {}
    for number, line in enumerate(_data("synonyms.txt").splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        group = f"~{number}"
        for alternative in line.split("="):
            phrase = tuple(terms(alternative))
            if phrase:
                phrases[phrase] = group
    return SynonymGroups(phrases)


def group_terms(sequence: list[str]) -> list[tuple[int, int, str]]:
    """Where synonym phrases occur in a term sequence: (start, end, group term)."""
    groups = synonym_groups()
    found = []
    for start in range(len(sequence)):
        for length in range(min(groups.longest, len(sequence) - start), 0, -1):
            group = groups.phrases.get(tuple(sequence[start : start + length]))
            if group:
                found.append((start, start + length, group))
                break
    return found


@lru_cache(maxsize=20_000)
def index_terms(text: str) -> frozenset[str]:
    """All terms a document text is found by: its own terms plus its synonym groups."""
    sequence = terms(text)
    return frozenset(sequence) | {group for _start, _end, group in group_terms(sequence)}


@dataclass
class QueryWord:
    """One thing the searcher asked for: the term as typed and the terms that count as it."""

    text: str
    term: str
    alternatives: set[str]


def parse_query(query: str) -> list[QueryWord]:
    """The query as a list of wanted things; a synonym phrase counts as one thing."""
    normalised = [w for w in words(query[:1000]) if w not in stop_words()][:MAX_QUERY_WORDS]
    sequence = [term_of(w) for w in normalised]
    result: list[QueryWord] = []
    position = 0
    phrases = {start: (end, group) for start, end, group in group_terms(sequence)}
    while position < len(sequence):
        if position in phrases and phrases[position][0] - position > 1:
            end, group = phrases[position]
            text = " ".join(normalised[position:end])
            result.append(QueryWord(text, group, {group}))
            position = end
            continue
        term = sequence[position]
        alternatives = {term}
        if position in phrases:
            alternatives.add(phrases[position][1])
        result.append(QueryWord(normalised[position], term, alternatives))
        position += 1
    return result
