"""Accounts: registration, sign-in, password reset, profiles, admin roles and API tokens."""

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from functools import cache
from importlib.resources import files

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from arena import lifecycle
from arena.access import require_admin, require_self
from arena.accounts.models import FIELD_LIMITS, LANGUAGES, ApiToken, Member
from arena.accounts.sessions import end_sessions
from arena.addresses import normalise_email
from arena.dates import utcnow
from arena.errors import NotFound, ValidationFailed
from arena.extensions import db
from arena.lines import check_length, check_one_line, too_long
from arena.links import absolute_url
from arena.organisations.models import Organisation
from arena.outbox.messages import language_of, queue_email
from arena.paging import Page

MIN_PASSWORD_LENGTH = 10


def profiles_changed(members: list[Member]) -> None:
    """Members were created or their profiles changed (by a form, the API, an admin or an
    import: all come here); the areas that keep something derived from a profile hear of it.
    The caller commits."""
    lifecycle.announce("member", "changed", members)


def profile_changed(member: Member) -> None:
    profiles_changed([member])


# A precomputed hash, so signing in with an unknown email costs as much as with a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """The 1,000 most common passwords (shipped list), lower-cased."""
    text = files("arena").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


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


def one_at_a_time(member: Member) -> None:
    """Takes the member's row for the rest of this transaction (a row lock on PostgreSQL, the
    write lock on SQLite), so that a count-then-insert for them (a daily limit) runs one request
    at a time: two parallel requests cannot both see room for one more."""
    db.session.execute(sa.update(Member).where(Member.id == member.id).values(id=Member.id))


def members_one_at_a_time(member_ids) -> None:
    """one_at_a_time for many members, taken in id order so that two transactions wanting
    overlapping sets wait for each other instead of deadlocking. The SELECT locks the rows on
    PostgreSQL; the UPDATE takes SQLite's write lock (and changes nothing)."""
    ids = sorted(set(member_ids))
    if ids:
        db.session.execute(
            sa.select(Member.id).where(Member.id.in_(ids)).order_by(Member.id).with_for_update()
        )
        db.session.execute(sa.update(Member).where(Member.id.in_(ids)).values(id=Member.id))


def get_member(member_id: int) -> Member:
    """The member with this id, or NotFound."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("Fant ikke medlemmet."))
    return member


def _check_profile_fields(data: dict, errors: dict[str, str]) -> None:
    for field, limit in FIELD_LIMITS.items():
        if field in data:
            check_length(errors, field, data[field], limit)
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = _("Navn må fylles ut.")
    check_one_line(data, ("name", "title", "phone"), errors)
    if data.get("preferred_language") not in (None, "", *LANGUAGES):
        errors["preferred_language"] = _("Velg et av språkene i lista.")


def check_new_member(email: str, name: str, title: str = "") -> tuple[str, dict[str, str]]:
    """The normalised address and what is wrong with a new member's details (the address being
    taken is not checked: registration must not tell)."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    if problem := email_problem(email):
        errors["email"] = problem
    _check_profile_fields({"name": name, "title": title}, errors)
    return email, errors


def create_member(
    *, email: str, name: str, password: str, organisation: Organisation, is_admin: bool = False
) -> Member:
    """A member an administrator vouches for (`create-user`): address confirmed and
    membership of the organisation verified at once."""
    email, errors = check_new_member(email, name)
    if not errors.get("email") and find_member_by_email(email) is not None:
        errors["email"] = _("Denne e-postadressen er allerede registrert.")
    if problem := password_problem(password):
        errors["password"] = problem
    if organisation is None or not organisation.approved:
        errors["organisation_id"] = _("Velg organisasjonen din fra lista.")
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    now = utcnow()
    member = Member(
        email=email,
        name=name.strip(),
        password_hash=generate_password_hash(password, method="scrypt"),
        organisation=organisation,
        is_admin=is_admin,
        email_confirmed_at=now,
        verified_at=now,
        verified_via="admin",
    )
    db.session.add(member)
    profile_changed(member)
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


# --- links that prove an address: password reset and confirmation ------------------------------

#: What a link is for, and how long it works.
LINK_PURPOSES = {
    "password-reset": "PASSWORD_RESET_MAX_AGE",
    "confirm-email": "CONFIRM_MAX_AGE",
    "delete-account": "DELETE_ACCOUNT_MAX_AGE",
}


def _link_serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def _password_fingerprint(member: Member) -> str:
    # Changes whenever the password does, which makes every link single use.
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def link_token(member: Member, purpose: str) -> str:
    """A signed token for an emailed link that works once, for a while (LINK_PURPOSES)."""
    return _link_serializer(purpose).dumps({"m": member.id, "p": _password_fingerprint(member)})


def member_for_link(token: str, purpose: str) -> Member | None:
    """The active member a valid, unused, unexpired link was made for."""
    max_age = current_app.config[LINK_PURPOSES[purpose]]
    try:
        data = _link_serializer(purpose).loads(token, max_age=max_age)
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


def password_reset_token(member: Member) -> str:
    """A signed link token that resets this member's password once, within the hour."""
    return link_token(member, "password-reset")


def member_for_reset_token(token: str) -> Member | None:
    return member_for_link(token, "password-reset")


def request_password_reset(email: str) -> None:
    """Email a reset link when the address belongs to an active member; say nothing otherwise."""
    member = find_member_by_email(email)
    if member is None or not member.active:
        return
    with force_locale(language_of(member)):
        subject = _("Nytt passord i Arena")
        if member.organisation.sso_required:  # no password to reset: say which button to use
            body = render_template(
                "accounts/email/sso_required.txt",
                member=member,
                link=absolute_url("accounts.login"),
            )
        else:
            link = absolute_url("accounts.reset_password", token=password_reset_token(member))
            body = render_template("accounts/email/password_reset.txt", member=member, link=link)
    queue_email(member, "account", subject, body)
    db.session.commit()


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


@dataclass
class ProfileInput:
    """What a member says about themselves; `preferred_language` None follows the browser."""

    name: str = ""
    title: str = ""
    phone: str = ""
    bio: str = ""
    ask_me_about: str = ""
    preferred_language: str | None = None


def profile_input(member: Member) -> ProfileInput:
    """The member's profile as it is, to change some of it."""
    return ProfileInput(**{f.name: getattr(member, f.name) for f in fields(ProfileInput)})


def update_profile(actor, member: Member, data: ProfileInput) -> Member:
    """A member edits their own name, title, phone, bio and language."""
    require_self(actor, member)
    values = asdict(data)
    errors: dict[str, str] = {}
    _check_profile_fields(values, errors)
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    for key, value in values.items():
        value = (value or "").strip() if key != "bio" else (value or "")
        setattr(member, key, value or None if key == "preferred_language" else value)
    member.profile_reviewed_at = utcnow()
    profile_changed(member)
    db.session.commit()
    return member


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
    profile_changed(member)
    db.session.commit()
    return member


#: Members per page of the admins' list.
MEMBERS_PER_PAGE = 100


def members_page(actor, page: int) -> Page:
    """Every member by name for admins, a page at a time, with their organisations."""
    require_admin(actor)
    query = sa.select(Member).order_by(Member.name, Member.id)
    total = db.session.scalar(sa.select(sa.func.count(Member.id)))
    items = db.session.scalars(
        query.limit(MEMBERS_PER_PAGE)
        .offset((page - 1) * MEMBERS_PER_PAGE)
        .options(joinedload(Member.organisation))
    ).all()
    return Page(list(items), total, page, MEMBERS_PER_PAGE)


def list_members(organisation_id: int | None = None) -> list[Member]:
    """Members by name, optionally of one organisation."""
    query = sa.select(Member).order_by(Member.name)
    if organisation_id:
        query = query.filter_by(organisation_id=organisation_id)
    return list(db.session.scalars(query))


def members_of(organisation: Organisation) -> list[Member]:
    """The organisation's active, verified members by name: the ones shown as its people."""
    return list(
        db.session.scalars(
            sa.select(Member)
            .where(
                Member.organisation_id == organisation.id,
                Member.active,
                Member.verified_at.is_not(None),
            )
            .order_by(Member.name)
        )
    )


def move_members(source: Organisation, target: Organisation) -> None:
    """Moves every member of one organisation to another (part of a merge)."""
    db.session.execute(
        sa.update(Member)
        .where(Member.organisation_id == source.id)
        .values(organisation_id=target.id)
    )


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
    if message := too_long(name, 100):
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
