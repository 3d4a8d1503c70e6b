"""The digest's marks (how far each member's digests have covered) and the front page's visit
marks."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from arena.dates import UTCDateTime
from arena.extensions import db


class DigestMark(db.Model):
    """How far a member's weekly digests have covered: the next one holds what is newer."""

    __tablename__ = "digest_marks"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    covered_until: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the last digest with something in it was queued.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VisitMark(db.Model):
    """When the member's current and previous visits to the front page began: «what changed
    since your last visit» counts from the previous one."""

    __tablename__ = "visit_marks"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
