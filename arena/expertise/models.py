"""The shared vocabulary of fields of expertise (fagområder)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.accounts.models import Member
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db

NOTE_MAX = 300  # a note on one field of expertise
ALTERNATIVES_MAX = 1000
#: How one concept relates to another: area_id is narrower than other_id, or related to it.
BROADER, RELATED = "broader", "related"


class ExpertiseArea(db.Model):
    """A field of expertise: a concept with a preferred label in bokmål, nynorsk and English, any
    number of alternative labels, and broader and related concepts (SKOS). Curated by admins;
    members may propose new ones."""

    __tablename__ = "expertise_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: Bokmål name, e.g. «Klimatilpasning».
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    #: Nynorsk name when it differs, e.g. «Klimatilpassing».
    name_nn: Mapped[str] = mapped_column(sa.String(100), default="")
    #: English name, e.g. «Climate adaptation».
    name_en: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    #: Alternative labels in any language, comma separated: synonyms, abbreviations, old names,
    #: misspellings people type («KI, AI, maskinlæring, artificial intelligence»).
    synonyms: Mapped[str] = mapped_column(sa.String(ALTERNATIVES_MAX), default="")
    #: False while proposed by a member and not yet looked at by an admin; usable at once.
    approved: Mapped[bool] = mapped_column(default=False)
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a label or link last changed: the search pipeline reloads the labels after it.
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=sa.text("CURRENT_TIMESTAMP")
    )

    def display_name(self, locale: str) -> str:
        """The name in the reader's language (bokmål where that language has none)."""
        own = {"nn": self.name_nn, "en": self.name_en}.get(locale)
        return own or self.name

    @property
    def alternatives(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]

    @property
    def labels(self) -> list[str]:
        """Every name the concept is known by: preferred labels first, then the alternatives."""
        return [n for n in (self.name, self.name_nn, self.name_en) if n] + self.alternatives

    def __repr__(self) -> str:
        return f"<ExpertiseArea {self.slug}>"


class AreaLink(db.Model):
    """A broader (area_id is narrower than other_id) or related link between two concepts.
    Narrower is the other side of broader; a related link is stored once and holds both ways."""

    __tablename__ = "expertise_area_links"

    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expertise_areas.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expertise_areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(sa.String(10))

    __table_args__ = (
        sa.CheckConstraint("relation IN ('broader', 'related')", name="relation_kind"),
        sa.CheckConstraint("area_id <> other_id", name="not_itself"),
    )


LEVELS = (1, 2, 3)  # interested, experienced, expert


class MemberExpertise(db.Model):
    """A member's field of expertise, at a level, with a note."""

    __tablename__ = "member_expertise"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expertise_areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: 1 interested, 2 experienced, 3 expert.
    level: Mapped[int] = mapped_column(sa.SmallInteger)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    member: Mapped[Member] = relationship()
    area: Mapped[ExpertiseArea] = relationship()

    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),)

    def __repr__(self) -> str:
        return f"<MemberExpertise {self.member_id}:{self.area_id} level {self.level}>"


class ContactRequest(db.Model):
    """A message one member sent another through «Ta kontakt»."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None once the sender has deleted their account.
    sender_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    expert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(sa.String(150))
    message: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Set when the expert marks the request answered.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sender: Mapped[Member | None] = relationship(foreign_keys=[sender_id])
    expert: Mapped[Member] = relationship(foreign_keys=[expert_id])
