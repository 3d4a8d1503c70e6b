"""The shared vocabulary of fields of expertise (fagområder)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arena.dates import UTCDateTime, utcnow
from arena.extensions import db


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
