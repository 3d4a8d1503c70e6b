"""A member's own data: everything Arena keeps about them, to download, and erasing it with the
account. Each area adds its part through arena/lifecycle.py."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from arena import lifecycle
from arena.access import require_self
from arena.accounts import services as accounts
from arena.accounts import sessions
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import ValidationFailed
from arena.extensions import db
from arena.links import absolute_url
from arena.outbox.messages import language_of, queue_email


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_member_data(actor, member: Member) -> dict:
    """Everything Arena stores about the member, for them to download."""
    require_self(actor, member)
    verifier = db.session.get(Member, member.verified_by_id) if member.verified_by_id else None
    return lifecycle.collect(member) | {
        "member": {
            "id": member.id,
            "email": member.email,
            "name": member.name,
            "title": member.title,
            "phone": member.phone,
            "bio": member.bio,
            "ask_me_about": member.ask_me_about,
            "preferred_language": member.preferred_language,
            "is_admin": member.is_admin,
            "created_at": member.created_at.isoformat(),
            "updated_at": member.updated_at.isoformat(),
            "profile_reviewed_at": member.profile_reviewed_at.isoformat(),
        },
        "membership": {
            "email_confirmed_at": _iso(member.email_confirmed_at),
            "verified_at": _iso(member.verified_at),
            "verified_via": member.verified_via,
            "verified_by": verifier.name if verifier is not None else None,
            "join_refused_at": _iso(member.join_refused_at),
            "is_organisation_contact": member.is_organisation_contact,
        },
        "sessions": [
            {"started_at": started.isoformat()} for started in sessions.session_starts(member)
        ],
        "organisation": {"slug": member.organisation.slug, "name": member.organisation.name},
        "api_tokens": [
            {
                "name": token.name,
                "created_at": token.created_at.isoformat(),
                "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
                "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            }
            for token in member.api_tokens
        ],
        "exported_at": utcnow().isoformat(),
    }


def delete_account(actor, member: Member, password: str) -> None:
    """A member erases their account with their password; what they wrote stays as "former
    member". One without a usable password confirms by email (send_deletion_link)."""
    require_self(actor, member)
    if not member.signs_in_with_password or not check_password_hash(
        member.password_hash, password or ""
    ):
        raise ValidationFailed(_("Passordet er feil."), {"password": _("Passordet er feil.")})
    erase_member(member)
    db.session.commit()


def send_deletion_link(actor, member: Member) -> None:
    """A member who signs in only with their organisation's account (no password to type)
    gets a link by email that confirms deleting the account, valid for an hour."""
    require_self(actor, member)
    link = absolute_url(
        "accounts.delete_account_by_link", token=accounts.link_token(member, "delete-account")
    )
    with force_locale(language_of(member)):
        subject = _("Bekreft at kontoen din i Arena skal slettes")
        body = render_template("accounts/email/delete_account.txt", member=member, link=link)
    queue_email(member, "account", subject, body)
    db.session.commit()


def check_deletion_link(actor, token: str) -> Member:
    """The signed-in member the emailed link was made for; ValidationFailed otherwise."""
    member = accounts.member_for_link(token, "delete-account")
    if member is None or actor is None or member.id != getattr(actor, "id", None):
        raise ValidationFailed(
            _("Lenken virker ikke lenger, eller den er til en annen konto. Be om en ny.")
        )
    return member


def delete_account_by_link(actor, token: str) -> None:
    """The signed-in member confirms with the emailed link: the account is erased."""
    erase_member(check_deletion_link(actor, token))
    db.session.commit()


def erase_member(member: Member) -> None:
    """Removes the member and what is theirs alone; the caller commits."""
    lifecycle.announce("member", "deleted", member)
    db.session.delete(member)
