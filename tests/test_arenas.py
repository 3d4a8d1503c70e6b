"""Arenas: one accepted owner (schema-enforced), proposals and handover, orphans, meetings and
their times across daylight-saving changes."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import to_of
from sqlalchemy.exc import IntegrityError

from arena.arenas import meetings, ownership, services
from arena.arenas.meetings import MeetingInput
from arena.arenas.models import Arena, ArenaRole
from arena.arenas.repetitions import Recurrence
from arena.arenas.services import ArenaInput
from arena.errors import Conflict, PermissionDenied, ValidationFailed
from arena.extensions import db


@pytest.fixture
def make_arena(make_member):
    def make(owner=None, **fields):
        owner = owner or make_member()
        arena, _proposals = services.create_arena(
            owner, ArenaInput(**{"name": "Klimanettverket", "purpose": "Dele erfaringer", **fields})
        )
        return arena

    return make


def test_creator_is_owner_unless_they_propose_someone(make_member, make_arena):
    creator = make_member()
    arena = make_arena(creator)
    assert arena.owner == creator and not arena.is_orphaned

    colleague = make_member(email="kollega@example.no")
    proposed, (proposal,) = services.create_arena(
        creator, ArenaInput(name="Reiselivsforum", owner_email="kollega@example.no")
    )
    assert proposed.owner is None and proposed.is_orphaned  # never an owner who did not accept
    assert ownership.proposals_for(colleague) == [proposal]
    ownership.accept_proposal(colleague, proposal.id)
    assert proposed.owner == colleague


def test_only_the_proposed_person_answers_and_only_once(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    successor = make_member(email="etterfolger@example.no")
    proposal = ownership.propose_role(owner, arena, "owner", "etterfolger@example.no")
    with pytest.raises(PermissionDenied):
        ownership.accept_proposal(make_member(), proposal.id)
    ownership.accept_proposal(successor, proposal.id)
    with pytest.raises(Conflict):
        ownership.accept_proposal(successor, proposal.id)
    assert arena.owner == successor
    assert [r.member for r in ownership.past_holders(arena)] == [owner]  # the current one is not


def test_proposing_the_current_holder_again_is_refused(make_member, make_arena):
    owner = make_member(email="eier@example.no")
    arena = make_arena(owner)
    deputy = make_member(email="stedfortreder@example.no")
    ownership.accept_proposal(
        deputy, ownership.propose_role(owner, arena, "deputy", deputy.email).id
    )
    for role, email in (("owner", owner.email), ("deputy", deputy.email)):
        with pytest.raises(Conflict):
            ownership.propose_role(owner, arena, role, email)
    assert services.pending_proposals(arena) == []


def test_accepting_a_withdrawn_proposal_is_refused(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    candidate = make_member(email="kanskje@example.no")
    proposal = ownership.propose_role(owner, arena, "deputy", "kanskje@example.no")
    ownership.withdraw_proposal(owner, proposal.id)
    with pytest.raises(Conflict):
        ownership.accept_proposal(candidate, proposal.id)
    assert arena.deputy is None


def test_schema_allows_one_current_owner(make_member, make_arena):
    arena = make_arena()
    db.session.add(ArenaRole(arena_id=arena.id, role="owner", member_id=make_member().id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_orphaned_when_owner_deactivated_and_taking_responsibility(
    make_member, make_organisation, make_arena
):
    org = make_organisation("Skien kommune")
    owner = make_member()
    arena = make_arena(owner, organisation_ids=[org.id])
    owner.active = False
    db.session.commit()
    assert arena.is_orphaned and arena in ownership.orphaned_arenas()
    with pytest.raises(PermissionDenied):
        ownership.take_responsibility(make_member(), arena)  # not in a participating organisation
    local = make_member(org=org)
    ownership.take_responsibility(local, arena)
    assert arena.owner == local and arena not in ownership.orphaned_arenas()


def test_only_owner_deputy_and_admins_manage(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    with pytest.raises(PermissionDenied):
        meetings.create_meeting(
            make_member(), arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9))
        )
    meetings.create_meeting(
        make_member(is_admin=True),
        arena,
        MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9)),
    )


def test_weekly_meeting_stays_at_nine_across_daylight_saving(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Ukemøte",
            starts_at=datetime(2027, 3, 15, 9),
            ends_at=datetime(2027, 3, 15, 10),
            recurrence=Recurrence("weekly", count=4),
        ),
    )
    found = meetings.occurrences([meeting], datetime(2027, 3, 1), datetime(2027, 5, 1))
    assert [o.starts_at for o in found] == [datetime(2027, 3, d, 9) for d in (15, 22, 29)] + [
        datetime(2027, 4, 5, 9)
    ]
    assert meeting.rrule == "FREQ=WEEKLY;COUNT=4;BYDAY=MO"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"starts_at": datetime(2027, 3, 28, 2, 30)}, "starts_at"),  # spring forward: no such time
        ({"starts_at": datetime(2026, 10, 25, 2, 30)}, "starts_at"),  # autumn: happens twice
        ({"ends_at": datetime(2027, 3, 1, 8)}, "ends_at"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"rrule": "FREQ=WEEKLY"}, "recurrence"),  # unbounded
        ({"rrule": "FREQ=DAILY;COUNT=501"}, "recurrence"),
        ({"rrule": "FREQ=YEARLY;COUNT=7"}, "recurrence"),  # beyond five years
        ({"rrule": "FREQ=WEEKLY;UNTIL=20270601T000000"}, "recurrence"),  # UNTIL not in UTC
        ({"rrule": "NOT A RULE"}, "recurrence"),
        ({"recurrence": Recurrence("weekly")}, "repeat_until"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_written(make_member, make_arena, fields, field):
    owner = make_member()
    arena = make_arena(owner)
    data = MeetingInput(**{"title": "Møte", "starts_at": datetime(2027, 3, 1, 9), **fields})
    with pytest.raises(ValidationFailed) as failure:
        meetings.create_meeting(owner, arena, data)
    assert field in failure.value.fields
    db.session.rollback()
    assert arena.meetings == []


def test_weekly_series_through_spring_forward_at_half_past_two_is_refused(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    with pytest.raises(ValidationFailed) as failure:
        meetings.create_meeting(
            owner,
            arena,
            MeetingInput(
                title="Nattmøte",
                starts_at=datetime(2027, 3, 14, 2, 30),
                rrule="FREQ=WEEKLY;COUNT=4",
            ),
        )
    assert "28. mars 2027" in failure.value.message


def test_moving_and_cancelling_occurrences(make_member, make_arena):
    owner = make_member()
    arena = make_arena(owner)
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Ukemøte",
            starts_at=datetime(2027, 3, 1, 9),
            ends_at=datetime(2027, 3, 1, 10),
            rrule="FREQ=WEEKLY;COUNT=5",
        ),
    )
    meetings.change_occurrence(owner, meeting, datetime(2027, 3, 8, 9), "cancel")
    meetings.change_occurrence(
        owner, meeting, datetime(2027, 3, 15, 9), "move", datetime(2027, 3, 16, 13)
    )
    found = meetings.occurrences([meeting], datetime(2027, 3, 1), datetime(2027, 4, 1))
    by_original = {o.original: o for o in found}
    assert by_original[datetime(2027, 3, 8, 9)].cancelled
    moved = by_original[datetime(2027, 3, 15, 9)]
    assert (moved.starts_at, moved.ends_at) == (
        datetime(2027, 3, 16, 13),
        datetime(2027, 3, 16, 14),
    )
    with pytest.raises(ValidationFailed):  # no such occurrence in the series
        meetings.change_occurrence(owner, meeting, datetime(2027, 3, 9, 9), "cancel")
    with pytest.raises(ValidationFailed):  # moved into the spring-forward gap
        meetings.change_occurrence(
            owner, meeting, datetime(2027, 3, 22, 9), "move", datetime(2027, 3, 28, 2, 15)
        )


def test_every_change_bumps_sequence_and_an_unchanged_save_does_not(make_member, make_arena):
    """Invitations and feeds share SEQUENCE: each change must outrank the last (issue 17)."""
    owner = make_member()
    arena = make_arena(owner)
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9))
    )
    meetings.update_meeting(
        owner, meeting, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9))
    )
    assert meeting.sequence == 0
    meetings.update_meeting(
        owner, meeting, MeetingInput(title="Nytt navn", starts_at=datetime(2027, 3, 1, 9))
    )
    assert meeting.sequence == 1
    meetings.update_meeting(
        owner, meeting, MeetingInput(title="Nytt navn", starts_at=datetime(2027, 3, 1, 10))
    )
    assert meeting.sequence == 2


def test_review_lapses_after_a_year(make_member, make_arena, clock):
    owner = make_member()
    arena = make_arena(owner)
    assert not ownership.review_lapsed(arena)
    clock.advance(days=366)
    assert ownership.review_lapsed(arena)
    ownership.confirm_review(owner, arena)
    assert not ownership.review_lapsed(arena)
    assert arena.review_due_on == (clock.now + timedelta(days=365)).date()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArenaRole)) == 1


def test_followers_are_emailed_when_a_meeting_within_48_hours_changes(
    make_member, make_arena, smtp_server, clock
):
    clock.now = datetime(2027, 3, 1, 7, tzinfo=__import__("datetime").UTC)  # 08.00 in Oslo
    owner = make_member()
    arena = make_arena(owner)
    follower = make_member(email="folger@example.no", preferred_language="nn")
    services.follow_arena(follower, arena)
    series = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Ukemøte", starts_at=datetime(2027, 3, 2, 9), rrule="FREQ=WEEKLY;COUNT=4"
        ),
    )
    meetings.change_occurrence(owner, series, datetime(2027, 3, 16, 9), "cancel")
    assert smtp_server == []  # two weeks away: the calendar will catch up
    meetings.change_occurrence(
        owner, series, datetime(2027, 3, 2, 9), "move", datetime(2027, 3, 2, 13)
    )
    (mail,) = smtp_server
    assert to_of(mail) == "folger@example.no" and "flytta" in mail["Subject"]
    assert "kl. 13.00" in mail.get_body().get_content()


def test_pages_create_propose_accept_and_orphans_first(
    client, post_form, make_member, login_as, smtp_server
):
    colleague = make_member(name="Kari Kollega", email="kari@nome.kommune.no")
    creator = login_as(make_member(name="Ola Oppretter"))
    response = post_form(
        "/arenas/new",
        {
            "name": "Planforum",
            "kind": "forum",
            "visibility": "public",
            "owner_email": "kari@nome.kommune.no",
        },
        token_from="/arenas/new",
    )
    assert response.status_code == 302
    (mail,) = smtp_server
    assert to_of(mail) == "kari@nome.kommune.no" and "Planforum" in mail["Subject"]
    html = client.get("/arenas").get_data(as_text=True)
    assert html.index("Arenaer uten ansvarlig") < html.index("Planforum")
    assert "Kari Kollega" in client.get("/arenas/planforum").get_data(as_text=True)  # asked

    login_as(colleague)
    (proposal,) = ownership.proposals_for(colleague)
    assert "Du er spurt" in client.get("/arenas").get_data(as_text=True)
    assert post_form(f"/proposals/{proposal.id}/accept", token_from="/arenas").status_code == 302
    html = client.get("/arenas/planforum").get_data(as_text=True)
    assert "arena uten ansvarlig" not in html and "Kari Kollega" in html
    assert creator.id


def test_meeting_form_explains_a_time_that_does_not_exist(
    client, post_form, make_member, login_as, make_arena
):
    owner = login_as(make_member())
    arena = make_arena(owner)
    page = f"/arenas/{arena.slug}/meetings/new"
    response = post_form(
        page,
        {"title": "Natt", "day": "2027-03-28", "start": "02:30", "repeat": "none"},
        token_from=page,
    )
    assert response.status_code == 200
    assert "finnes ikke 28. mars 2027" in response.get_data(as_text=True)
    assert arena.meetings == []


def test_members_only_arena_is_hidden_from_the_public(client, make_member, login_as, make_arena):
    hidden = make_arena(name="Lukket gruppe", visibility="members")
    assert client.get(f"/arenas/{hidden.slug}").status_code == 404
    assert "Lukket gruppe" not in client.get("/arenas").get_data(as_text=True)
    login_as(make_member())
    assert client.get(f"/arenas/{hidden.slug}").status_code == 200


def test_send_reminders_reviews_and_weekly_orphan_list(
    runner, make_member, make_arena, smtp_server, clock
):
    owner = make_member(email="eier@example.no")
    make_arena(owner, name="Levende arena")
    orphan_owner = make_member()
    orphan = make_arena(orphan_owner, name="Foreldreløs arena")
    orphan_owner.active = False
    make_member(email="admin@example.no", is_admin=True)
    db.session.commit()

    runner.invoke(args=["send-reminders"])
    assert [to_of(m) for m in smtp_server] == ["admin@example.no"]
    listed = smtp_server[0].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"- Foreldreløs arena: http://localhost/arenas/{orphan.slug}\n" in listed
    runner.invoke(args=["send-reminders"])
    assert len(smtp_server) == 1  # weekly, not daily
    clock.advance(days=8)
    runner.invoke(args=["send-reminders"])
    assert len(smtp_server) == 2

    clock.advance(days=360)  # a year on: the owner is asked to review, once
    result = runner.invoke(args=["send-reminders"])
    assert "arena-reviews: 1" in result.output
    (review,) = [
        m for m in smtp_server if to_of(m) == "eier@example.no" and "Levende arena" in m["Subject"]
    ]
    reminder = review.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "eller gi ansvaret videre:\nhttp://localhost/arenas/" in reminder
    before = len(smtp_server)
    runner.invoke(args=["send-reminders"])
    assert sum(to_of(m) == "eier@example.no" for m in smtp_server[before:]) == 0
    assert orphan.is_orphaned


def test_arenas_api_flow(client, make_member):
    from arena.accounts.services import issue_api_token

    creator = make_member()
    colleague = make_member(email="kollega@example.no")
    mine = {"Authorization": f"Bearer {issue_api_token(creator, 'x')}"}
    theirs = {"Authorization": f"Bearer {issue_api_token(colleague, 'y')}"}
    response = client.post(
        "/api/v1/arenas",
        headers=mine,
        json={
            "name": "Havnenettverket",
            "kind": "network",
            "visibility": "public",
            "owner": "kollega@example.no",
        },
    )
    assert response.status_code == 201
    arena = response.get_json()
    assert arena["owner"] is None and arena["orphaned"]
    (pending,) = arena["pending_proposals"]
    assert client.post(f"/api/v1/proposals/{pending['id']}/accept", headers=mine).status_code == 403
    accepted = client.post(f"/api/v1/proposals/{pending['id']}/accept", headers=theirs)
    assert accepted.get_json()["arena"]["owner"]["id"] == colleague.id
    again = client.post(f"/api/v1/proposals/{pending['id']}/accept", headers=theirs)
    assert again.status_code == 409

    path = f"/api/v1/arenas/{arena['slug']}/meetings"
    bad = client.post(path, headers=theirs, json={"title": "Natt", "starts_at": "2027-03-28T02:30"})
    assert bad.status_code == 422 and "starts_at" in bad.get_json()["error"]["fields"]
    for body, field in (
        (
            {"title": "X", "starts_at": "2027-03-01T09:00", "recurrence": "FREQ=WEEKLY"},
            "recurrence",
        ),
        ({"title": "X", "starts_at": "2027-03-01T09:00Z"}, "starts_at"),
        ({"title": "X", "starts_at": "2027-03-01T09:00", "timezone": "UTC"}, "timezone"),
    ):
        response = client.post(path, headers=theirs, json=body)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    created = client.post(
        path,
        headers=theirs,
        json={
            "title": "Ukemøte",
            "starts_at": "2027-03-22T09:00",
            "ends_at": "2027-03-22T10:30",
            "timezone": "Europe/Oslo",
            "recurrence": "FREQ=WEEKLY;COUNT=10",
        },
    )
    assert created.status_code == 201
    meeting = created.get_json()
    moved = client.post(
        f"/api/v1/meetings/{meeting['id']}/exceptions",
        headers=theirs,
        json={"occurrence": "2027-03-29T09:00", "action": "move", "starts_at": "2027-03-30T09:00"},
    )
    assert moved.status_code == 201
    missing = client.post(
        f"/api/v1/meetings/{meeting['id']}/exceptions",
        headers=theirs,
        json={"occurrence": "2027-03-30T09:00", "action": "cancel"},
    )
    assert missing.status_code == 422
    feed = client.get(f"/arenas/{arena['slug']}/calendar.ics").get_data(as_text=True)
    assert "RECURRENCE-ID;TZID=Europe/Oslo:20270329T090000" in feed
    follow = client.post(f"/api/v1/arenas/{arena['slug']}/follow", headers=mine)
    assert follow.get_json() == {"following": True}
    assert (
        client.delete(f"/api/v1/meetings/{meeting['id']}", headers=theirs).get_json()["status"]
        == "cancelled"
    )


def test_month_and_week_calendar_of_followed_arenas(
    client, make_member, make_arena, login_as, clock
):
    clock.now = datetime(2027, 3, 1, 8, tzinfo=__import__("datetime").UTC)
    owner = make_member()
    followed = make_arena(owner, name="Fulgt arena")
    other = make_arena(owner, name="Annen arena")
    meetings.create_meeting(
        owner,
        followed,
        MeetingInput(
            title="Ukemøte", starts_at=datetime(2027, 3, 15, 9), rrule="FREQ=WEEKLY;COUNT=3"
        ),
    )
    meetings.create_meeting(
        owner, other, MeetingInput(title="Ikke mitt", starts_at=datetime(2027, 3, 16, 9))
    )
    viewer = login_as(make_member())
    services.follow_arena(viewer, followed)
    month = client.get("/arenas/calendar?date=2027-03-10").get_data(as_text=True)
    assert month.count("09.00 Ukemøte") == 3 and "Ikke mitt" not in month
    assert "<caption>mars 2027</caption>" in month and ">11</a></th>" in month  # ISO week 11
    week = client.get("/arenas/calendar?view=week&date=2027-03-17").get_data(as_text=True)
    assert "Uke 11, 2027" in week and week.count("09.00 Ukemøte") == 1
    assert client.get("/arenas/calendar?date=ikke-en-dato").status_code == 200


def test_a_new_arena_like_an_existing_one_is_warned_about(
    client, post_form, make_member, make_organisation, login_as, make_arena
):
    skien = make_organisation("Skien kommune")
    make_arena(
        name="Klimanettverket i Grenland",
        purpose="Overvann og klimatilpasning",
        organisation_ids=[skien.id],
    )
    member = login_as(make_member(org=skien))
    data = {
        "name": "Klimanettverk for Grenland",
        "purpose": "Klimatilpasning og flom",
        "kind": "network",
        "visibility": "public",
        "organisation_ids": [str(skien.id)],
    }
    response = post_form("/arenas/new", data, token_from="/arenas/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Finnes denne arenaen allerede?" in html
    assert "Klimanettverket i Grenland" in html
    assert len(all_arenas()) == 1
    response = post_form("/arenas/new", {**data, "seen_similar": "1"}, token_from="/arenas/new")
    assert response.status_code == 302 and len(all_arenas()) == 2
    assert services.similar_arenas("Helt annet", "om ingenting") == []
    assert member.id


def test_register_pages_with_orphans_first_and_a_bounded_map(
    client, make_member, make_organisation, make_arena
):
    """A register of many arenas stays one readable page at a time; the map names the largest."""
    orgs = [make_organisation(f"Eier {n:02d} AS") for n in range(17)]
    owners = [make_member(org=org) for org in orgs]
    for n in range(53):
        make_arena(owners[n % 17], name=f"Arena {n:02d}")
    orphan = make_arena(owners[0], name="Zulu uten eier")
    owners[0].active = False  # the owner of Arena 00, 17, 34, 51 and Zulu leaves
    db.session.commit()

    first = client.get("/arenas").get_data(as_text=True)
    assert "54 arenaer" in first and "side 1 av 3" in first
    table = first[first.index('id="all-arenas-heading"') :]
    assert table.index("Zulu uten eier") < table.index("Arena 01")  # no owner: first
    assert "Arena 52" not in table
    assert "Arena 52" in client.get("/arenas?page=3").get_data(as_text=True)
    assert "side 3 av 3" in client.get("/arenas?page=99").get_data(as_text=True)

    register = services.arena_register(None, page=1)
    assert register.orphaned_total == 5 and register.orphaned[0].name == "Arena 00"
    responsibility = ownership.responsibility_map(None)
    assert len(responsibility.by_org) == ownership.MAP_ROWS == 15
    assert responsibility.organisations == 16  # the one whose owner left owns nothing now
    assert responsibility.by_org[0][1] == 4 and orphan.id

    from arena.accounts.services import issue_api_token

    headers = {"Authorization": f"Bearer {issue_api_token(owners[1], 'liste')}"}
    listed = client.get("/api/v1/arenas?per_page=50", headers=headers).get_json()
    assert listed["total"] == 54 and len(listed["results"]) == 50
    assert listed["results"][0]["orphaned"] and listed["next"].endswith("page=2&per_page=50")
    last = client.get(listed["next"], headers=headers).get_json()
    assert len(last["results"]) == 4 and last["next"] is None


def test_participants_are_typed_by_name_when_there_are_too_many_to_tick(
    client, post_form, make_member, make_organisation, login_as, monkeypatch
):
    """Above the menu limit the arena's organisations are typed one per line: the new arena
    starts with one's own, unknown names are refused with nothing saved, an edit shows the names."""
    from arena.organisations import services as organisations

    skien = make_organisation("Skien kommune")
    login_as(make_member(org=skien))
    make_organisation("Bamble kommune")
    monkeypatch.setattr(organisations, "MENU_LIMIT", 1)
    form = client.get("/arenas/new").get_data(as_text=True)
    assert 'rows="4">\r\nSkien kommune</textarea>' in form

    data = {"name": "Kystforum", "kind": "forum", "visibility": "public"}
    response = post_form(
        "/arenas/new", {**data, "organisation_ids": "Skien kommune\nBambel"}, token_from="/"
    )
    assert "Fant ingen organisasjon som heter «Bambel»" in response.get_data(as_text=True)
    many = "\n".join(f"Ukjent {n}" for n in range(500))
    response = post_form("/arenas/new", {**data, "organisation_ids": many}, token_from="/")
    assert "«Ukjent 4» og 495 andre." in response.get_data(as_text=True)
    response = post_form("/arenas/new", {**data, "organisation_ids": "x" * 100_000}, token_from="/")
    assert "Kan ikke være lengre enn 10000 tegn." in response.get_data(as_text=True)
    assert all_arenas() == []

    response = post_form(
        "/arenas/new", {**data, "organisation_ids": "skien kommune\nbamble KOMMUNE"}, token_from="/"
    )
    assert response.status_code == 302
    (arena,) = all_arenas()
    assert sorted(o.name for o in arena.organisations) == ["Bamble kommune", "Skien kommune"]
    edit = client.get(f"/arenas/{arena.slug}/edit").get_data(as_text=True)
    assert 'rows="4">\r\nBamble kommune\nSkien kommune</textarea>' in edit


def test_cadence_is_a_choice_shown_in_the_readers_language(client, make_member, make_arena):
    make_arena(cadence="quarterly", name="Næringsforum")
    for lang, text in (
        ("nb", "Fire ganger i året"),
        ("nn", "Fire gonger i året"),
        ("en", "Four times a year"),
    ):
        assert text in client.get(f"/arenas/naeringsforum?lang={lang}").get_data(as_text=True)
        assert text in client.get(f"/arenas?lang={lang}").get_data(as_text=True)
    with pytest.raises(ValidationFailed) as refused:
        make_arena(cadence="Månedlig", name="Fritekst")
    assert "cadence" in refused.value.fields


def test_what_the_arena_pages_say_agrees_with_itself(
    client, make_member, make_organisation, login_as
):
    """The map counts the arenas the register shows its reader; the current owner is not among
    «Tidligere ansvarlige»; nobody owning two arenas is said in words, not «no data»."""
    skien, nome = make_organisation("Skien kommune"), make_organisation("Nome kommune")
    kari, ola = make_member(org=skien, name="Kari Eier"), make_member(org=nome, name="Ola Eier")
    services.create_arena(kari, ArenaInput(name="Åpent forum"))
    assert "Ingen har ansvaret for mer enn én arena." in client.get("/arenas").get_data(
        as_text=True
    )
    services.create_arena(ola, ArenaInput(name="Lukket gruppe", visibility="members"))
    handed, _ = services.create_arena(ola, ArenaInput(name="Overlevert nettverk"))
    ownership.accept_proposal(kari, ownership.propose_role(ola, handed, "owner", kari.email).id)

    for reader, public_only in ((None, True), (make_member(), False)):
        if reader is not None:
            login_as(reader)
        html = client.get("/arenas").get_data(as_text=True)
        register = services.arena_register(reader)
        owned = sum(1 for a in register.page.items if a.owner)
        responsibility = ownership.responsibility_map(reader)
        assert sum(n for _name, n in responsibility.by_org) == owned
        assert ("Lukket gruppe" in html) != public_only
        assert "Kari Eier" in html and "Ingen data ennå" not in html

    page = client.get("/arenas/overlevert-nettverk").get_data(as_text=True)
    past = page[page.index('id="history-heading"') :]
    assert "Ola Eier" in past and "Kari Eier" not in past


def all_arenas() -> list[Arena]:
    """Every arena not archived, by name (what the register lists to an admin)."""
    query = sa.select(Arena).where(Arena.archived.is_(False)).order_by(Arena.name)
    return list(db.session.scalars(query))
