"""Search quality of «Finn en kollega» on the hand-written judged collection (judged_by_hand.py):
the shipped vocabulary, members imported as an admin would import them, and queries of every
kind, on SQLite and PostgreSQL alike."""

import judged_by_hand as judged
import pytest

from arena.expertise import concepts, finder, importer
from arena.extensions import db

OVERALL_MIN, KIND_MIN = 0.85, 0.7


@pytest.fixture
def region(make_member, make_organisation):
    concepts.load_vocabulary()
    report = importer.import_members(None, judged.import_file())
    assert not report.errors, report.errors
    searcher = make_member(name="Søker", org=make_organisation(name="Søkerens organisasjon"))
    db.session.commit()
    return searcher


def search_as(searcher):
    def search(text):
        answer = finder.find_experts(searcher, finder.ExpertQuery(text=text, limit=10))
        return [r.member.email for r in answer.results]

    return search


def test_the_collection_is_big_and_varied_enough():
    kinds = {q.kind for q in judged.queries()}
    assert len(judged.queries()) >= 40 and len(judged.members()) >= 250
    assert {"nynorsk", "English", "typos", "free text", "synonyms", "compounds"} <= kinds
    for query in judged.queries():
        grades = [judged.grade(m, query) for m in judged.members()]
        assert grades.count(3) + grades.count(2) >= 2, f"{query.text}: too few to find"


def test_ndcg_at_10_by_kind_of_query(region):
    by_kind = judged.evaluate(search_as(region))
    means = {kind: sum(s.values()) / len(s) for kind, s in by_kind.items()}
    every = [score for scores in by_kind.values() for score in scores.values()]
    overall = sum(every) / len(every)
    table = "\n".join(f"  {kind:12} {mean:.3f}" for kind, mean in sorted(means.items()))
    weakest = sorted(((s, q) for k in by_kind.values() for q, s in k.items()))[:8]
    print(f"\nnDCG@10 {overall:.3f} over {len(every)} queries\n{table}\nweakest: {weakest}")
    assert overall >= OVERALL_MIN, f"overall {overall:.3f}\n{table}\nweakest: {weakest}"
    low = {kind: mean for kind, mean in means.items() if mean < KIND_MIN}
    assert not low, f"kinds under {KIND_MIN}: {low}\n{table}\nweakest: {weakest}"
