"""Reusable permission checks for services; each raises PermissionDenied."""

from flask_babel import gettext as _

from arena.errors import PermissionDenied


def require_admin(actor) -> None:
    """Only administrators may go on."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_admin:
        raise PermissionDenied(_("Bare administratorer kan gjøre dette."))


def require_self(actor, member) -> None:
    """Only the member themselves may go on."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.id != member.id:
        raise PermissionDenied(_("Du kan bare endre din egen konto."))
