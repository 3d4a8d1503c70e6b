"""Members (user accounts) and their personal API tokens."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.changes import watch
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db
from arena.organisations.models import Organisation

LANGUAGES = ("nb", "nn", "en")
#: The longest each profile field may be (forms, the API and the services share these).
FIELD_LIMITS = {"name": 120, "title": 150, "phone": 40, "bio": 5000, "ask_me_about": 2000}


class Member(UserMixin, db.Model):
    """A person using Arena, belonging to one organisation."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored as arena.addresses.normalise_email makes it, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(150), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Markdown; rendered through arena.markup.render_markdown only.
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    #: «Spør meg om»: free text on what colleagues may ask about (searched by the colleague finder).
    ask_me_about: Mapped[str] = mapped_column(sa.Text, default="")
    preferred_language: Mapped[str | None] = mapped_column(sa.String(5))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: When the member proved they read mail at `email` (a confirmation or reset link); None
    #: until then, and such an account cannot sign in.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When their membership of `organisation` was verified: only then may they act for it,
    #: see members-only arenas and colleagues' contact details.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How: "domain" (their address is in one of the organisation's domains), "approval" (an
    #: organisation contact or an admin said yes), "admin" (an admin created or imported them),
    #: "migration" (the upgrade that introduced verification found their domain), "tenant" (they
    #: signed in with the organisation's Entra ID tenant).
    verified_via: Mapped[str | None] = mapped_column(sa.String(20))
    #: The contact or admin who approved the request to join.
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    #: When a contact or admin said no to the request to join; asking again clears it.
    join_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Answers requests to join the organisation (chosen by an admin among verified members).
    is_organisation_contact: Mapped[bool] = mapped_column(default=False)
    #: False when an admin has deactivated the account: it can no longer sign in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Random key of the personal calendar feed; the token is HMAC(SECRET_KEY, key), so it can be
    #: shown again but never read from the database, where only its SHA-256 is kept.
    calendar_key: Mapped[str | None] = mapped_column(sa.String(32))
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When the member last saved or confirmed their profile; a year on they are asked again.
    profile_reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the last «please review your profile» reminder was sent.
    profile_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    api_tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="ApiToken.created_at"
    )

    #: The secret of the session this request is signed in with (set by accounts.services when
    #: a session starts or is found); never stored, only its hash is.
    session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive members
        return self.active

    @property
    def is_verified(self) -> bool:
        """Whether Arena knows the member belongs to their organisation."""
        return self.verified_at is not None

    @property
    def has_password(self) -> bool:
        """Whether the member has a password of their own (not one who only ever signed in with
        their organisation's account, or was imported and has not chosen one)."""
        return not self.password_hash.startswith("!")

    @property
    def signs_in_with_password(self) -> bool:
        """Whether a password proves it is them: they have one and may use it."""
        return self.has_password and not self.organisation.sso_required

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the signed session cookie: the session's secret, which
        the server can forget (sign-out), unlike the cookie itself."""
        return self.session_token

    # UserMixin compares members by get_id(), the session's secret, which two members without
    # a session share (None): a member is the same as another only if it is the same row.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"


class ApiToken(db.Model):
    """A personal API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    #: The member's own label, e.g. "Power BI".
    name: Mapped[str] = mapped_column(sa.String(100))
    #: Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of member {self.member_id}>"


class MemberSession(db.Model):
    """A signed-in browser session; signing out deletes it, so a copied cookie stops working."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    #: Hex SHA-256 of the secret in the session cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MemberSession {self.id} of member {self.member_id}>"


class MemberIdentity(db.Model):
    """A sign-in with an organisation's identity provider (OpenID Connect) linked to a member:
    the provider's issuer and subject only, never its tokens."""

    __tablename__ = "member_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    #: The configured provider's name (SSO_PROVIDERS), for the label on the profile.
    provider: Mapped[str] = mapped_column(sa.String(40))
    issuer: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(255))
    #: The address the provider gave when the identity was linked or last used.
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


#: Holders' names, organisations and accounts show in the arena register's responsibility map.
watch(Member, "members")
