"""Errors that services raise and views and the API turn into answers."""


class ServiceError(Exception):
    """A rule of the domain refused the action; the message is for the user."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(ServiceError):
    """Input broke a rule; `fields` maps field names to messages."""

    status = 422
    code = "validation_failed"


class PermissionDenied(ServiceError):
    """The acting member may not do this."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The action clashes with what is stored (a duplicate, a stale version)."""

    status = 409
    code = "conflict"


class TooMany(ServiceError):
    """A limit that stops spamming was reached."""

    status = 429
    code = "rate_limited"
