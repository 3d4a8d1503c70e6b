"""API routes for organisations."""

from flask import jsonify, request
from flask_babel import gettext as _

from arena.accounts import services as accounts
from arena.api import bp, token_required
from arena.organisations import services
from arena.organisations.models import ORGANISATION_KINDS
from arena.web import json_error


def organisation_json(org, member_count: int) -> dict:
    return {
        "slug": org.slug,
        "name": org.name,
        "kind": org.kind,
        "municipality": (
            {"number": org.municipality.number, "name": org.municipality.name}
            if org.municipality
            else None
        ),
        "org_number": org.org_number,
        "website": org.website,
        "member_count": member_count,
    }


@bp.get("/organisations")
@token_required
def organisations():
    """Approved organisations, optionally of one kind."""
    kind = request.args.get("kind")
    if kind is not None and kind not in ORGANISATION_KINDS:
        return json_error(
            400,
            "bad_request",
            _("Ukjent type organisasjon."),
            {"kind": ", ".join(ORGANISATION_KINDS)},
        )
    counts = accounts.member_counts_by_organisation()
    orgs = services.list_organisations(kind=kind)
    return jsonify({"results": [organisation_json(o, counts.get(o.id, 0)) for o in orgs]})
