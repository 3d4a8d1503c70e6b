"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from flask import jsonify

from arena.api import bp
from arena.arenas.models import CADENCES as ARENA_CADENCES
from arena.arenas.models import KINDS as ARENA_KINDS
from arena.initiatives.models import STATUSES
from arena.paging import MAX_PAGE

_ERROR = {"$ref": "#/components/responses/Error"}


def _schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _path(name: str, kind: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _body(schema_name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _schema(schema_name)}}}


def _errors(*statuses: int) -> dict:
    return {str(status): _ERROR for status in statuses}


def _query(name: str, description: str, kind: str = "string") -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": kind},
    }


PAGE_PARAMETER = {
    **_query("page", "Page number, from 1", "integer"),
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _schema(schema_name)}},
    }


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Arena API",
        "version": "1",
        "description": "Arena, the coordination tracker of «Jobbe smartere sammen». "
        "Authenticate with a personal API token: `Authorization: Bearer <token>`.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": {
        "/me/calendar-token": {
            "post": {
                "summary": "Issue a new personal calendar feed link (the old one stops working)",
                "operationId": "newCalendarToken",
                "responses": {
                    "200": {
                        "description": "The new feed URL",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"calendar_feed_url": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "401": _ERROR,
                    "429": _ERROR,
                },
            }
        },
        "/me": {
            "get": {
                "summary": "The member the token belongs to",
                "operationId": "getMe",
                "responses": {"200": _json("Member", "The calling member"), "401": _ERROR},
            },
            "patch": {
                "summary": "Change the calling member's own profile",
                "operationId": "updateMe",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _schema("ProfileChange")}},
                },
                "responses": {
                    "200": _json("Member", "The changed member"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/organisations": {
            "get": {
                "summary": "Approved organisations",
                "operationId": "listOrganisations",
                "parameters": [
                    {
                        "name": "kind",
                        "in": "query",
                        "required": False,
                        "schema": {"$ref": "#/components/schemas/OrganisationKind"},
                    }
                ],
                "responses": {
                    "200": _json("OrganisationList", "Organisations by name"),
                    "400": _ERROR,
                    "401": _ERROR,
                },
            }
        },
        "/initiatives": {
            "get": {
                "summary": "Initiatives, newest or best match first",
                "operationId": "listInitiatives",
                "parameters": [
                    _query("q", "Full-text search (Norwegian: inflections, compounds, æøå)"),
                    _query("status", "idea, planned, ongoing, completed or paused; repeatable"),
                    _query("priority", "1 for priorities only"),
                    _query("theme", "Expertise area slug"),
                    _query("organisation", "Organisation slug (lead or partner)"),
                    _query("kind", "Kind of the lead organisation"),
                    _query("municipality", "Municipality number, e.g. 4003"),
                    _query("from", "Active on or after this date (YYYY-MM-DD)"),
                    _query("to", "Active on or before this date (YYYY-MM-DD)"),
                    PAGE_PARAMETER,
                    _query("per_page", "Results per page, 1-100 (default 20)", "integer"),
                ],
                "responses": {
                    "200": _json("InitiativeList", "A page of initiatives"),
                    "401": _ERROR,
                    "422": _ERROR,
                },
            },
            "post": {
                "summary": "Register an initiative",
                "operationId": "createInitiative",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _schema("InitiativeInput")}},
                },
                "responses": {
                    "201": _json("Initiative", "The new initiative"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/initiatives/{initiative_id}": {
            "parameters": [
                {
                    "name": "initiative_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "get": {
                "summary": "One initiative",
                "operationId": "getInitiative",
                "responses": {
                    "200": _json("Initiative", "The initiative"),
                    "401": _ERROR,
                    "404": _ERROR,
                },
            },
            "patch": {
                "summary": "Change an initiative (contact person, lead organisation, admins)",
                "description": "Send the `version` you read; 409 when someone else saved since.",
                "operationId": "updateInitiative",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _schema("InitiativeInput")}},
                },
                "responses": {
                    "200": _json("Initiative", "The changed initiative"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                    "409": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
            "delete": {
                "summary": "Delete an initiative",
                "operationId": "deleteInitiative",
                "responses": {
                    "204": {"description": "Deleted"},
                    "401": _ERROR,
                    "403": _ERROR,
                    "404": _ERROR,
                },
            },
        },
        "/experts": {
            "get": {
                "summary": "Find a colleague: the best people for a query, best first",
                "description": "Members of the caller's own organisation are left out unless "
                "include_own_organisation=1.",
                "operationId": "findExperts",
                "parameters": [
                    _query("q", "What you need help with (Norwegian search)"),
                    _query("include_own_organisation", "1 to include your own organisation"),
                    _query("organisation_kind", "Kind of organisation"),
                    _query("level_min", "1 interested, 2 experienced, 3 expert", "integer"),
                    _query("limit", "At most this many results, 1-100 (default 20)", "integer"),
                ],
                "responses": {
                    "200": _json("ExpertList", "Experts, best first"),
                    "401": _ERROR,
                    "422": _ERROR,
                },
            }
        },
        "/me/expertise": {
            "get": {
                "summary": "The calling member's fields of expertise",
                "operationId": "getMyExpertise",
                "responses": {"200": _json("MyExpertise", "Expertise"), "401": _ERROR},
            },
            "put": {
                "summary": "Replace the calling member's fields of expertise",
                "operationId": "replaceMyExpertise",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _schema("ExpertiseInput")}},
                },
                "responses": {
                    "200": _json("MyExpertise", "Expertise"),
                    "400": _ERROR,
                    "401": _ERROR,
                    "415": _ERROR,
                    "422": _ERROR,
                },
            },
        },
        "/expertise-areas": {
            "get": {
                "summary": "The vocabulary of fields of expertise, or suggestions for ?q=",
                "operationId": "listExpertiseAreas",
                "parameters": [_query("q", "Suggest areas by name, nynorsk name or synonym")],
                "responses": {"200": _json("AreaList", "Areas"), "401": _ERROR},
            }
        },
        "/arenas": {
            "get": {
                "summary": "Collaboration arenas, those without owner first, then by name",
                "operationId": "listArenas",
                "parameters": [
                    PAGE_PARAMETER,
                    _query("per_page", "Results per page, 1-100 (default 20)", "integer"),
                ],
                "responses": {"200": _json("ArenaList", "A page of arenas"), "401": _ERROR},
            },
            "post": {
                "summary": "Register an arena; the caller owns it unless `owner` proposes someone",
                "operationId": "createArena",
                "requestBody": _body("ArenaInput"),
                "responses": {"201": _json("Arena", "The arena"), **_errors(400, 401, 415, 422)},
            },
        },
        "/arenas/{slug}": {
            "parameters": [_path("slug", "string")],
            "get": {
                "summary": "One arena with its meetings",
                "operationId": "getArena",
                "responses": {"200": _json("Arena", "The arena"), **_errors(401, 404)},
            },
            "patch": {
                "summary": "Change an arena (owner, deputy, admins)",
                "operationId": "updateArena",
                "requestBody": _body("ArenaInput"),
                "responses": {
                    "200": _json("Arena", "The arena"),
                    **_errors(400, 401, 403, 404, 415, 422),
                },
            },
        },
        "/arenas/{slug}/proposals": {
            "parameters": [_path("slug", "string")],
            "post": {
                "summary": "Propose a new owner or a deputy; they must accept",
                "operationId": "proposeRole",
                "requestBody": _body("ProposalInput"),
                "responses": {
                    "201": _json("Proposal", "The proposal"),
                    **_errors(400, 401, 403, 404, 409, 415, 422),
                },
            },
        },
        **{
            f"/proposals/{{proposal_id}}/{answer}": {
                "parameters": [_path("proposal_id", "integer")],
                "post": {
                    "summary": f"{answer.capitalize()} a proposal",
                    "operationId": f"{answer}Proposal",
                    "responses": {
                        "200": _json("Proposal", "The proposal"),
                        **_errors(401, 403, 404, 409),
                    },
                },
            }
            for answer in ("accept", "decline", "withdraw")
        },
        "/arenas/{slug}/follow": {
            "parameters": [_path("slug", "string")],
            "post": {
                "summary": "Follow an arena",
                "operationId": "followArena",
                "responses": {"200": {"description": "Following"}, **_errors(401, 404)},
            },
            "delete": {
                "summary": "Stop following",
                "operationId": "unfollowArena",
                "responses": {"200": {"description": "Not following"}, **_errors(401, 404)},
            },
        },
        "/arenas/{slug}/meetings": {
            "parameters": [_path("slug", "string")],
            "post": {
                "summary": "Add a meeting or series (times are wall-clock in `timezone`)",
                "operationId": "createMeeting",
                "requestBody": _body("MeetingInput"),
                "responses": {
                    "201": _json("Meeting", "The meeting"),
                    **_errors(400, 401, 403, 404, 415, 422),
                },
            },
        },
        "/meetings/{meeting_id}": {
            "parameters": [_path("meeting_id", "integer")],
            "patch": {
                "summary": "Edit a meeting or whole series",
                "operationId": "updateMeeting",
                "requestBody": _body("MeetingInput"),
                "responses": {
                    "200": _json("Meeting", "The meeting"),
                    **_errors(400, 401, 403, 404, 415, 422),
                },
            },
            "delete": {
                "summary": "Cancel a meeting or whole series",
                "operationId": "cancelMeeting",
                "responses": {
                    "200": _json("Meeting", "The cancelled meeting"),
                    **_errors(401, 403, 404),
                },
            },
        },
        "/meetings/{meeting_id}/exceptions": {
            "parameters": [_path("meeting_id", "integer")],
            "post": {
                "summary": "Cancel or move one occurrence of a series",
                "operationId": "changeOccurrence",
                "requestBody": _body("ExceptionInput"),
                "responses": {
                    "201": _json("Meeting", "The meeting"),
                    **_errors(400, 401, 403, 404, 415, 422),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "getOpenApi",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {"Error": _json("Error", "An error")},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "fields"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "OrganisationRef": {
                "type": "object",
                "required": ["slug", "name"],
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            },
            "OrganisationKind": {
                "type": "string",
                "enum": [
                    "fylkeskommune",
                    "kommune",
                    "statlig",
                    "akademia",
                    "naeringsliv",
                    "naeringshage",
                    "interesseorganisasjon",
                    "frivillighet",
                    "annet",
                ],
            },
            "Member": {
                "type": "object",
                "required": ["id", "email", "name", "organisation"],
                "properties": {
                    "id": {"type": "integer"},
                    "email": {"type": "string", "format": "email"},
                    "name": {"type": "string"},
                    "title": {"type": "string"},
                    "phone": {"type": "string"},
                    "preferred_language": {
                        "type": ["string", "null"],
                        "enum": ["nb", "nn", "en", None],
                    },
                    "is_admin": {"type": "boolean"},
                    "organisation": {"$ref": "#/components/schemas/OrganisationRef"},
                    "calendar_feed_url": {"type": "string"},
                },
            },
            "Ref": {
                "type": "object",
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
            },
            "Initiative": {
                "type": "object",
                "required": ["id", "title", "summary", "status", "lead_organisation", "version"],
                "properties": {
                    "id": {"type": "integer"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "description": {"type": "string"},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "is_priority": {"type": "boolean"},
                    "starts_on": {"type": ["string", "null"], "format": "date"},
                    "ends_on": {"type": ["string", "null"], "format": "date"},
                    "contact": {"type": ["object", "null"]},
                    "lead_organisation": _schema("Ref"),
                    "partners": {"type": "array", "items": _schema("Ref")},
                    "themes": {"type": "array", "items": _schema("Ref")},
                    "wanted_competence": {"type": "array", "items": _schema("Ref")},
                    "municipalities": {"type": "array", "items": {"type": "object"}},
                    "links": {"type": "array", "items": {"type": "object"}},
                    "is_public": {"type": "boolean"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "version": {"type": "integer"},
                },
            },
            "InitiativeInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "summary": {"type": "string", "maxLength": 500},
                    "description": {"type": "string", "maxLength": 20000},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "is_priority": {"type": "boolean"},
                    "starts_on": {"type": ["string", "null"], "format": "date"},
                    "ends_on": {"type": ["string", "null"], "format": "date"},
                    "contact_email": {"type": "string", "format": "email"},
                    "lead_organisation": {"type": "string", "description": "slug"},
                    "partners": {"type": "array", "items": {"type": "string"}},
                    "themes": {"type": "array", "items": {"type": "string"}},
                    "wanted_competence": {"type": "array", "items": {"type": "string"}},
                    "municipalities": {"type": "array", "items": {"type": "string"}},
                    "links": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"url": {"type": "string"}, "label": {"type": "string"}},
                        },
                    },
                    "is_public": {"type": "boolean"},
                    "version": {"type": "integer"},
                },
            },
            "InitiativeList": {
                "type": "object",
                "required": ["results", "total", "page", "per_page", "next"],
                "properties": {
                    "results": {"type": "array", "items": _schema("Initiative")},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "next": {"type": ["string", "null"]},
                },
            },
            "ExpertList": {
                "type": "object",
                "required": ["results"],
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "id",
                                "name",
                                "title",
                                "organisation",
                                "expertise",
                                "score",
                            ],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "title": {"type": "string"},
                                "organisation": _schema("OrganisationRef"),
                                "expertise": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "area": {"type": "string"},
                                            "level": {"type": "integer"},
                                        },
                                    },
                                },
                                "score": {"type": "integer"},
                            },
                        },
                    }
                },
            },
            "MyExpertise": {
                "type": "object",
                "properties": {
                    "expertise": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "area": {"type": "string"},
                                "name": {"type": "string"},
                                "level": {"type": "integer", "minimum": 1, "maximum": 3},
                                "note": {"type": "string"},
                            },
                        },
                    },
                    "ask_me_about": {"type": "string"},
                },
            },
            "ExpertiseInput": {
                "type": "object",
                "required": ["expertise"],
                "additionalProperties": False,
                "properties": {
                    "expertise": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["area", "level"],
                            "properties": {
                                "area": {"type": "string", "description": "area slug"},
                                "level": {"type": "integer", "minimum": 1, "maximum": 3},
                                "note": {"type": "string", "maxLength": 300},
                            },
                        },
                    }
                },
            },
            "AreaList": {
                "type": "object",
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "slug": {"type": "string"},
                                "name": {"type": "string"},
                                "name_nn": {"type": "string"},
                                "synonyms": {"type": "array", "items": {"type": "string"}},
                                "approved": {"type": "boolean"},
                            },
                        },
                    }
                },
            },
            "Arena": {
                "type": "object",
                "required": ["slug", "name", "kind", "visibility"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "purpose": {"type": "string"},
                    "kind": {"type": "string", "enum": list(ARENA_KINDS)},
                    "cadence": {"type": "string", "enum": ["", *ARENA_CADENCES]},
                    "visibility": {"type": "string", "enum": ["public", "members"]},
                    "owner": {"type": ["object", "null"]},
                    "deputy": {"type": ["object", "null"]},
                    "orphaned": {"type": "boolean"},
                    "review_due_on": {"type": "string", "format": "date"},
                    "organisations": {"type": "array", "items": _schema("Ref")},
                    "pending_proposals": {"type": "array", "items": {"type": "object"}},
                    "calendar_url": {"type": ["string", "null"]},
                    "meetings": {"type": "array", "items": _schema("Meeting")},
                },
            },
            "ArenaList": {
                "type": "object",
                "required": ["results", "total", "page", "per_page", "next"],
                "properties": {
                    "results": {"type": "array", "items": _schema("Arena")},
                    "total": {"type": "integer"},
                    "page": {"type": "integer"},
                    "per_page": {"type": "integer"},
                    "next": {"type": ["string", "null"], "description": "The next page, or null"},
                },
            },
            "ArenaInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "maxLength": 150},
                    "purpose": {"type": "string"},
                    "kind": {"type": "string", "enum": list(ARENA_KINDS)},
                    "cadence": {"type": "string", "enum": ["", *ARENA_CADENCES]},
                    "visibility": {"type": "string", "enum": ["public", "members"]},
                    "organisations": {"type": "array", "items": {"type": "string"}},
                    "owner": {"type": "string", "format": "email"},
                    "deputy": {"type": "string", "format": "email"},
                },
            },
            "ProposalInput": {
                "type": "object",
                "required": ["role", "email"],
                "properties": {
                    "role": {"type": "string", "enum": ["owner", "deputy"]},
                    "email": {"type": "string", "format": "email"},
                },
            },
            "Proposal": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "role": {"type": "string"},
                    "status": {"type": "string"},
                },
            },
            "Meeting": {
                "type": "object",
                "required": ["id", "uid", "title", "starts_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "uid": {"type": "string"},
                    "title": {"type": "string"},
                    "starts_at": {"type": "string", "example": "2027-03-22T09:00"},
                    "ends_at": {"type": ["string", "null"]},
                    "timezone": {"type": "string"},
                    "recurrence": {"type": ["string", "null"]},
                    "location": {"type": "string"},
                    "online_url": {"type": "string"},
                    "description": {"type": "string"},
                    "status": {"type": "string"},
                    "sequence": {"type": "integer"},
                    "exceptions": {"type": "array", "items": {"type": "object"}},
                },
            },
            "MeetingInput": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string", "maxLength": 200},
                    "starts_at": {"type": "string", "example": "2027-03-22T09:00"},
                    "ends_at": {"type": "string", "example": "2027-03-22T10:30"},
                    "timezone": {"type": "string", "enum": ["Europe/Oslo"]},
                    "recurrence": {"type": "string", "example": "FREQ=WEEKLY;COUNT=10"},
                    "location": {"type": "string"},
                    "online_url": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
            "ExceptionInput": {
                "type": "object",
                "required": ["occurrence", "action"],
                "properties": {
                    "occurrence": {"type": "string", "example": "2027-03-29T09:00"},
                    "action": {"type": "string", "enum": ["cancel", "move"]},
                    "starts_at": {"type": "string"},
                    "ends_at": {"type": "string"},
                },
            },
            "ProfileChange": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 120},
                    "title": {"type": "string", "maxLength": 150},
                    "phone": {"type": "string", "maxLength": 40},
                    "bio": {"type": "string", "maxLength": 5000},
                    "ask_me_about": {"type": "string", "maxLength": 2000},
                    "preferred_language": {"type": "string", "enum": ["nb", "nn", "en"]},
                },
            },
            "Organisation": {
                "type": "object",
                "required": ["slug", "name", "kind", "member_count"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "kind": {"$ref": "#/components/schemas/OrganisationKind"},
                    "municipality": {
                        "type": ["object", "null"],
                        "properties": {"number": {"type": "string"}, "name": {"type": "string"}},
                    },
                    "org_number": {"type": ["string", "null"]},
                    "website": {"type": ["string", "null"]},
                    "member_count": {"type": "integer"},
                },
            },
            "OrganisationList": {
                "type": "object",
                "required": ["results"],
                "properties": {
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Organisation"},
                    }
                },
            },
        },
    },
}


@bp.get("/openapi.json")
def openapi():
    """The machine-readable description of this API."""
    return jsonify(DOCUMENT)
