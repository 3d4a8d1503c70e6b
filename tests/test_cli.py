"""The flask commands: seed-demo, create-user."""

from datetime import timedelta

import sqlalchemy as sa

from arena.accounts.models import Member
from arena.accounts.services import authenticate
from arena.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from arena.extensions import db
from arena.organisations.models import Organisation


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_the_region_and_is_idempotent(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    orgs, members = count(Organisation), count(Member)
    assert orgs >= 38 and 55 <= members <= 70
    names = set(db.session.scalars(sa.select(Organisation.name)))
    for expected in (
        "Skien kommune",
        "Vinje kommune",
        "Færder kommune",
        "Telemarksforsking",
        "Universitetet i Sørøst-Norge",
        "Statsforvalteren i Vestfold og Telemark",
        "NAV Vestfold og Telemark",
        "Innovasjon Norge Vestfold og Telemark",
        "Telemark Næringshage",
        "KS Vestfold og Telemark",
        "NHO Vestfold og Telemark",
    ):
        assert expected in names
    kinds = set(db.session.scalars(sa.select(Organisation.kind)))
    assert {
        "kommune",
        "fylkeskommune",
        "statlig",
        "akademia",
        "naeringsliv",
        "frivillighet",
    } <= kinds
    assert all(m.title for m in db.session.scalars(sa.select(Member)))
    admin = authenticate(DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
    assert admin is not None and admin.is_admin

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert (count(Organisation), count(Member)) == (orgs, members)


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, make_member):
    make_member()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    assert count(Member) == 1


def test_seed_demo_refuses_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ARENA_ENV", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert count(Member) == 0


def test_create_user_reads_password_from_stdin(runner, make_organisation):
    make_organisation("Nome kommune")
    result = runner.invoke(
        args=[
            "create-user",
            "Kari@Nome.kommune.no",
            "--name",
            "Kari Nome",
            "--organisation",
            "nome kommune",
            "--admin",
        ],
        input="et-langt-og-godt-passord\n",
    )
    assert result.exit_code == 0, result.output
    member = authenticate("kari@nome.kommune.no", "et-langt-og-godt-passord")
    assert member is not None and member.is_admin and member.name == "Kari Nome"


def test_create_user_errors_exit_1_and_write_nothing(runner, make_organisation, make_member):
    make_organisation("Nome kommune")
    make_member(email="finnes@example.no")
    cases = [
        (
            ["create-user", "a@b.no", "--name", "A", "--organisation", "Finnes ikke"],
            "langt-nok-passord",
            "No approved organisation",
        ),
        (
            ["create-user", "ugyldig", "--name", "A", "--organisation", "nome-kommune"],
            "langt-nok-passord",
            "email",
        ),
        (
            ["create-user", "a@b.no", "--name", "A", "--organisation", "nome-kommune"],
            "kort",
            "password",
        ),
        (
            ["create-user", "FINNES@example.no", "--name", "A", "--organisation", "nome-kommune"],
            "langt-nok-passord",
            "email",
        ),
    ]
    for args, password, message in cases:
        result = runner.invoke(args=args, input=password + "\n")
        assert result.exit_code == 1, result.output
        assert message in result.output
    assert count(Member) == 1


def test_reindex_rebuilds_and_keeps_every_index_including_arenas(app, runner, make_member):
    """The arena index is written and committed: another connection finds it afterwards."""
    from arena.arenas.services import ArenaInput, create_arena
    from arena.search.models import SearchEntry

    create_arena(make_member(), ArenaInput(name="Hydrogennettverket", purpose="Hydrogen i havn"))
    db.session.execute(sa.delete(SearchEntry).where(SearchEntry.kind == "arena"))
    db.session.commit()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "1 arenas" in result.output
    db.session.remove()  # a new session, as another process would see the database
    with db.engine.connect() as other:
        arena_terms = other.execute(
            sa.select(sa.func.count()).select_from(SearchEntry).where(SearchEntry.kind == "arena")
        ).scalar()
    assert arena_terms > 0


def test_demo_data_looks_like_a_real_network(runner, client, clock):
    """Series on the weekdays such groups meet, deputies, members who follow things, verified
    members in their organisations' domains, and one newcomer waiting for approval."""
    from arena.arenas import meetings
    from arena.arenas import services as arenas
    from arena.arenas.models import Arena, Meeting, arena_followers
    from arena.initiatives.models import Follow
    from arena.organisations.models import OrganisationDomain

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    series = db.session.scalars(sa.select(Meeting)).all()
    assert series
    for meeting in series:
        starts = meetings.occurrences(
            [meeting], meeting.starts_at, meeting.last_starts_at + timedelta(days=1)
        )
        assert starts and all(o.starts_at.weekday() < 5 for o in starts), meeting.rrule  # weekdays
        assert ":" not in meeting.title  # named after the arena, not «…: møte»
    owned = [a for a in db.session.scalars(sa.select(Arena)) if a.owner]
    assert owned and all(a.deputy and a.deputy != a.owner for a in owned)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(arena_followers)) >= 10
    assert {f.target_kind for f in db.session.scalars(sa.select(Follow))} >= {"initiative", "theme"}
    assert count(OrganisationDomain) >= 38
    waiting = db.session.scalars(sa.select(Member).where(Member.verified_at.is_(None))).all()
    assert [m.email for m in waiting] == ["per.privat@gmail.com"]
    # A demo member's calendar and overview show something.
    follower = db.session.scalar(
        sa.select(Member).join(arena_followers, arena_followers.c.member_id == Member.id).limit(1)
    )
    assert arenas.arenas_of_member(follower)
