"""Each API operation declared once: its path, its input (query and JSON body) and its answer as
pydantic models. The route parses and checks requests with them, and /api/v1/openapi.json is
generated from them, so the document and the code cannot drift apart.

Mistakes answer alike everywhere, in the caller's language: 400 for a body that is not a JSON
object, 415 for another content type, 422 for a field the declaration refuses (the same envelope
as the services' own checks: {"error": {"code", "message", "fields"}}).
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from flask import Response, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from arena.dates import FIRST_YEAR, LAST_YEAR
from arena.errors import ValidationFailed
from arena.links import absolute_url
from arena.paging import MAX_PAGE

#: The most results one page of a list may hold.
MAX_PER_PAGE = 100
#: Characters no person types, which Arena does not store (arena/web.py): text with them is
#: refused rather than changed behind the caller's back.
NOT_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
#: What arena.lines.LINE_BREAK matches, as a character class body.
LINE_BREAKS = r"\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029"
_TEXT = rf"^[^{NOT_TEXT}]*$"
_SOMETHING = rf"^[^{NOT_TEXT}]*[^\s{NOT_TEXT}][^{NOT_TEXT}]*$"  # and not only spaces


#: The years of arena.dates (FIRST_YEAR-LAST_YEAR) as a pattern, so the OpenAPI document says
#: which dates are valid (JSON Schema has no range for a date); test_api checks the two agree.
SUPPORTED_YEARS = r"^(19[0-9]{2}|2[01][0-9]{2})-"


def _written_as_a_date(value):
    """Text must be a date as YYYY-MM-DD (read leniently, «0» would be 1 January 1970); read
    here, so a strict JSON body takes it too."""
    if not isinstance(value, str):
        return value
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise PydanticCustomError("date_parsing", "Input should be a date written as YYYY-MM-DD")


#: A date given as YYYY-MM-DD (in a query as in a body), as the OpenAPI document says.
IsoDate = Annotated[date, BeforeValidator(_written_as_a_date)]


def supported_date(description: str, **kwargs):
    """A date field within the years Arena supports (arena/dates.py), which the OpenAPI
    document states; a date outside them is a 422 naming the field."""
    first, last = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
    return Field(
        None,
        ge=first,
        le=last,
        description=f"{description} ({first} to {last})",
        json_schema_extra={"pattern": SUPPORTED_YEARS},
        **kwargs,
    )


class Body(BaseModel):
    """A JSON body: exactly the declared fields, each of its declared type (no coercion:
    "3" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class Query(BaseModel):
    """Query parameters: text from the URL read as the declared types; unknown ones refused
    (a misspelt filter would otherwise be silently ignored)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, regex_engine="python-re")

    lang: Literal["nb", "nn", "en"] = Field(
        None, description="The language of messages; default: your own or the browser's"
    )


class Paging(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE, description="Results a page")


class Answer(BaseModel):
    """What an operation answers with (documentation and response checks)."""


class Page(Answer):
    """One page of a list; `next` is the next page's URL, null on the last."""

    results: list
    total: int
    page: int
    per_page: int
    next: str | None


def page_json(endpoint: str, page, results: list) -> dict:
    """A page of a list: its results, the total, and the link to the next page (null on the
    last), which keeps the caller's other query parameters."""
    next_url = None
    if page.page < page.pages:
        kept = {
            k: v
            for k, v in request.args.to_dict(flat=False).items()
            if k not in ("page", "per_page")
        }
        next_url = absolute_url(endpoint, **kept, page=page.page + 1, per_page=page.per_page)
    return {
        "results": results,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "next": next_url,
    }


def text(limit: int, *, required: bool = False, one_line: bool = False) -> Any:
    """A text field of at most `limit` characters; a required one must say something; a
    one-line one (a name, a title) holds no line break (arena/lines.py)."""
    pattern = _SOMETHING if required else _TEXT
    if one_line:
        pattern = pattern.replace(NOT_TEXT, NOT_TEXT + LINE_BREAKS)
    return Annotated[str, Field(max_length=limit, pattern=pattern)]


Email = Annotated[str, Field(max_length=254, pattern=_TEXT, json_schema_extra={"format": "email"})]
Slug = Annotated[str, Field(max_length=120, pattern=_TEXT)]


@dataclass
class Operation:
    method: str
    rule: str
    name: str
    summary: str
    description: str
    body: type[Body] | None
    query: type[Query] | None
    answer: Any
    status: int
    errors: tuple[int, ...]
    links: dict = field(default_factory=dict)
    field_names: dict = field(default_factory=dict)
    #: The view as the route calls it: parsing, answering and rate limits around the area's own.
    endpoint: Callable | None = None


OPERATIONS: list[Operation] = []


def _message(error: dict) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("Må fylles ut.")
    if kind == "extra_forbidden":
        return _("Ukjent felt.")
    if kind == "string_too_long":
        return _("Kan ikke være lengre enn %(n)d tegn.", n=ctx["max_length"])
    if kind == "string_too_short":
        return _("Må fylles ut.")
    if kind == "string_type":
        return _("Må være tekst.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Må være et heltall.")
    if kind == "greater_than_equal":
        return _("Må være minst %(n)s.", n=ctx["ge"])
    if kind == "less_than_equal":
        return _("Kan ikke være mer enn %(n)s.", n=ctx["le"])
    if kind in ("bool_type", "bool_parsing"):
        return _("Må være true eller false.")
    if kind in ("literal_error", "enum"):
        # pydantic lists them as "'a', 'b' or 'c'"; without the English word:
        values = str(ctx.get("expected", "")).replace(" or ", ", ")
        return _("Ukjent verdi. Gyldige verdier: %(values)s", values=values)
    if kind in ("list_type", "tuple_type"):
        return _("Må være en liste.")
    if kind == "too_long":
        return _("Kan ikke ha flere enn %(n)d.", n=ctx["max_length"])
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Må være et objekt.")
    if kind.startswith("date") and not kind.startswith("datetime"):
        return _("Skriv en gyldig dato (åååå-mm-dd).")
    if kind.startswith(("datetime", "timezone")):
        return _("Skriv tiden som veggur i tidssonen, for eksempel 2027-03-22T09:00.")
    if kind == "string_pattern_mismatch" and LINE_BREAKS in str(ctx.get("pattern")):
        return _("Skal stå på én linje, uten linjeskift.")
    if kind == "string_pattern_mismatch":
        return _("Har ikke riktig form.")
    return _("Ugyldig verdi.")


def _refused(error: ValidationError) -> ValidationFailed:
    fields = {}
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(key, _message(item))
    return ValidationFailed(_("Forespørselen har feil."), fields)


def _lone_surrogates(value, path: str = ""):
    """(field, message) for each string holding half a surrogate pair ("\\ud800" in JSON)."""
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            yield path or "body", _("Har ikke riktig form.")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _lone_surrogates(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _lone_surrogates(item, f"{path}.{index}")


def _body(model: type[Body]) -> Body:
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        # Strictly UTF-8 (RFC 8259): bytes that are not would otherwise be replaced silently.
        sent = request.get_data().decode("utf-8")
        data = json.loads(sent)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        data = None
    if not isinstance(data, dict):
        raise BadRequest()
    # Half a surrogate pair ("\\ud800") is valid JSON but no text: named here, the rest checked
    # on a copy without them.
    halves = dict(_lone_surrogates(data))
    if halves:
        sent = json.dumps(data).replace("\\ud", "\\uf")  # escaped halves become private-use
    try:
        # As sent (text with characters Arena does not store is refused, not changed), in JSON
        # mode: dates and times arrive as strings; numbers and booleans must be JSON's own.
        parsed = model.model_validate_json(sent)
    except ValidationError as error:
        refused = _refused(error)
        raise ValidationFailed(refused.message, refused.fields | halves) from None
    if halves:
        raise ValidationFailed(_("Forespørselen har feil."), halves)
    return parsed


def _query(model: type[Query]) -> Query:
    # As sent: request.args has control characters removed, which the declaration refuses.
    sent = MultiDict(
        parse_qsl(request.query_string.decode(errors="replace"), keep_blank_values=True)
    )
    values = {}
    for key in sent:
        declared = model.model_fields.get(key) or next(
            (f for f in model.model_fields.values() if f.alias == key), None
        )
        repeatable = declared is not None and "list" in str(declared.annotation)
        values[key] = sent.getlist(key) if repeatable else sent.get(key)
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise _refused(error) from None


def operation(
    method: str,
    rule: str,
    *,
    answer: Any = None,
    body: type[Body] | None = None,
    query: type[Query] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    links: dict | None = None,
    field_names: dict | None = None,
    decorators: tuple[Callable, ...] = (),
):
    """Declares an API operation (arena/api/__init__.py adds its route). The view gets the path's
    values and, when declared, `body` and `query` as parsed models; it returns what to answer as
    JSON (None: an empty 204)."""

    def register(view: Callable) -> Callable:
        lines = (view.__doc__ or "").strip().split("\n", 1)
        operation = Operation(
            method=method.upper(),
            rule=rule,
            name=view.__name__,
            summary=lines[0].strip(),
            description=" ".join(lines[1].split()) if len(lines) > 1 else "",
            body=body,
            query=query,
            answer=answer,
            status=status,
            errors=errors,
            links=links or {},
            field_names=field_names or {},
        )
        OPERATIONS.append(operation)

        @wraps(view)
        def endpoint(**path):
            given = {}
            parsed = _query(query or Query)
            if query is not None:
                given["query"] = parsed
            if body is not None:
                given["body"] = _body(body)
            try:
                result = view(**path, **given)
            except ValidationFailed as error:  # the services' names for fields, as sent
                renamed = {(field_names or {}).get(k, k): v for k, v in error.fields.items()}
                raise ValidationFailed(error.message, renamed) from None
            if result is None:
                return "", 204
            if isinstance(result, Response):  # JSON the view wrote (and kept) itself
                return result, status
            return jsonify(result), status

        limited = endpoint
        for decorate in decorators:  # rate limits count callers who proved who they are
            limited = decorate(limited)
        operation.endpoint = limited
        return view

    return register
