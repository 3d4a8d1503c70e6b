"""The Norwegian text pipeline and the search index (identical on SQLite and PostgreSQL)."""

import pytest
import sqlalchemy as sa

from arena import text
from arena.extensions import db
from arena.search import services as search


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Klimatilpasning", "klimatilpasningen"),
        ("Klimatilpasning", "klimatilpasninger"),
        ("prosjekter", "prosjektar"),  # nynorsk plural
        ("kommunene", "kommunane"),
        ("innbyggerinvolvering", "innbyggjarinvolvering"),
        ("offentlig", "offentleg"),
        ("bærekraft", "baerekraft"),
        ("næringsutvikling", "naeringsutvikling"),
        ("høgskole", "hogskole"),
        ("høgskole", "hoegskole"),
        ("Ålesund", "aalesund"),
        ("EU-prosjekter", "eu prosjekter"),
    ],
)
def test_spellings_meet_in_the_same_terms(a, b):
    assert text.terms(a) == text.terms(b)


def test_stop_words_are_left_out():
    assert text.terms("og i på for det") == []


def test_synonym_phrases_share_a_group_term():
    assert text.index_terms("kunstig intelligens") & text.index_terms("KI")
    assert text.index_terms("offentlige anskaffelser") & text.index_terms("innkjøp")
    (word,) = text.parse_query("kunstig intelligens")
    assert word.term.startswith("~")


def index(kind, object_id, title, body="", weight=3.0):
    search.index(kind, object_id, [(title, weight), (body, 1.0)])
    db.session.commit()


def ids(query, kind="t"):
    return [hit.object_id for hit in search.search(kind, query)]


def test_inflections_and_compound_parts_are_found():
    index("t", 1, "Klimatilpasning i kommunene")
    index("t", 2, "Arealplanlegging for kystkommuner")
    index("t", 3, "Kommuneplanlegging med medvirkning")
    index("t", 4, "Grønn omstilling i industrien")
    index("t", 5, "Anlegg for vannrensing")
    assert ids("klimatilpasningen") == [1]
    assert set(ids("planlegging")) == {2, 3}
    assert ids("omstilling") == [4]
    assert ids("klima") == [1]  # the start of a compound
    assert 5 not in ids("planlegging")


def test_more_matched_words_rank_higher_and_title_beats_body():
    index("t", 1, "Hydrogen", "Om fyllestasjoner")
    index("t", 2, "Fyllestasjoner", "Hydrogen i tungtransport")
    index("t", 3, "Tungtransport på hydrogen", "")
    assert ids("hydrogen tungtransport")[0] == 3  # both words, both in the title
    found = ids("hydrogen")
    assert set(found[:2]) == {1, 3} and found[2] == 2  # title matches before a body match


def test_hostile_queries_answer_normally():
    index("t", 1, "Vanlig tittel")
    for query in ["%", "_", "' OR 1=1 --", "x" * 10_000, "😀", "...", "", "\x00"]:
        assert isinstance(search.search("t", query), list)
    assert ids("%") == [] and ids("_") == []


def test_kinds_are_separate():
    index("a", 1, "Hydrogen")
    index("b", 1, "Hydrogen")
    search.remove("a", 1)
    db.session.commit()
    assert ids("hydrogen", "a") == [] and ids("hydrogen", "b") == [1]


def test_two_requests_adding_the_same_new_term_both_succeed(app):
    """Two workers index the same new word at once: neither fails (insert if absent)."""
    import threading
    import time

    from arena.search.models import SearchTerm

    errors = []

    def second_request():
        with app.app_context():
            try:
                search.remember_terms("member", {"samtidig"})
                db.session.commit()
            except Exception as error:  # whatever went wrong is the finding
                errors.append(error)

    with db.engine.connect() as first:
        first.execute(
            SearchTerm.__table__.insert().values(
                kind="member", term="samtidig", term_reversed="gitdimas"
            )
        )
        other = threading.Thread(target=second_request)
        other.start()
        time.sleep(0.5)  # the second request now waits for the first one's lock
        first.commit()
    other.join(timeout=20)
    assert not errors, errors
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(SearchTerm).filter_by(term="samtidig")
    )
    assert count == 1
