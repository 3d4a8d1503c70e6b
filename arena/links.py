"""Absolute links for what leaves the page (emails, feeds, API answers): always on BASE_URL.

A request's Host or X-Forwarded-Host header is chosen by whoever sends it; a link built from it
would let a stranger put their own host into a password reset email. So every absolute link is
built from the configured BASE_URL alone, inside a request or outside one (CLI, worker).
"""

from urllib.parse import quote, urlsplit

from flask import current_app, request


def base_url() -> str:
    """The public address of Arena's root, without a trailing slash."""
    return current_app.config["BASE_URL"]


def absolute_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """The full address of a page on BASE_URL (the endpoint fully named: "accounts.profile")."""
    app = current_app._get_current_object()
    parts = urlsplit(base_url())
    adapter = app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{quote(_anchor)}" if _anchor else url


def this_request_url() -> str:
    """The address of the page being answered, with its query, on BASE_URL."""
    return base_url() + request.full_path.rstrip("?")
