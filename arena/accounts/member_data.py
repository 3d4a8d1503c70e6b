"""A member's own data: everything Arena keeps about them, to download, and erasing it with the
account. Each area declares its part here."""

from collections.abc import Callable

from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from arena.access import require_self
from arena.accounts import sessions
from arena.accounts.models import Member
from arena.accounts.services import profile_changed
from arena.dates import utcnow
from arena.errors import ValidationFailed
from arena.extensions import db
from arena.search import services as search

#: Other areas add what they store about a member: name -> function(member) -> JSON value.
EXPORT_SECTIONS: dict[str, Callable[[Member], object]] = {}


def register_export_section(name: str, collect: Callable[[Member], object]) -> None:
    """An area declares its part of a member's data export."""
    EXPORT_SECTIONS[name] = collect


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_member_data(actor, member: Member) -> dict:
    """Everything Arena stores about the member, for them to download."""
    require_self(actor, member)
    sections = {name: collect(member) for name, collect in EXPORT_SECTIONS.items()}
    return sections | {
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
    """A member erases their account; what they wrote stays as "former member"."""
    require_self(actor, member)
    if not check_password_hash(member.password_hash, password or ""):
        raise ValidationFailed(_("Passordet er feil."), {"password": _("Passordet er feil.")})
    erase_member(member)
    db.session.commit()


#: What other areas erase with an account beyond what the database cascades: text the member
#: wrote that would otherwise outlive them.
ERASE_STEPS: list[Callable[[Member], None]] = []


def register_erase_step(step: Callable[[Member], None]) -> None:
    """An area declares what of a deleted member's it removes."""
    ERASE_STEPS.append(step)


def erase_member(member: Member) -> None:
    """Removes the member and what is theirs alone; the caller commits."""
    profile_changed(member)
    for step in ERASE_STEPS:
        step(member)
    search.remove("member", member.id)
    db.session.delete(member)
