"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from flask import jsonify

from arena.api import bp

_ERROR = {"$ref": "#/components/responses/Error"}


def _schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


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
            },  # fmt: skip
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
