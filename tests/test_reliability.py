"""Reliability through the real HTTP server (gunicorn) on SQLite and PostgreSQL: concurrent
writes are each stored exactly once with no 5xx and no «database is locked», and killing a
worker in the middle of a load loses no committed data while the service keeps answering."""

import os
import re
import signal
import threading
import time
from datetime import datetime

import pytest
import requests
import sqlalchemy as sa
from live import flask, free_port, server_database, start_gunicorn, stop, worker_pids

from arena import create_app
from arena.accounts.models import Member
from arena.accounts.services import issue_api_token
from arena.accounts.sessions import start_session
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.models import Meeting
from arena.dates import utcnow
from arena.declaration.models import Signature
from arena.expertise.models import ExpertiseArea, MemberExpertise
from arena.extensions import db
from arena.initiatives import services as initiatives
from arena.initiatives.models import Initiative, InitiativeUpdate
from arena.organisations.models import Organisation

THREADS = 16
WRITES = 50  # per thread: 800 writes at once, each of the five kinds 160 times
SECRET = "reliability-tests"  # noqa: S105 - a throw-away server's key


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A migrated database served by gunicorn (4 sync workers), and an app on the same database
    for setting up and checking what was stored."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": server_database(tmp_path_factory, "reliability"),
        "SECRET_KEY": SECRET,
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    flask(env, "db", "upgrade")
    log = tmp_path_factory.getbasetemp() / "gunicorn-reliability.log"
    server = start_gunicorn(env, port, log, workers=4)
    checker = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": SECRET})
    yield server, f"http://127.0.0.1:{port}", checker, log
    stop(server)
    with checker.app_context():
        db.engine.dispose()


class Writer:
    """One member with a token, a signed-in session, an initiative and an arena with a meeting."""

    def __init__(self, checker, base: str, n: int, org: Organisation, areas: list[int]):
        member = Member(
            email=f"skriver{n}@example.no",
            name=f"Skriver {n}",
            organisation=org,
            password_hash="!",
            email_confirmed_at=utcnow(),
            verified_at=utcnow(),
        )
        db.session.add(member)
        db.session.commit()
        self.n, self.base, self.areas = n, base, areas
        self.token = issue_api_token(member, "last")
        self.initiative = initiatives.create_initiative(
            member, initiatives.InitiativeInput(title=f"Initiativ {n}", summary="Start")
        ).id
        arena, _ = arenas.create_arena(member, arenas.ArenaInput(name=f"Arena for skriver {n}"))
        self.meeting = meetings.create_meeting(
            member, arena, meetings.MeetingInput(title="Start", starts_at=datetime(2027, 5, 3, 9))
        ).id
        self.member = member.id
        cookie = checker.session_interface.get_signing_serializer(checker).dumps(
            {"_user_id": start_session(member), "_fresh": True}
        )
        self.http = requests.Session()
        self.http.cookies.set("session", cookie, domain="127.0.0.1")
        self.api = {"Authorization": f"Bearer {self.token}"}
        self.sent: dict[str, list] = {"update": [], "summary": [], "level": [], "title": []}
        self.signed: bool | None = None
        self.problems: list[str] = []

    def csrf(self) -> str:
        page = self.http.get(f"{self.base}/initiatives/{self.initiative}", timeout=30)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)

    def write(self, k: int) -> requests.Response:
        """The k-th write: an update post, an initiative change, expertise, a meeting, a
        signature, in turn."""
        text = f"skriver {self.n} skriv {k}"
        kind = k % 5
        if kind == 0:
            self.sent["update"].append(text)
            return self.http.post(
                f"{self.base}/initiatives/{self.initiative}/updates",
                data={"csrf_token": self.csrf(), "body": text},
                allow_redirects=False,
                timeout=60,
            )
        if kind == 1:
            self.sent["summary"].append(text)
            return requests.patch(
                f"{self.base}/api/v1/initiatives/{self.initiative}",
                json={"summary": text},
                headers=self.api,
                timeout=60,
            )
        if kind == 2:
            level = 1 + k % 3
            self.sent["level"].append(level)
            return requests.put(
                f"{self.base}/api/v1/me/expertise",
                json={"expertise": [{"area": self.areas[k % len(self.areas)], "level": level}]},
                headers=self.api,
                timeout=60,
            )
        if kind == 3:
            self.sent["title"].append(text)
            return requests.patch(
                f"{self.base}/api/v1/meetings/{self.meeting}",
                json={"title": text},
                headers=self.api,
                timeout=60,
            )
        self.signed = k % 10 == 4  # sign, then withdraw, in turn
        action = "sign" if self.signed else "withdraw"
        return self.http.post(
            f"{self.base}/declaration/{action}",
            data={"csrf_token": self.csrf(), "public_consent": "y"},
            allow_redirects=False,
            timeout=60,
        )

    def run(self, writes: int) -> None:
        for k in range(writes):
            response = self.write(k)
            expected = 302 if k % 5 in (0, 4) else 200
            if response.status_code != expected or "locked" in response.text.lower():
                self.problems.append(f"write {k}: {response.status_code} {response.text[:200]}")


def make_writers(checker, base: str, count: int) -> list[Writer]:
    with checker.app_context():
        orgs = [
            Organisation(
                name=f"Lastorganisasjon {n}", slug=f"last-{n}", kind="kommune", approved=True
            )
            for n in range(2)
        ]
        areas = [
            ExpertiseArea(name=f"Lastområde {n}", slug=f"lastomrade-{n}", approved=True)
            for n in range(3)
        ]
        db.session.add_all(orgs + areas)
        db.session.commit()
        slugs = [a.slug for a in areas]
        return [Writer(checker, base, n, orgs[n % 2], slugs) for n in range(count)]


def test_concurrent_writes_are_stored_exactly_once(served):
    server, base, checker, log = served
    writers = make_writers(checker, base, THREADS)
    threads = [threading.Thread(target=w.run, args=(WRITES,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    problems = [f"writer {w.n}, {p}" for w in writers for p in w.problems]
    assert not problems, "\n".join(problems[:20])
    assert "locked" not in log.read_text().lower()
    with checker.app_context():
        for w in writers:
            bodies = db.session.scalars(
                sa.select(InitiativeUpdate.body).filter_by(initiative_id=w.initiative)
            ).all()
            assert sorted(bodies) == sorted(w.sent["update"]), f"writer {w.n}: update posts"
            initiative = db.session.get(Initiative, w.initiative)
            assert initiative.summary == w.sent["summary"][-1]
            levels = db.session.scalars(
                sa.select(MemberExpertise.level).filter_by(member_id=w.member)
            ).all()
            assert levels == [w.sent["level"][-1]]
            assert db.session.get(Meeting, w.meeting).title == w.sent["title"][-1]
            current = db.session.scalars(
                sa.select(Signature).filter_by(member_id=w.member, withdrawn_at=None)
            ).all()
            assert len(current) == (1 if w.signed else 0), f"writer {w.n}: signature"


def test_killing_a_worker_loses_no_committed_write(served):
    server, base, checker, _log = served
    writers = make_writers_for_restart(checker, base)
    outcomes: dict[str, str] = {}
    progress = threading.Event()

    def post_updates(writer: Writer) -> None:
        for k in range(40):
            text = f"omstart {writer.n} skriv {k}"
            try:
                response = writer.http.post(
                    f"{base}/initiatives/{writer.initiative}/updates",
                    data={"csrf_token": writer.csrf(), "body": text},
                    allow_redirects=False,
                    timeout=60,
                )
                outcomes[text] = "stored" if response.status_code == 302 else "refused"
            except requests.ConnectionError:
                outcomes[text] = "unknown"  # the worker died with the request in hand
            if k == 10:
                progress.set()

    threads = [threading.Thread(target=post_updates, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    progress.wait(timeout=120)
    before = worker_pids(server)
    os.kill(sorted(before)[0], signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=600)
    deadline = time.monotonic() + 30
    while len(worker_pids(server)) < len(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    after = worker_pids(server)
    assert len(after) == len(before) and after != before, "gunicorn did not replace the worker"
    assert requests.get(f"{base}/healthz", timeout=10).status_code == 200

    assert "refused" not in outcomes.values()
    assert list(outcomes.values()).count("unknown") <= 1, "more than the killed request failed"
    with checker.app_context():
        bodies = db.session.scalars(
            sa.select(InitiativeUpdate.body).where(InitiativeUpdate.body.like("omstart %"))
        ).all()
    for text, outcome in outcomes.items():
        expected = (0, 1) if outcome == "unknown" else (1,)
        assert bodies.count(text) in expected, f"{text}: {outcome}, stored {bodies.count(text)}"
    assert len(outcomes) == 4 * 40


def make_writers_for_restart(checker, base: str) -> list[Writer]:
    with checker.app_context():
        org = Organisation(
            name="Omstartorganisasjon", slug="omstart", kind="kommune", approved=True
        )
        db.session.add(org)
        db.session.commit()
        return [Writer(checker, base, 100 + n, org, []) for n in range(4)]
