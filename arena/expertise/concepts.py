"""Fields of expertise as concepts: what each label means to the search pipeline, how concepts
link (broader, narrower, related), and the vocabulary Arena ships (arena/data/vocabulary.csv)."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.resources import files

import sqlalchemy as sa
from flask import current_app

from arena import text
from arena.dates import utcnow
from arena.expertise import services as expertise  # services import this module: used at call time
from arena.expertise.models import ALTERNATIVES_MAX, BROADER, RELATED, AreaLink, ExpertiseArea
from arena.extensions import db
from arena.outbox import jobs
from arena.search import services as search

#: How much a query for a concept counts a narrower concept one or two steps down («planlegging»
#: finds the «arealplanlegging» expert), the broader one («ROS-analyse» finds the «beredskap»
#: expert) and a related one, against the concept itself (SAME).
NARROWER, NARROWER_TWICE, BROADER_QUALITY, RELATED_QUALITY = 7, 6, 6, 5


def concept_term(area_id: int) -> str:
    """The search term every label of the concept stands for."""
    return f"@{area_id}"


def name_terms(areas) -> set[str]:
    """The words of the concepts' names and their synonyms (for compound parts and plain words),
    without other concepts a word of a name is a label of («education» in «Early childhood
    education»)."""
    return {t for a in areas for t in text.terms_and_synonyms(f"{a.name} {a.name_nn} {a.name_en}")}


def _version() -> tuple:
    links = sa.select(sa.func.count()).select_from(AreaLink).scalar_subquery()
    areas = db.session.execute(
        sa.select(
            sa.func.count(ExpertiseArea.id),
            sa.func.max(ExpertiseArea.id),
            sa.func.max(ExpertiseArea.changed_at),
            links,
        )
    ).one()
    return (db.engine.url.render_as_string(), *areas)


def refresh() -> None:
    """Gives the text pipeline the current labels when they changed since it last had them."""
    version = _version()
    if version != text.concepts_version():
        text.use_concepts(version, label_phrases())


search.follow_vocabulary(refresh)


def label_phrases() -> text.Phrases:
    """Each label of each concept as a phrase: the concept's term, and less strongly its narrower,
    broader and related concepts' terms."""
    narrower, broader, related = defaultdict(set), defaultdict(set), defaultdict(set)
    for area_id, other_id, relation in db.session.execute(
        sa.select(AreaLink.area_id, AreaLink.other_id, AreaLink.relation)
    ):
        if relation == BROADER:
            narrower[other_id].add(area_id)
            broader[area_id].add(other_id)
        else:
            related[area_id].add(other_id)
            related[other_id].add(area_id)
    phrases: text.Phrases = {}
    for area in db.session.scalars(sa.select(ExpertiseArea)):
        wanted = {concept_term(r): RELATED_QUALITY for r in related[area.id]}
        wanted.update({concept_term(b): BROADER_QUALITY for b in broader[area.id]})
        for child in narrower[area.id]:
            wanted.update({concept_term(g): NARROWER_TWICE for g in narrower[child]})
        wanted.update({concept_term(c): NARROWER for c in narrower[area.id]})
        wanted[concept_term(area.id)] = text.SAME
        for label in area.labels:
            phrase = tuple(text.terms(label))
            if phrase:
                known = phrases.setdefault(phrase, {})
                for term, quality in wanted.items():
                    known[term] = max(quality, known.get(term, 0))
    return phrases


def concepts_named(typed: str) -> list[ExpertiseArea]:
    """Concepts one of whose labels is what was typed, read through the text pipeline (any
    language, inflection, case, æøå spelling): «Busetjinga av flyktningar» is «Bosetting av
    flyktninger». A name made of several labels of one concept names it too: «Kart og GIS»."""
    refresh()
    sequence = text.terms(typed)
    ids = _concepts_of(text.concept_phrases().get(tuple(sequence), {}))
    parts = text.group_terms(sequence) if sequence and not ids else []
    if parts and sum(end - start for start, end, _groups in parts) == len(sequence):
        ids = set.intersection(*(_concepts_of(groups) for _start, _end, groups in parts))
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ExpertiseArea).where(ExpertiseArea.id.in_(ids)).order_by(ExpertiseArea.name)
        )
    )


def _concepts_of(groups: dict[str, int]) -> set[int]:
    return {int(t[1:]) for t, quality in groups.items() if t[0] == "@" and quality == text.SAME}


def links_of(area: ExpertiseArea) -> dict[str, list[ExpertiseArea]]:
    """The concept's broader, narrower and related concepts, by name."""
    return link_map([area.id])[area.id]


def link_map(area_ids) -> dict[int, dict[str, list[ExpertiseArea]]]:
    """For each of these concepts, its broader, narrower and related concepts, by name."""
    ids = set(area_ids)
    rows = db.session.execute(
        sa.select(AreaLink.area_id, AreaLink.other_id, AreaLink.relation).where(
            sa.or_(AreaLink.area_id.in_(ids), AreaLink.other_id.in_(ids))
        )
    ).all()
    others = {
        a.id: a
        for a in db.session.scalars(
            sa.select(ExpertiseArea).where(
                ExpertiseArea.id.in_({r.area_id for r in rows} | {r.other_id for r in rows})
            )
        )
    }
    linked = {i: {"broader": [], "narrower": [], "related": []} for i in ids}
    for area_id, other_id, relation in rows:
        sides = (("broader", area_id, other_id), ("narrower", other_id, area_id))
        if relation == RELATED:
            sides = (("related", area_id, other_id), ("related", other_id, area_id))
        for key, one, other in sides:
            if one in linked:
                linked[one][key].append(others[other])
    for found in linked.values():
        for key in found:
            found[key].sort(key=lambda a: a.name)
    return linked


def link(area: ExpertiseArea, other: ExpertiseArea, relation: str) -> bool:
    """Adds a link unless the two are already linked (either way); True when added."""
    if area.id == other.id:
        return False
    exists = db.session.scalar(
        sa.select(AreaLink.relation).where(
            sa.or_(
                sa.and_(AreaLink.area_id == area.id, AreaLink.other_id == other.id),
                sa.and_(AreaLink.area_id == other.id, AreaLink.other_id == area.id),
            )
        )
    )
    if exists is not None:
        return False
    db.session.add(AreaLink(area_id=area.id, other_id=other.id, relation=relation))
    area.changed_at = other.changed_at = utcnow()  # the labels' version moves
    return True


def vocabulary_changed() -> None:
    """Texts that mention a label are found by its concept once the worker has reindexed them:
    one reindex for any number of edits made before it starts."""
    jobs.queue_coalesced_job("reindex_search")


@jobs.handler("reindex_search")
def reindex_search() -> dict[str, int]:
    """Rebuilds every search index (the worker's job after a change of labels, or `reindex`);
    the caller commits."""
    refresh()
    return search.reindex_everything()


# --- the shipped vocabulary ---------------------------------------------------------------------


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    links: int = 0


def alternatives_text(labels: list[str]) -> str:
    """Alternative labels as stored: comma separated, each once, whole labels within the limit."""
    kept = []
    for label in dict.fromkeys(labels):
        if len(", ".join([*kept, label])) > ALTERNATIVES_MAX:
            break
        kept.append(label)
    return ", ".join(kept)


VOCABULARY_HEADER = ("slug", "nb", "nn", "en", "alternatives", "broader", "related")


def shipped_vocabulary() -> str:
    return files("arena").joinpath("data/vocabulary.csv").read_text("utf-8")


def load_vocabulary(content: str | None = None) -> LoadReport:
    """Adds the vocabulary's concepts, labels and links to the database. A concept is found by
    its slug or any preferred label; what admins curated is kept: a label already set is never
    replaced, alternatives and links are only added."""
    reader = csv.DictReader(io.StringIO(content or shipped_vocabulary()))
    if set(VOCABULARY_HEADER) - set(reader.fieldnames or []):
        raise ValueError(f"the header must be {','.join(VOCABULARY_HEADER)}")
    rows = list(reader)
    known = expertise.areas_by_name()
    by_slug = {a.slug: a for a in expertise.all_areas()}
    report, concepts = LoadReport(), {}
    for row in rows:
        names = {key: " ".join(row[key].split()) for key in ("nb", "nn", "en")}
        area = by_slug.get(row["slug"]) or next(
            (known[k] for k in map(expertise.name_key, names.values()) if k in known), None
        )
        if area is None:
            area = ExpertiseArea(slug=row["slug"], name=names["nb"], approved=True, synonyms="")
            db.session.add(area)
            report.created.append(row["slug"])
        before = (area.name_nn, area.name_en, area.synonyms)
        if not area.name_nn and names["nn"] != area.name:
            area.name_nn = names["nn"]
        area.name_en = area.name_en or names["en"]
        labels = {expertise.name_key(label) for label in area.labels}
        added = [a.strip() for a in row["alternatives"].split(";") if a.strip()]
        added = [a for a in added if expertise.name_key(a) not in labels]
        area.synonyms = alternatives_text(area.alternatives + added)
        if row["slug"] not in report.created and before != (
            area.name_nn,
            area.name_en,
            area.synonyms,
        ):
            report.updated.append(row["slug"])
        concepts[row["slug"]] = area
        for name in (area.name, area.name_nn, area.name_en):
            if name:
                known.setdefault(expertise.name_key(name), area)
    db.session.flush()
    for relation in (BROADER, RELATED):  # broader first: a pair linked both ways is broader
        for row in rows:
            area = concepts[row["slug"]]
            for slug in filter(None, (s.strip() for s in row[relation].split(";"))):
                if slug in concepts and link(area, concepts[slug], relation):
                    report.links += 1
    db.session.flush()
    for area in concepts.values():
        expertise.index_area(area)
    if report.created or report.updated or report.links:
        vocabulary_changed()
    db.session.commit()
    current_app.logger.info(
        "Vocabulary: %d new, %d updated, %d links added",
        len(report.created),
        len(report.updated),
        report.links,
    )
    return report
