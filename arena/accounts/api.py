"""API routes about the calling member."""

from dataclasses import replace
from typing import Literal

from flask import g

from arena.accounts import feed_tokens, services
from arena.accounts.models import FIELD_LIMITS, LANGUAGES
from arena.api.declare import Answer, Body, operation, text
from arena.extensions import SECRETS_LIMIT, limiter
from arena.links import absolute_url


class OrganisationRef(Answer):
    slug: str
    name: str


class Member(Answer):
    id: int
    email: str
    name: str
    title: str
    phone: str
    preferred_language: Literal[LANGUAGES] | None
    is_admin: bool
    organisation: OrganisationRef
    calendar_feed_url: str


class ProfileChange(Body):
    """Only the fields sent change."""

    name: text(FIELD_LIMITS["name"], required=True, one_line=True) = None
    title: text(FIELD_LIMITS["title"], one_line=True) = None
    phone: text(FIELD_LIMITS["phone"], one_line=True) = None
    bio: text(FIELD_LIMITS["bio"]) = None
    ask_me_about: text(FIELD_LIMITS["ask_me_about"]) = None
    preferred_language: Literal[LANGUAGES] = None


class CalendarLink(Answer):
    calendar_feed_url: str


def member_json(member) -> dict:
    return {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "title": member.title,
        "phone": member.phone,
        "preferred_language": member.preferred_language,
        "is_admin": member.is_admin,
        "organisation": {"slug": member.organisation.slug, "name": member.organisation.name},
        "calendar_feed_url": feed_tokens.personal_feed_url(member),
    }


@operation("GET", "/me", answer=Member)
def get_me():
    """The member the token belongs to."""
    return member_json(g.api_member)


@operation("PATCH", "/me", body=ProfileChange, answer=Member)
def update_me(body: ProfileChange):
    """Change the calling member's own profile."""
    changed = replace(services.profile_input(g.api_member), **body.model_dump(exclude_unset=True))
    member = services.update_profile(g.api_member, g.api_member, changed)
    return member_json(member)


@operation(
    "POST",
    "/me/calendar-token",
    answer=CalendarLink,
    errors=(429,),
    decorators=(limiter.limit(SECRETS_LIMIT),),
)
def new_calendar_token():
    """Issue a new personal calendar feed link (the old one stops working)."""
    token = feed_tokens.regenerate_feed_token(g.api_member, g.api_member)
    return {"calendar_feed_url": absolute_url("calendar.personal_feed", token=token)}
