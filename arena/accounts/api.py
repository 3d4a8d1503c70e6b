"""API routes about the calling member."""

from flask import g, jsonify
from flask_babel import gettext as _

from arena.accounts import services
from arena.api import bp, json_body, token_required
from arena.errors import ValidationFailed
from arena.extensions import SECRETS_LIMIT, limiter
from arena.links import absolute_url

EDITABLE_FIELDS = ("name", "title", "phone", "bio", "ask_me_about", "preferred_language")


def member_json(member) -> dict:
    from arena.calendar import services as calendar  # the calendar area builds on accounts

    return {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "title": member.title,
        "phone": member.phone,
        "preferred_language": member.preferred_language,
        "is_admin": member.is_admin,
        "organisation": {"slug": member.organisation.slug, "name": member.organisation.name},
        "calendar_feed_url": calendar.personal_feed_url(member),
    }


@bp.get("/me")
@token_required
def me():
    """The member the token belongs to."""
    return jsonify(member_json(g.api_member))


@bp.patch("/me")
@token_required
def update_me():
    """Change the calling member's own profile fields."""
    data = json_body()
    errors = {key: _("Ukjent felt.") for key in data if key not in EDITABLE_FIELDS}
    errors |= {
        key: _("Må være tekst.")
        for key, value in data.items()
        if key in EDITABLE_FIELDS and not isinstance(value, str)
    }
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    member = services.update_profile(g.api_member, g.api_member, data)
    return jsonify(member_json(member))


@bp.post("/me/calendar-token")
@limiter.limit(SECRETS_LIMIT)
@token_required
def new_calendar_token():
    """A new personal calendar feed link; the old one answers 404 from now on."""
    from arena.calendar import services as calendar

    token = calendar.regenerate_feed_token(g.api_member, g.api_member)
    return jsonify({"calendar_feed_url": absolute_url("calendar.personal_feed", token=token)})
