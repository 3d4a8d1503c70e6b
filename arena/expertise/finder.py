"""«Finn en kollega»: the best people in other organisations for what you need (rule 8)."""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from arena import text
from arena.accounts.models import Member
from arena.expertise.models import ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.organisations.models import Organisation
from arena.search import services as search
from arena.search import top

MAX_LIMIT = 100
WEAK_RESULTS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class ExpertQuery:
    text: str = ""
    organisation_kind: str | None = None
    municipality_id: int | None = None
    level_min: int = 1
    include_own_organisation: bool = False
    limit: int = 20

    @property
    def has_words(self) -> bool:
        """Whether the text has anything to search for (not only punctuation or emoji)."""
        return bool(text.parse_query(self.text))

    @property
    def is_empty(self) -> bool:
        return not self.has_words and not self.organisation_kind and not self.municipality_id


@dataclass
class ExpertResult:
    member: Member
    #: Matching fields of expertise with the member's level, highest first.
    areas: list[tuple[ExpertiseArea, int]]
    #: The sentence of «spør meg om» that matched, if any.
    sentence: str | None
    matched: int = 0
    score: int = 0


@dataclass
class ExpertAnswer:
    results: list[ExpertResult]
    #: Fields of expertise related to the query, offered when results are few or none.
    related_areas: list[ExpertiseArea] = field(default_factory=list)
    #: Single words of a several-word query, to broaden a search that found little.
    broader: list[str] = field(default_factory=list)


def matching_area_ids(query: str, terms: set[str]) -> list[int]:
    """The concepts a query asks for (with their narrower, broader and related ones); when it
    names none, those whose names it matches in part («klima» in «Klimarisiko»). `terms`: the
    query's expanded terms (`search.expanded_terms`)."""
    concepts = {int(t[1:]) for t in terms if t.startswith("@")}
    if not concepts:
        concepts = {hit.object_id for hit in search.search("area", query, limit=200)}
    return sorted(concepts)


def find_experts(actor, wanted: ExpertQuery) -> ExpertAnswer:
    """Members who know about what is asked, best first; own organisation left out by default."""
    limit = min(max(wanted.limit, 1), MAX_LIMIT)
    # Only verified members: anyone can claim an organisation until it is verified.
    conditions = [Member.active, Member.verified_at.is_not(None)]
    if actor is not None and not wanted.include_own_organisation:
        conditions.append(Member.organisation_id != actor.organisation_id)
    if wanted.organisation_kind or wanted.municipality_id:
        organisations = sa.select(Organisation.id)
        if wanted.organisation_kind:
            organisations = organisations.where(Organisation.kind == wanted.organisation_kind)
        if wanted.municipality_id:
            organisations = organisations.where(
                Organisation.municipality_id == wanted.municipality_id
            )
        conditions.append(Member.organisation_id.in_(organisations))
    words = text.parse_query(wanted.text)  # read once, used by every step below
    has_text = bool(words)
    terms = search.expanded_terms("member", words) if has_text else set()
    area_ids = matching_area_ids(wanted.text, terms) if has_text else None
    expertise = sa.select(MemberExpertise.member_id).where(
        MemberExpertise.level >= wanted.level_min
    )
    if area_ids is not None and wanted.level_min > 1:
        expertise = expertise.where(MemberExpertise.area_id.in_(area_ids or [-1]))
    if wanted.level_min > 1 or not has_text:
        conditions.append(Member.id.in_(expertise))

    if has_text:
        # How many members there are, for how rare each word is: the highest id counts them
        # well enough (members are seldom deleted) and, unlike count(*), costs nothing.
        several_words = len(words) > 1
        population = several_words and db.session.scalar(sa.select(sa.func.max(Member.id)))
        hits = top.strongest_matches(
            "member",
            words,
            strongest=max(3 * limit, 60),
            population=population or None,
            within=sa.select(Member.id).where(*conditions),  # the filters choose the candidates
        )
        best = sorted(hits.values(), key=top.strength, reverse=True)[:limit]
        rows = [(hit.object_id, hit.matched, hit.score) for hit in best]
    elif wanted.is_empty:
        rows = []
    else:
        top_level = (
            sa.select(sa.func.max(MemberExpertise.level))
            .where(MemberExpertise.member_id == Member.id)
            .scalar_subquery()
        )
        rows = db.session.execute(
            sa.select(Member.id, sa.literal(0), sa.literal(0))
            .where(*conditions)
            .order_by(top_level.desc(), Member.name, Member.id)
            .limit(limit)
        ).all()
    results = _results(rows, terms, area_ids)
    answer = ExpertAnswer(results)
    if has_text and len(results) < WEAK_RESULTS:
        answer.related_areas = _related_areas(words, area_ids or [])
        answer.broader = [w.text for w in words] if len(words) > 1 else []
    return answer


def _results(rows, terms: set[str], area_ids: list[int] | None) -> list[ExpertResult]:
    """The result cards: each member with the fields that matched (all fields without a query)."""
    ids = [row[0] for row in rows]
    if not ids:
        return []
    members = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Member).where(Member.id.in_(ids)).options(joinedload(Member.organisation))
        )
    }
    entries = (
        sa.select(MemberExpertise.member_id, MemberExpertise.level, ExpertiseArea)
        .join(ExpertiseArea, ExpertiseArea.id == MemberExpertise.area_id)
        .where(MemberExpertise.member_id.in_(ids))
    )
    if terms:
        entries = entries.where(MemberExpertise.area_id.in_(area_ids or [-1]))
    found: dict[int, list[tuple[ExpertiseArea, int]]] = {i: [] for i in ids}
    for member_id, level, area in db.session.execute(entries):
        found[member_id].append((area, level))
    results = []
    for member_id, matched, score in rows:
        member = members[member_id]
        results.append(
            ExpertResult(
                member=member,
                areas=sorted(found[member_id], key=lambda e: (-e[1], e[0].name)),
                sentence=_matching_sentence(member.ask_me_about, terms),
                matched=matched,
                score=score,
            )
        )
    return results


def _matching_sentence(ask_me_about: str, terms: set[str]) -> str | None:
    if not terms or not ask_me_about:
        return None
    for sentence in _SENTENCE_END.split(ask_me_about):
        if text.index_terms(sentence) & terms:
            return sentence.strip()
    return None


def _related_areas(words: list[text.QueryWord], area_ids: list[int]) -> list[ExpertiseArea]:
    """Areas the query points at, and areas that share a word with them (broader or related)."""
    found = list(db.session.scalars(sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(area_ids))))
    shared = {t for a in found for t in text.terms(a.name)} | {w.term for w in words}
    for area in db.session.scalars(sa.select(ExpertiseArea).order_by(ExpertiseArea.name)):
        if area not in found and shared & set(text.terms(area.name)):
            found.append(area)
    return found[:8]
