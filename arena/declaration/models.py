"""Signatures of the declaration «Jobbe smartere sammen»."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.accounts.models import Member
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db


class Signature(db.Model):
    """A member's signature; one row per member, kept current when they sign again."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Consent to be listed publicly as an ambassador (name, title, organisation).
    public_consent: Mapped[bool] = mapped_column(default=False)
    #: Set when the member withdraws; they are then no longer an ambassador.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None

    def __repr__(self) -> str:
        return f"<Signature of member {self.member_id}>"
