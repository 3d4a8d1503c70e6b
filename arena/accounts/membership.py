"""Joining Arena: registration with an address its owner confirms, and membership of an
organisation that Arena verifies instead of believing.

Anyone can type «Skien kommune» when registering. The membership becomes verified when the
confirmed address is in one of the organisation's email domains, when one of the organisation's
contacts (or an admin) approves the request, or when an admin creates or imports the member.
Until then the member can finish their profile and follow things, but not act for the
organisation (arena/access.py).
"""

import secrets
from datetime import time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash

from arena.access import is_signed_in, require_admin, require_signed_in
from arena.accounts import member_data
from arena.accounts import services as accounts
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.links import absolute_url
from arena.organisations import services as organisations
from arena.organisations.models import Organisation
from arena.outbox import schedule
from arena.outbox.messages import language_of, queue_email

#: A registration nobody confirms is forgotten after this long.
UNCONFIRMED_KEPT = timedelta(days=7)


def unusable_password() -> str:
    # Not a hash any password matches: the account signs in only after its owner has chosen a
    # password from the emailed link.
    return "!" + secrets.token_hex(16)


def _email(member: Member, kind: str, subject, template: str, **values) -> None:
    """Queues one email to the member, in their language; `subject` gives the translated
    subject. The caller's commit sends it with the change."""
    with force_locale(language_of(member)):
        body = render_template(template, member=member, **values)
        queue_email(member, kind, subject(), body)


# --- registration -------------------------------------------------------------------------------


def register(
    *,
    email: str,
    name: str,
    title: str = "",
    organisation_id: int | None = None,
    new_organisation: organisations.OrganisationInput | None = None,
) -> str:
    """Someone registers. The answer never tells whether the address is known: a new address
    gets a link to confirm it and choose a password; a known one gets an email saying that
    someone tried (or a new link, if it was never confirmed). Returns the address."""
    email, errors = accounts.check_new_member(email, name, title)
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

    existing = accounts.find_member_by_email(email)
    if existing is not None:
        db.session.rollback()  # nothing is created for a known address, not even a proposal
        if existing.active:
            _tell_known_address(existing)
            db.session.commit()
        return email
    member = Member(
        email=email,
        name=name.strip(),
        title=(title or "").strip(),
        password_hash=unusable_password(),
        organisation=organisation,
    )
    db.session.add(member)
    db.session.flush()
    _send_confirmation(member)
    db.session.commit()
    return email


def _send_confirmation(member: Member) -> None:
    link = absolute_url("accounts.confirm", token=accounts.link_token(member, "confirm-email"))
    _email(
        member,
        "account",
        lambda: _("Bekreft e-postadressen din i Arena"),
        "accounts/email/confirm.txt",
        link=link,
    )


def _tell_known_address(member: Member) -> None:
    if member.email_confirmed_at is None:
        _send_confirmation(member)
        return
    _email(
        member,
        "account",
        lambda: _("Noen prøvde å registrere e-postadressen din i Arena"),
        "accounts/email/already_registered.txt",
        login=absolute_url("accounts.login"),
        forgot=absolute_url("accounts.forgot_password"),
    )


def confirm_registration(token: str, password: str) -> Member:
    """The emailed link's owner chooses a password: the address is confirmed, and the
    membership verified if the address is in the organisation's domains."""
    return set_password_from_link(token, "confirm-email", password)


def address_confirmed(member: Member) -> bool:
    """A link sent to the member's address was used. The first time, their membership is
    verified by its domain; if it cannot be, True: the caller asks the
    organisation (ask_to_join) before committing."""
    first_time = member.email_confirmed_at is None
    if first_time:
        member.email_confirmed_at = utcnow()
    if member.is_verified:
        return False
    if _in_organisations_domains(member):
        verify(member, "domain")
        return False
    return first_time and member.join_refused_at is None


@schedule.slot("forget-unconfirmed-registrations", time(7, 0))
def forget_unconfirmed_registrations(due: str | None = None) -> int:
    """Erases registrations nobody confirmed within UNCONFIRMED_KEPT (and organisations they
    proposed that nobody else belongs to). Returns how many."""
    stale = db.session.scalars(
        sa.select(Member).where(
            Member.email_confirmed_at.is_(None),
            Member.verified_at.is_(None),
            Member.created_at < utcnow() - UNCONFIRMED_KEPT,
        )
    ).all()
    proposed = {m.organisation for m in stale if not m.organisation.approved}
    for member in stale:
        member_data.erase_member(member)
    db.session.flush()
    for org in proposed:
        if not db.session.scalar(sa.select(Member.id).filter_by(organisation_id=org.id).limit(1)):
            db.session.delete(org)
    db.session.commit()
    return len(stale)


# --- verification -------------------------------------------------------------------------------


def _in_organisations_domains(member: Member) -> bool:
    return member.email_domain in member.organisation.domain_names


def _mark_verified(member: Member, via: str, by: Member | None = None) -> None:
    member.verified_at = utcnow()
    member.verified_via = via
    member.verified_by_id = by.id if by is not None else None
    member.join_refused_at = None


def verify(member: Member, via: str, by: Member | None = None) -> None:
    _mark_verified(member, via, by)
    accounts.profile_changed(member)  # the finder and the directory show verified members


def _deciders(member: Member) -> list[Member]:
    """Who answers the member's request: the organisation's contacts, else the admins."""
    contacts = db.session.scalars(
        sa.select(Member).where(
            Member.organisation_id == member.organisation_id,
            Member.is_organisation_contact,
            Member.verified_at.is_not(None),
            Member.active,
            Member.id != member.id,
        )
    ).all()
    if contacts:
        return list(contacts)
    return list(db.session.scalars(sa.select(Member).where(Member.is_admin, Member.active)))


def ask_to_join(member: Member) -> None:
    """Queues an email to whoever answers the member's request to join their organisation
    (the caller commits)."""
    for decider in _deciders(member):
        _email(
            decider,
            "membership",
            lambda: _(
                "%(name)s ber om å bli med i %(organisation)s",
                name=member.name,
                organisation=member.organisation.name,
            ),
            "accounts/email/join_request.txt",
            asking=member,
            link=absolute_url("accounts.memberships"),
        )


def can_decide(actor, member: Member) -> bool:
    """Admins decide every request; an organisation's contacts decide requests to join it."""
    if not is_signed_in(actor) or actor.id == member.id:
        return False
    if actor.is_admin:
        return True
    return (
        actor.is_organisation_contact
        and actor.is_verified
        and actor.organisation_id == member.organisation_id
    )


def pending_requests(actor) -> list[Member]:
    """Confirmed members waiting for the actor's answer (all of them for an admin)."""
    require_signed_in(actor)
    if not (actor.is_admin or actor.is_organisation_contact):
        raise PermissionDenied(_("Bare kontaktpersoner for organisasjonen og administratorer."))
    statement = _waiting_for_answer(actor).order_by(Member.email_confirmed_at)
    return [m for m in db.session.scalars(statement) if can_decide(actor, m)]


def count_pending_requests(actor) -> int:
    """How many requests to join wait for the actor's answer (0 for those who decide none)."""
    if not can_decide_any(actor):
        return 0
    statement = _waiting_for_answer(actor).where(Member.id != actor.id)
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))


def can_decide_any(actor) -> bool:
    return is_signed_in(actor) and (
        actor.is_admin or (actor.is_organisation_contact and actor.is_verified)
    )


def _waiting_for_answer(actor):
    """SQL: confirmed members whose membership nobody has decided, of the actor's organisation
    unless the actor is an admin."""
    statement = sa.select(Member).where(
        Member.email_confirmed_at.is_not(None),
        Member.verified_at.is_(None),
        Member.join_refused_at.is_(None),
        Member.active,
    )
    if not actor.is_admin:
        statement = statement.where(Member.organisation_id == actor.organisation_id)
    return statement


def decide_request(actor, member_id: int, approve: bool) -> Member:
    """A contact or an admin says yes or no to a request to join; the member is told."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound(_("Fant ikke medlemmet."))
    if not can_decide(actor, member):
        raise PermissionDenied(
            _("Bare kontaktpersoner for organisasjonen og administratorer kan svare.")
        )
    if member.is_verified or member.join_refused_at is not None:
        raise Conflict(_("Forespørselen er allerede besvart."))
    organisation = member.organisation.name
    if approve:
        verify(member, "approval", by=actor)
    else:
        member.join_refused_at = utcnow()
    _email(
        member,
        "membership",
        lambda: (
            _("Du er bekreftet som medlem av %(organisation)s", organisation=organisation)
            if approve
            else _("%(organisation)s bekreftet ikke medlemskapet ditt", organisation=organisation)
        ),
        "accounts/email/join_approved.txt" if approve else "accounts/email/join_refused.txt",
        link=absolute_url("accounts.profile", _anchor="membership-heading"),
    )
    db.session.commit()
    return member


def request_membership(actor, organisation_id: int) -> Organisation:
    """A member not yet verified asks to join an organisation (another one, or the same again
    after a refusal); their address's domain may settle it at once."""
    require_signed_in(actor)
    if actor.is_verified:
        raise Conflict(
            _("Medlemskapet ditt er bekreftet. Be en administrator om å flytte deg til en annen.")
        )
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.approved:
        message = _("Velg organisasjonen din fra lista.")
        raise ValidationFailed(message, {"organisation_id": message})
    actor.organisation = organisation
    actor.join_refused_at = None
    accounts.profile_changed(actor)
    if _in_organisations_domains(actor):
        verify(actor, "domain")
    if not actor.is_verified:
        ask_to_join(actor)
    db.session.commit()
    return organisation


def vouch_for(member: Member, organisation: Organisation) -> None:
    """An admin's import places the member in the organisation and vouches for it. The caller
    reindexes and commits."""
    if member.organisation is not organisation or not member.is_verified:
        member.organisation = organisation
        _mark_verified(member, "admin")


def verify_by_domain(organisation: Organisation) -> None:
    """Members of the organisation waiting for verification whose address is in one of its
    domains (perhaps new ones) are verified."""
    waiting = db.session.scalars(
        sa.select(Member).where(
            Member.organisation_id == organisation.id,
            Member.email_confirmed_at.is_not(None),
            Member.verified_at.is_(None),
        )
    ).all()
    for member in waiting:
        if _in_organisations_domains(member):
            verify(member, "domain")


def set_organisation_contact(actor, member: Member, is_contact: bool) -> Member:
    """An admin makes a verified member one of the organisation's contacts, or not."""
    require_admin(actor)
    if is_contact and not member.is_verified:
        raise ValidationFailed(
            _("Bare bekreftede medlemmer kan være kontaktperson for organisasjonen.")
        )
    member.is_organisation_contact = is_contact
    db.session.commit()
    return member


def reset_password(token: str, new_password: str) -> Member:
    """Set a new password from a reset link; the link and all sessions stop working."""
    return set_password_from_link(token, "password-reset", new_password)


def set_password_from_link(token: str, purpose: str, new_password: str) -> Member:
    """A new password from an emailed link, which also proves the address: the link and every
    session stop working, and the address counts as confirmed."""
    member = accounts.member_for_link(token, purpose)
    if member is None:
        raise ValidationFailed(_("Lenken er ugyldig, allerede brukt eller utløpt. Be om en ny."))
    if member.organisation.sso_required:
        raise ValidationFailed(
            _(
                "%(organisation)s logger inn med sin egen innlogging. Bruk knappen på "
                "innloggingssiden.",
                organisation=member.organisation.name,
            )
        )
    if problem := accounts.password_problem(new_password):
        raise ValidationFailed(problem, {"password": problem})
    member.password_hash = generate_password_hash(new_password, method="scrypt")
    accounts.end_sessions(member)
    if address_confirmed(member):
        ask_to_join(member)
    db.session.commit()
    return member
