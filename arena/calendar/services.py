"""Calendar feeds: which meetings each feed shows, personal feed tokens, and caching headers."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from arena.access import require_self
from arena.accounts.models import Member
from arena.arenas import services as arenas
from arena.arenas.models import Arena, arena_organisations
from arena.calendar.ical import FeedInfo, build_calendar
from arena.dates import to_local, utcnow
from arena.extensions import db

#: The all-arenas feed shows meetings from this long ago onwards (a personal feed shows all).
WINDOW = timedelta(days=30)


@dataclass
class Feed:
    body: bytes
    last_modified: datetime

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:32]


def _build(info: FeedInfo, arena_list: list[Arena], meetings, url_for_meeting) -> Feed:
    owners = {a.id: a.owner for a in arena_list}
    no_reply = current_app.config["MAIL_NO_REPLY"]

    def organizer(meeting):
        owner = owners.get(meeting.arena_id)
        return (owner.name if owner else meeting.arena.name, no_reply)

    body = build_calendar(info, meetings, utcnow(), url_for_meeting, organizer)
    changed = max(
        (a.calendar_changed_at for a in arena_list), default=datetime(2020, 1, 1, tzinfo=UTC)
    )
    return Feed(body, changed)


def arena_feed(arena: Arena, url: str, url_for_meeting) -> Feed:
    """All meetings of one arena."""
    info = FeedInfo(_("%(name)s – møter", name=arena.name), url, arena.purpose[:300])
    return _build(info, [arena], arena.meetings, url_for_meeting)


def _public(statement):
    return statement.where(Arena.visibility == "public", Arena.archived.is_(False))


def organisation_feed(org, url: str, url_for_meeting) -> Feed:
    """Meetings of the public arenas an organisation takes part in."""
    arena_list = list(db.session.scalars(_public(
        sa.select(Arena).join(arena_organisations).where(
            arena_organisations.c.organisation_id == org.id)
    ).order_by(Arena.id)))  # fmt: skip
    meetings = [m for a in arena_list for m in a.meetings]
    info = FeedInfo(_("%(name)s – samarbeidsarenaer", name=org.name), url)
    return _build(info, arena_list, meetings, url_for_meeting)


def all_public_feed(url: str, url_for_meeting) -> Feed:
    """Meetings of every public arena, from 30 days back (not the whole history)."""
    arena_list = list(db.session.scalars(_public(sa.select(Arena)).order_by(Arena.id)))
    since = to_local(utcnow() - WINDOW).replace(tzinfo=None)
    meetings = arenas.meetings_in_window([a.id for a in arena_list], since)
    info = FeedInfo(_("Alle samarbeidsarenaer – møter"), url)
    return _build(info, arena_list, meetings, url_for_meeting)


def meeting_feed(meeting, url: str, url_for_meeting) -> Feed:
    """One meeting (or series), for «legg til i kalender»."""
    info = FeedInfo(meeting.title, url)
    return _build(info, [meeting.arena], [meeting], url_for_meeting)


def personal_feed(member: Member, url: str, url_for_meeting) -> Feed:
    """The member's followed and held arenas, members-only ones included."""
    arena_list = arenas.arenas_of_member(member)
    meetings = [m for a in arena_list for m in a.meetings]
    info = FeedInfo(_("Arena – mine samarbeidsarenaer"), url)
    feed = _build(info, arena_list, meetings, url_for_meeting)
    # Following or unfollowing changes the feed too.
    feed.last_modified = max(feed.last_modified, member.updated_at)
    return feed


# --- personal feed tokens -----------------------------------------------------------------------


def _derive(key: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"calendar:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(member: Member) -> str:
    """The member's personal feed token (made on first use)."""
    if member.calendar_key is None:
        regenerate_feed_token(member, member)
    return _derive(member.calendar_key)


def regenerate_feed_token(actor, member: Member) -> str:
    """A new personal feed token; the old link stops working at once."""
    require_self(actor, member)
    member.calendar_key = secrets.token_hex(16)
    token = _derive(member.calendar_key)
    member.calendar_token_hash = _hash(token)
    member.updated_at = utcnow()
    db.session.commit()
    return token


def member_for_feed_token(token: str) -> Member | None:
    """The active member a personal feed token belongs to, if it is current."""
    if not token or len(token) > 100:
        return None
    member = db.session.scalar(sa.select(Member).filter_by(calendar_token_hash=_hash(token)))
    return member if member is not None and member.active else None
