"""Each member's secret address for their personal calendar feed: a token derived from a key
kept on the member, stored only as a hash, replaced (and the old link dead) at their request."""

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from arena.access import require_self
from arena.accounts.models import Member
from arena.dates import utcnow
from arena.extensions import db
from arena.links import absolute_url


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


def personal_feed_url(member: Member) -> str:
    """The secret address of the member's personal feed (made on first use)."""
    return absolute_url("calendar.personal_feed", token=feed_token(member))


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
