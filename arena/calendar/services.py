"""Calendar feeds: which meetings each feed shows, personal feed tokens, and caching headers."""

import gzip
import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from arena.accounts.models import Member
from arena.arenas import calendar_rows as rows
from arena.dates import to_local, utcnow
from arena.ical import FeedInfo, build_calendar

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
        """The rendered feed; rendered once per version and process (calendar apps poll)."""
        return self._kept(self.etag, self.render)

    @property
    def gzipped(self) -> bytes:
        """The feed gzip-compressed (a tenth of the size), also once per version and process."""
        return self._kept(f"{self.etag}-gzip", lambda: gzip.compress(self.body, mtime=0))

    @staticmethod
    def _kept(key: str, make: Callable[[], bytes]) -> bytes:
        with _rendered_lock:
            kept = _rendered.get(key)
            if kept is not None:
                _rendered.move_to_end(key)
                return kept
        made = make()
        with _rendered_lock:
            _rendered[key] = made
            while sum(map(len, _rendered.values())) > RENDERED_BYTES:
                _rendered.popitem(last=False)
        return made


#: Rendered bodies by ETag, least recently used dropped first. A version names exactly what a
#: feed shows (arenas, their last calendar change, the day, the URL), so a kept body is current.
RENDERED_BYTES = 32 * 1024 * 1024
_rendered: OrderedDict[str, bytes] = OrderedDict()
_rendered_lock = threading.Lock()


def forget_rendered_feeds() -> None:
    """Drop every kept body and window (tests reuse ids and times in a fresh database)."""
    with _rendered_lock:
        _rendered.clear()
        _window_cache.clear()


_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _feed(
    kind: str,
    url: str,
    info_of,
    arena_ids: list[int],
    changed: datetime | None,
    meetings_of,
    url_for_meeting,
    language: str | None = None,
) -> Feed:
    """A feed whose content depends only on these arenas' changes, today's date (cancelled
    meetings drop out after 30 days; the all-arenas window moves daily) and its language (the
    request's unless given)."""
    changed = changed or _EPOCH
    language = language or str(get_locale())
    today = to_local(utcnow()).date().isoformat()
    version = f"{kind}|{sorted(arena_ids)}|{changed.isoformat()}|{today}|{url}|{language}"

    def render() -> bytes:
        no_reply = current_app.config["MAIL_NO_REPLY"]

        def organizer(meeting):
            return (meeting.owner_name or meeting.arena_name, no_reply)

        with force_locale(language):
            return build_calendar(info_of(), meetings_of(), utcnow(), url_for_meeting, organizer)

    return Feed(version, changed, render)


def _latest(arena_changes) -> datetime | None:
    return max((changed for _id, changed in arena_changes), default=None)


def arena_feed(arena, url: str, url_for_meeting) -> Feed:
    """All meetings of one arena."""
    return _feed(
        "arena",
        url,
        lambda: FeedInfo(_("%(name)s – møter", name=arena.name), url, arena.purpose[:300]),
        [arena.id],
        arena.calendar_changed_at,
        lambda: rows.feed_meetings([arena.id]),
        url_for_meeting,
    )


def organisation_feed(org, url: str, url_for_meeting) -> Feed:
    """Meetings of the public arenas an organisation takes part in."""
    arena_changes = rows.organisation_arena_changes(org.id)
    ids = [arena_id for arena_id, _changed in arena_changes]
    return _feed(
        "organisation",
        url,
        lambda: FeedInfo(_("%(name)s – samarbeidsarenaer", name=org.name), url),
        ids,
        _latest(arena_changes),
        lambda: rows.feed_meetings(ids),
        url_for_meeting,
    )


def all_public_feed(url: str, url_for_meeting) -> Feed:
    """Meetings of every public arena, from 30 days back (not the whole history)."""
    count, changed = rows.public_arenas_summary()

    return _feed(
        "all",
        url,
        lambda: FeedInfo(_("Alle samarbeidsarenaer – møter"), url),
        [count],
        changed,
        lambda: _window_meetings(rows.public_arena_changes()),
        url_for_meeting,
    )


#: The all-arenas feed's meetings by (arena, its last calendar change, day): after one change
#: only that arena's meetings are read again, not the thousands of every other arena.
_window_cache: dict[tuple, list[rows.FeedMeeting]] = {}
WINDOW_CACHE_ARENAS = 20_000


def _window_meetings(arena_changes) -> list[rows.FeedMeeting]:
    """Every listed arena's meetings in today's window (30 days back to a year ahead)."""
    today = datetime.combine(to_local(utcnow()).date(), datetime.min.time())
    since, until = today - WINDOW, today + HORIZON
    keys = {arena_id: (arena_id, changed, today) for arena_id, changed in arena_changes}
    with _rendered_lock:
        found = {arena_id: _window_cache.get(key) for arena_id, key in keys.items()}
    missing = [arena_id for arena_id, meetings in found.items() if meetings is None]
    if missing:
        # A fresh process reads the whole window at once; later only the changed arenas.
        few = len(missing) <= 500
        by_arena = defaultdict(list)
        for meeting in rows.feed_meetings(
            missing if few else rows.public_arena_ids(), since, until
        ):
            by_arena[meeting.arena_id].append(meeting)
        for arena_id in missing if few else keys:
            found[arena_id] = by_arena.get(arena_id, [])
        with _rendered_lock:
            if len(_window_cache) + len(missing) > WINDOW_CACHE_ARENAS:
                _window_cache.clear()
            _window_cache.update({keys[arena_id]: found[arena_id] for arena_id in keys})
    return [meeting for meetings in found.values() for meeting in meetings]


def meeting_feed(meeting, url: str, url_for_meeting) -> Feed:
    """One meeting (or series), for «legg til i kalender»."""
    return _feed(
        "meeting",
        url,
        lambda: FeedInfo(meeting.title, url),
        [meeting.id],
        meeting.arena.calendar_changed_at,
        lambda: rows.feed_meetings([meeting.arena_id], meeting_id=meeting.id),
        url_for_meeting,
    )


def personal_feed(member: Member, url: str, url_for_meeting) -> Feed:
    """The member's followed and held arenas, members-only ones included, in the member's own
    language when they have chosen one (calendar apps rarely say which they want)."""
    arena_changes = rows.member_arena_changes(member)
    ids = [arena_id for arena_id, _changed in arena_changes]
    # Following or unfollowing changes the feed too.
    changed = max([member.updated_at, *(changed for _id, changed in arena_changes)])
    return _feed(
        "personal",
        url,
        lambda: FeedInfo(_("Arena – mine samarbeidsarenaer"), url),
        ids,
        changed,
        lambda: rows.feed_meetings(ids),
        url_for_meeting,
        language=member.preferred_language,
    )
