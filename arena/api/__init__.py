"""The JSON API under /api/v1: bearer-token authentication and JSON errors.

Each area's api.py adds its routes to `bp`; they are imported at the bottom.
"""

from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from arena.links import absolute_url
from arena.paging import page_number
from arena.web import clean_text, json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_required(view):
    """The route needs `Authorization: Bearer <token>`; the caller is in g.api_member."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from arena.accounts import services as accounts

        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        member = accounts.member_for_api_token(secret.strip()) if scheme == "Bearer" else None
        if member is None:
            response = json_error(
                401,
                "unauthorized",
                _("Mangler gyldig API-nøkkel (Authorization: Bearer <nøkkel>)."),
            )
            response[0].headers["WWW-Authenticate"] = 'Bearer realm="arena"'
            return response
        g.api_member = member
        return view(*args, **kwargs)

    return wrapper


def json_body() -> dict:
    """The request's JSON object, or a 400/415 JSON error when it is not one."""
    from werkzeug.exceptions import BadRequest, UnsupportedMediaType

    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        data = clean_text(request.get_json())
    except (BadRequest, RecursionError):  # RecursionError: JSON nested thousands deep
        data = None
    if not isinstance(data, dict):
        raise BadRequest()
    return data


#: The most results one page of a list may hold.
MAX_PER_PAGE = 100
PAGING = ("page", "per_page")


def paging_args() -> tuple[int, int]:
    """The page (from 1) and page size (1-100, default 20) the caller asked for."""
    per_page = request.args.get("per_page", 20, type=int) or 20
    return page_number(request.args), min(max(per_page, 1), MAX_PER_PAGE)


def page_json(endpoint: str, page, results: list):
    """A page of a list: its results, the total, and the link to the next page (null on the
    last), which keeps the caller's other query parameters."""
    next_url = None
    if page.page < page.pages:
        kept = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in PAGING}
        next_url = absolute_url(endpoint, **kept, page=page.page + 1, per_page=page.per_page)
    return jsonify(
        {
            "results": results,
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
            "next": next_url,
        }
    )


@bp.after_request
def no_caching(response):
    response.headers["Cache-Control"] = "no-store"
    return response


from arena.accounts import api as _accounts_api  # noqa: E402, F401
from arena.api import openapi as _openapi  # noqa: E402, F401
from arena.arenas import api as _arenas_api  # noqa: E402, F401
from arena.expertise import api as _expertise_api  # noqa: E402, F401
from arena.initiatives import api as _initiatives_api  # noqa: E402, F401
from arena.organisations import api as _organisations_api  # noqa: E402, F401
