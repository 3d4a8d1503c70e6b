"""Delivering the outbox: claim what is due, send it over one SMTP connection, record what
happened. Temporary trouble (4xx, refused or lost connections, timeouts) is retried with a
growing pause, from a minute up to six hours, and given up after 48 hours; a permanent refusal
(5xx) fails at once.

Delivery is at least once. What was sent is recorded in one durable commit for up to
MARKS_AT_ONCE messages a fast server took within MARKS_WAIT (a slow server's one by one): a
worker that dies between the server's «250 OK» and that commit sends those messages (one, when
the server is slow) once more, with the same Message-ID, so mail programs show each once.
Every other message is sent once: claims are taken with FOR UPDATE SKIP LOCKED on PostgreSQL
(SQLite, with one writer, needs no such clause), and a claim lapses after OUTBOX_LEASE_SECONDS,
so messages a dead worker held go out later instead of never. A worker renews its claim on the
rest of its batch while a slow server takes its time, sends only what it still holds, and
records an outcome only for a message it still holds (a worker whose claim lapsed and was taken
over records nothing).
"""

import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.errors import MessageError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app

from arena.dates import utcnow
from arena.extensions import db
from arena.outbox.models import OPTIONAL_KINDS, OutboxMessage

BATCH = 20
#: Sent messages recorded in one commit, at most this many and this long after the first, and
#: one at a time from a server slower than SLOW_SEND a message.
MARKS_AT_ONCE = 10
MARKS_WAIT = 0.05  # seconds
SLOW_SEND = 0.03  # seconds
#: What became of one message handed to the server.
ACCEPTED, REFUSED, CONNECTION_LOST = "accepted", "refused", "connection lost"
FIRST_RETRY = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(hours=48)
SMTP_TIMEOUT = 10


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, making each header's class once: the standard one makes a
    new class for every header set, half the time an email took to build."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(name)
        return self._made[key]


#: The standard library's default policy (headers checked and encoded as it does), built faster.
EMAIL_POLICY = policy.default.clone(header_factory=_HeaderClasses())


class TemporaryFailure(Exception):
    """Try again later."""


@dataclass
class Round:
    """What one round of delivery did, and by which worker."""

    worker: str = ""
    sent: int = 0
    retried: int = 0
    failed: int = 0
    jobs: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.jobs


def claim(worker: str, limit: int = BATCH) -> list[OutboxMessage]:
    """Takes up to `limit` due messages for this worker; no other worker gets them until the
    lease runs out."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    due = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == "queued",
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        message.claimed_until = now + lease
        message.claimed_by = worker
    db.session.flush()
    for message in due:  # kept as read: recording outcomes commits, which would expire them
        db.session.expunge(message)
    db.session.commit()
    return due


def deliver_due(worker: str = "arena", stopping=lambda: False) -> Round:
    """One round: claims a batch and delivers it. `stopping()` true ends the round after the
    message in hand; the rest of the batch goes back to the queue."""
    done = Round(worker=worker)
    batch = claim(worker)
    if not batch:
        return done
    config = current_app.config
    if not config["MAIL_SERVER"]:
        for message in batch:
            _without_server(message, done)
        return done
    try:
        smtp = _connect()
    except (smtplib.SMTPException, OSError) as error:
        for message in batch:
            _retry_later(message, _describe(error), done)
        return done
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    held, held_until = {m.id for m in batch}, utcnow() + lease
    sent = _SentMarks(done)
    with smtp:
        try:
            for position, message in enumerate(batch):
                if stopping():
                    _release(batch[position:], worker)
                    break
                if utcnow() >= held_until - lease / 2:  # half the lease gone: renew the rest
                    held, held_until = _renew(batch[position:], worker, lease), utcnow() + lease
                if message.id not in held:  # the claim lapsed and another worker took it
                    continue
                started = time.monotonic()
                outcome = _send(smtp, message, done)
                if outcome == ACCEPTED:
                    sent.add(message, took=time.monotonic() - started)
                elif outcome == CONNECTION_LOST:  # the others go in the next round
                    _release(batch[position + 1 :], worker)
                    break
        finally:
            sent.record()
    return done


def _send(smtp: smtplib.SMTP, message: OutboxMessage, done: Round) -> str:
    """Sends one message: ACCEPTED by the server (recorded with others), REFUSED (recorded at
    once: failed, or tried again later) or CONNECTION_LOST (this message waits)."""
    try:
        email = build_email(message)
    except (ValueError, TypeError, MessageError) as error:  # no server would take it
        _fail(message, _describe(error), done)
        return REFUSED
    try:
        smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        _refused(message, code, text, done)
        return REFUSED
    except smtplib.SMTPResponseException as error:
        _refused(message, error.smtp_code, error.smtp_error, done)
        return REFUSED
    except smtplib.SMTPNotSupportedError as error:  # e.g. an address needing SMTPUTF8
        _fail(message, _describe(error), done)
        return REFUSED
    except (smtplib.SMTPException, OSError) as error:
        _retry_later(message, _describe(error), done)
        return CONNECTION_LOST
    return ACCEPTED


class _SentMarks:
    """Messages the server accepted, recorded as sent a few at a time (one durable commit)."""

    def __init__(self, done: Round) -> None:
        self.done, self.waiting, self.since = done, [], 0.0

    def add(self, message: OutboxMessage, took: float) -> None:
        """A message the server accepted in `took` seconds. A slow server's are recorded at
        once: the commit costs little beside the send, and only one is ever at risk."""
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(message)
        if (
            took >= SLOW_SEND
            or len(self.waiting) >= MARKS_AT_ONCE
            or time.monotonic() - self.since >= MARKS_WAIT
        ):
            self.record()

    def record(self) -> None:
        """Records the waiting messages this worker still holds as sent."""
        if not self.waiting:
            return
        ids = [m.id for m in self.waiting]
        self.waiting = []
        recorded = db.session.scalars(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claimed_by == self.done.worker,
                OutboxMessage.status == "queued",
            )
            .values(
                status="sent",
                sent_at=utcnow(),
                last_error="",
                claimed_until=None,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        self.done.sent += len(recorded)
        for lost in set(ids) - set(recorded):
            current_app.logger.warning("Message %s was taken over by another worker", lost)


def _renew(messages: list[OutboxMessage], worker: str, lease: timedelta) -> set[int]:
    """Extends this worker's claim on the messages it still holds; returns their ids."""
    renewed = db.session.scalars(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_([m.id for m in messages]),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == "queued",
        )
        .values(claimed_until=utcnow() + lease)
        .returning(OutboxMessage.id)
    ).all()
    db.session.commit()
    return set(renewed)


def _record(message: OutboxMessage, worker: str, **values) -> bool:
    """Records what became of a message (and ends the claim), if this worker still holds it;
    False when its claim lapsed and another worker took the message over."""
    recorded = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == "queued",
        )
        .values(**values, claimed_until=None, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not recorded:
        current_app.logger.warning("Message %s was taken over by another worker", message.id)
    return bool(recorded)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def build_email(message: OutboxMessage) -> EmailMessage:
    """The email as it goes out: text and HTML, stable Message-ID, headers for mail programs."""
    email = EmailMessage(policy=EMAIL_POLICY)
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = Address(display_name=message.to_name, addr_spec=message.to_address)
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id
    if message.reply_to_address:
        email["Reply-To"] = Address(
            display_name=message.reply_to_name, addr_spec=message.reply_to_address
        )
    if message.kind != "contact_requests":
        # A colleague's own words (answered by Reply-To) are not an automatic message.
        email["Auto-Submitted"] = "auto-generated"
    if message.kind in OPTIONAL_KINDS:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if message.calendar_body:
        _add_invitation(email, message.calendar_method, message.calendar_body.encode())
    email["Content-Language"] = message.language  # after the body, which resets Content-*
    return email


def _add_invitation(email: EmailMessage, method: str, calendar: bytes) -> None:
    """An invitation as Outlook, Google and Apple send them (RFC 6047): the iCalendar object
    as a third alternative, text/calendar with its METHOD, and the same as an .ics attachment,
    which makes the message multipart/mixed. Base64, so its CRLF line ends arrive intact."""
    params = {"method": method, "charset": "UTF-8"}
    email.add_alternative(calendar, "text", "calendar", cte="base64", params=params)
    email.add_attachment(calendar, "application", "ics", cte="base64", filename="invite.ics")


def _sent(message: OutboxMessage, done: Round) -> None:
    if _record(message, done.worker, status="sent", sent_at=utcnow(), last_error=""):
        done.sent += 1


def _refused(message: OutboxMessage, code: int, text, done: Round) -> None:
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if 500 <= code < 600:
        _fail(message, reason, done)
    else:
        _retry_later(message, reason, done)


def _fail(message: OutboxMessage, reason: str, done: Round) -> None:
    if _record(message, done.worker, status="failed", failed_at=utcnow(), last_error=reason[:500]):
        done.failed += 1


def _retry_later(message: OutboxMessage, reason: str, done: Round) -> None:
    """Another attempt after a pause that doubles each time, or failed after 48 hours."""
    now = utcnow()
    if now - message.queued_at >= GIVE_UP_AFTER:
        _fail(message, f"gave up after 48 hours: {reason}", done)
        return
    pause = retry_pause(message.attempts + 1)
    if _record(message, done.worker, next_attempt_at=now + pause, last_error=reason[:500]):
        done.retried += 1


def retry_pause(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after each failed attempt, never more than six hours."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 16), LONGEST_PAUSE)


def _release(messages: list[OutboxMessage], worker: str) -> None:
    """Puts back what this worker holds of these messages, for any worker to take now."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_([m.id for m in messages]), OutboxMessage.claimed_by == worker)
        .values(claimed_until=None, claimed_by="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _without_server(message: OutboxMessage, done: Round) -> None:
    """No MAIL_SERVER: development writes the message to the log; production keeps it queued
    (its body may hold a password link, never for a log) until a server is configured."""
    if current_app.config["ARENA_ENV"] == "production":
        _retry_later(message, "MAIL_SERVER is not set", done)
        return
    current_app.logger.info(
        "Email not sent (no MAIL_SERVER set)\nTo: %s\nSubject: %s\n\n%s",
        message.to_address,
        message.subject,
        message.text_body,
    )
    _sent(message, done)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]
