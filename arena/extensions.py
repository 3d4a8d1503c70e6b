"""Flask extensions, created here and bound to the app in create_app."""

from flask import request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from arena.addresses import normalise_email

# Named constraints keep migrations reversible on SQLite and PostgreSQL alike.
naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
limiter = Limiter(key_func=get_remote_address)

#: Password logins, reset links and new secrets (API tokens, calendar links) per address.
SECRETS_LIMIT = "10/minute"


#: Emails one form sends to an address anyone may type (a password reset link), per address.
EMAILS_PER_ADDRESS_LIMIT = "3/hour"
#: Requests to join an organisation, each an email to its contacts, per member.
JOIN_REQUESTS_LIMIT = "3/hour;10/day"


def submitted_email() -> str:
    """Rate-limit key for the account a login or reset form names."""
    return "account:" + normalise_email(request.form.get("email") or "")


def signed_in_member() -> str:
    """Rate-limit key for the signed-in member, whichever address they come from."""
    member_id = getattr(current_user, "id", None)  # not get_id(): a new session would reset it
    return f"member:{member_id}" if member_id else f"address:{get_remote_address()}"
