"""Configuration, read from the environment when the app is created.

With no configuration at all the app runs on the embedded defaults: SQLite in
``instance/``, the embedded search engine, jobs run inline after commit and
emails written to the log. Production parts are switched on by their settings.
In production mode (``TREMPLIN_ENV=production``) a missing or malformed
required setting stops start-up with a one-line message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it, on one line."""

    def __init__(self, setting: str, problem: str):
        self.setting = setting
        super().__init__(f"{setting}: {problem}")


def _flag(value: str | None, *, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(setting: str, url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and route them through psycopg 3."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in {"postgres", "postgresql", "postgresql+psycopg"}:
        if not parts.hostname and "host=" not in parts.query:
            raise ConfigError(setting, f"no host in {scheme} URL")
        if not parts.path.strip("/"):
            raise ConfigError(setting, "no database name in the URL")
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if scheme == "sqlite":
        return url
    raise ConfigError(setting, f"unsupported scheme {scheme or '(none)'!r}; expected postgresql:// or sqlite://")


def _check_url(setting: str, url: str, schemes: set[str]) -> str:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        expected = " or ".join(sorted(f"{s}://host" for s in schemes))
        raise ConfigError(setting, f"malformed URL {url!r}; expected {expected}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(setting, f"bad port in {url!r}") from exc
    return url


def _commitment_settings(get) -> dict[str, object]:
    """The purchasing pledge programme tracked on the dashboard, and the open data prefix."""
    from datetime import date

    from app.commitments.eligibility import DEFAULT_RULE, RULES

    target = get("COMMITMENT_TARGET_EUROS", "1000000000")
    if not target.isdigit() or int(target) <= 0:
        raise ConfigError("COMMITMENT_TARGET_EUROS", "expected a whole number of euros above 0")
    dates = {}
    for setting, default in (("COMMITMENT_START", "2025-01-01"), ("COMMITMENT_END", "2027-12-31")):
        try:
            dates[setting] = date.fromisoformat(get(setting, default))
        except ValueError:
            raise ConfigError(setting, "expected a date as YYYY-MM-DD") from None
    if dates["COMMITMENT_START"] >= dates["COMMITMENT_END"]:
        raise ConfigError("COMMITMENT_END", "must come after COMMITMENT_START")
    rule = get("COMMITMENT_ELIGIBILITY", DEFAULT_RULE)
    if rule not in RULES:
        raise ConfigError("COMMITMENT_ELIGIBILITY", f"unknown rule {rule!r}; known: {', '.join(RULES)}")
    min_cell = _whole("COMMITMENT_PUBLIC_MIN_CELL", get, "3")
    if min_cell < 1:
        raise ConfigError("COMMITMENT_PUBLIC_MIN_CELL", "expected a whole number of purchases above 0")
    prefix = get("OCDS_OCID_PREFIX", "ocds-tremplin")
    if not prefix.startswith("ocds-") or len(prefix) < 7 or not prefix.replace("-", "").isalnum():
        raise ConfigError("OCDS_OCID_PREFIX", "expected an ocid prefix such as ocds-a1b2c3")
    return {
        "COMMITMENT_PROGRAMME": get("COMMITMENT_PROGRAMME", "Je choisis la French Tech"),
        "COMMITMENT_TARGET_CENTS": int(target) * 100,
        "COMMITMENT_START": dates["COMMITMENT_START"],
        "COMMITMENT_END": dates["COMMITMENT_END"],
        "COMMITMENT_ELIGIBILITY": rule,
        "OCDS_OCID_PREFIX": prefix,
        # No public amount is made of fewer than this many purchases (app.commitments.public_figures)
        "COMMITMENT_PUBLIC_MIN_CELL": min_cell,
        # The public figures are computed at most once per this many seconds per process
        # (unset: 60, and 0 under testing; see app.commitments.public_figures)
        **({"COMMITMENT_PUBLIC_CACHE_SECONDS": _whole("COMMITMENT_PUBLIC_CACHE_SECONDS", get, "60")}
           if get("COMMITMENT_PUBLIC_CACHE_SECONDS") is not None else {}),
    }


def _rate_limit_settings(get, *, production: bool, testing: bool, redis_url: str | None) -> dict[str, object]:
    """Rate limits of the API (Flask-Limiter), counted per token, and where counts are kept."""
    from limits import parse_many

    settings: dict[str, object] = {}
    for setting, default in (("API_RATE_LIMIT", "600 per minute; 20000 per hour"),
                             ("API_WRITE_RATE_LIMIT", "60 per minute; 2000 per hour")):
        if testing:  # a test suite is one client hammering the API: tests set small limits themselves
            default = "100000 per minute"
        value = get(setting, default)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(setting, f"malformed limit {value!r}; expected e.g. '600 per minute; 20000 per hour'") from None
        settings[setting] = value
    settings.update(_sign_in_settings(get, testing=testing))
    storage = get("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    scheme = urlsplit(storage).scheme
    if scheme == "memory":
        if production:
            raise ConfigError("RATELIMIT_STORAGE_URI",
                              "memory:// counts per process; production needs redis://host:6379/0 (or unset: REDIS_URL)")
    else:
        _check_url("RATELIMIT_STORAGE_URI", storage, {"redis", "rediss"})
    settings["RATELIMIT_STORAGE_URI"] = storage
    return settings


def _sign_in_settings(get, *, testing: bool) -> dict[str, object]:
    """Throttling of sign-in and password-reset requests, account lockout, reset links.

    The rate limits are counted in RATELIMIT_STORAGE_URI like the API's, per client address
    and per account (the email typed, normalised): failed sign-ins, and every reset request
    (app.accounts.throttling). Under testing the rate limits default to very high values (the suite
    signs in thousands of times from one address); tests of the limits set small ones.
    """
    from limits import parse_many

    settings: dict[str, object] = {}
    for setting, default in (("LOGIN_RATE_LIMIT", "10 per minute; 100 per hour"),
                             ("LOGIN_ACCOUNT_RATE_LIMIT", "5 per 15 minutes"),
                             ("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes"),
                             ("PASSWORD_RESET_ACCOUNT_RATE_LIMIT", "3 per hour")):
        if testing:
            default = "100000 per minute"
        value = get(setting, default)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(setting, f"malformed limit {value!r}; expected e.g. '10 per minute; 100 per hour'") from None
        settings[setting] = value
    settings["LOGIN_LOCKOUT_THRESHOLD"] = _whole("LOGIN_LOCKOUT_THRESHOLD", get, "5")
    settings["LOGIN_LOCKOUT_MINUTES"] = _whole("LOGIN_LOCKOUT_MINUTES", get, "15")
    settings["PASSWORD_RESET_MAX_AGE"] = _whole("PASSWORD_RESET_MAX_AGE", get, "3600")
    for setting in ("LOGIN_LOCKOUT_THRESHOLD", "LOGIN_LOCKOUT_MINUTES", "PASSWORD_RESET_MAX_AGE"):
        if settings[setting] < 1:
            raise ConfigError(setting, "expected a whole number of at least 1")
    return settings


def _whole(setting: str, get, default: str) -> int:
    value = get(setting, default)
    if not value.isdigit():
        raise ConfigError(setting, "expected a whole number")
    return int(value)


def _bounded(setting: str, get, default: str, low: int, high: int) -> int:
    value = _whole(setting, get, default)
    if not low <= value <= high:
        raise ConfigError(setting, f"expected a whole number from {low} to {high}")
    return value


def load_config(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Build the configuration dictionary from the environment and explicit overrides.

    ``overrides`` (e.g. a test configuration) win over the environment.
    """
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})

    def get(name: str, default: str | None = None) -> str | None:
        if name in overrides and overrides[name] is not None:
            return str(overrides[name])
        value = env.get(name)
        return value if value not in (None, "") else default

    mode = (get("TREMPLIN_ENV", "development") or "development").lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigError("TREMPLIN_ENV", f"unknown mode {mode!r}; expected development, production or testing")
    production = mode == "production"

    instance = Path(get("INSTANCE_PATH", str(DEFAULT_INSTANCE)))

    secret = get("SECRET_KEY")
    if production and not secret:
        raise ConfigError("SECRET_KEY", "required in production (a long random string)")
    if production and len(secret) < 32:
        raise ConfigError("SECRET_KEY", "too short for production: use at least 32 characters")
    if not secret:
        secret = "dev-only-secret-key-change-me-in-production"

    database_url = get("DATABASE_URL")
    if production and not database_url:
        raise ConfigError("DATABASE_URL", "required in production (postgresql://user@host/db)")
    if database_url:
        database_url = normalise_database_url("DATABASE_URL", database_url)
        if production and not database_url.startswith("postgresql"):
            raise ConfigError("DATABASE_URL", "production needs PostgreSQL, not SQLite")
    else:
        database_url = f"sqlite:///{instance / 'tremplin.sqlite3'}"

    redis_url = get("REDIS_URL")
    if production and not redis_url:
        raise ConfigError("REDIS_URL", "required in production (redis://host:6379/0)")
    if redis_url:
        _check_url("REDIS_URL", redis_url, {"redis", "rediss"})

    meili_url = get("MEILI_URL")
    meili_key = get("MEILI_API_KEY")
    if production and not meili_url:
        raise ConfigError("MEILI_URL", "required in production (http://host:7700)")
    if meili_url:
        _check_url("MEILI_URL", meili_url, {"http", "https"})
        if production and not meili_key:
            raise ConfigError("MEILI_API_KEY", "required in production with MEILI_URL")

    smtp_url = get("SMTP_URL")
    if production and not smtp_url:
        raise ConfigError("SMTP_URL", "required in production (smtp://user:password@host:587)")
    if smtp_url:
        _check_url("SMTP_URL", smtp_url, {"smtp", "smtps"})

    rate_limits = _rate_limit_settings(get, production=production, testing=mode == "testing",
                                       redis_url=redis_url)

    public_url = get("PUBLIC_URL", "http://localhost:5000").rstrip("/")
    _check_url("PUBLIC_URL", public_url, {"http", "https"})
    secure_cookies = production or urlsplit(public_url).scheme == "https"
    if not (get("ALERT_PROFILE_MIN_SCORE", "60") or "").isdigit():
        raise ConfigError("ALERT_PROFILE_MIN_SCORE", "expected a whole number from 0 to 100")

    programme = _commitment_settings(get)

    # How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto/-Host.
    # 0 (default): those headers are ignored, as a client could forge them.
    trusted_proxies = _whole("TRUSTED_PROXIES", get, "0")
    if trusted_proxies > 5:
        raise ConfigError("TRUSTED_PROXIES", "expected the number of proxies in front of the app, from 0 to 5")

    from app.billing.plans import billing_settings

    billing = billing_settings(get)

    config: dict[str, object] = {
        "TREMPLIN_ENV": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if database_url.startswith("postgresql") else {},
        "REDIS_URL": redis_url,
        "JOBS_INLINE": not redis_url,
        "JOBS_NAMESPACE": get("JOBS_NAMESPACE", "tremplin"),
        "MEILI_URL": meili_url,
        "MEILI_API_KEY": meili_key,
        # How long a page waits for Meilisearch before it answers without full-text search
        "MEILI_TIMEOUT_SECONDS": _bounded("MEILI_TIMEOUT_SECONDS", get, "5", 1, 60),
        "SEARCH_BACKEND": "meilisearch" if meili_url else "embedded",
        "SEARCH_PATH": get("SEARCH_PATH", str(instance / "search")),
        "SMTP_URL": smtp_url,
        "MAIL_BACKEND": "smtp" if smtp_url else "log",
        "MAIL_FROM": get("MAIL_FROM", "Tremplin <no-reply@tremplin.example>"),
        # Where the site is reached from outside: links in emails are built on it
        "PUBLIC_URL": public_url,
        # A need strongly matches a supplier's profile from this matching score (0-100)
        "ALERT_PROFILE_MIN_SCORE": int(get("ALERT_PROFILE_MIN_SCORE", "60")),
        **programme,
        **billing,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "WTF_CSRF_ENABLED": _flag(get("WTF_CSRF_ENABLED"), default=True),
        # The session and "stay signed in" cookies: out of scripts' reach, not sent on
        # cross-site subrequests or form posts, and only over HTTPS in production or when
        # the site is reached over HTTPS.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # « Stay signed in » lasts this long (Flask-Login's own default is a year)
        "REMEMBER_COOKIE_DURATION": timedelta(days=_bounded("REMEMBER_DAYS", get, "30", 1, 365)),
        "MAX_CONTENT_LENGTH": 21 * 1024 * 1024,
        "TRUSTED_PROXIES": trusted_proxies,
        "SITE_NAME": "Tremplin",
        # Packages loaded by name that subscribe to outbox events (app never imports them)
        "EVENT_SUBSCRIBERS": ("app.matching.indexing", "notifications"),
        "SEARCH_INDEX_PREFIX": get("SEARCH_INDEX_PREFIX", ""),
        **rate_limits,
        # REST API (flask-smorest): the OpenAPI description at /api/v1/openapi.json
        "API_TITLE": "Tremplin API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    # Explicit overrides (tests, scripts) may add or replace any other key.
    config.update({k: v for k, v in overrides.items() if k != "DATABASE_URL"})
    return config
