"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json: generated from the
operations' declarations (arena/api/declare.py), never written by hand."""

import re
from functools import cache

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from arena.api import bp
from arena.api.declare import OPERATIONS, Operation, Query

REF = "#/components/schemas/{model}"
ERROR = {"$ref": "#/components/responses/Error"}
_PATH_PARAMETER = re.compile(r"<(?:(int):)?(\w+)>")


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _error_response() -> dict:
    return {
        "description": "What was wrong, in the caller's language",
        "content": {
            "application/json": {
                "schema": {
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
                }
            }
        },
    }


def _parameters(op: Operation, schemas: dict) -> list[dict]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if kind == "int" else {"type": "string"},
        }
        for kind, name in _PATH_PARAMETER.findall(op.rule)
    ]
    model = schemas[(op.query or Query).__name__]
    if model:
        required = set(model.get("required", []))
        for name, schema in model["properties"].items():
            parameter = {"name": name, "in": "query", "required": name in required}
            if "description" in schema:
                parameter["description"] = schema.pop("description")
            schema.pop("title", None)
            parameter["schema"] = schema
            if schema.get("type") == "array":
                parameter |= {"style": "form", "explode": True}
            parameters.append(parameter)
    return parameters


def _responses(op: Operation) -> dict:
    if op.answer is None:
        responses = {str(op.status): {"description": "Done"}}
    else:
        answer = {"$ref": REF.format(model=op.answer.__name__)}
        responses = {
            str(op.status): {
                "description": op.summary,
                "content": {"application/json": {"schema": answer}},
            }
        }
        if op.links:
            responses[str(op.status)]["links"] = {
                name: {"operationId": _camel(target), "parameters": parameters}
                for name, (target, parameters) in op.links.items()
            }
    statuses = {401, *op.errors}
    if op.body is not None:
        statuses |= {400, 415, 422}
    statuses.add(422)  # a query parameter refused
    if "<" in op.rule:
        statuses.add(404)
    for status in sorted(statuses):
        responses[str(status)] = ERROR
    return responses


def _drop_null_defaults(node) -> None:
    """An optional field left out is not the same as null: say nothing of a null default."""
    if isinstance(node, dict):
        if node.get("default", ...) is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


@cache
def document() -> dict:
    models: list[type[BaseModel]] = []
    for op in OPERATIONS:
        models += [m for m in (op.body, op.query or Query, op.answer) if m is not None]
    unique = list(dict.fromkeys(models))
    _keys, top = models_json_schema(
        [(m, "validation") for m in unique], ref_template=REF, title="Arena API"
    )
    schemas = top.get("$defs", {})
    paths: dict = {}
    for op in OPERATIONS:
        path = _PATH_PARAMETER.sub(r"{\2}", op.rule)
        spec = {
            "operationId": _camel(op.name),
            "summary": op.summary,
            "parameters": _parameters(op, schemas),
            "responses": _responses(op),
        }
        if op.description:
            spec["description"] = op.description
        if op.body is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}
                },
            }
        paths.setdefault(path, {})[op.method.lower()] = spec
    _drop_null_defaults(schemas)
    for op in OPERATIONS:  # query models live on as parameters, not as schemas
        schemas.pop((op.query or Query).__name__, None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Arena API",
            "version": "1",
            "description": "Arena, the coordination tracker of «Jobbe smartere sammen». "
            "Authenticate with a personal API token: `Authorization: Bearer <token>`. "
            "A body that is not a JSON object answers 400, another content type 415, a field "
            "the declaration refuses 422, all with the same error envelope.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": _error_response()},
            "schemas": schemas,
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The machine-readable description of this API."""
    return jsonify(document())
