"""The JSON API under /api/v1: bearer-token authentication and JSON errors.

Each area's api.py declares its operations (arena/api/declare.py); they are imported at the
bottom, and the OpenAPI document is generated from them.
"""

from functools import wraps

from flask import Blueprint, g, request
from flask_babel import gettext as _

from arena.web import json_error

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


@bp.after_request
def no_caching(response):
    response.headers["Cache-Control"] = "no-store"
    return response


from arena.accounts import api as _accounts_api  # noqa: E402, F401
from arena.api import declare as _declare  # noqa: E402
from arena.api import openapi as _openapi  # noqa: E402, F401
from arena.arenas import api as _arenas_api  # noqa: E402, F401
from arena.expertise import api as _expertise_api  # noqa: E402, F401
from arena.initiatives import api as _initiatives_api  # noqa: E402, F401
from arena.network import api as _network_api  # noqa: E402, F401
from arena.notifications import api as _notifications_api  # noqa: E402, F401
from arena.organisations import api as _organisations_api  # noqa: E402, F401


@bp.record_once
def _add_operations(state) -> None:
    """Each declared operation gets its route when the API is registered with the app: by then
    every area's api.py has been imported, whichever was imported first."""
    for operation in _declare.OPERATIONS:
        state.add_url_rule(
            operation.rule,
            operation.name,
            token_required(operation.endpoint),
            methods=[operation.method],
        )
