"""Calendar feeds (iCalendar) with strong ETags, Last-Modified and 304 answers."""

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from arena.accounts import feed_tokens
from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.calendar import services
from arena.extensions import SECRETS_LIMIT, limiter
from arena.links import base_url, this_request_url
from arena.organisations import services as organisations

bp = Blueprint("calendar", __name__)


def meeting_urls():
    """Where a feed's meetings are shown to people (their arena's page)."""
    root = base_url()
    return lambda meeting: f"{root}/arenas/{meeting.arena_slug}#meeting-{meeting.id}"


def _respond(feed: services.Feed, filename: str, private: bool = False) -> Response:
    # The compressed feed is another representation, with an ETag of its own (RFC 9110 8.8.3).
    compressed = "gzip" in request.accept_encodings
    etag = f"{feed.etag}-gzip" if compressed else feed.etag
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(feed.gzipped if compressed else feed.body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = ("private" if private else "public") + ", no-cache"
    response.vary.add("Accept-Language")  # the feed's name and texts are in the asker's language
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/arenas/<slug>/calendar.ics")
def arena_feed(slug: str):
    """A public arena's meetings."""
    arena = arenas.get_arena(slug, None)  # members-only arenas are in personal feeds only
    return _respond(services.arena_feed(arena, this_request_url(), meeting_urls()), f"{slug}.ics")


@bp.get("/organisations/<slug>/calendar.ics")
def organisation_feed(slug: str):
    """Meetings of the public arenas an organisation takes part in."""
    org = organisations.get_organisation(slug)
    return _respond(
        services.organisation_feed(org, this_request_url(), meeting_urls()), f"{slug}.ics"
    )


@bp.get("/calendar/all.ics")
def all_feed():
    """Every public arena's meetings, from 30 days back."""
    return _respond(services.all_public_feed(this_request_url(), meeting_urls()), "arena.ics")


@bp.get("/meetings/<int:meeting_id>.ics")
def meeting_feed(meeting_id: int):
    """One meeting or series, to add to a calendar."""
    meeting = meetings.get_meeting(meeting_id, current_user)
    return _respond(
        services.meeting_feed(meeting, this_request_url(), meeting_urls()),
        f"meeting-{meeting_id}.ics",
        private=not meeting.arena.is_public,
    )


@bp.get("/calendar/<token>.ics")
def personal_feed(token: str):
    """A member's followed and held arenas, members-only ones included (secret link)."""
    member = feed_tokens.member_for_feed_token(token)
    if member is None:
        abort(404)
    return _respond(
        services.personal_feed(member, this_request_url(), meeting_urls()),
        "arena.ics",
        private=True,
    )


@bp.post("/profile/calendar-token")
@limiter.limit(SECRETS_LIMIT)
@login_required
def new_personal_token():
    """A new secret link for one's personal calendar; the old link stops working at once."""
    feed_tokens.regenerate_feed_token(current_user, current_user._get_current_object())
    flash(_("Du har fått en ny kalenderlenke. Den gamle virker ikke lenger."), "success")
    return redirect(url_for("accounts.profile") + "#calendar-heading")
