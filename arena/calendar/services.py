"""Calendar feeds: which meetings each feed shows, personal feed tokens, and caching headers."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
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

#: The all-arenas feed shows meetings from this long ago to this far ahead (personal feeds: all).
WINDOW = timedelta(days=30)
HORIZON = timedelta(days=366)


@dataclass
class Feed:
    """A feed's version (for ETag and Last-Modified, cheap) and how to render it on a miss."""

    version: str
    last_modified: datetime
    render: Callable[[], bytes]

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.version.encode()).hexdigest()[:32]

    @property
    def body(self) -> bytes:
        return self.render()


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _feed(
    kind: str, info_of, arena_ids: list[int], changed: datetime | None, meetings_of, url_for_meeting
) -> Feed:
    """A feed whose content depends only on these arenas' changes and today's date (cancelled
    meetings drop out after 30 days; the all-arenas window moves daily)."""
    changed = changed or _EPOCH
    today = to_local(utcnow()).date().isoformat()
    version = f"{kind}|{sorted(arena_ids)}|{changed.isoformat()}|{today}|{info_of().url}"

    def render() -> bytes:
        meetings = meetings_of()
        owners = {m.arena_id: m.arena.owner for m in meetings}
        no_reply = current_app.config["MAIL_NO_REPLY"]

        def organizer(meeting):
            owner = owners.get(meeting.arena_id)
            return (owner.name if owner else meeting.arena.name, no_reply)

        return build_calendar(info_of(), meetings, utcnow(), url_for_meeting, organizer)

    return Feed(version, changed, render)


def _latest(arena_list) -> datetime | None:
    return max((a.calendar_changed_at for a in arena_list), default=None)


def arena_feed(arena: Arena, url: str, url_for_meeting) -> Feed:
    """All meetings of one arena."""
    return _feed(
        "arena",
        lambda: FeedInfo(_("%(name)s – møter", name=arena.name), url, arena.purpose[:300]),
        [arena.id],
        arena.calendar_changed_at,
        lambda: arena.meetings,
        url_for_meeting,
    )


def _public(statement):
    return statement.where(Arena.visibility == "public", Arena.archived.is_(False))


def organisation_feed(org, url: str, url_for_meeting) -> Feed:
    """Meetings of the public arenas an organisation takes part in."""
    arena_list = list(
        db.session.scalars(
            _public(
                sa.select(Arena)
                .join(arena_organisations)
                .where(arena_organisations.c.organisation_id == org.id)
            ).order_by(Arena.id)
        )
    )
    return _feed(
        "organisation",
        lambda: FeedInfo(_("%(name)s – samarbeidsarenaer", name=org.name), url),
        [a.id for a in arena_list],
        _latest(arena_list),
        lambda: [m for a in arena_list for m in a.meetings],
        url_for_meeting,
    )


def all_public_feed(url: str, url_for_meeting) -> Feed:
    """Meetings of every public arena, from 30 days back (not the whole history)."""
    count, changed = db.session.execute(
        _public(sa.select(sa.func.count(Arena.id), sa.func.max(Arena.calendar_changed_at)))
    ).one()
    if changed is not None and changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)

    def meetings():
        now = to_local(utcnow()).replace(tzinfo=None)
        return arenas.meetings_in_window(_public(sa.select(Arena.id)), now - WINDOW, now + HORIZON)

    return _feed(
        "all",
        lambda: FeedInfo(_("Alle samarbeidsarenaer – møter"), url),
        [count],
        changed,
        meetings,
        url_for_meeting,
    )


def meeting_feed(meeting, url: str, url_for_meeting) -> Feed:
    """One meeting (or series), for «legg til i kalender»."""
    return _feed(
        "meeting",
        lambda: FeedInfo(meeting.title, url),
        [meeting.id],
        meeting.arena.calendar_changed_at,
        lambda: [meeting],
        url_for_meeting,
    )


def personal_feed(member: Member, url: str, url_for_meeting) -> Feed:
    """The member's followed and held arenas, members-only ones included."""
    arena_list = arenas.arenas_of_member(member)
    # Following or unfollowing changes the feed too.
    changed = max(_latest(arena_list) or _EPOCH, member.updated_at)
    return _feed(
        "personal",
        lambda: FeedInfo(_("Arena – mine samarbeidsarenaer"), url),
        [a.id for a in arena_list],
        changed,
        lambda: [m for a in arena_list for m in a.meetings],
        url_for_meeting,
    )


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
