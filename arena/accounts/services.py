"""Accounts: registration, sign-in, password reset, profiles, admin roles and API tokens."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from importlib.resources import files

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from arena.access import require_admin, require_self
from arena.accounts.models import ApiToken, Member, MemberSession
from arena.dates import utcnow
from arena.errors import NotFound, ValidationFailed
from arena.extensions import db
from arena.mail import send_mail
from arena.organisations import services as organisations
from arena.organisations.models import Organisation
from arena.search import services as search

MIN_PASSWORD_LENGTH = 10
LANGUAGES = ("nb", "nn", "en")
FIELD_LIMITS = {"name": 120, "title": 150, "phone": 40, "bio": 5000, "ask_me_about": 2000}

#: Other areas that keep something derived from a profile (the colleague finder's index, the
#: ORGANIZER of arena feeds); they hear of new, changed, deactivated and deleted accounts.
PROFILE_LISTENERS: list[Callable[[Member], None]] = []


def register_profile_listener(listener: Callable[[Member], None]) -> None:
    """An area asks to hear whenever a member's profile is created or changed."""
    PROFILE_LISTENERS.append(listener)


def _profile_changed(member: Member) -> None:
    db.session.flush()
    for listener in PROFILE_LISTENERS:
        listener(member)


# A precomputed hash, so signing in with an unknown email costs as much as with a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """The 1,000 most common passwords (shipped list), lower-cased."""
    text = files("arena").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively, so they are stored casefolded."""
    return (email or "").strip().casefold()


def email_problem(email: str) -> str | None:
    """Why an email address cannot be used, or None when it is well-formed."""
    if not email:
        return _("E-postadresse må fylles ut.")
    if len(email) > 254:
        return _("E-postadressen er for lang.")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _("Skriv en gyldig e-postadresse, for eksempel navn@kommune.no.")
    return None


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None when it may be used."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("Passordet må ha minst %(n)d tegn.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        return _("Passordet kan ikke være lengre enn %(n)d tegn.", n=200)
    if password.casefold() in common_passwords():
        return _("Dette passordet er blant de mest brukte. Velg et annet.")
    return None


def find_member_by_email(email: str) -> Member | None:
    return db.session.scalar(sa.select(Member).filter_by(email=normalise_email(email)))


def get_member(member_id: int) -> Member:
    """The member with this id, or NotFound."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("Fant ikke medlemmet."))
    return member


def _check_profile_fields(data: dict, errors: dict[str, str]) -> None:
    for field, limit in FIELD_LIMITS.items():
        if field in data and len(data[field] or "") > limit:
            errors[field] = _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = _("Navn må fylles ut.")
    if data.get("preferred_language") not in (None, "", *LANGUAGES):
        errors["preferred_language"] = _("Velg et av språkene i lista.")


def register_member(
    *,
    email: str,
    name: str,
    password: str,
    organisation_id: int | None = None,
    new_organisation: dict | None = None,
    title: str = "",
    is_admin: bool = False,
) -> Member:
    """A new member of an existing organisation, or of one they propose."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if problem := email_problem(email):
        errors["email"] = problem
    elif find_member_by_email(email) is not None:
        errors["email"] = _("Denne e-postadressen er allerede registrert. Logg inn i stedet.")
    if problem := password_problem(password):
        errors["password"] = problem
    _check_profile_fields({"name": name, "title": title}, errors)

    organisation = None
    if new_organisation:
        try:
            organisation = organisations.propose_organisation(new_organisation)
        except ValidationFailed as failure:
            errors.update({f"new_organisation_{k}": v for k, v in failure.fields.items()})
    else:
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        if organisation is None or not organisation.approved:
            errors["organisation_id"] = _("Velg organisasjonen din fra lista.")
    if errors:
        db.session.rollback()
        raise ValidationFailed(_("Skjemaet har feil."), errors)

    member = Member(
        email=email,
        name=name.strip(),
        title=(title or "").strip(),
        password_hash=generate_password_hash(password, method="scrypt"),
        organisation=organisation,
        is_admin=is_admin,
    )
    db.session.add(member)
    _profile_changed(member)
    db.session.commit()
    return member


def authenticate(email: str, password: str) -> Member | None:
    """The member these credentials belong to, if they are right and the account is active."""
    member = find_member_by_email(email)
    if member is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(member.password_hash, password or ""):
        return None
    return member if member.active else None


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(member: Member) -> str:
    # Changes whenever the password does, which makes every reset link single use.
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def password_reset_token(member: Member) -> str:
    """A signed link token that resets this member's password once, within the hour."""
    return _reset_serializer().dumps({"m": member.id, "p": _password_fingerprint(member)})


def request_password_reset(email: str, reset_url_for) -> None:
    """Email a reset link when the address belongs to an active member; say nothing otherwise."""
    member = find_member_by_email(email)
    if member is None or not member.active:
        return
    link = reset_url_for(password_reset_token(member))
    with force_locale(member.preferred_language or "nb"):
        subject = _("Nytt passord i Arena")
        body = render_template("accounts/email/password_reset.txt", member=member, link=link)
    send_mail(member.email, subject, body)


def member_for_reset_token(token: str) -> Member | None:
    """The member a valid, unused, unexpired reset token was made for."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    member = db.session.get(Member, data.get("m")) if isinstance(data.get("m"), int) else None
    if member is None or not member.active:
        return None
    if not hmac.compare_digest(str(data.get("p")), _password_fingerprint(member)):
        return None
    return member


def reset_password(token: str, new_password: str) -> Member:
    """Set a new password from a reset link; the link and all sessions stop working."""
    member = member_for_reset_token(token)
    if member is None:
        raise ValidationFailed(_("Lenken er ugyldig, allerede brukt eller utløpt. Be om en ny."))
    if problem := password_problem(new_password):
        raise ValidationFailed(problem, {"password": problem})
    member.password_hash = generate_password_hash(new_password, method="scrypt")
    end_sessions(member)
    db.session.commit()
    return member


def change_password(actor, member: Member, current_password: str, new_password: str) -> None:
    """A member replaces their own password; their other sessions are signed out."""
    require_self(actor, member)
    errors = {}
    if not check_password_hash(member.password_hash, current_password or ""):
        errors["current_password"] = _("Passordet er feil.")
    if problem := password_problem(new_password):
        errors["new_password"] = problem
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    member.password_hash = generate_password_hash(new_password, method="scrypt")
    end_sessions(member, keep=actor.session_token)
    db.session.commit()


def update_profile(actor, member: Member, data: dict) -> Member:
    """A member edits their own name, title, phone, bio and language."""
    require_self(actor, member)
    allowed = {"name", "title", "phone", "bio", "ask_me_about", "preferred_language"}
    data = {k: v for k, v in data.items() if k in allowed}
    errors: dict[str, str] = {}
    _check_profile_fields(data, errors)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    for key, value in data.items():
        value = (value or "").strip() if key != "bio" else (value or "")
        setattr(member, key, value or None if key == "preferred_language" else value)
    member.profile_reviewed_at = utcnow()
    _profile_changed(member)
    db.session.commit()
    return member


#: Other areas add what they store about a member: name -> function(member) -> JSON value.
EXPORT_SECTIONS: dict[str, Callable[[Member], object]] = {}


def register_export_section(name: str, collect: Callable[[Member], object]) -> None:
    """An area declares its part of a member's data export."""
    EXPORT_SECTIONS[name] = collect


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
        },
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
    _profile_changed(member)
    search.remove("member", member.id)
    db.session.delete(member)
    db.session.commit()


def set_admin(actor, member: Member, is_admin: bool) -> Member:
    """An admin gives or takes away the admin role (never their own)."""
    require_admin(actor)
    if member.id == actor.id:
        raise ValidationFailed(_("Du kan ikke endre din egen administratorrolle."))
    member.is_admin = is_admin
    db.session.commit()
    return member


def set_active(actor, member: Member, active: bool) -> Member:
    """An admin deactivates or reactivates an account; deactivation signs it out at once."""
    require_admin(actor)
    if member.id == actor.id:
        raise ValidationFailed(_("Du kan ikke deaktivere din egen konto."))
    member.active = active
    end_sessions(member)
    _profile_changed(member)
    db.session.commit()
    return member


def list_members(organisation_id: int | None = None) -> list[Member]:
    """Members by name, optionally of one organisation."""
    query = sa.select(Member).order_by(Member.name)
    if organisation_id:
        query = query.filter_by(organisation_id=organisation_id)
    return list(db.session.scalars(query))


def member_counts_by_organisation() -> dict[int, int]:
    """How many members each organisation has, by organisation id."""
    rows = db.session.execute(
        sa.select(Member.organisation_id, sa.func.count()).group_by(Member.organisation_id)
    )
    return dict(rows.all())


def move_members(source: Organisation, target: Organisation) -> None:
    """Moves every member of one organisation to another (part of a merge)."""
    db.session.execute(
        sa.update(Member)
        .where(Member.organisation_id == source.id)
        .values(organisation_id=target.id)
    )


organisations.register_merge_step(move_members)


# --- sessions ---------------------------------------------------------------------------------

#: A sign-in lasts this long at most; then the member signs in again.
SESSION_LIFETIME = timedelta(days=30)


def start_session(member: Member) -> str:
    """A new signed-in session for the member; the returned secret goes in the session cookie
    (and is what get_id() hands Flask-Login)."""
    now = utcnow()
    db.session.execute(
        sa.delete(MemberSession).where(
            MemberSession.member_id == member.id,
            MemberSession.created_at < now - SESSION_LIFETIME,
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(MemberSession(member_id=member.id, token_hash=hash_token(token), created_at=now))
    db.session.commit()
    member.session_token = token
    return token


def member_for_session(token: str) -> Member | None:
    """The active member a current session secret belongs to."""
    if not token or len(token) > 100:
        return None
    member = db.session.scalar(
        sa.select(Member)
        .join(MemberSession, MemberSession.member_id == Member.id)
        .where(
            MemberSession.token_hash == hash_token(token),
            MemberSession.created_at >= utcnow() - SESSION_LIFETIME,
        )
    )
    if member is None or not member.active:
        return None
    member.session_token = token
    return member


def end_session(token: str | None) -> None:
    """Signing out: this session's cookie no longer signs anyone in, wherever it was copied."""
    if token:
        db.session.execute(sa.delete(MemberSession).filter_by(token_hash=hash_token(token)))
        db.session.commit()


def end_sessions(member: Member, keep: str | None = None) -> None:
    """Signs the member out everywhere (but in the session `keep`); the caller commits."""
    statement = sa.delete(MemberSession).where(MemberSession.member_id == member.id)
    if keep:
        statement = statement.where(MemberSession.token_hash != hash_token(keep))
    db.session.execute(statement)


def sign_out_everywhere(actor, member: Member) -> None:
    """The member ends every session they have, this one too."""
    require_self(actor, member)
    end_sessions(member)
    db.session.commit()


# --- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "arena_"  # noqa: S105 - a label, not a secret


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(actor, member: Member, name: str) -> str:
    """A new personal API token; the returned secret is shown once and only its hash is kept."""
    require_self(actor, member)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Gi nøkkelen et navn."), {"name": _("Navn må fylles ut.")})
    if len(name) > 100:
        message = _("Kan ikke være lengre enn %(n)d tegn.", n=100)
        raise ValidationFailed(message, {"name": message})
    return issue_api_token(member, name)


def issue_api_token(member: Member, name: str) -> str:
    """Creates and stores a token for the member (used by the page and the CLI)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    db.session.add(ApiToken(member=member, name=name[:100], token_hash=hash_token(secret)))
    db.session.commit()
    return secret


def revoke_api_token(actor, token_id: int) -> None:
    """The token's owner switches it off for good."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("Fant ikke nøkkelen."))
    require_self(actor, token.member)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()


def member_for_api_token(secret: str) -> Member | None:
    """The active member a valid, unrevoked token belongs to; records that it was used."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.member.active:
        return None
    now = utcnow()
    # To the minute is precise enough, and spares a database write on most calls.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.member
