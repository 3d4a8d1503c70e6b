"""The colleague finder under filters gives exactly what ranking every member would: candidates
were once cut to each word's strongest postings before the filters, so one academic expert among
seventy municipal ones was not found when «akademia» was chosen. Compared here with a brute-force
ranking (every posting of every allowed member scored) for random filters, on both databases."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arena import text
from arena.accounts.models import Member
from arena.expertise import services as expertise
from arena.expertise.finder import ExpertQuery, find_experts, matching_area_ids
from arena.expertise.models import ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.organisations.models import Municipality, Organisation
from arena.search import services as search
from arena.search import top

QUERIES = ("klimatilpasning", "flom", "klimatilpasning flom", "overvann", "hydrogen")
KINDS = ("kommune", "akademia", "naeringsliv")


@pytest.fixture
def crowd(make_member, make_organisation):
    """Seventy municipal experts in climate adaptation at level 3, one academic at level 1,
    a few in business with both fields, spread over three municipalities."""
    municipalities = db.session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()[:3]
    klima = ExpertiseArea(name="Klimatilpasning", slug="klimatilpasning", approved=True)
    flom = ExpertiseArea(name="Flom og overvann", slug="flom-og-overvann", approved=True)
    db.session.add_all([klima, flom])
    db.session.commit()
    organisations = [
        make_organisation(kind=kind, municipality=municipalities[n % 3])
        for n, kind in enumerate(("kommune",) * 6 + ("akademia",) + ("naeringsliv",) * 2)
    ]
    people = []
    for n in range(70):
        member = make_member(org=organisations[n % 6], ask_me_about="Klimatilpasning i byen.")
        expertise.set_expertise(member, member, klima, 3)
        people.append(member)
    scholar = make_member(org=organisations[6], name="Astrid Akademiker")
    expertise.set_expertise(scholar, scholar, klima, 1)
    people.append(scholar)
    for n in range(4):
        member = make_member(org=organisations[7 + n % 2])
        expertise.set_expertise(member, member, klima, 2)
        expertise.set_expertise(member, member, flom, 1 + n % 3)
        people.append(member)
    return {
        "people": [p.id for p in people],
        "scholar": scholar.id,
        "municipalities": municipalities,
    }


def brute_force(actor: Member | None, wanted: ExpertQuery) -> list[int]:
    """Every allowed member scored from all their postings (no candidate is cut), best first."""
    words = text.parse_query(wanted.text)
    area_ids = matching_area_ids(wanted.text, search.expanded_terms("member", words))
    allowed = sa.select(Member.id).where(Member.active, Member.verified_at.is_not(None))
    if actor is not None and not wanted.include_own_organisation:
        allowed = allowed.where(Member.organisation_id != actor.organisation_id)
    if wanted.organisation_kind or wanted.municipality_id:
        organisations = sa.select(Organisation.id)
        if wanted.organisation_kind:
            organisations = organisations.where(Organisation.kind == wanted.organisation_kind)
        if wanted.municipality_id:
            organisations = organisations.where(
                Organisation.municipality_id == wanted.municipality_id
            )
        allowed = allowed.where(Member.organisation_id.in_(organisations))
    if wanted.level_min > 1:  # at that level in a field the query asks for
        allowed = allowed.where(
            Member.id.in_(
                sa.select(MemberExpertise.member_id).where(
                    MemberExpertise.level >= wanted.level_min,
                    MemberExpertise.area_id.in_(area_ids or [-1]),
                )
            )
        )
    allowed_ids = set(db.session.scalars(allowed))
    several = len(words) > 1
    population = several and db.session.scalar(sa.select(sa.func.max(Member.id)))
    everything = top.strongest_matches(
        "member", words, strongest=10**9, population=population or None
    )
    ranked = sorted(
        (hit for hit in everything.values() if hit.object_id in allowed_ids),
        key=top.strength,
        reverse=True,
    )
    return [hit.object_id for hit in ranked[: wanted.limit]]


def test_one_academic_among_seventy_municipal_experts_is_found(crowd):
    wanted = ExpertQuery(text="klimatilpasning", organisation_kind="akademia", limit=5)
    found = [r.member.id for r in find_experts(None, wanted).results]
    assert found == [crowd["scholar"]]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.sampled_from(QUERIES),
    kind=st.sampled_from((None, *KINDS)),
    municipality=st.sampled_from((None, 0, 1, 2)),
    level_min=st.integers(1, 3),
    own=st.booleans(),
    actor=st.integers(0, 74) | st.none(),
    limit=st.sampled_from((1, 3, 10, 20)),
)
def test_filtered_answers_equal_a_brute_force_ranking(
    crowd, query, kind, municipality, level_min, own, actor, limit
):
    reader = db.session.get(Member, crowd["people"][actor]) if actor is not None else None
    wanted = ExpertQuery(
        text=query,
        organisation_kind=kind,
        municipality_id=crowd["municipalities"][municipality].id
        if municipality is not None
        else None,
        level_min=level_min,
        include_own_organisation=own,
        limit=limit,
    )
    found = [r.member.id for r in find_experts(reader, wanted).results]
    assert found == brute_force(reader, wanted), (wanted, reader and reader.organisation_id)
