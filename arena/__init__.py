"""Arena: the coordination tracker of the regional network «Jobbe smartere sammen»."""

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from arena.config import Config, TestConfig
from arena.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def content_security_policy(sign_in_origins: tuple[str, ...] = ()) -> str:
    """The policy of every page. Signing out after single sign-on posts the form to Arena,
    which sends the browser on to the provider: browsers hold that redirect to form-action."""
    form_action = " ".join(("'self'", *sign_in_origins))
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action {form_action}")


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def create_app(config: Config | dict | None = None) -> Flask:
    """Builds the Flask app: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    if isinstance(config, dict):
        overrides, config = config, (TestConfig() if config.get("TESTING") else Config())
        app.config.from_object(config)
        app.config.update(overrides)
    else:
        app.config.from_object(config or Config())
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Oslo")
    login_manager.init_app(app)
    warn_about_process_local_limits(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from arena import web

    web.init_app(app)

    # Pages that compose several areas add their routes to those areas' blueprints.
    import arena.pages.concept
    import arena.pages.organisation
    import arena.pages.profile  # noqa: F401
    from arena.accounts.views import bp as accounts_bp
    from arena.api import bp as api_bp
    from arena.arenas.attendance_views import bp as attendance_bp
    from arena.arenas.views import bp as arenas_bp
    from arena.calendar.views import bp as calendar_bp
    from arena.declaration.views import bp as declaration_bp
    from arena.expertise.views import bp as expertise_bp
    from arena.initiatives.views import bp as initiatives_bp
    from arena.main.views import bp as main_bp
    from arena.network.views import bp as network_bp
    from arena.notifications.views import bp as notifications_bp
    from arena.organisations.views import bp as organisations_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(declaration_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(expertise_bp)
    app.register_blueprint(arenas_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(network_bp)
    web.hide_secret_links_in_logs()
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with the session cookie

    # Each area's part in what happens when a member, an organisation or a field of expertise
    # changes, is merged, exported or deleted (arena/lifecycle.py); importing registers it.
    import arena.accounts.lifecycle

    # Each area's jobs and slots on the worker's timetable (arena/outbox/); importing registers.
    import arena.accounts.membership
    import arena.arenas.invitations
    import arena.arenas.lifecycle
    import arena.arenas.meetings
    import arena.arenas.reminders
    import arena.declaration.lifecycle
    import arena.expertise.concepts
    import arena.expertise.lifecycle
    import arena.expertise.services
    import arena.initiatives.following
    import arena.initiatives.lifecycle
    import arena.initiatives.news
    import arena.notifications.digest
    import arena.notifications.lifecycle
    import arena.organisations.lifecycle
    import arena.outbox.messages  # noqa: F401
    from arena.cli import register_commands

    register_commands(app)

    app.after_request(set_security_headers)
    return app


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL for concurrent readers, wait rather than fail when busy, and
    a lower() that knows Æ, Ø and Å (SQLite's own folds only A-Z; PostgreSQL's knows them).

    PostgreSQL: no parallel workers. Arena's statements are short; starting workers takes some
    5 ms, more than the statements it would share out (the finder's took 1 ms, and 6 with them)."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()  # a SET in a transaction rolled back would be undone
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def warn_about_process_local_limits(app: Flask) -> None:
    """Production with memory:// throttling: each process counts on its own, so N processes
    allow N times the attempts."""
    production = app.config["ARENA_ENV"] == "production"
    if production and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory://: each process counts sign-in attempts on its own; "
            "with several processes set redis://... or memcached://... (see README)."
        )


def select_locale() -> str:
    """The language chosen with ?lang= in this session, else the member's preference, else the
    browser's."""
    languages = ("nb", "nn", "en")
    if not has_request_context():  # CLI and background work speak bokmål unless told otherwise
        return "nb"
    if "lang" in request.args and request.args["lang"] not in languages:
        return "nb"
    if session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.preferred_language:
        return current_user.preferred_language
    # Browsers often say "no" for Norwegian: that is bokmål for our users.
    best = request.accept_languages.best_match(["nb", "nn", "en", "no"])
    return "nb" if best in (None, "no") else best


def _signed_in_member_seen() -> bool:
    """Whether this request showed a signed-in member (without loading one just to ask)."""
    return g.get("_login_user") is not None and current_user.is_authenticated


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def set_security_headers(response):
    """Headers every response carries."""
    origins = tuple(sorted({_origin(p["issuer"]) for p in current_app.config["SSO_PROVIDERS"]}))
    response.headers.setdefault("Content-Security-Policy", content_security_policy(origins))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if g.get("no_store"):
        response.headers["Cache-Control"] = "no-store"
    elif "Cache-Control" not in response.headers and _signed_in_member_seen():
        # Pages for a signed-in member stay out of shared caches and the browser's disk.
        response.headers["Cache-Control"] = "private, no-store"
    return response
