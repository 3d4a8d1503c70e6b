"""Faults on the way out, with a real SMTP server (aiosmtpd): a server that is down, refuses for
now or for good, a worker killed mid-batch, two workers side by side, a change rolled back, and
a name that tries to add a header."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from conftest import _Inbox, body_of, deliver_everything_due

from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.models import Meeting
from arena.arenas.services import ArenaInput
from arena.extensions import db
from arena.outbox import delivery
from arena.outbox.messages import queue_email
from arena.outbox.models import OutboxJob, OutboxMessage


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port(app, monkeypatch):
    """MAIL_SERVER points at a loopback port where nothing listens yet (connection refused)."""
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return port


def start_server(port: int, handler=None) -> tuple[Controller, _Inbox]:
    inbox = handler if handler is not None else _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def messages(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).filter_by(**where)))


def test_smtp_down_while_a_meeting_is_cancelled_every_follower_gets_it_once_later(
    smtp_port, client, post_form, make_member, login_as, clock
):
    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)
    owner = login_as(make_member(email="eier@example.no"))
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    followers = [make_member(email=f"folger{n}@example.no") for n in range(5)]
    for follower in followers:
        arenas.follow_arena(follower, arena)
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 2, 9))
    )

    started = time.monotonic()
    cancelled = post_form(f"/meetings/{meeting.id}/cancel", token_from=f"/arenas/{arena.slug}")
    assert cancelled.status_code == 302
    assert time.monotonic() - started < 2  # no SMTP in the request: nothing to wait for
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == 1

    deliver_everything_due()  # the worker writes the five emails, the server is still down
    queued = messages(status="queued")
    assert len(queued) == 5 and all(m.attempts == 1 for m in queued)
    assert all("ConnectionRefusedError" in m.last_error for m in queued)

    controller, inbox = start_server(smtp_port)
    try:
        clock.advance(minutes=1)
        assert len(inbox) == 5
        assert sorted(m["To"].addresses[0].addr_spec for m in inbox.received) == sorted(
            f.email for f in followers
        )
        clock.advance(hours=12)
        assert len(inbox) == 5  # nothing twice
        assert all(m.status == "sent" for m in messages())
    finally:
        controller.stop()


def test_temporary_refusals_back_off_and_give_up_after_48_hours(smtp_port, make_member, clock):
    class Busy(_Inbox):
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "451 4.3.0 Try again later"

    controller, inbox = start_server(smtp_port, Busy())
    try:
        member = make_member(email="kari@example.no")
        queue_email(member, "account", "Hei", "Innhold")
        db.session.commit()
        pauses = []
        while True:
            deliver_everything_due()
            (message,) = messages()
            if message.status == "failed":
                break
            assert message.status == "queued" and message.last_error.startswith("451")
            pauses.append(message.next_attempt_at - clock.now)
            clock.now = message.next_attempt_at
        minutes = [p.total_seconds() / 60 for p in pauses]
        assert minutes[:4] == [1, 2, 4, 8] and max(minutes) == 360
        assert clock.now - message.created_at >= delivery.GIVE_UP_AFTER
        assert message.last_error.startswith("gave up after 48 hours: 451")
        assert inbox.received == []
    finally:
        controller.stop()


def test_a_permanent_refusal_fails_at_once_and_admins_see_it(
    smtp_port, client, make_member, login_as, clock
):
    class NoSuchUser(_Inbox):
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("borte@"):
                return "550 5.1.1 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    controller, inbox = start_server(smtp_port, NoSuchUser())
    try:
        gone = make_member(email="borte@example.no")
        here = make_member(email="her@example.no")
        queue_email(gone, "account", "Til borte", "Innhold")
        queue_email(here, "account", "Til her", "Innhold")
        db.session.commit()
        assert len(inbox) == 1 and inbox[0]["To"].addresses[0].addr_spec == "her@example.no"
        (failed,) = messages(status="failed")
        assert failed.attempts == 1 and failed.last_error.startswith("550")
        clock.advance(hours=7)
        assert len(inbox) == 1 and messages(status="failed")[0].attempts == 1  # not retried

        login_as(make_member(email="admin@example.no", is_admin=True))
        page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
        assert "Til borte" in page and "550 5.1.1 No such user" in page and "Til her" not in page
    finally:
        controller.stop()


def test_a_rolled_back_change_queues_nothing(client, post_form, make_member, login_as):
    owner = login_as(make_member(email="eier@example.no"))
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    candidate = make_member(email="kandidat@example.no")
    queue_email(candidate, "role_proposals", "Vil du?", "Innhold")
    db.session.rollback()
    # A proposal the service refuses (the owner already holds the role) writes no email either.
    refused = post_form(
        f"/arenas/{arena.slug}/propose",
        {"role": "owner", "email": owner.email},
        token_from=f"/arenas/{arena.slug}",
    )
    assert refused.status_code == 302
    assert messages() == []


def test_a_name_or_title_with_line_breaks_cannot_add_a_header(
    smtp_server, client, post_form, make_member, login_as, clock
):
    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)
    owner = login_as(make_member(email="eier@example.no"))
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Forum"))
    follower = make_member(name="Ola\r\nBcc: spion@evil.example", email="ola@example.no")
    arenas.follow_arena(follower, arena)
    meeting = meetings.create_meeting(
        owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 3, 2, 9))
    )
    # Names with line breaks are refused now; these stand for ones stored before that.
    arena.name, meeting.title = "Forum\r\nBcc: spion@evil.example", "Møte\nBcc: spion@evil.example"
    db.session.commit()
    post_form(f"/meetings/{meeting.id}/cancel", token_from=f"/arenas/{arena.slug}")
    (mail,) = smtp_server
    assert mail["Bcc"] is None and "evil.example" not in str(mail["To"].addresses[0].addr_spec)
    assert [a.addr_spec for a in mail["To"].addresses] == ["ola@example.no"]
    assert "\n" not in mail["Subject"]


def test_a_display_name_cannot_add_a_reply_to_address(
    client, post_form, make_member, login_as, smtp_server
):
    expert = make_member(email="eva@usn.no")
    login_as(make_member(name="Eve <attacker@evil.example>, Bob", email="eve@example.no"))
    page = f"/members/{expert.id}/contact"
    post_form(page, {"subject": "Hei", "message": "Kan vi snakke?"}, token_from=page)
    (mail,) = smtp_server
    (address,) = mail["Reply-To"].addresses
    assert address.addr_spec == "eve@example.no"
    assert address.display_name == "Eve <attacker@evil.example>, Bob"
    assert "Kan vi snakke?" in body_of(mail)


def test_password_reset_answers_the_same_for_known_and_unknown_when_smtp_is_down(
    smtp_port, client, post_form, make_member
):
    member = make_member(email="kjent@example.no")
    known = post_form("/auth/forgot", {"email": member.email}, token_from="/auth/forgot")
    unknown = post_form("/auth/forgot", {"email": "ukjent@example.no"}, token_from="/auth/forgot")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]


# --- the worker as a process --------------------------------------------------------------------


class SlowInbox(_Inbox):
    """Takes a while over each message, so a kill lands in the middle of a batch."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def worker_process(app, port: int, *args: str, lease: int = 600) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "OUTBOX_LEASE_SECONDS": str(lease),
        "WORKER_POLL_SECONDS": "0.1",
        "BASE_URL": app.config["BASE_URL"],
    }
    command = [sys.executable, "-m", "flask", "--app", "arena", "worker", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finished(process: subprocess.Popen, seconds: float = 60) -> int:
    """Waits for the worker to end; its log is shown when it failed."""
    _out, log = process.communicate(timeout=seconds)
    if process.returncode != 0:
        print(log.decode())
    return process.returncode


def queue_many(make_member, count: int) -> set[str]:
    members = [make_member(email=f"mottaker{n}@example.no") for n in range(10)]
    for n in range(count):
        queue_email(members[n % 10], "account", f"Melding {n}", f"Innhold {n}")
    db.session.commit()
    return set(db.session.scalars(sa.select(OutboxMessage.message_id)))


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_with_the_same_message_id(
    app, make_member
):
    """Delivery is at least once: the message in flight when the worker died may come twice,
    with the same Message-ID; every other message comes exactly once."""
    wanted = queue_many(make_member, 60)
    port = free_port()
    controller, inbox = start_server(port, SlowInbox())
    try:
        first = worker_process(app, port, lease=2)
        wait_for(lambda: len(inbox.received) >= 10, 60)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        cut_off = len(inbox.received)
        assert cut_off < 60  # it died in the middle
        second = worker_process(app, port, "--once", lease=2)
        time.sleep(2.5)  # the dead worker's claims lapse
        assert finished(second) == finished(worker_process(app, port, "--once", lease=2)) == 0
        ids = [m["Message-ID"] for m in inbox.received]
        assert set(ids) == wanted
        assert len(ids) - len(set(ids)) <= 1
        assert all(m.status == "sent" for m in messages())
    finally:
        controller.stop()


def test_a_worker_killed_at_full_speed_resends_at_most_the_marks_not_yet_committed(
    app, make_member
):
    """At full speed the worker records what it sent a few messages at a time: killed, it
    sends at most those again (each once more, with its Message-ID); nothing is lost."""
    wanted = queue_many(make_member, 400)
    port = free_port()
    controller, inbox = start_server(port)
    try:
        first = worker_process(app, port, lease=2)
        wait_for(lambda: len(inbox.received) >= 100, 60)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert len(inbox.received) < 400  # it died in the middle
        time.sleep(2.5)  # the dead worker's claims lapse
        assert finished(worker_process(app, port, "--once", lease=2)) == 0
        ids = [m["Message-ID"] for m in inbox.received]
        assert set(ids) == wanted
        assert max(Counter(ids).values()) <= 2
        assert len(ids) - len(set(ids)) <= delivery.MARKS_AT_ONCE
        assert all(m.status == "sent" for m in messages())
    finally:
        controller.stop()


def test_workers_side_by_side_deliver_each_of_1000_messages_exactly_once(app, make_member):
    """Two workers on PostgreSQL (FOR UPDATE SKIP LOCKED); SQLite has one writer and runs one."""
    wanted = queue_many(make_member, 1000)
    port = free_port()
    controller, inbox = start_server(port)
    workers = 2 if db.engine.dialect.name == "postgresql" else 1
    try:
        processes = [worker_process(app, port, "--once") for _ in range(workers)]
        assert [finished(process, 180) for process in processes] == [0] * workers
        ids = [m["Message-ID"] for m in inbox.received]
        assert len(ids) == 1000 and set(ids) == wanted
        claimed_by = {m.claimed_by for m in messages()}
        assert len(claimed_by) == workers  # each worker did part of it
    finally:
        controller.stop()


def test_sigterm_stops_the_worker_after_the_message_in_hand(app, make_member):
    wanted = queue_many(make_member, 40)
    port = free_port()
    controller, inbox = start_server(port, SlowInbox())
    try:
        worker = worker_process(app, port)
        wait_for(lambda: len(inbox.received) >= 3, 60)
        worker.send_signal(signal.SIGTERM)
        assert finished(worker, 10) == 0
        db.session.expire_all()
        sent = messages(status="sent")
        queued = messages(status="queued")
        assert len(sent) == len(inbox.received) < 40
        assert all(m.claimed_until is None for m in queued)  # put back, not held for the lease
        assert {m["Message-ID"] for m in inbox.received} < wanted
    finally:
        controller.stop()


class VerySlowInbox(_Inbox):
    """A server that takes 0.3 s over each message: a batch of 20 outlasts a 2-second lease."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def test_a_slow_server_does_not_make_two_workers_send_one_message(app, make_member, monkeypatch):
    """The claim is renewed while the batch goes out: a second worker finds nothing to take,
    where it used to take the rest of the batch as the lease ran out and send it again."""
    wanted = queue_many(make_member, 20)
    port = free_port()
    controller, inbox = start_server(port, VerySlowInbox())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "OUTBOX_LEASE_SECONDS", 2)
    first_done = threading.Event()

    def first():
        with app.app_context():
            try:
                delivery.deliver_due("first")
            finally:
                first_done.set()
                db.session.remove()

    def second():
        with app.app_context():
            try:
                while not db.session.scalar(  # the first worker has claimed its batch
                    sa.select(sa.func.count()).where(OutboxMessage.claimed_by == "first")
                ):
                    db.session.rollback()
                    time.sleep(0.05)
                while not first_done.is_set():
                    delivery.deliver_due("second")
                    time.sleep(0.2)
            finally:
                db.session.remove()

    try:
        workers = [threading.Thread(target=first), threading.Thread(target=second)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        ids = [m["Message-ID"] for m in inbox.received]
        assert sorted(ids) == sorted(wanted)  # each once
        db.session.expire_all()
        assert {(m.status, m.attempts, m.claimed_by) for m in messages()} == {("sent", 1, "first")}
    finally:
        controller.stop()


def test_a_worker_whose_claim_was_taken_over_records_nothing(app, make_member, smtp_server):
    queue_many(make_member, 3)
    batch = delivery.claim("first")
    taken = batch[1]
    # The first worker's lease lapsed while it was held up; another worker took one over.
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == taken.id).values(claimed_by="second")
    )
    db.session.commit()
    done = delivery.Round(worker="first")
    for message in batch:
        delivery._sent(message, done)
    assert done.sent == 2
    db.session.expire_all()
    kept = db.session.get(OutboxMessage, taken.id)
    assert (kept.status, kept.attempts, kept.claimed_by) == ("queued", 0, "second")


def test_sqlite_runs_one_worker_and_postgresql_any_number(app, make_member):
    """A second worker on the same SQLite database refuses to start, saying why; on PostgreSQL
    it starts and shares the work."""
    port = free_port()
    controller, _inbox = start_server(port)
    try:
        first = worker_process(app, port)
        time.sleep(3)  # started and holding the lock
        second = worker_process(app, port, "--once")
        _out, log = second.communicate(timeout=60)
        if db.engine.dialect.name == "sqlite":
            assert second.returncode != 0 and b"one worker" in log
        else:
            assert second.returncode == 0, log.decode()
        first.send_signal(signal.SIGTERM)
        assert finished(first, 30) == 0
    finally:
        controller.stop()
