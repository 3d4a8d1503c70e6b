"""Collaboration arenas (rule 10): one accepted owner and a deputy, their history, and meetings."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from arena.accounts.models import Member
from arena.changes import EVERYTHING, watch, watch_table
from arena.dates import UTCDateTime, utcnow
from arena.extensions import db
from arena.organisations.models import Organisation

KINDS = ("network", "forum", "working_group", "conference", "other")
#: How often an arena meets ("" when not stated); labels in every language in arenas/forms.py.
CADENCES = ("weekly", "biweekly", "monthly", "quarterly", "twice_yearly", "yearly", "as_needed")
VISIBILITIES = ("public", "members")
ROLES = ("owner", "deputy")

arena_organisations = sa.Table(
    "arena_organisations",
    db.metadata,
    sa.Column("arena_id", sa.ForeignKey("arenas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organisation_id",
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
arena_followers = sa.Table(
    "arena_followers",
    db.metadata,
    sa.Column("arena_id", sa.ForeignKey("arenas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "member_id", sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

#: Meetings are kept as wall-clock times in this zone (DESIGN.md).
TZID = "Europe/Oslo"
#: The longest each field may be (forms, the API and the services share these).
ARENA_LIMITS = {"name": 150, "purpose": 5000}
MEETING_LIMITS = {
    "title": 200,
    "description": 10_000,
    "location": 300,
    "online_url": 500,
    "recurrence": 300,
}


class Arena(db.Model):
    """A forum, network or working group where organisations meet regularly."""

    __tablename__ = "arenas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(150))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: How often it meets: one of CADENCES, or "" when not stated (shown in the reader's language).
    cadence: Mapped[str] = mapped_column(sa.String(20), default="")
    #: "public": anyone sees it and its meetings; "members": signed-in members and personal feeds.
    visibility: Mapped[str] = mapped_column(sa.String(10), default="public")
    #: When the owner should next confirm the arena is alive and its purpose and deputy right.
    review_due_on: Mapped[date]
    #: When the owner was last asked to review the arena (once per lapse).
    review_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last change to anything its calendar feeds show (meetings included, deletions too), so a
    #: feed's Last-Modified never goes back.
    calendar_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=arena_organisations, order_by=Organisation.name
    )
    roles: Mapped[list["ArenaRole"]] = relationship(
        back_populates="arena", cascade="all, delete-orphan", order_by="ArenaRole.started_at"
    )
    meetings: Mapped[list["Meeting"]] = relationship(
        back_populates="arena", cascade="all, delete-orphan", order_by="Meeting.starts_at"
    )

    def current(self, role: str) -> "ArenaRole | None":
        """The accepted holder of a role now, if any."""
        return next((r for r in self.roles if r.role == role and r.ended_at is None), None)

    @property
    def owner(self) -> Member | None:
        holder = self.current("owner")
        return holder.member if holder and holder.member and holder.member.active else None

    @property
    def deputy(self) -> Member | None:
        holder = self.current("deputy")
        return holder.member if holder and holder.member and holder.member.active else None

    @hybrid_property
    def is_public(self) -> bool:
        """Anyone sees it and its meetings; otherwise verified members only (arena/access.py).
        One arena's value, or SQL over many."""
        return self.visibility == "public"

    @hybrid_property
    def is_orphaned(self) -> bool:
        """No accepted, active owner: nobody is responsible. One arena's value, or SQL over
        many (below): the same rule, written side by side."""
        return self.owner is None

    @is_orphaned.inplace.expression
    @classmethod
    def _is_orphaned_sql(cls) -> sa.ColumnElement[bool]:
        return ~(
            sa.select(ArenaRole.id)
            .join(Member, Member.id == ArenaRole.member_id)
            .where(
                ArenaRole.arena_id == cls.id,
                ArenaRole.role == "owner",
                ArenaRole.ended_at.is_(None),
                Member.active.is_(True),
            )
            .exists()
        )

    def __repr__(self) -> str:
        return f"<Arena {self.slug}>"


class ArenaRole(db.Model):
    """Someone accepted being an arena's owner or deputy; ended when handed over (history)."""

    __tablename__ = "arena_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    arena_id: Mapped[int] = mapped_column(sa.ForeignKey("arenas.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(10))
    #: None once the holder deleted their account (the arena is then orphaned).
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    arena: Mapped[Arena] = relationship(back_populates="roles")
    member: Mapped[Member | None] = relationship()

    __table_args__ = (
        # The schema itself allows one current owner and one current deputy per arena.
        sa.Index(
            "uq_arena_roles_current",
            "arena_id",
            "role",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )


class RoleProposal(db.Model):
    """A request to someone to become an arena's owner or deputy; nothing changes until accepted."""

    __tablename__ = "role_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    arena_id: Mapped[int] = mapped_column(
        sa.ForeignKey("arenas.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(10))
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "pending", "accepted", "declined" or "withdrawn".
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    arena: Mapped[Arena] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    proposed_by: Mapped[Member | None] = relationship(foreign_keys=[proposed_by_id])


class Meeting(db.Model):
    """A meeting of an arena, once or as a series; times are wall-clock in `tzid`."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    arena_id: Mapped[int] = mapped_column(
        sa.ForeignKey("arenas.id", ondelete="CASCADE"), index=True
    )
    #: Stable iCalendar UID: never changes, so calendars update the event instead of adding one.
    uid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Wall-clock start in `tzid` (naive), so a weekly 09:00 stays 09:00 across DST changes.
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    #: Wall-clock end in `tzid`; None for a meeting with no set end.
    ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    tzid: Mapped[str] = mapped_column(sa.String(50), default="Europe/Oslo")
    #: RFC 5545 RRULE without DTSTART, bounded (at most 5 years or 500 occurrences).
    rrule: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Wall-clock start of the last occurrence, moved ones included (for finding meetings in a
    #: window quickly).
    last_starts_at: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    #: "confirmed" or "cancelled" (cancelled meetings stay in feeds for 30 days).
    status: Mapped[str] = mapped_column(sa.String(10), default="confirmed")
    #: Raised with every change of the meeting or the series, in feeds and invitations alike
    #: (RFC 5545 asks it for time and place; the rest may as well).
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    arena: Mapped[Arena] = relationship(back_populates="meetings")
    exceptions: Mapped[list["MeetingException"]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingException.occurrence",
    )

    # What the calendar builder reads of a meeting's arena (feeds pass rows with these fields).
    @property
    def arena_slug(self) -> str:
        return self.arena.slug

    @property
    def arena_name(self) -> str:
        return self.arena.name

    @property
    def owner_name(self) -> str | None:
        owner = self.arena.owner
        return owner.name if owner else None

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class MeetingException(db.Model):
    """One occurrence of a series cancelled or moved."""

    __tablename__ = "meeting_exceptions"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    #: The occurrence's original wall-clock start (its RECURRENCE-ID).
    occurrence: Mapped[datetime] = mapped_column(sa.DateTime, primary_key=True)
    #: "cancel" or "move".
    action: Mapped[str] = mapped_column(sa.String(10))
    new_starts_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    new_ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="exceptions")


class MeetingInvitation(db.Model):
    """A calendar invitation Arena sent a member for a meeting: the meeting is in their own
    calendar, at this SEQUENCE, until a CANCEL takes it out (then the row goes)."""

    __tablename__ = "meeting_invitations"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    sequence: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


ANSWERS = ("yes", "no")


class MeetingAnswer(db.Model):
    """A member's answer for one occurrence of a meeting: coming or not. A new answer replaces
    the old one."""

    __tablename__ = "meeting_answers"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    #: The occurrence's original wall-clock start (its RECURRENCE-ID), so a moved occurrence
    #: keeps its answers.
    occurrence: Mapped[datetime] = mapped_column(sa.DateTime, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: "yes" or "no".
    answer: Mapped[str] = mapped_column(sa.String(3))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()


#: What the arena register, the collaboration map and the front page's meetings are kept for.
watch(Arena, "arenas")
watch_table(arena_organisations, "arenas")
watch(ArenaRole, "arena_roles", lambda role: role.arena_id)
watch(Meeting, "meetings", lambda meeting: meeting.arena_id)
watch(MeetingException, "meetings", lambda _exception: EVERYTHING)
