"""Signed-in sessions that live on the server: signing out ends them for good, so a session
cookie someone copied stops working too."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from arena.access import require_self
from arena.accounts.models import Member, MemberSession
from arena.dates import utcnow
from arena.extensions import db, login_manager


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: A sign-in lasts this long at most; then the member signs in again.
SESSION_LIFETIME = timedelta(days=30)


@login_manager.user_loader
def member_for_cookie(session_token: str) -> Member | None:
    """Flask-Login's question: who is signed in with this session?"""
    return member_for_session(session_token)


def start_session(member: Member) -> str:
    """A new signed-in session for the member; the returned secret goes in the session cookie
    (and is what get_id() hands Flask-Login)."""
    now = utcnow()
    db.session.execute(
        sa.delete(MemberSession).where(
            MemberSession.member_id == member.id,
            MemberSession.created_at < now - SESSION_LIFETIME,
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(MemberSession(member_id=member.id, token_hash=_sha256(token), created_at=now))
    db.session.commit()
    member.session_token = token
    return token


def member_for_session(token: str) -> Member | None:
    """The active member a current session secret belongs to."""
    if not token or len(token) > 100:
        return None
    member = db.session.scalar(
        sa.select(Member)
        .join(MemberSession, MemberSession.member_id == Member.id)
        .where(
            MemberSession.token_hash == _sha256(token),
            MemberSession.created_at >= utcnow() - SESSION_LIFETIME,
        )
    )
    if member is None or not member.active:
        return None
    member.session_token = token
    return member


def end_session(token: str | None) -> None:
    """Signing out: this session's cookie no longer signs anyone in, wherever it was copied."""
    if token:
        db.session.execute(sa.delete(MemberSession).filter_by(token_hash=_sha256(token)))
        db.session.commit()


def end_sessions(member: Member, keep: str | None = None) -> None:
    """Signs the member out everywhere (but in the session `keep`); the caller commits."""
    statement = sa.delete(MemberSession).where(MemberSession.member_id == member.id)
    if keep:
        statement = statement.where(MemberSession.token_hash != _sha256(keep))
    db.session.execute(statement)


def sign_out_everywhere(actor, member: Member) -> None:
    """The member ends every session they have, this one too."""
    require_self(actor, member)
    end_sessions(member)
    db.session.commit()


def session_starts(member: Member) -> list:
    """When each of the member's current sessions began (for their data export)."""
    return list(
        db.session.scalars(
            sa.select(MemberSession.created_at)
            .filter_by(member_id=member.id)
            .order_by(MemberSession.created_at)
        )
    )
