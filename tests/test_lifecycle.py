"""One registry of what happens to other areas' rows when a member, an organisation or a field
of expertise changes, is merged, exported or deleted (arena/lifecycle.py): every table that points
at one has an answer for each event, and the answers keep data and derived views true."""

import sqlalchemy as sa

from arena import lifecycle
from arena.accounts import member_data
from arena.accounts.models import ApiToken, Member
from arena.accounts.sessions import start_session
from arena.arenas.models import Arena, ArenaRole
from arena.demo import seed_demo
from arena.expertise import vocabulary
from arena.expertise.models import ContactRequest, ExpertiseArea
from arena.extensions import db
from arena.initiatives import following
from arena.initiatives import services as initiatives
from arena.initiatives.models import Initiative, InitiativeUpdate, initiative_themes
from arena.organisations import services as organisations
from arena.organisations.models import Organisation
from arena.search import services as search

#: References the metadata cannot show: a kind and an id in one row.
POLYMORPHIC = {
    "member": {"search_entries"},  # the finder's entry of kind "member"
    "organisation": {"follows"},  # target_kind "organisation"
    "expertise_area": {"follows"},  # target_kind "theme"
}


def _referencing(subject_table: str) -> dict[str, list[sa.ForeignKey]]:
    found: dict[str, list[sa.ForeignKey]] = {}
    for table in db.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name == subject_table:
                found.setdefault(table.name, []).append(fk)
    return found


def test_every_table_pointing_at_a_subject_answers_each_of_its_events(app):
    missing = []
    for subject, (subject_table, events) in lifecycle.EVENTS.items():
        tables = set(_referencing(subject_table)) | POLYMORPHIC[subject]
        for event in events:
            answered = {t for h in lifecycle.handlers(subject, event) for t in h.tables}
            missing += [f"{subject} {event}: {t}" for t in sorted(tables - answered)]
    assert not missing, "tables nobody answers for:\n" + "\n".join(missing)


def test_the_registry_names_real_tables_and_true_database_rules(app):
    for subject, (subject_table, events) in lifecycle.EVENTS.items():
        references = _referencing(subject_table)
        for event in events:
            for handler in lifecycle.handlers(subject, event):
                for table in handler.tables:
                    assert table in db.metadata.tables, f"{table} is not a table"
                    if handler.because != lifecycle.ON_DELETE:
                        continue
                    assert event == "deleted"
                    for fk in references.get(table, []):
                        assert fk.ondelete in ("CASCADE", "SET NULL"), (
                            f"{table}.{fk.parent.name} does not go with a deleted {subject}"
                        )
                assert handler.run is not None or handler.because, "an answer says why"


def _pairs(table_name: str, fk_column: str) -> set[tuple]:
    """What must survive a merge: the rows of an entity table (by id), or each association's
    other side."""
    table = db.metadata.tables[table_name]
    if "id" in table.c:
        return set(db.session.scalars(sa.select(table.c.id)))
    others = [c for c in table.c if c.name != fk_column]
    return set(db.session.execute(sa.select(*others)).all())


def test_merging_every_demo_organisation_into_one_keeps_everything_they_had(app):
    seed_demo()
    admin = db.session.scalar(sa.select(Member).filter_by(is_admin=True))
    kept, *duplicates = db.session.scalars(sa.select(Organisation).order_by(Organisation.id))
    for member in db.session.scalars(sa.select(Member).limit(5)):  # one follows kept and another
        for organisation in (kept, duplicates[member.id % len(duplicates)]):
            following.follow(member, "organisation", organisation.id)
    references = _referencing("organisations")
    before = {
        (t, fk.parent.name): _pairs(t, fk.parent.name)
        for t, fks in references.items()
        for fk in fks
    }
    follows_before = db.session.execute(
        sa.text("SELECT member_id FROM follows WHERE target_kind = 'organisation'")
    ).all()
    assert all(before.values()) and follows_before, "the demo data should use every table"

    for duplicate in duplicates:
        organisations.merge_organisations(admin, duplicate, kept)

    assert db.session.scalars(sa.select(Organisation.id)).all() == [kept.id]
    for (table, column), rows in before.items():
        after = _pairs(table, column)
        if table == "initiative_partners":  # a lead organisation is never its own partner
            assert after == set()
            continue
        assert rows <= after, f"{table} lost rows in the merge"
    follows_after = db.session.execute(
        sa.text(
            "SELECT DISTINCT member_id, target_id FROM follows WHERE target_kind = 'organisation'"
        )
    ).all()
    assert {m for (m,) in follows_before} == {m for m, _t in follows_after}
    assert {t for _m, t in follows_after} == {kept.id}


def _rows_apart_from(table_name: str, fks, member_id: int) -> set[tuple]:
    """The table's rows that do not point at the member (nor are the member)."""
    table = db.metadata.tables[table_name]
    statement = sa.select(table).where(
        *(
            sa.or_(table.c[fk.parent.name].is_(None), table.c[fk.parent.name] != member_id)
            for fk in fks
        )
    )
    if table_name == "members":
        statement = statement.where(table.c.id != member_id)
    return set(db.session.execute(statement).all())


def _finder_ids() -> set[int]:
    return set(
        db.session.scalars(
            sa.text("SELECT DISTINCT object_id FROM search_entries WHERE kind = 'member'")
        )
    )


def test_erasing_a_member_removes_what_is_theirs_and_keeps_everyone_elses(app, client):
    seed_demo()
    # The owner of a public arena (its public feed names them); ordered, so both databases
    # pick the same one.
    holder, held = db.session.execute(
        sa.select(Member, Arena)
        .join(ArenaRole, ArenaRole.member_id == Member.id)
        .join(Arena, Arena.id == ArenaRole.arena_id)
        .where(
            ArenaRole.role == "owner",
            ArenaRole.ended_at.is_(None),
            Arena.visibility == "public",
            Arena.archived.is_(False),
        )
        .order_by(Arena.id)
        .limit(1)
    ).one()
    other = db.session.scalar(sa.select(Member).where(Member.id != holder.id, Member.active))
    initiative = db.session.scalar(sa.select(Initiative))
    db.session.add_all(
        [
            ContactRequest(sender_id=holder.id, expert_id=other.id, subject="Hei", message="Sendt"),
            ContactRequest(sender_id=other.id, expert_id=holder.id, subject="Hei", message="Fått"),
            InitiativeUpdate(
                initiative_id=initiative.id, author_id=holder.id, body="Skrevet av meg"
            ),
            ApiToken(member_id=holder.id, name="mitt", token_hash="x" * 64),
        ]
    )
    start_session(holder)
    db.session.commit()
    feed = client.get(f"/arenas/{held.slug}/calendar.ics")
    assert holder.name in feed.get_data(as_text=True)
    assert holder.id in _finder_ids()
    references = _referencing("members")
    others_before = {t: _rows_apart_from(t, fks, holder.id) for t, fks in references.items()}
    name, holder_id = holder.name, holder.id

    member_data.erase_member(holder)
    db.session.commit()

    for table, fks in references.items():
        assert others_before[table] <= _rows_apart_from(table, fks, holder_id), (
            f"{table} lost rows of other members"
        )
    assert db.session.get(Member, holder_id) is None
    kept = db.session.scalar(sa.select(InitiativeUpdate).filter_by(body="Skrevet av meg"))
    assert kept is not None and kept.author_id is None  # shown as a former member's
    assert db.session.scalar(sa.select(ContactRequest).filter_by(message="Sendt")) is None
    assert holder_id not in _finder_ids()
    fresh = client.get(
        f"/arenas/{held.slug}/calendar.ics", headers={"If-None-Match": feed.headers["ETag"]}
    )
    assert fresh.status_code == 200, "the feed must stop naming the erased owner"
    assert name not in fresh.get_data(as_text=True)


def test_renaming_an_organisation_reaches_its_feed_and_the_initiative_search(
    app, client, make_member, make_organisation
):
    from arena.arenas import services as arenas
    from arena.arenas.services import ArenaInput

    org = make_organisation("Grenland Havn")
    owner = make_member(org=org)
    admin = make_member(is_admin=True)
    arenas.create_arena(owner, ArenaInput(name="Havnesamarbeidet", organisation_ids=[org.id]))
    initiative = initiatives.create_initiative(
        owner,
        initiatives.InitiativeInput(title="Landstrøm", summary="Strøm til skip", status="idea"),
    )
    feed = client.get(f"/organisations/{org.slug}/calendar.ics")
    assert "Grenland Havn" in feed.get_data(as_text=True)

    organisations.update_organisation(
        admin, org, organisations.OrganisationInput(name="Grenland Havn IKS", kind=org.kind)
    )

    fresh = client.get(
        f"/organisations/{org.slug}/calendar.ics", headers={"If-None-Match": feed.headers["ETag"]}
    )
    assert fresh.status_code == 200
    assert "Grenland Havn IKS" in fresh.get_data(as_text=True)
    assert initiative.id in {h.object_id for h in search.search("initiative", "IKS")}


def test_renaming_a_field_of_expertise_reaches_the_initiatives_with_that_theme(app, make_member):
    owner = make_member()
    admin = make_member(is_admin=True)
    area = ExpertiseArea(name="Havbruk", slug="havbruk", approved=True)
    db.session.add(area)
    db.session.commit()
    initiative = initiatives.create_initiative(
        owner,
        initiatives.InitiativeInput(
            title="Nye merder", summary="Om anlegg i sjø", status="idea", theme_ids=[area.id]
        ),
    )
    assert db.session.execute(sa.select(initiative_themes)).all()
    assert not search.search("initiative", "akvakultur")

    change = vocabulary.AreaChange(
        name="Akvakultur", name_nn="Akvakultur", synonyms="fiskeoppdrett"
    )
    vocabulary.update_area(admin, area, change)

    assert initiative.id in {h.object_id for h in search.search("initiative", "akvakultur")}
    assert initiative.id in {h.object_id for h in search.search("initiative", "fiskeoppdrett")}


def test_a_members_export_has_every_areas_section(app, make_member):
    member = make_member()
    db.session.add(ExpertiseArea(name="Vindkraft", slug="vindkraft", proposed_by_id=member.id))
    db.session.commit()
    exported = member_data.export_member_data(member, member)
    sections = {h.section for h in lifecycle.handlers("member", "exported") if h.run}
    assert sections <= set(exported)
    assert exported["proposed_areas"] == ["Vindkraft"]
