"""API routes for the colleague finder and members' expertise."""

from flask import g, jsonify, request
from flask_babel import gettext as _

from arena.api import bp, json_body, token_required
from arena.errors import NotFound, ValidationFailed
from arena.expertise import finder, services
from arena.organisations.models import ORGANISATION_KINDS


def _area_json(area) -> dict:
    return {
        "slug": area.slug,
        "name": area.name,
        "name_nn": area.name_nn,
        "synonyms": [s.strip() for s in area.synonyms.split(",") if s.strip()],
        "approved": area.approved,
    }


@bp.get("/experts")
@token_required
def experts():
    """The best people for a query, best first; the caller's organisation left out by default."""
    args = request.args
    errors = {}
    wanted = finder.ExpertQuery(text=(args.get("q") or "")[:300])
    wanted.include_own_organisation = args.get("include_own_organisation") in ("1", "true")
    kind = args.get("organisation_kind")
    if kind:
        if kind in ORGANISATION_KINDS:
            wanted.organisation_kind = kind
        else:
            errors["organisation_kind"] = _("Ukjent type organisasjon.")
    for key, low, high in (("level_min", 1, 3), ("limit", 1, finder.MAX_LIMIT)):
        value = args.get(key)
        if value is not None:
            if value.isdigit() and low <= int(value) <= high:
                setattr(wanted, key, int(value))
            else:
                errors[key] = _("Må være et heltall fra %(low)d til %(high)d.", low=low, high=high)
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    answer = finder.find_experts(g.api_member, wanted)
    return jsonify(
        {
            "results": [
                {
                    "id": r.member.id,
                    "name": r.member.name,
                    "title": r.member.title,
                    "organisation": {
                        "slug": r.member.organisation.slug,
                        "name": r.member.organisation.name,
                    },
                    "expertise": [{"area": a.name, "level": level} for a, level in r.areas],
                    "score": r.score,
                }
                for r in answer.results
            ]
        }
    )


@bp.get("/me/expertise")
@token_required
def my_expertise():
    """The calling member's fields of expertise."""
    return jsonify(_expertise_json(g.api_member))


def _expertise_json(member) -> dict:
    return {
        "expertise": [
            {"area": e.area.slug, "name": e.area.name, "level": e.level, "note": e.note}
            for e in services.expertise_of(member)
        ],
        "ask_me_about": member.ask_me_about,
    }


@bp.put("/me/expertise")
@token_required
def replace_my_expertise():
    """Replace the calling member's whole list of expertise: [{"area": slug, "level": 1-3}]."""
    body = json_body()
    entries = body.get("expertise")
    if not isinstance(entries, list) or set(body) - {"expertise"}:
        raise ValidationFailed(
            _("Forespørselen har feil."), {"expertise": _("Send en liste av «area» og «level».")}
        )
    resolved = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("area"), str):
            raise ValidationFailed(
                _("Forespørselen har feil."), {f"expertise[{n}]": _("Mangler «area».")}
            )
        try:
            area = services.get_area(entry["area"])
        except NotFound:
            raise ValidationFailed(
                _("Ukjent fagområde."), {f"expertise[{n}]": entry["area"][:100]}
            ) from None
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise ValidationFailed(
                _("Forespørselen har feil."), {f"expertise[{n}]": _("Må være tekst.")}
            )
        resolved.append((area, entry.get("level"), note))
    services.replace_expertise(g.api_member, g.api_member, resolved)
    return jsonify(_expertise_json(g.api_member))


@bp.get("/expertise-areas")
@token_required
def expertise_areas():
    """The shared vocabulary of fields of expertise (or suggestions for ?q=)."""
    query = (request.args.get("q") or "")[:100]
    areas = services.suggest_areas(query, limit=20) if query.strip() else services.all_areas()
    return jsonify({"results": [_area_json(a) for a in areas]})
