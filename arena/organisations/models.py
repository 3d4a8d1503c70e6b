"""Organisations of the network and the municipalities they belong to."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.changes import watch
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db

ORGANISATION_KINDS = (
    "fylkeskommune",
    "kommune",
    "statlig",
    "akademia",
    "naeringsliv",
    "naeringshage",
    "interesseorganisasjon",
    "frivillighet",
    "annet",
)


class Municipality(db.Model):
    """A municipality (kommune) of the region: reference data loaded by a migration."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Current municipality number (from 2024, e.g. 4003 for Skien).
    number: Mapped[str] = mapped_column(sa.String(4), unique=True)
    #: Number before the county split on 1 January 2024 (38xx).
    number_2020: Mapped[str | None] = mapped_column(sa.String(4))
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    county: Mapped[str] = mapped_column(sa.String(100))

    def __repr__(self) -> str:
        return f"<Municipality {self.number} {self.name}>"


class Organisation(db.Model):
    """A member organisation; proposed ones wait for an admin's approval."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: URL name, unique; kept when the name changes so links stay valid.
    slug: Mapped[str] = mapped_column(sa.String(220), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipalities.id", ondelete="SET NULL")
    )
    #: Norwegian organisation number: 9 digits, modulus-11 checked.
    org_number: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    #: False while proposed by a member and not yet approved by an admin.
    approved: Mapped[bool] = mapped_column(default=False)
    #: The organisation's Microsoft Entra ID tenant: a sign-in from it is a verified member.
    sso_tenant_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Members sign in only with their organisation's account, never with a password.
    sso_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality | None] = relationship()
    members: Mapped[list["Member"]] = relationship(  # noqa: F821
        back_populates="organisation", order_by="Member.name"
    )
    domains: Mapped[list["OrganisationDomain"]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationDomain.domain",
    )

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class OrganisationDomain(db.Model):
    """An email domain that belongs to one organisation: a confirmed address in it makes its
    owner a verified member of that organisation."""

    __tablename__ = "organisation_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: Lower case, without «@» (skien.kommune.no); one organisation per domain.
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="domains")

    def __repr__(self) -> str:
        return f"<OrganisationDomain {self.domain}>"


watch(Organisation, "organisations")
