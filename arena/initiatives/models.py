"""Initiatives (rule 4): what the members' organisations do and prioritise, and their updates."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.accounts.models import Member
from arena.changes import watch, watch_table
from arena.dates import UTCDateTime, utcnow
from arena.expertise.models import ExpertiseArea
from arena.extensions import db
from arena.organisations.models import Municipality, Organisation

STATUSES = ("idea", "planned", "ongoing", "completed", "paused")


def _link_table(name: str, column: str, target: str) -> sa.Table:
    """A many-to-many table between initiatives and another table (rows go with either side)."""
    return sa.Table(
        name,
        db.metadata,
        sa.Column(
            "initiative_id", sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            column, sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True, index=True
        ),
    )


initiative_partners = _link_table("initiative_partners", "organisation_id", "organisations")
initiative_themes = _link_table("initiative_themes", "area_id", "expertise_areas")
initiative_wanted_competence = _link_table(
    "initiative_wanted_competence", "area_id", "expertise_areas"
)
initiative_municipalities = _link_table(
    "initiative_municipalities", "municipality_id", "municipalities"
)

#: The longest each text may be, and the most links (forms, the API and the services share these).
LIMITS = {"title": 200, "summary": 500, "description": 20_000}
MAX_LINKS = 10


class Initiative(db.Model):
    """Something an organisation does or plans, registered so others can see and join it."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500))
    #: Markdown; rendered through arena.markup only.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    #: «This is a priority for us»: shown among the lead organisation's priorities.
    is_priority: Mapped[bool] = mapped_column(default=False, index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    lead_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: Readable without signing in (contact details still need sign-in).
    is_public: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: When the contact person last confirmed the initiative is current.
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the last «is this still current?» reminder was sent.
    review_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Optimistic locking: an edit based on an older version is refused, not lost.
    version: Mapped[int] = mapped_column(default=1)

    contact: Mapped[Member | None] = relationship(foreign_keys=[contact_id])
    lead_organisation: Mapped[Organisation] = relationship()
    partners: Mapped[list[Organisation]] = relationship(
        secondary=initiative_partners, order_by=Organisation.name
    )
    themes: Mapped[list[ExpertiseArea]] = relationship(
        secondary=initiative_themes, order_by=ExpertiseArea.name
    )
    wanted_competence: Mapped[list[ExpertiseArea]] = relationship(
        secondary=initiative_wanted_competence, order_by=ExpertiseArea.name
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=initiative_municipalities, order_by=Municipality.name
    )
    links: Mapped[list["InitiativeLink"]] = relationship(
        cascade="all, delete-orphan", order_by="InitiativeLink.position"
    )
    updates: Mapped[list["InitiativeUpdate"]] = relationship(
        cascade="all, delete-orphan",
        order_by="InitiativeUpdate.created_at.desc()",
        back_populates="initiative",
    )

    proposals: Mapped[list["OrganisationProposal"]] = relationship(
        back_populates="initiative",
        cascade="all, delete-orphan",
        order_by="OrganisationProposal.id",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.title!r}>"

    def proposed(self, role: str) -> list["OrganisationProposal"]:
        return [p for p in self.proposals if p.role == role]


#: What an organisation may be asked to say about an initiative.
PROPOSAL_ROLES = ("lead", "partner", "priority")


class OrganisationProposal(db.Model):
    """Somebody named an organisation they do not speak for as the initiative's lead or a
    partner, or asked the lead to call it a priority: it counts only once a verified member of
    that organisation (or an admin) accepts; until then pages say «foreslått»."""

    __tablename__ = "initiative_proposals"
    __table_args__ = (sa.UniqueConstraint("initiative_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: One of PROPOSAL_ROLES.
    role: Mapped[str] = mapped_column(sa.String(20))
    #: A proposed lead is asked to call the initiative its priority too.
    with_priority: Mapped[bool] = mapped_column(default=False)
    #: None once the proposer has deleted their account.
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    initiative: Mapped["Initiative"] = relationship(back_populates="proposals")
    organisation: Mapped[Organisation] = relationship()
    proposed_by: Mapped[Member | None] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationProposal {self.role} {self.organisation_id} for {self.initiative_id}>"


class InitiativeLink(db.Model):
    """A web link of an initiative (project page, report, ...)."""

    __tablename__ = "initiative_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(sa.String(500))
    label: Mapped[str] = mapped_column(sa.String(200), default="")


class InitiativeUpdate(db.Model):
    """A dated post about how an initiative is going."""

    __tablename__ = "initiative_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    #: None once the author has deleted their account («former member»).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    initiative: Mapped[Initiative] = relationship(back_populates="updates")
    author: Mapped[Member | None] = relationship()


class Follow(db.Model):
    """A member follows an initiative, a theme (expertise area) or an organisation."""

    __tablename__ = "follows"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    #: "initiative", "theme" or "organisation".
    target_kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_follows_target", "target_kind", "target_id"),)


class OverviewVisit(db.Model):
    """When the member last looked at «My overview», so it can show what changed since."""

    __tablename__ = "overview_visits"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompetenceNotice(db.Model):
    """A member was (or will be, in the digest) told that an initiative wants a field they
    hold: once per initiative and member."""

    __tablename__ = "competence_notices"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    initiative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "email" (told at once), "digest" (in a digest), or None while it waits for the digest.
    told_by: Mapped[str | None] = mapped_column(sa.String(10))


#: What the collaboration map is kept for (themes: a merge of fields moves them in bulk).
watch(Initiative, "initiatives")
for _table in (initiative_partners, initiative_themes, initiative_municipalities):
    watch_table(_table, "initiatives")
