"""Signing in with an organisation's account (OpenID Connect): Authlib does the protocol
(discovery, authorization code with PKCE, state and nonce, the ID token's signature and
claims); this module decides who the person is in Arena.

Only the provider's issuer and subject are kept, linked to the member (MemberIdentity); no
access or refresh token. Identities are found by issuer and subject, never by address. An address
from a provider counts as proven (to link to the member who has it, to make an account, to
verify a membership) only when the provider vouches for it:
- a provider configured as Microsoft Entra ID (its discovery announces the issuer template
  `{tenantid}`): for addresses in the email domains of the organisation whose tenant the sign-in
  came from (`tid`, matching the token's issuer). Entra's email claim is an attribute the
  tenant's administrators and guests can set to anything («nOAuth»), so `email_verified` from it
  is ignored, and a tenant says nothing about addresses outside its organisation's domains;
- any other provider: when it says `email_verified` is true (the JSON value, not a string).
"""

from dataclasses import asdict, dataclass
from datetime import timedelta

import sqlalchemy as sa
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app
from flask_babel import gettext as _

from arena.access import require_self
from arena.accounts import membership
from arena.accounts import services as accounts
from arena.accounts.models import Member, MemberIdentity
from arena.addresses import domain_of, normalise_email
from arena.dates import utcnow
from arena.errors import NotFound, PermissionDenied, ValidationFailed
from arena.extensions import db
from arena.lines import one_line
from arena.organisations import services as organisations
from arena.organisations.models import Organisation

#: Authlib's client for each provider entry as configured (a changed entry gets a new one,
#: with its own discovery document and keys).
_clients: dict[tuple, FlaskOAuth2App] = {}
#: How long a sign-in waits for its owner to choose an organisation or enter a password.
PENDING_FOR = timedelta(minutes=15)


def providers() -> list[dict]:
    return current_app.config["SSO_PROVIDERS"]


def provider(name: str) -> dict:
    for entry in providers():
        if entry["name"] == name:
            return entry
    raise NotFound(_("Ukjent innloggingstjeneste."))


def client(name: str) -> FlaskOAuth2App:
    """Authlib's client for a configured provider: discovery, PKCE (S256), state and nonce."""
    entry = provider(name)
    key = tuple(sorted(entry.items()))
    if key not in _clients:
        _clients[key] = FlaskOAuth2App(
            FlaskIntegration(name),
            name,
            client_id=entry["client_id"],
            client_secret=entry["client_secret"],
            server_metadata_url=f"{entry['issuer']}/.well-known/openid-configuration",
            client_kwargs={"scope": entry["scopes"], "code_challenge_method": "S256"},
        )
    return _clients[key]


def claims_options(name: str) -> dict:
    """The issuer must be the provider's. Entra ID's multi-tenant endpoints announce the
    issuer https://login.microsoftonline.com/{tenantid}/v2.0: the token's own tenant (`tid`)
    fills it in, so a token from one tenant cannot pass for another's."""
    issuer = client(name).load_server_metadata()["issuer"]

    def issued_by_provider(claims, value) -> bool:
        return value == expected_issuer(issuer, claims)

    return {"iss": {"essential": True, "validate": issued_by_provider}}


def announced_issuer(name: str) -> str:
    return client(name).load_server_metadata()["issuer"]


def read_claims(name: str, token: dict) -> dict:
    """The validated ID token's claims, completed from the userinfo endpoint when the ID token
    lacks the address (OpenID Connect Core 5.4 lets a provider give it there only). Who signed in
    (issuer, subject, tenant) is only ever the ID token's."""
    claims = dict(token["userinfo"])
    if not claims.get("email"):
        more = client(name).userinfo(token=token)
        if str(more.get("sub")) != str(claims["sub"]):  # Core 5.3.2: must be the same person
            raise ValueError("userinfo answered for another subject")
        for key in ("email", "email_verified", "name"):
            if key not in claims and key in more:
                claims[key] = more[key]
    return claims


def expected_issuer(announced: str, claims) -> str | None:
    if "{tenantid}" not in announced:
        return announced
    tenant = claims.get("tid")
    if not isinstance(tenant, str) or not tenant:
        return None
    return announced.replace("{tenantid}", tenant)


@dataclass
class SignIn:
    """Who the provider says signed in, from the validated ID token's claims."""

    provider: str
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    #: Whether the provider is Entra ID (its issuer a `{tenantid}` template).
    entra: bool
    #: The Entra tenant the sign-in came from, when its token's issuer is that tenant's.
    tenant: str | None

    @classmethod
    def from_claims(cls, provider_name: str, claims, announced: str) -> "SignIn":
        entra = "{tenantid}" in announced
        tid = claims.get("tid")
        from_tenant = entra and isinstance(tid, str) and tid != ""
        from_tenant = from_tenant and claims["iss"] == expected_issuer(announced, claims)
        return cls(
            provider=provider_name,
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=normalise_email(str(claims.get("email") or "")),
            email_verified=claims.get("email_verified") is True,
            name=one_line(str(claims.get("name") or ""))[:120],
            entra=entra,
            tenant=tid.lower() if from_tenant else None,
        )

    def as_pending(self) -> dict:
        return asdict(self) | {"until": (utcnow() + PENDING_FOR).isoformat()}

    @classmethod
    def from_pending(cls, data) -> "SignIn | None":
        """A sign-in kept in the session while its owner finishes it; None if stale."""
        from datetime import datetime

        if not isinstance(data, dict):
            return None
        try:
            until = datetime.fromisoformat(data.pop("until"))
            found = cls(**data)
        except (KeyError, TypeError, ValueError):
            return None
        return found if until > utcnow() else None

    @property
    def tenant_organisation(self) -> Organisation | None:
        if not self.tenant:
            return None
        return db.session.scalar(
            sa.select(Organisation).where(Organisation.sso_tenant_id == self.tenant)
        )

    @property
    def email_trusted(self) -> bool:
        """The provider vouches for the address (see the module's rule)."""
        if not self.email:
            return False
        if self.entra:
            organisation = self.tenant_organisation
            return organisation is not None and domain_of(self.email) in organisation.domain_names
        return self.email_verified


@dataclass
class Outcome:
    """What happens next: "signed_in" (member), "needs_password" (the member must prove the
    account is theirs once), or "choose_organisation" (a newcomer Arena cannot place)."""

    step: str
    member: Member | None = None


def complete(sign_in: SignIn) -> Outcome:
    """Finds or makes the member a validated sign-in belongs to."""
    identity = db.session.scalar(
        sa.select(MemberIdentity).where(
            MemberIdentity.issuer == sign_in.issuer, MemberIdentity.subject == sign_in.subject
        )
    )
    if identity is not None:
        member = identity.member
        _refuse_inactive(member)
        _follow_address_change(member, sign_in)
        identity.email, identity.last_used_at = sign_in.email, utcnow()
        db.session.commit()
        return Outcome("signed_in", member)
    if not sign_in.email:
        raise ValidationFailed(
            _(
                "Innloggingstjenesten oppga ingen e-postadresse. Registrer deg med e-post og "
                "passord i stedet."
            )
        )
    if not sign_in.email_trusted:
        # The same answer whether or not the address has an account here: it must not tell.
        return Outcome("needs_password")
    existing = accounts.find_member_by_email(sign_in.email)
    if existing is not None:
        _refuse_inactive(existing)
        link(existing, sign_in)
        return Outcome("signed_in", existing)
    organisation = organisations.organisation_for_domain(domain_of(sign_in.email))
    if organisation is None or not organisation.approved:
        return Outcome("choose_organisation")
    member = _new_member(sign_in, organisation, sign_in.name or sign_in.email, "")
    return Outcome("signed_in", member)


def finish_new_member(sign_in: SignIn, name: str, title: str, organisation_id) -> Member:
    """A newcomer Arena could not place chose their organisation: they join it as anyone who
    registers does (verified by domain or tenant, else they ask to join)."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Navn må fylles ut.")
    digits = str(organisation_id or "")
    organisation = db.session.get(Organisation, int(digits)) if digits.isdigit() else None
    if organisation is None or not organisation.approved:
        errors["organisation_id"] = _("Velg organisasjonen din fra lista.")
    if errors:
        raise ValidationFailed(_("Skjemaet har feil."), errors)
    if accounts.find_member_by_email(sign_in.email) is not None:
        raise ValidationFailed(_("Kontoen finnes allerede. Logg inn på nytt."))
    return _new_member(sign_in, organisation, name, title)


def _new_member(sign_in: SignIn, organisation: Organisation, name: str, title: str) -> Member:
    email, problems = accounts.check_new_member(sign_in.email, name, title)
    if problems:
        raise ValidationFailed(_("Skjemaet har feil."), problems)
    member = Member(
        email=email,
        name=name.strip()[:120],
        title=(title or "").strip()[:150],
        password_hash=membership.unusable_password(),
        organisation=organisation,
        email_confirmed_at=utcnow(),
    )
    db.session.add(member)
    db.session.flush()
    _link_identity(member, sign_in)
    if not member.is_verified:
        membership.ask_to_join(member)
    db.session.commit()
    return member


def link(member: Member, sign_in: SignIn) -> MemberIdentity:
    """Ties the sign-in to the member (their address proven by the provider or, for an
    unverified one, by their password)."""
    identity = _link_identity(member, sign_in)
    db.session.commit()
    return identity


def _link_identity(member: Member, sign_in: SignIn) -> MemberIdentity:
    identity = MemberIdentity(
        member_id=member.id,
        provider=sign_in.provider,
        issuer=sign_in.issuer,
        subject=sign_in.subject,
        email=sign_in.email,
        created_at=utcnow(),
        last_used_at=utcnow(),
    )
    db.session.add(identity)
    if sign_in.email_trusted and sign_in.email == member.email:
        member.email_confirmed_at = member.email_confirmed_at or utcnow()
    _verify_by_provider(member, sign_in)
    db.session.flush()
    return identity


def _verify_by_provider(member: Member, sign_in: SignIn) -> None:
    """A proven address in the member's organisation's domains verifies the membership (from
    its tenant, or from a provider that verified the address)."""
    if member.is_verified or not sign_in.email_trusted:
        return
    if domain_of(sign_in.email) not in member.organisation.domain_names:
        return
    from_tenant = sign_in.tenant_organisation == member.organisation
    membership.verify(member, "tenant" if from_tenant else "domain")


def _refuse_inactive(member: Member) -> None:
    if not member.active:
        raise PermissionDenied(_("Kontoen er deaktivert. Kontakt en administrator."))


def _follow_address_change(member: Member, sign_in: SignIn) -> None:
    """The provider changed the address: Arena follows when the new one is proven and free."""
    if not sign_in.email_trusted or sign_in.email == member.email:
        return
    if accounts.find_member_by_email(sign_in.email) is not None:
        return
    member.email = sign_in.email
    accounts.profile_changed(member)


# --- the member's own linked sign-ins -----------------------------------------------------------


def identities_of(member: Member) -> list[MemberIdentity]:
    return list(
        db.session.scalars(
            sa.select(MemberIdentity)
            .where(MemberIdentity.member_id == member.id)
            .order_by(MemberIdentity.created_at)
        )
    )


def unlink(actor, identity_id: int) -> None:
    """The member removes a linked sign-in, unless it is their last way to sign in."""
    identity = db.session.get(MemberIdentity, identity_id)
    if identity is None:
        raise NotFound(_("Fant ikke innloggingen."))
    require_self(actor, identity.member)
    member = identity.member
    if len(identities_of(member)) == 1 and not member.signs_in_with_password:
        raise ValidationFailed(
            _("Dette er den eneste måten du kan logge inn på. Velg et passord først.")
        )
    db.session.delete(identity)
    db.session.commit()


def end_session_url(name: str, come_back_to: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), if
    the provider offers it; None otherwise or when it cannot be reached."""
    from requests import RequestException

    try:
        provider(name)
        app = client(name)
        if not app.load_server_metadata().get("end_session_endpoint"):
            return None
        return app.create_logout_url(
            post_logout_redirect_uri=come_back_to, client_id=app.client_id
        )["url"]
    except (NotFound, RequestException):
        return None


def label(provider_name: str) -> str:
    for entry in providers():
        if entry["name"] == provider_name:
            return entry["label"]
    return provider_name
