"""What every HTML page shares: sign-in loading, language choice, template helpers, error pages."""

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Request, Response, g, jsonify, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, SecurityError
from werkzeug.routing import BuildError, IntegerConverter

from arena.access import sees_contact_details
from arena.dates import (
    format_clock,
    format_date,
    format_datetime,
    format_day,
    format_month,
    format_period,
    format_plain_date,
    format_range,
    format_short_day,
    wall_clock_in_oslo,
    week_number,
    weekday_names,
)
from arena.errors import ServiceError
from arena.extensions import db
from arena.forms import csrf_field
from arena.lines import quoted
from arena.links import absolute_url, this_request_url
from arena.markup import render_markdown

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def safe_next(target: str | None, default: str) -> str:
    """`next` only when it points back into this site; otherwise the default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def remember_language() -> None:
    """?lang= chooses the language for the rest of the session; a GET never writes to the
    database, so a member's stored language changes only on their profile."""
    lang = request.args.get("lang")
    if lang in LANGUAGE_NAMES:
        session["lang"] = lang


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def handle_service_error(error: ServiceError):
    if wants_json():
        return json_error(error.status, error.code, error.message, error.fields)
    return render_template("errors/error.html", status=error.status, message=error.message), (
        error.status
    )


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if isinstance(error, SecurityError):  # a host Arena does not answer for: no links to build
        return Response(_("Ukjent vertsnavn."), status=400, mimetype="text/plain")
    messages = {
        400: _("Forespørselen kunne ikke behandles."),
        401: _("Du må logge inn for å se dette."),
        403: _("Du har ikke tilgang til dette."),
        404: _("Siden finnes ikke."),
        405: _("Denne handlingen er ikke tillatt her."),
        413: _("Det du sendte er for stort."),
        415: _("Send JSON med Content-Type: application/json."),
        429: _("For mange forsøk på kort tid. Vent et minutt og prøv igjen."),
    }
    message = messages.get(status, _("Noe gikk galt hos oss. Prøv igjen senere."))
    if isinstance(error, CSRFError):
        message = _("Skjemaet var utløpt eller ugyldig. Last siden på nytt og prøv igjen.")
    if wants_json():
        if status == 400:
            message = _("Forespørselen må være et gyldig JSON-objekt.")
        codes = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            415: "unsupported_media_type",
            429: "rate_limited",
        }
        response = json_error(status, codes.get(status, "error"), message)
    else:
        response = render_template("errors/error.html", status=status, message=message), status
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        return (*response, {"Allow": ", ".join(sorted(error.valid_methods))})
    return response


def handle_unexpected(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    message = _("Noe gikk galt hos oss. Prøv igjen senere.")
    if wants_json():
        return json_error(500, "internal_error", message)
    return render_template("errors/error.html", status=500, message=message), 500


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of a page, or None while that page does not exist yet."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def combine_args(args: dict, **changes) -> dict:
    """Query arguments (as lists) with some replaced, for links that keep the other filters."""
    return {**args, **{key: [value] for key, value in changes.items()}}


def language_url(lang: str) -> str:
    """This page in another language."""
    args = request.args.to_dict()
    args["lang"] = lang
    return url_for(request.endpoint or "main.index", **(request.view_args or {}), **args)


def forget_request_state(_exc=None) -> None:
    """Per-request values (signed-in member, language, headers) never outlive their request,
    even where one app context serves several requests (tests, CLI)."""
    for key in ("_login_user", "_flask_babel", "no_store", "_search_terms", "csrf_token"):
        g.pop(key, None)


#: Characters no person types and XML cannot carry: control characters but tab and line
#: breaks (a NUL is refused by PostgreSQL, \x0b breaks the Atom feed), lone surrogates (from a
#: JSON "\ud800", which no database can store) and the non-characters U+FFFE and U+FFFF.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value):
    """Text as it may be stored and published: without the characters above; strings inside
    lists and objects (JSON) too."""
    if isinstance(value, str):
        return _NOT_TEXT.sub("", value)
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    return value


class CleanText(ImmutableMultiDict):
    """Query and form values without control characters (files untouched)."""

    def __init__(self, mapping=None):
        if isinstance(mapping, list | tuple):  # the pairs werkzeug's parsers hand over
            mapping = [(clean_text(k), clean_text(v)) for k, v in mapping]
        super().__init__(mapping)


class ArenaRequest(Request):
    parameter_storage_class = CleanText


class DatabaseInteger(IntegerConverter):
    """`<int:...>` in URLs: ids the database's integer columns can hold (32 bits on
    PostgreSQL), so a larger one is a 404, never an overflow deep in the database driver."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()
        return number


@lru_cache(maxsize=256)
def _fingerprint(path: str, modified: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def fingerprint_static(endpoint: str, values: dict) -> None:
    """Static URLs carry their file's content hash (?v=...): cached for a year, and a new
    version of a file is a new URL."""
    if endpoint != "static" or "filename" not in values or "v" in values:
        return
    from flask import current_app

    path = Path(current_app.static_folder) / values["filename"]
    if path.is_file():
        values["v"] = _fingerprint(str(path), path.stat().st_mtime)


def serve_static(filename: str):
    """A static file as a whole response, so it leaves compressed like a page does (a proxy in
    front may serve /static/ itself)."""
    from flask import current_app

    response = current_app.send_static_file(filename)
    if response.status_code == 200:  # read now: a stream would go out uncompressed
        response.direct_passthrough = False
        data = response.get_data()
        response.close()  # the file
        response.set_data(data)
    return response


def init_app(app) -> None:
    app.url_map.converters["int"] = DatabaseInteger  # before any route is registered
    app.url_defaults(fingerprint_static)
    app.view_functions["static"] = serve_static
    app.request_class = ArenaRequest
    app.before_request(forget_request_state)
    app.before_request(remember_language)
    app.teardown_request(forget_request_state)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(quoted, "quoted")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_plain_date, "plain_date")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_short_day, "short_day")
    app.add_template_filter(format_month, "month")
    app.add_template_filter(format_clock, "clock")
    app.add_template_global(format_range, "format_range")
    app.add_template_global(format_period, "format_period")
    app.add_template_global(weekday_names, "weekday_names")
    app.add_template_global(csrf_field, "csrf_field")
    app.add_template_filter(week_number, "week_number")
    app.add_template_filter(wall_clock_in_oslo, "oslo")
    app.add_template_filter(combine_args, "combine_args")
    app.add_template_global(absolute_url, "absolute_url")
    app.add_template_global(this_request_url, "this_request_url")

    @app.context_processor
    def page_helpers():
        return {
            "sees_contact_details": lambda member: sees_contact_details(current_user, member),
            "current_language": str(get_locale() or "nb"),
            "language_names": LANGUAGE_NAMES,
            "language_url": language_url,
            "optional_url": optional_url,
        }


# Secret links: a personal calendar feed (not the public all.ics) and a password reset link.
_SECRET_LINKS = [
    (re.compile(r"/calendar/(?!all\.ics)[^/\s?]+\.ics"), "/calendar/***.ics"),
    (re.compile(r"/auth/reset/[^/\s?]+"), "/auth/reset/***"),
    (re.compile(r"/unsubscribe/[^/\s?]+"), "/unsubscribe/***"),
    (re.compile(r"/answer/[^/\s?]+"), "/answer/***"),
]


def _hide(text: str) -> str:
    for pattern, replacement in _SECRET_LINKS:
        text = pattern.sub(replacement, text)
    return text


class HideSecretLinks(logging.Filter):
    """Request logs show /calendar/***.ics and /auth/reset/*** instead of secret links."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _hide(record.msg)
        if isinstance(record.args, dict):  # gunicorn's access log formats from a dict
            record.args = {k: _hide(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_hide(a) if isinstance(a, str) else a for a in record.args)
        return True


def hide_secret_links_in_logs() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideSecretLinks) for f in logger.filters):
            logger.addFilter(HideSecretLinks())
