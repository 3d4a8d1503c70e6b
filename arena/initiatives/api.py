"""API routes for initiatives: the same services and filters as the pages."""

from datetime import date

from flask import g, jsonify, request
from flask_babel import gettext as _

from arena.access import sees_contact_details
from arena.api import bp, json_body, page_json, paging_args, token_required
from arena.errors import NotFound, ValidationFailed
from arena.expertise import services as expertise
from arena.initiatives import listing, services
from arena.initiatives.forms import filter_from_args
from arena.initiatives.views import _lookups
from arena.links import absolute_url
from arena.organisations import services as organisations

FIELDS = {
    "title",
    "summary",
    "description",
    "status",
    "is_priority",
    "starts_on",
    "ends_on",
    "contact_email",
    "lead_organisation",
    "partners",
    "themes",
    "wanted_competence",
    "municipalities",
    "links",
    "is_public",
    "version",
}


def initiative_json(i, reader) -> dict:
    """The initiative as the reader may see it (the contact's address needs verification)."""
    return {
        "id": i.id,
        "url": absolute_url("initiatives.show", initiative_id=i.id),
        "title": i.title,
        "summary": i.summary,
        "description": i.description,
        "status": i.status,
        "is_priority": i.is_priority,
        "starts_on": i.starts_on.isoformat() if i.starts_on else None,
        "ends_on": i.ends_on.isoformat() if i.ends_on else None,
        "contact": {
            "id": i.contact.id,
            "name": i.contact.name,
            "email": i.contact.email if sees_contact_details(reader, i.contact) else None,
        }
        if i.contact
        else None,
        "lead_organisation": {"slug": i.lead_organisation.slug, "name": i.lead_organisation.name},
        "partners": [{"slug": o.slug, "name": o.name} for o in i.partners],
        "themes": [{"slug": a.slug, "name": a.name} for a in i.themes],
        "wanted_competence": [{"slug": a.slug, "name": a.name} for a in i.wanted_competence],
        "municipalities": [{"number": m.number, "name": m.name} for m in i.municipalities],
        "links": [{"url": k.url, "label": k.label} for k in i.links],
        "is_public": i.is_public,
        "created_at": i.created_at.isoformat(),
        "updated_at": i.updated_at.isoformat(),
        "version": i.version,
    }


@bp.get("/initiatives")
@token_required
def list_initiatives():
    """Initiatives with the list's filters as query parameters, newest or best match first."""
    chosen, ignored = filter_from_args(request.args, _lookups())
    if ignored:
        raise ValidationFailed(_("Ukjente filterverdier."), {"filters": ", ".join(ignored)})
    page, per_page = paging_args()
    result = listing.list_initiatives(chosen, g.api_member, page=page, per_page=per_page)
    return page_json(
        "api.list_initiatives", result, [initiative_json(i, g.api_member) for i in result.items]
    )


@bp.post("/initiatives")
@token_required
def create_initiative():
    """Register an initiative; the caller is the contact person unless another is named."""
    data = _input(json_body(), None)
    initiative = services.create_initiative(g.api_member, data)
    return jsonify(initiative_json(initiative, g.api_member)), 201


@bp.get("/initiatives/<int:initiative_id>")
@token_required
def get_initiative(initiative_id: int):
    return jsonify(
        initiative_json(services.get_initiative(initiative_id, g.api_member), g.api_member)
    )


@bp.patch("/initiatives/<int:initiative_id>")
@token_required
def update_initiative(initiative_id: int):
    """Change some fields; send the `version` you read, or get 409 when someone else saved."""
    initiative = services.get_initiative(initiative_id, g.api_member)
    body = json_body()
    version = body.get("version", initiative.version)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationFailed(_("Forespørselen har feil."), {"version": _("Må være et heltall.")})
    services.update_initiative(g.api_member, initiative, _input(body, initiative), version)
    return jsonify(initiative_json(initiative, g.api_member))


@bp.delete("/initiatives/<int:initiative_id>")
@token_required
def delete_initiative(initiative_id: int):
    services.delete_initiative(g.api_member, services.get_initiative(initiative_id, g.api_member))
    return "", 204


def _input(body: dict, current) -> services.InitiativeInput:
    """JSON fields (merged onto the current initiative for PATCH) as service input."""
    errors = {key: _("Ukjent felt.") for key in body if key not in FIELDS}
    data = services.InitiativeInput()
    if current is not None:
        data = services.InitiativeInput(
            title=current.title,
            summary=current.summary,
            description=current.description,
            status=current.status,
            is_priority=current.is_priority,
            starts_on=current.starts_on,
            ends_on=current.ends_on,
            contact_email=current.contact.email if current.contact else "",
            lead_organisation_id=current.lead_organisation_id,
            partner_ids=[o.id for o in current.partners],
            theme_ids=[a.id for a in current.themes],
            wanted_ids=[a.id for a in current.wanted_competence],
            municipality_ids=[m.id for m in current.municipalities],
            links=[(k.url, k.label) for k in current.links],
            is_public=current.is_public,
        )
    for key in ("title", "summary", "description", "status", "contact_email"):
        if key in body:
            if isinstance(body[key], str):
                setattr(data, key, body[key])
            else:
                errors[key] = _("Må være tekst.")
    for key in ("is_priority", "is_public"):
        if key in body:
            if isinstance(body[key], bool):
                setattr(data, key, body[key])
            else:
                errors[key] = _("Må være true eller false.")
    for key in ("starts_on", "ends_on"):
        if key in body:
            try:
                setattr(data, key, date.fromisoformat(body[key]) if body[key] else None)
            except (TypeError, ValueError):
                errors[key] = _("Skriv en gyldig dato (åååå-mm-dd).")
    lookups = {
        "lead_organisation": _organisation,
        "partners": _organisation,
        "themes": _area,
        "wanted_competence": _area,
        "municipalities": lambda v: next(
            (m for m in organisations.municipalities() if m.number == str(v)), None
        ),
    }
    targets = {
        "lead_organisation": "lead_organisation_id",
        "partners": "partner_ids",
        "themes": "theme_ids",
        "wanted_competence": "wanted_ids",
        "municipalities": "municipality_ids",
    }
    for key, find in lookups.items():
        if key not in body:
            continue
        values = body[key] if key != "lead_organisation" else [body[key]]
        if not isinstance(values, list):
            errors[key] = _("Må være en liste.")
            continue
        found = [find(v) for v in values]
        if any(f is None for f in found):
            errors[key] = _(
                "Ukjent verdi: %(values)s",
                values=", ".join(str(v) for v, f in zip(values, found, strict=True) if f is None),
            )
            continue
        ids = [f.id for f in found]
        setattr(data, targets[key], ids[0] if key == "lead_organisation" else ids)
    if "links" in body:
        links = body["links"]
        if not isinstance(links, list) or not all(
            isinstance(k, dict) and isinstance(k.get("url"), str) for k in links
        ):
            errors["links"] = _("Må være en liste av objekter med «url» og «label».")
        else:
            data.links = [(k["url"], str(k.get("label") or "")) for k in links]
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    return data


def _organisation(value):
    return organisations.find_organisation(value) if isinstance(value, str) else None


def _area(value):
    if not isinstance(value, str):
        return None
    try:
        return expertise.get_area(value)
    except NotFound:  # reported as an unknown value
        return None
