"""API routes for arenas, ownership proposals, following, meetings and their exceptions."""

from datetime import datetime

from flask import g, jsonify, request
from flask_babel import gettext as _

from arena.api import bp, json_body, page_json, paging_args, token_required
from arena.arenas import meetings, ownership, services
from arena.errors import ValidationFailed
from arena.extensions import db
from arena.links import absolute_url
from arena.organisations import services as organisations


def _member(member) -> dict | None:
    return {"id": member.id, "name": member.name} if member else None


def arena_json(arena) -> dict:
    return {
        "slug": arena.slug,
        "name": arena.name,
        "purpose": arena.purpose,
        "kind": arena.kind,
        "cadence": arena.cadence,
        "visibility": arena.visibility,
        "owner": _member(arena.owner),
        "deputy": _member(arena.deputy),
        "orphaned": arena.is_orphaned,
        "review_due_on": arena.review_due_on.isoformat(),
        "organisations": [{"slug": o.slug, "name": o.name} for o in arena.organisations],
        "pending_proposals": [
            {"id": p.id, "role": p.role, "member": _member(p.member)}
            for p in services.pending_proposals(arena)
        ],
        "calendar_url": absolute_url("calendar.arena_feed", slug=arena.slug)
        if arena.visibility == "public"
        else None,
        "meetings": [meeting_json(m) for m in arena.meetings],
    }


def meeting_json(meeting) -> dict:
    return {
        "id": meeting.id,
        "uid": meeting.uid,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(timespec="minutes"),
        "ends_at": meeting.ends_at.isoformat(timespec="minutes") if meeting.ends_at else None,
        "timezone": meeting.tzid,
        "recurrence": meeting.rrule or None,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "description": meeting.description,
        "status": meeting.status,
        "sequence": meeting.sequence,
        "exceptions": [
            {
                "occurrence": e.occurrence.isoformat(timespec="minutes"),
                "action": e.action,
                "starts_at": e.new_starts_at.isoformat(timespec="minutes")
                if e.new_starts_at
                else None,
            }
            for e in meeting.exceptions
        ],
    }


def _text(body: dict, key: str, errors: dict, default: str = "") -> str:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        errors[key] = _("Må være tekst.")
        return default
    return value


def _arena_input(body: dict, current=None) -> services.ArenaInput:
    allowed = {
        "name",
        "purpose",
        "kind",
        "cadence",
        "visibility",
        "organisations",
        "owner",
        "deputy",
    }
    errors = {key: _("Ukjent felt.") for key in body if key not in allowed}
    data = services.ArenaInput()
    if current is not None:
        data = services.ArenaInput(
            name=current.name,
            purpose=current.purpose,
            kind=current.kind,
            cadence=current.cadence,
            visibility=current.visibility,
            organisation_ids=[o.id for o in current.organisations],
        )
    for key in ("name", "purpose", "kind", "cadence", "visibility"):
        if key in body:
            setattr(data, key, _text(body, key, errors))
    data.owner_email = _text(body, "owner", errors)
    data.deputy_email = _text(body, "deputy", errors)
    if "organisations" in body:
        slugs = body["organisations"]
        if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
            errors["organisations"] = _("Må være en liste.")
        else:
            found = [organisations.find_organisation(s) for s in slugs]
            if any(f is None for f in found):
                errors["organisations"] = _(
                    "Ukjent verdi: %(values)s",
                    values=", ".join(s for s, f in zip(slugs, found, strict=True) if f is None),
                )
            else:
                data.organisation_ids = [f.id for f in found]
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    return data


@bp.get("/arenas")
@token_required
def list_arenas():
    """Arenas a page at a time, those without owner first, then by name (members-only ones
    too: the caller is a member)."""
    page = services.arena_register(g.api_member, *paging_args()).page
    return page_json("api.list_arenas", page, [arena_json(a) for a in page.items])


@bp.post("/arenas")
@token_required
def create_arena():
    """Register an arena; the caller owns it unless `owner` proposes someone, who must accept."""
    arena, _proposals = services.create_arena(g.api_member, _arena_input(json_body()))
    for proposal in _proposals:
        ownership.notify_proposal(proposal, absolute_url("arenas.index"))
    return jsonify(arena_json(arena)), 201


@bp.get("/arenas/<slug>")
@token_required
def get_arena(slug: str):
    return jsonify(arena_json(services.get_arena(slug, g.api_member)))


@bp.patch("/arenas/<slug>")
@token_required
def update_arena(slug: str):
    arena = services.get_arena(slug, g.api_member)
    body = json_body()
    if "owner" in body or "deputy" in body:
        raise ValidationFailed(
            _("Forespørselen har feil."),
            {
                "owner": _(
                    "Bruk /arenas/<slug>/proposals for å foreslå ansvarlig eller stedfortreder."
                )
            },
        )
    services.update_arena(g.api_member, arena, _arena_input(body, arena))
    return jsonify(arena_json(arena))


@bp.post("/arenas/<slug>/proposals")
@token_required
def propose(slug: str):
    """Propose a new owner or a deputy: {"role": "owner"|"deputy", "email": ...}."""
    arena = services.get_arena(slug, g.api_member)
    body = json_body()
    errors: dict = {}
    role, email = _text(body, "role", errors), _text(body, "email", errors)
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    proposal = ownership.propose_role(g.api_member, arena, role, email)
    ownership.notify_proposal(proposal, absolute_url("arenas.index"))
    return jsonify({"id": proposal.id, "role": proposal.role, "status": proposal.status}), 201


def _answer(proposal_id: int, action):
    action(g.api_member, proposal_id)
    proposal = db.session.get(services.RoleProposal, proposal_id)
    return jsonify(
        {
            "id": proposal.id,
            "role": proposal.role,
            "status": proposal.status,
            "arena": arena_json(proposal.arena),
        }
    )


@bp.post("/proposals/<int:proposal_id>/accept")
@token_required
def accept_proposal(proposal_id: int):
    """Accept a proposal made to you: only then are you owner or deputy."""
    return _answer(proposal_id, ownership.accept_proposal)


@bp.post("/proposals/<int:proposal_id>/decline")
@token_required
def decline_proposal(proposal_id: int):
    return _answer(proposal_id, ownership.decline_proposal)


@bp.post("/proposals/<int:proposal_id>/withdraw")
@token_required
def withdraw_proposal(proposal_id: int):
    return _answer(proposal_id, ownership.withdraw_proposal)


@bp.route("/arenas/<slug>/follow", methods=["POST", "DELETE"])
@token_required
def follow(slug: str):

    arena = services.get_arena(slug, g.api_member)
    if request.method == "DELETE":
        services.unfollow_arena(g.api_member, arena)
    else:
        services.follow_arena(g.api_member, arena)
    return jsonify({"following": services.is_following(g.api_member, arena)})


def _moment(body: dict, key: str, errors: dict, required: bool = False) -> datetime | None:
    value = body.get(key)
    if value in (None, ""):
        if required:
            errors[key] = _("Må fylles ut.")
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        errors[key] = _("Skriv tiden som veggur i tidssonen, for eksempel 2027-03-22T09:00.")
        return None
    return moment


def _meeting_input(body: dict, current=None) -> meetings.MeetingInput:
    allowed = {
        "title",
        "starts_at",
        "ends_at",
        "timezone",
        "recurrence",
        "location",
        "online_url",
        "description",
    }
    errors = {key: _("Ukjent felt.") for key in body if key not in allowed}
    if body.get("timezone", "Europe/Oslo") != "Europe/Oslo":
        errors["timezone"] = _("Bare Europe/Oslo støttes.")
    data = meetings.MeetingInput()
    if current is not None:
        data = meetings.MeetingInput(
            title=current.title,
            description=current.description,
            location=current.location,
            online_url=current.online_url,
            starts_at=current.starts_at,
            ends_at=current.ends_at,
            rrule=current.rrule,
        )
    for key in ("title", "location", "online_url", "description"):
        if key in body:
            setattr(data, key, _text(body, key, errors))
    if "recurrence" in body:
        data.rrule = _text(body, "recurrence", errors)
    if current is None or "starts_at" in body:
        data.starts_at = _moment(body, "starts_at", errors, required=True)
    if "ends_at" in body:
        data.ends_at = _moment(body, "ends_at", errors)
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    return data


@bp.post("/arenas/<slug>/meetings")
@token_required
def create_meeting(slug: str):
    """Add a meeting or a series; times are wall-clock in `timezone` (Europe/Oslo)."""
    arena = services.get_arena(slug, g.api_member)
    meeting = meetings.create_meeting(g.api_member, arena, _meeting_input(json_body()))
    return jsonify(meeting_json(meeting)), 201


@bp.patch("/meetings/<int:meeting_id>")
@token_required
def update_meeting(meeting_id: int):
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    meetings.update_meeting(g.api_member, meeting, _meeting_input(json_body(), meeting))
    return jsonify(meeting_json(meeting))


@bp.delete("/meetings/<int:meeting_id>")
@token_required
def cancel_meeting(meeting_id: int):
    """Cancels the meeting or series (it stays in feeds as cancelled for 30 days)."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    meetings.cancel_meeting(g.api_member, meeting)
    return jsonify(meeting_json(meeting))


@bp.post("/meetings/<int:meeting_id>/exceptions")
@token_required
def meeting_exception(meeting_id: int):
    """Cancel or move one occurrence: {"occurrence", "action": "cancel"|"move", ...}."""
    meeting = meetings.get_meeting(meeting_id, g.api_member)
    body = json_body()
    errors: dict = {}
    occurrence = _moment(body, "occurrence", errors, required=True)
    action = _text(body, "action", errors)
    starts = _moment(body, "starts_at", errors, required=action == "move")
    ends = _moment(body, "ends_at", errors)
    if errors:
        raise ValidationFailed(_("Forespørselen har feil."), errors)
    meetings.change_occurrence(g.api_member, meeting, occurrence, action, starts, ends)
    return jsonify(meeting_json(meeting)), 201
