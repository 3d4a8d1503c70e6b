"""Queueing email: every message Arena sends is composed here (plain text and HTML, in the
recipient's language) and stored as a row in the transaction of the change that causes it. A
change that rolls back queues nothing; a process that dies after the commit loses nothing. The
worker (arena/notifications/delivery.py) does the sending."""

import re
import secrets
from datetime import time, timedelta
from email.headerregistry import Address
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from arena.access import require_admin
from arena.dates import utcnow
from arena.errors import Conflict, NotFound
from arena.extensions import db
from arena.links import absolute_url, base_url
from arena.outbox import jobs, schedule, settings
from arena.outbox.models import ESSENTIAL_KINDS, OPTIONAL_KINDS, STATUSES, OutboxMessage, Recipient
from arena.paging import Page

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_URL = re.compile(r"(https?://[^\s<>«»\"]+[^\s<>«»\".,;:!?)])")
_LABELLED = re.compile(r"(?P<label>.{1,300}?):\s+(?P<url>https?://\S+)")
_UNDERLINE = re.compile(r"[-=]{3,}")


def one_line(value: str) -> str:
    """A header value: line breaks and other control characters become a space, so text a
    member wrote (a name, a title) can never add a header such as Bcc."""
    return _CONTROL.sub(" ", value).strip()


def mailbox(email: str, name: str = "") -> Address:
    """One address for a header; the name is quoted as needed, so a name such as
    «Eve <eve@evil.example>, Bob» stays a name and never adds a second address."""
    return Address(display_name=one_line(name), addr_spec=one_line(email))


def language_of(member: Recipient) -> str:
    return member.preferred_language or "nb"


def queue_email(
    member: Recipient,
    kind: str,
    subject: str,
    text: str,
    reply_to: Address | None = None,
    chosen: bool = False,
) -> OutboxMessage | None:
    """Queues one email to the member (None when they turned this kind off). The caller wrote
    subject and text in the member's language; the caller's commit makes it go out. `chosen`:
    the caller already picked only members who want this kind now (one query for many)."""
    if kind not in OPTIONAL_KINDS + ESSENTIAL_KINDS:
        raise ValueError(f"unknown kind of email: {kind}")
    if not chosen and not settings.wants(member, kind):
        return None
    language = language_of(member)
    unsubscribe_url = ""
    footer = ""
    if kind in OPTIONAL_KINDS:
        unsubscribe_url = absolute_url(
            "notifications.unsubscribe", token=settings.unsubscribe_token(member, kind)
        )
        with force_locale(language):
            footer = _(
                "Slå av denne typen e-post: %(unsubscribe)s\nVelg hvilke e-poster du får: "
                "%(settings)s",
                unsubscribe=unsubscribe_url,
                settings=absolute_url("notifications.settings_page"),
            )
    text = text.rstrip() + "\n"
    message = OutboxMessage(
        kind=kind,
        member_id=member.id,
        to_address=member.email,
        to_name=one_line(member.name),
        reply_to_address=reply_to.addr_spec if reply_to else "",
        reply_to_name=reply_to.display_name[:120] if reply_to else "",
        subject=one_line(subject)[:300],
        text_body=text + (f"\n-- \n{footer}\n" if footer else ""),
        html_body=render_html(subject, text, footer, language),
        language=language,
        message_id=f"<{secrets.token_hex(16)}@{urlsplit(base_url()).hostname or 'arena'}>",
        unsubscribe_url=unsubscribe_url,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
        queued_at=utcnow(),
    )
    db.session.add(message)
    return message


def render_html(subject: str, text: str, footer: str, language: str) -> str:
    """The HTML part, made from the text: paragraphs, lists of «- » lines and links; simple
    tables and inline styles, which Outlook shows as intended."""
    return current_app.jinja_env.get_template("email/message.html").render(
        subject=one_line(subject), blocks=_blocks(text), footer=_blocks(footer), lang=language
    )


def _blocks(text: str) -> list[tuple[str, list[list[tuple[str, str | None]]]]]:
    """Paragraphs ("p"), lists ("ul") and quotations of what a member wrote ("quote": lines
    that start with «>», see arena.lines.quoted) of lines, each line a list of (text, link)
    pieces."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if len(lines) >= 2 and _UNDERLINE.fullmatch(lines[1].strip()):  # a heading
            blocks.append(("h2", [[(lines[0], None)]]))
            lines = lines[2:]
        if not lines:
            continue
        if all(line.startswith(">") for line in lines):
            blocks.append(("quote", [[(line[1:].removeprefix(" "), None)] for line in lines]))
        elif all(line.lstrip().startswith("- ") for line in lines):
            blocks.append(("ul", [_pieces(line.lstrip()[2:]) for line in lines]))
        else:
            blocks.append(("p", [_pieces(line) for line in lines]))
    return blocks


def _pieces(line: str) -> list[tuple[str, str | None]]:
    """A line «Label: <Arena's address>» becomes one link named Label, and Arena's own
    addresses link themselves. No other address becomes a link: text a member wrote (a name, a
    title) could put any address under any words."""
    labelled = _LABELLED.fullmatch(line.strip())
    if labelled and _is_arenas(labelled["url"]):
        return [(labelled["label"], labelled["url"])]
    parts = _URL.split(line)
    return [
        (part, part if index % 2 and _is_arenas(part) else None)
        for index, part in enumerate(parts)
        if part
    ]


def _is_arenas(url: str) -> bool:
    own = base_url()
    return url == own or url.startswith(own + "/")


# --- for admins ---------------------------------------------------------------------------------

#: Sent and failed messages are forgotten after this long: their bodies may hold links.
KEPT_FOR = timedelta(days=30)
PER_PAGE = 50


def messages_page(actor, status: str | None, page: int) -> Page:
    """The outbox for admins, newest first, optionally one status only."""
    require_admin(actor)
    query = sa.select(OutboxMessage).order_by(
        OutboxMessage.created_at.desc(), OutboxMessage.id.desc()
    )
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(list(items), total, page, PER_PAGE)


def status_counts(actor) -> dict[str, int]:
    require_admin(actor)
    counted = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {status: counted.get(status, 0) for status in STATUSES}


def get_message(actor, message_id: int) -> OutboxMessage:
    require_admin(actor)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_("Fant ikke meldingen."))
    return message


def resend(actor, message: OutboxMessage) -> None:
    """An admin sends a failed message again: same content and Message-ID, a new 48 hours."""
    require_admin(actor)
    if message.status != "failed":
        raise Conflict(_("Bare meldinger som ikke kom fram, kan sendes på nytt."))
    message.status = "queued"
    message.next_attempt_at = message.queued_at = utcnow()
    message.failed_at = None
    db.session.commit()


@schedule.slot("forget-old-messages", time(7, 0))
def forget_old_messages(due: str | None = None) -> int:
    """Deletes messages sent or failed, and jobs done, more than KEPT_FOR ago."""
    before = utcnow() - KEPT_FOR
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                sa.and_(OutboxMessage.status == "sent", OutboxMessage.sent_at < before),
                sa.and_(OutboxMessage.status == "failed", OutboxMessage.failed_at < before),
            )
        )
    )
    jobs.forget_done_jobs(before)
    return result.rowcount
