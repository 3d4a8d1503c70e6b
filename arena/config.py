"""Configuration from environment variables, with safe development defaults."""

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not allow the app to start safely."""


_HOST_AND_PORT = re.compile(
    r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>.*))?$"
)


def mail_server(server: str, port: str) -> tuple[str, int]:
    """MAIL_SERVER as a host (port from MAIL_PORT, else 25) or as host:port ([::1]:2525 for an
    IPv6 address); a port that is no number, or two ports that disagree, stop the start rather
    than sending to port 25 unnoticed."""
    server, port = server.strip(), port.strip()
    if port and not port.isdigit():
        raise ConfigError(f"MAIL_PORT must be a number, not {port!r}")
    if not server:
        return "", int(port or 25)
    found = _HOST_AND_PORT.match(server)
    if found is None:
        raise ConfigError(f"MAIL_SERVER {server!r}: write a host, host:port or [IPv6]:port")
    host, named = found["ipv6"] or found["host"], found["port"]
    if named is not None and not named.isdigit():
        raise ConfigError(f"MAIL_SERVER {server!r}: the port after the colon must be a number")
    if named and port and int(named) != int(port):
        raise ConfigError(f"MAIL_SERVER names port {named} and MAIL_PORT {port}: keep one")
    return host, int(named or port or 25)


def sso_providers(text: str) -> list[dict]:
    """SSO_PROVIDERS: a JSON list of OpenID Connect providers, each with name, label, issuer,
    client_id, client_secret (or SSO_<NAME>_CLIENT_SECRET) and scopes."""
    if not text.strip():
        return []
    try:
        entries = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"SSO_PROVIDERS is not JSON: {error}") from None
    if not isinstance(entries, list):
        raise ConfigError("SSO_PROVIDERS must be a JSON list")
    providers = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise ConfigError("each SSO_PROVIDERS entry must be an object")
        name = str(entry.get("name", ""))
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", name):
            raise ConfigError(f"SSO provider name {name!r}: use a-z, 0-9 and -")
        secret_variable = f"SSO_{name.upper().replace('-', '_')}_CLIENT_SECRET"
        provider = {
            "name": name,
            "label": str(entry.get("label") or name),
            "issuer": str(entry.get("issuer", "")).rstrip("/"),
            "client_id": str(entry.get("client_id", "")),
            "client_secret": os.environ.get(secret_variable) or str(entry.get("client_secret", "")),
            "scopes": str(entry.get("scopes") or "openid email profile"),
        }
        missing = [k for k in ("issuer", "client_id", "client_secret") if not provider[k]]
        if missing:
            raise ConfigError(f"SSO provider {name}: missing {', '.join(missing)}")
        if "openid" not in provider["scopes"].split():
            raise ConfigError(f"SSO provider {name}: scopes must include openid")
        providers.append(provider)
    return providers


class Config:
    """Read at app creation, so tests and processes can set the environment first."""

    def __init__(self) -> None:
        env = os.environ.get("ARENA_ENV", "development")
        self.ARENA_ENV = env
        secret = os.environ.get("SECRET_KEY")
        if env == "production" and not secret:
            raise ConfigError("SECRET_KEY must be set when ARENA_ENV=production")
        #: Development default only; production refuses to start without SECRET_KEY.
        self.SECRET_KEY = secret or "dev-only-not-secret"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'arena.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        #: The public address; every absolute link (emails, feeds, API) is built from it alone.
        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        #: In production, requests naming another host (Host or X-Forwarded-Host) are refused:
        #: BASE_URL's host and any listed in TRUSTED_HOSTS (comma-separated) are accepted.
        self.TRUSTED_HOSTS = None
        if env == "production":
            extra = os.environ.get("TRUSTED_HOSTS", "")
            self.TRUSTED_HOSTS = [urlsplit(self.BASE_URL).hostname or ""] + [
                host.strip() for host in extra.split(",") if host.strip()
            ]
        secure = self.BASE_URL.startswith("https://")
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.PREFERRED_URL_SCHEME = "https" if secure else "http"
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024

        self.MAIL_SERVER, self.MAIL_PORT = mail_server(
            os.environ.get("MAIL_SERVER", ""), os.environ.get("MAIL_PORT", "")
        )
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS")
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL")
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "Arena <ikke-svar@arena.localhost>"
        )
        #: OpenID Connect sign-in (README, «Single sign-on»).
        self.SSO_PROVIDERS = sso_providers(os.environ.get("SSO_PROVIDERS", ""))
        #: How far the provider's clock may be from ours when checking an ID token's times.
        self.SSO_CLOCK_SKEW_SECONDS = int(os.environ.get("SSO_CLOCK_SKEW_SECONDS", "60"))
        #: How long a worker holds the messages it claimed; after that (it died) another takes
        #: them. Longer than a batch can take: 20 messages with a 10-second SMTP timeout.
        self.OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
        #: Seconds the worker waits when nothing is due.
        self.WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "2"))
        #: The address calendar feeds name as organizer (owners' own addresses stay private).
        self.MAIL_NO_REPLY = os.environ.get("MAIL_NO_REPLY", "ikke-svar@arena.localhost")

        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        #: How many reverse proxies in front of the app set X-Forwarded-* (0: none).
        self.PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

        #: Pages, styles, scripts and JSON go out compressed (a phone on 4G waits for bytes).
        #: Calendar feeds compress themselves, once per version (arena/calendar/services.py).
        self.COMPRESS_MIMETYPES = [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/atom+xml",
            "image/svg+xml",
        ]
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        #: Static files are named by their content (?v=), so browsers may keep them a year.
        self.SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600

        self.BABEL_DEFAULT_LOCALE = "nb"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
        self.LANGUAGES = ("nb", "nn", "en")
        #: Every validator message is our own, translated through our catalogues.
        self.WTF_I18N_ENABLED = False
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.PASSWORD_RESET_MAX_AGE = 3600
        #: An emailed link that confirms deleting one's account works for an hour.
        self.DELETE_ACCOUNT_MAX_AGE = 3600
        #: A registration's link to confirm the address works for three days.
        self.CONFIRM_MAX_AGE = 3 * 24 * 3600


class TestConfig(Config):
    """The test suite's settings; the database comes from TEST_DATABASE_URL."""

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret"  # noqa: S105 - tests only
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.sqlite3")
        )
        self.BASE_URL = "http://localhost"
        self.SERVER_NAME = None
        self.MAIL_SERVER = ""
        self.RATELIMIT_STORAGE_URI = "memory://"
