"""Every place that reads arenas, meetings or initiatives for a person (the readers registered with
arena.access.reader) against a matrix: six readers × public or members-only × a change of
visibility in either direction, judged by what each reader gets: the page, the feed, the email,
the digest. A reader registered without a probe here fails the first test, so a new one cannot
slip by unchecked."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import body_of, to_of

from arena import access
from arena.accounts import feed_tokens
from arena.accounts.services import issue_api_token
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.dates import to_local
from arena.expertise import services as expertise
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.initiatives import following
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput
from arena.notifications import digest
from arena.outbox import settings

ROLES = ("anonymous", "unverified", "other_organisation", "same_organisation", "holder", "admin")
MEMBERS = ROLES[1:]
#: Who may see what is not public (verified members and admins).
SEE_MEMBERS_ONLY = {"other_organisation", "same_organisation", "holder", "admin"}
MONDAY = datetime(2027, 1, 4, 7, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


def may_see(role: str, public: bool) -> bool:
    return public or role in SEE_MEMBERS_ONLY


@pytest.fixture
def world(make_member, make_organisation, clock):
    """Skien holds «Innkjøpsforum» (with Porsgrunn) and leads «Felles innkjøp»; one member of
    each kind follows both, their theme, and holds the field the initiatives want."""
    clock.now = MONDAY - timedelta(days=3)
    skien = make_organisation(name="Skien kommune")
    porsgrunn = make_organisation(name="Porsgrunn kommune")
    klima = ExpertiseArea(name="Klima", slug="klima", approved=True)
    hydrogen = ExpertiseArea(name="Hydrogen", slug="hydrogen", approved=True)
    db.session.add_all([klima, hydrogen])
    db.session.commit()
    people = {
        "unverified": make_member(org=skien, email="ny@skien.no", verified=False),
        "other_organisation": make_member(org=porsgrunn, email="per@porsgrunn.no"),
        "same_organisation": make_member(org=skien, email="siri@skien.no"),
        "holder": make_member(org=skien, email="eier@skien.no"),
        "admin": make_member(org=porsgrunn, email="admin@porsgrunn.no", is_admin=True),
    }
    holder = people["holder"]
    arena, _ = arenas.create_arena(
        holder,
        ArenaInput(name="Innkjøpsforum", organisation_ids=[skien.id, porsgrunn.id]),
    )
    meeting = meetings.create_meeting(
        holder,
        arena,
        MeetingInput(
            title="Innkjøpssamling", starts_at=datetime(2027, 1, 6, 9), rrule="FREQ=WEEKLY;COUNT=52"
        ),
    )
    initiative = initiatives.create_initiative(
        holder, InitiativeInput(title="Felles innkjøp", summary="Sammen", theme_ids=[klima.id])
    )
    for role, member in people.items():
        if role != "holder":
            arenas.follow_arena(member, arena)
            following.follow(member, "initiative", initiative.id)
            following.follow(member, "theme", klima.id)
        expertise.set_expertise(member, member, hydrogen, 3)
        settings.change_settings(
            member,
            member,
            {"initiative_updates": "immediately", "competence_wanted": "immediately"},
        )
    return {
        "people": people,
        "arena": arena,
        "meeting": meeting,
        "initiative": initiative,
        "klima": klima,
        "hydrogen": hydrogen,
        "skien": skien,
    }


class Probe:
    """How a person would notice a reader: `get(role)` says whether they got the thing."""

    roles = ROLES  # who can be asked at all (emails and feeds need a member)
    subject = "arena"

    def expected(self, role: str, public: bool) -> bool:
        return may_see(role, public)


def _page_has(client, login_as, world, role, path, needle) -> bool:
    with client.session_transaction() as session:
        session.clear()  # signed out
    if role != "anonymous":
        login_as(world["people"][role])
    answer = client.get(path)
    return answer.status_code == 200 and needle in answer.get_data(as_text=True)


def make_probes(client, login_as, smtp_server, clock, world):
    arena, meeting, initiative = world["arena"], world["meeting"], world["initiative"]
    people, holder = world["people"], world["people"]["holder"]

    def page(path, needle):
        return lambda role: _page_has(client, login_as, world, role, path(), needle)

    def api(path, needle):
        def get(role):
            token = issue_api_token(people[role], "matrise")
            answer = client.get(path(), headers={"Authorization": f"Bearer {token}"})
            return answer.status_code == 200 and needle in answer.get_data(as_text=True)

        return get

    def inbox_after(action, needle, subject_needle=None):
        """Does the action bring the role's member an email mentioning `needle`?"""

        def get(role):
            before = len(smtp_server)
            action(role)
            len(smtp_server)  # the worker runs its jobs and delivers
            new = smtp_server.received[before:]
            return any(
                to_of(m) == people[role].email and (needle in body_of(m) or needle in m["Subject"])
                for m in new
            )

        return get

    counter = iter(range(1000))

    def move_meeting(role):
        """The holder moves the next meeting a minute a day before it (followers are emailed
        about changes within 48 hours)."""
        now = to_local(clock.now).replace(tzinfo=None)
        ahead = meetings.occurrences([meeting], now + timedelta(days=1), now + timedelta(days=9))
        clock.now = (ahead[0].starts_at - timedelta(days=1)).replace(tzinfo=OSLO).astimezone(UTC)
        meetings.update_meeting(
            holder,
            meeting,
            MeetingInput(
                title="Innkjøpssamling",
                starts_at=meeting.starts_at + timedelta(minutes=1),
                rrule="FREQ=WEEKLY;COUNT=52",
            ),
        )

    def invitations_on(role):
        member = people[role]
        settings.change_settings(member, member, {"meeting_invitations": "off"})
        clock.advance(minutes=6)
        len(smtp_server)  # the worker takes them out
        settings.change_settings(member, member, {"meeting_invitations": "on"})
        clock.advance(minutes=6)

    def post_update(role):
        initiatives.post_update(holder, initiative, f"Nytt steg {next(counter)}")

    def wanting_initiative(role):
        initiatives.create_initiative(
            holder,
            InitiativeInput(
                title=f"Hydrogenbusser {next(counter)}",
                summary="Vi trenger hjelp",
                wanted_ids=[world["hydrogen"].id],
                is_public=initiative.is_public,
            ),
        )

    def digest_run(role):
        clock.advance(days=7)
        digest.send_digests()

    def new_initiative_then_digest(role):
        clock.advance(hours=1)
        initiatives.create_initiative(
            holder,
            InitiativeInput(
                title=f"Klimainnkjøp {next(counter)}",
                summary="Nytt",
                theme_ids=[world["klima"].id],
                is_public=initiative.is_public,
            ),
        )
        clock.advance(days=7)
        digest.send_digests()

    def personal_feed(role):
        token = feed_tokens.feed_token(people[role])
        answer = client.get(f"/calendar/{token}.ics")
        return answer.status_code == 200 and "Innkjøpssamling" in answer.get_data(as_text=True)

    def front_page_news(role):
        title = f"Klimanytt {next(counter)}"
        clock.advance(hours=1)
        initiatives.create_initiative(
            holder,
            InitiativeInput(
                title=title,
                summary="Nytt",
                theme_ids=[world["klima"].id],
                is_public=initiative.is_public,
            ),
        )
        return _page_has(client, login_as, world, role, "/", title)

    def probe(get, roles=ROLES, expected=None, subject="arena"):
        p = Probe()
        p.get, p.roles, p.subject = get, roles, subject
        if expected is not None:
            p.expected = expected
        return p

    not_own = {"holder"}  # what a member did themselves is not news to them
    # Verified experts outside the initiative's organisations are asked.
    other_organisations = {"other_organisation", "admin"}
    return {
        "arena_register": probe(page(lambda: "/arenas", "Innkjøpsforum")),
        "arena_page": probe(page(lambda: f"/arenas/{arena.slug}", "Innkjøpsforum")),
        "own_meetings": probe(page(lambda: "/arenas/calendar", "Innkjøpssamling"), roles=MEMBERS),
        # Anyone with the address reads a public calendar: only a public arena has one.
        "public_calendars": probe(
            page(lambda: f"/arenas/{arena.slug}/calendar.ics", "Innkjøpssamling"),
            expected=lambda role, public: public,
        ),
        "personal_feed": probe(personal_feed, roles=MEMBERS),
        "meeting_page": probe(page(lambda: f"/meetings/{meeting.id}.ics", "Innkjøpssamling")),
        "meeting_change_emails": probe(
            inbox_after(move_meeting, "Innkjøpssamling"),
            roles=tuple(r for r in MEMBERS if r != "holder"),
        ),
        "invitations": probe(
            inbox_after(invitations_on, "Innkjøpssamling"),
            roles=MEMBERS,
        ),
        "responsibility_map": probe(page(lambda: "/arenas", people["holder"].name)),
        "collaboration_map_arenas": probe(
            page(lambda: f"/network?shared=arenas&org={world['skien'].slug}", "Innkjøpsforum")
        ),
        "followed_arenas": probe(
            inbox_after(digest_run, "Innkjøpsforum"),
            roles=tuple(r for r in MEMBERS if r != "holder"),
        ),
        "initiative_lists": probe(
            page(lambda: "/initiatives", "Felles innkjøp"), subject="initiative"
        ),
        "initiative_page": probe(
            page(lambda: f"/initiatives/{initiative.id}", "Felles innkjøp"), subject="initiative"
        ),
        "initiative_update_emails": probe(
            inbox_after(post_update, "Felles innkjøp"),
            roles=tuple(r for r in MEMBERS if r not in not_own),
            subject="initiative",
        ),
        "competence_emails": probe(
            inbox_after(wanting_initiative, "Hydrogenbusser"),
            roles=tuple(r for r in MEMBERS if r in other_organisations),
            subject="initiative",
        ),
        "digest_initiatives": probe(
            inbox_after(new_initiative_then_digest, "Klimainnkjøp"),
            roles=tuple(r for r in MEMBERS if r not in not_own),
            subject="initiative",
        ),
        "front_page_news": probe(
            front_page_news,
            roles=tuple(r for r in MEMBERS if r not in not_own),
            subject="initiative",
        ),
    }


def test_every_registered_reader_has_a_probe(client, login_as, smtp_server, clock, world):
    probes = make_probes(client, login_as, smtp_server, clock, world)
    assert set(access.READERS) == set(probes)


def set_visibility(client, world, public: bool) -> None:
    """The holder makes the arena and the initiative public or members-only, as they would."""
    arena, holder = world["arena"], world["people"]["holder"]
    arenas.update_arena(
        holder,
        arena,
        ArenaInput(
            name=arena.name,
            organisation_ids=[o.id for o in arena.organisations],
            visibility="public" if public else "members",
        ),
    )
    path = f"/api/v1/initiatives/{world['initiative'].id}"
    headers = {"Authorization": f"Bearer {issue_api_token(holder, 'synlighet')}"}
    version = client.get(path, headers=headers).get_json()["version"]
    answer = client.patch(path, headers=headers, json={"is_public": public, "version": version})
    assert answer.status_code == 200, answer.get_json()


@pytest.mark.parametrize("first", [True, False], ids=["public-then-members", "members-then-public"])
def test_each_reader_shows_each_person_what_the_rule_allows(
    client, login_as, smtp_server, clock, world, first
):
    probes = make_probes(client, login_as, smtp_server, clock, world)
    wrong = []
    for public in (first, not first):
        set_visibility(client, world, public)
        for name, probe in probes.items():
            for role in probe.roles:
                got = probe.get(role)
                if got != probe.expected(role, public):
                    state = "public" if public else "members-only"
                    wrong.append(
                        f"{name}: {role} {'got' if got else 'missed'} a {state} {probe.subject}"
                    )
    assert wrong == [], "\n".join(wrong)
