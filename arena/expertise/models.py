"""The shared vocabulary of fields of expertise (fagområder)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.accounts.models import Member
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db

NOTE_MAX = 300  # a note on one field of expertise


class ExpertiseArea(db.Model):
    """A field of expertise, curated by admins; members may propose new ones."""

    __tablename__ = "expertise_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: Bokmål name, e.g. «Klimatilpasning».
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    #: Nynorsk name when it differs, e.g. «Klimatilpassing».
    name_nn: Mapped[str] = mapped_column(sa.String(100), default="")
    #: Other words people use for it, comma separated («KI, AI, maskinlæring»).
    synonyms: Mapped[str] = mapped_column(sa.String(500), default="")
    #: False while proposed by a member and not yet looked at by an admin; usable at once.
    approved: Mapped[bool] = mapped_column(default=False)
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def display_name(self, locale: str) -> str:
        """The name in the reader's language form (nynorsk when there is one)."""
        return self.name_nn if locale == "nn" and self.name_nn else self.name

    def __repr__(self) -> str:
        return f"<ExpertiseArea {self.slug}>"


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
