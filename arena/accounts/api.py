"""API routes about the calling member."""

from flask import g, jsonify

from arena.api import bp, token_required


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
    }


@bp.get("/me")
@token_required
def me():
    """The member the token belongs to."""
    return jsonify(member_json(g.api_member))
