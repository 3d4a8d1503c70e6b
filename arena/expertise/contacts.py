"""Contact requests: a member writes to a colleague in another organisation (rule 8), by email,
with a daily limit; the colleague marks it answered."""

from datetime import timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from arena.access import require_verified
from arena.accounts import services as accounts
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied, TooMany, ValidationFailed
from arena.expertise.models import ContactRequest
from arena.extensions import db
from arena.lines import check_length, check_one_line
from arena.outbox.messages import language_of, mailbox, queue_email

CONTACTS_PER_DAY = 10


def send_contact_request(actor, expert, subject: str, message: str, profile_url: str):
    """«Ta kontakt»: emails the expert (reply goes to the sender) and records the request."""
    require_verified(actor)  # it hands the sender's address to the expert, and theirs back
    if expert.id == actor.id or not expert.active:
        raise ValidationFailed(_("Du kan ikke sende en forespørsel til denne personen."))
    subject, message = (subject or "").strip(), (message or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Må fylles ut.")
    else:
        check_length(errors, "subject", subject, 150)
    check_one_line({"subject": subject}, ("subject",), errors)
    if not message:
        errors["message"] = _("Må fylles ut.")
    else:
        check_length(errors, "message", message, 3000)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    accounts.one_at_a_time(actor)
    since = utcnow() - timedelta(days=1)
    sent_today = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ContactRequest)
        .where(ContactRequest.sender_id == actor.id, ContactRequest.created_at > since)
    )
    if sent_today >= CONTACTS_PER_DAY:
        raise TooMany(
            _(
                "Du har sendt %(n)d forespørsler det siste døgnet. Vent litt før du sender flere.",
                n=CONTACTS_PER_DAY,
            )
        )
    request = ContactRequest(
        sender_id=actor.id,
        expert_id=expert.id,
        subject=subject,
        message=message,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    with force_locale(language_of(expert)):
        mail_subject = _("Arena: %(name)s vil gjerne snakke med deg", name=actor.name)
        body = render_template(
            "expertise/email/contact_request.txt",
            sender=actor,
            expert=expert,
            subject=subject,
            message=message,
            profile_url=profile_url,
        )
    queue_email(
        expert, "contact_requests", mail_subject, body, reply_to=mailbox(actor.email, actor.name)
    )
    db.session.commit()
    return request


def contact_requests_of(member) -> tuple[list, list]:
    """Requests the member received and sent, newest first."""

    def newest(*conditions):
        return list(
            db.session.scalars(
                sa.select(ContactRequest)
                .where(*conditions)
                .order_by(ContactRequest.created_at.desc())
            )
        )

    return newest(ContactRequest.expert_id == member.id), newest(
        ContactRequest.sender_id == member.id
    )


def export_contact_requests(member) -> dict:
    """What the member sent and received through «Ta kontakt», for their data export."""
    received, sent = contact_requests_of(member)

    def one(request, other) -> dict:
        return {
            "with": other.name if other is not None else None,
            "subject": request.subject,
            "message": request.message,
            "created_at": request.created_at.isoformat(),
            "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        }

    return {
        "received": [one(r, r.sender) for r in received],
        "sent": [one(r, r.expert) for r in sent],
    }


def mark_answered(actor, request_id: int) -> None:
    """The expert marks a request as answered."""
    request = db.session.get(ContactRequest, request_id)
    if request is None:
        raise NotFound(_("Fant ikke forespørselen."))
    if not getattr(actor, "is_authenticated", False) or actor.id != request.expert_id:
        raise PermissionDenied(_("Bare den som fikk forespørselen, kan merke den som besvart."))
    if request.answered_at is None:
        request.answered_at = utcnow()
        db.session.commit()
