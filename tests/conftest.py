"""Fixtures: the app on SQLite or PostgreSQL (TEST_DATABASE_URL), clients, factories, SMTP."""

import os
import re
import socket
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from werkzeug.security import generate_password_hash

from arena import create_app, dates, keep, text
from arena.accounts.models import ApiToken, Member
from arena.accounts.services import issue_api_token
from arena.accounts.sessions import start_session
from arena.arenas.models import Arena, ArenaRole, Meeting, MeetingException, RoleProposal
from arena.calendar import services as calendar
from arena.expertise.models import ContactRequest, ExpertiseArea, MemberExpertise
from arena.extensions import db, limiter
from arena.initiatives import services as initiatives
from arena.initiatives.models import Initiative, InitiativeUpdate, OrganisationProposal
from arena.organisations.models import Municipality, Organisation
from arena.organisations.services import slugify
from arena.outbox import delivery, jobs
from arena.outbox.models import OutboxMessage

#: `make test` runs the suite on SQLite and on PostgreSQL at once, one pass a core. Every test of
#: the database-bound suite runs in both passes; the browser tests, which check what pages say and
#: how they work for people rather than what a database does, run once, shared out so the two
#: passes finish together: `--browser-share sqlite` takes these files, `postgresql` the others.
#: Tests marked `database_free` (their own SQLite file, or no database) run in the SQLite pass
#: only. Without the option (plain `pytest`) every test runs.
BROWSER_FILES_ON_SQLITE = {
    "test_accessibility.py",
    "test_expertise_journey.py",
    "test_journeys.py",
    "test_network_journey.py",
}


def pytest_addoption(parser):
    parser.addoption(
        "--browser-share",
        choices=("sqlite", "postgresql"),
        help="run only this pass's share of the browser tests (make test)",
    )


def pytest_collection_modifyitems(config, items):
    share = config.getoption("--browser-share")
    if share is None:
        return

    def in_share(item) -> bool:
        if item.get_closest_marker("database_free"):  # the same in both passes: run it once
            return share == "sqlite"
        path = item.path
        if path.parent.name != "browser":
            return True
        return (path.name in BROWSER_FILES_ON_SQLITE) == (share == "sqlite")

    other_pass = [item for item in items if not in_share(item)]
    if other_pass:
        config.hook.pytest_deselected(items=other_pass)
        items[:] = [item for item in items if in_share(item)]


PASSWORD = "riktig-hest-batteri-stift"
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
REFERENCE_TABLES = {"municipalities", "alembic_version"}


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "arena-test.sqlite3")
    )
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # fail early if the database is unreachable
        meta = sa.MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _context(app):
    """Each test runs in an app context against empty tables (reference data kept)."""
    with app.app_context():
        limiter.reset()
        text.use_concepts(None, {})  # no labels of another test's concepts
        calendar.forget_rendered_feeds()
        keep.forget_everything()
        yield
        db.session.remove()
        dates.clock = dates._system_clock
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in REFERENCE_TABLES:
                    connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def clock():
    """A frozen clock the test can move: clock.now, clock.advance(...)."""

    class Clock:
        now = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)

        def advance(self, **kwargs):
            self.now += timedelta(**kwargs)

    frozen = Clock()
    dates.clock = lambda: frozen.now
    return frozen


@pytest.fixture
def make_organisation():
    counter = iter(range(1, 10_000))

    def make(name=None, kind="kommune", municipality=None, approved=True, **fields):
        name = name or f"Testorganisasjon {next(counter)}"
        if isinstance(municipality, str):
            municipality = db.session.scalar(sa.select(Municipality).filter_by(name=municipality))
        org = Organisation(
            name=name,
            slug=slugify(name),
            kind=kind,
            municipality=municipality,
            approved=approved,
            **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_member(make_organisation):
    counter = iter(range(1, 10_000))

    def make(org=None, name=None, email=None, is_admin=False, verified=True, **fields):
        """A member with a confirmed address and, unless told otherwise, a verified
        membership (as an admin would create them)."""
        n = next(counter)
        now = dates.utcnow()
        member = Member(
            email=email or f"medlem{n}@example.no",
            name=name or f"Medlem Nummer{n}",
            organisation=org or make_organisation(),
            password_hash=_PASSWORD_HASH,
            is_admin=is_admin,
            email_confirmed_at=now,
            verified_at=now if verified else None,
            verified_via="admin" if verified else None,
            **fields,
        )
        db.session.add(member)
        db.session.commit()
        return member

    return make


def sign_in(client, member):
    """Signs the client in as the member with a new session, as the login form would."""
    token = start_session(member)
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return member


@pytest.fixture
def login_as(client):
    """Signs the test client in as the member, as the login form would."""
    return lambda member: sign_in(client, member)


def csrf_token(client, path="/auth/login") -> str:
    """A valid CSRF token for the client's session, read from a form page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def post_form(client):
    """Posts a form with a valid CSRF token, as a browser would after loading the page."""

    def post(path, data=None, token_from="/auth/login", **kwargs):
        data = {"csrf_token": csrf_token(client, token_from), **(data or {})}
        return client.post(path, data=data, **kwargs)

    return post


class _Inbox(Sequence):
    """What the SMTP server received. Reading it first lets the worker do what is due (its jobs,
    then delivery), as the running worker would within seconds."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def _deliver(self) -> None:
        deliver_everything_due()

    def __getitem__(self, index):
        self._deliver()
        return self.received[index]

    def __len__(self) -> int:
        self._deliver()
        return len(self.received)

    def __eq__(self, other) -> bool:
        self._deliver()
        return self.received == list(other)


def deliver_everything_due() -> None:
    """Runs the worker's jobs and delivery rounds until nothing more is due."""
    while jobs.run_next_job():
        pass
    while delivery.deliver_due("test-worker").handled:
        pass


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on loopback; the worker sends to it. Returns the received mails."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    try:
        yield inbox
    finally:
        controller.stop()


def to_of(message) -> str:
    """The address a message went to (its To header also carries the recipient's name)."""
    (address,) = message["To"].addresses
    return address.addr_spec


def _identity(member) -> int:
    from arena.accounts.models import MemberIdentity

    identity = MemberIdentity(
        member_id=member.id, provider="entra", issuer="https://idp.example", subject="eier"
    )
    db.session.add(identity)
    db.session.commit()
    return identity.id


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- a world for permission and hostile-input tests -----------------------------------------


@pytest.fixture
def world(make_member, make_organisation):
    """An owner with a token, a pending organisation, a target organisation and an admin."""
    owner = make_member(email="eier@example.no")
    issue_api_token(owner, "eierens")
    initiative = initiatives.create_initiative(
        owner,
        initiatives.InitiativeInput(title="Eierens initiativ", summary="Om noe", status="idea"),
    )
    area = ExpertiseArea(name="Foreslått", slug="foreslatt", approved=False)
    other_area = ExpertiseArea(name="Godkjent", slug="godkjent", approved=True)
    db.session.add_all([area, other_area])
    admin = make_member(email="admin@example.no", is_admin=True)
    db.session.add(
        ContactRequest(
            sender_id=admin.id, expert_id=owner.id, subject="Hei", message="Kan vi snakke?"
        )
    )
    db.session.commit()
    from datetime import datetime

    from arena.arenas import meetings, ownership
    from arena.arenas import services as arenas
    from arena.arenas.meetings import MeetingInput
    from arena.arenas.services import ArenaInput

    arena, _ = arenas.create_arena(owner, ArenaInput(name="Eierens arena"))
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9), rrule="FREQ=WEEKLY;COUNT=3"),
    )
    candidate = make_member(email="kandidat@example.no")
    proposal = ownership.propose_role(owner, arena, "deputy", "kandidat@example.no")
    other = make_member(email="annen@example.no")
    # The owner named the other member's organisation a partner: it is theirs to answer.
    asked = OrganisationProposal(
        initiative_id=initiative.id,
        organisation_id=other.organisation_id,
        role="partner",
        proposed_by_id=owner.id,
    )
    db.session.add(asked)
    db.session.commit()
    return {
        "arena": arena.slug,
        "meeting": meeting.id,
        "proposal": proposal.id,
        "candidate": candidate,
        "owner": owner,
        "area": area.id,
        "contact_request": db.session.scalar(sa.select(ContactRequest.id)),
        "initiative": initiative.id,
        "owner_org": owner.organisation_id,
        "other": other,
        "initiative_proposal": asked.id,
        # The owner's sign-in with an organisation's provider.
        "identity": _identity(owner),
        # The proposal's email to the candidate, waiting in the outbox.
        "outbox_message": db.session.scalar(sa.select(OutboxMessage.id)),
        # Claims the owner's organisation with a private address; not verified.
        "unverified": make_member(email="ukjent@gmail.com", org=owner.organisation, verified=False),
        "admin": admin,
        "pending": make_organisation("Ventende AS", approved=False),
        "target": make_organisation("Mål AS"),
        "token_id": db.session.scalar(sa.select(ApiToken.id)),
    }


def snapshot():
    members = db.session.execute(
        sa.select(
            Member.id,
            Member.name,
            Member.is_admin,
            Member.active,
            Member.password_hash,
            Member.organisation_id,
            Member.verified_at,
            Member.join_refused_at,
            Member.is_organisation_contact,
        )
    ).all()
    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.approved)
    ).all()
    tokens = db.session.execute(sa.select(ApiToken.id, ApiToken.revoked_at)).all()
    initiative_rows = db.session.execute(
        sa.select(Initiative.id, Initiative.title, Initiative.version, Initiative.reviewed_at)
    ).all()
    updates = db.session.execute(sa.select(InitiativeUpdate.id)).all()
    areas = db.session.execute(
        sa.select(ExpertiseArea.id, ExpertiseArea.name, ExpertiseArea.approved)
    ).all()
    expertise = db.session.execute(
        sa.select(MemberExpertise.member_id, MemberExpertise.area_id, MemberExpertise.level)
    ).all()
    requests = db.session.execute(sa.select(ContactRequest.id, ContactRequest.answered_at)).all()
    arena_state = [
        sorted(db.session.execute(sa.select(*columns)).all(), key=str)
        for columns in (
            (Arena.id, Arena.name, Arena.review_due_on),
            (ArenaRole.id, ArenaRole.member_id, ArenaRole.ended_at),
            (RoleProposal.id, RoleProposal.status),
            (Meeting.id, Meeting.title, Meeting.starts_at, Meeting.status),
            (MeetingException.meeting_id, MeetingException.occurrence),
        )
    ]
    return (
        *arena_state,
        sorted(members),
        sorted(orgs),
        sorted(tokens),
        sorted(initiative_rows),
        sorted(updates),
        sorted(areas),
        sorted(expertise),
        sorted(requests),
    )


def api_path(world, rule: str) -> str:
    return (
        rule.replace("<int:initiative_id>", str(world["initiative"]))
        .replace("<slug>", world["arena"])
        .replace("<int:proposal_id>", str(world["proposal"]))
        .replace("<int:organisation_proposal_id>", str(world["initiative_proposal"]))
        .replace("<int:meeting_id>", str(world["meeting"]))
    )


# --- a real OpenID Connect provider (tests/oidc_provider.py) -------------------------------------


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory):
    """oidc-provider on loopback for the whole run; its clients send people back to the test
    app's BASE_URL."""
    from oidc_provider import NODE_MODULE, Provider

    if not NODE_MODULE.exists():
        pytest.fail("oidc-provider is missing: run `make static` (npm ci)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = Provider(port, tmp_path_factory.mktemp("oidc"), "http://localhost")
    yield provider
    provider.stop()


@pytest.fixture
def skien_tenant(make_organisation):
    """Skien kommune with its email domain and the test provider's Entra tenant."""
    from oidc_provider import TENANT

    from arena.organisations.models import OrganisationDomain

    org = make_organisation(name="Skien kommune")
    db.session.add(OrganisationDomain(organisation=org, domain="skien.kommune.no"))
    org.sso_tenant_id = TENANT.lower()
    db.session.commit()
    return org


@pytest.fixture
def provider(app, oidc_server, monkeypatch):
    """Arena configured with the provider's clients (entra, feide, kort), as SSO_PROVIDERS."""
    monkeypatch.setitem(app.config, "SSO_PROVIDERS", oidc_server.arena_config())
    oidc_server.reset()
    return oidc_server


def agree(initiative):
    """Each organisation named on the initiative says yes, through one of its verified members
    (as it would on the initiative's page): for tests about what follows from agreed facts."""
    from arena.initiatives import services as initiatives
    from arena.initiatives import statements

    for proposal in list(initiative.proposals):
        speaker = db.session.scalar(
            sa.select(Member)
            .where(
                Member.organisation_id == proposal.organisation_id,
                Member.active,
                Member.verified_at.is_not(None),
            )
            .order_by(Member.id)
            .limit(1)
        )
        assert speaker is not None, f"nobody can answer for {proposal.organisation}"
        statements.answer(speaker, proposal.id, True, initiative)
    initiatives.organisations_answered(initiative)
    return initiative
