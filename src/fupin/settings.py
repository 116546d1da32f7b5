"""Django settings for Fupin. Everything comes from the environment with safe defaults.

Environment:
- DATABASE_URL: e.g. postgres://user:pass@127.0.0.1:5432/fupin (default: SQLite at $FUPIN_DATA_DIR/fupin.sqlite3)
- FUPIN_SECRET_KEY: required when FUPIN_DEBUG is off
- FUPIN_DEBUG: "1" in development only
- FUPIN_HASH_KEY: key for the keyed hashes of identity numbers (defaults to the secret key)
- FUPIN_DATA_DIR: where the embedded database, uploads and job files live (default ./var)
- FUPIN_REFERENCE_DIR: the reference data folder (default ../shared/data/reference when it exists)
- FUPIN_ALLOWED_HOSTS: comma-separated host names
- FUPIN_SECURE_COOKIES: "1" behind HTTPS: secure cookies, HSTS and the redirect to HTTPS
- FUPIN_PROXY_SSL_HEADER: "1" when a reverse proxy terminates TLS and sets X-Forwarded-Proto
- FUPIN_LOGIN_FAILURE_LIMIT, FUPIN_LOGIN_COOLOFF_MINUTES: failed logins before a lockout, and how long it lasts
- FUPIN_PG_BIN: the folder of pg_dump/pg_restore for `fupin backup` and `fupin restore`
- FUPIN_PUBLIC_RATE_LIMIT, FUPIN_PUBLIC_RATE_WINDOW_SECONDS: requests per address and window to the open data
- FUPIN_TOKEN_DAYS: days a new API token lasts unless its creator says otherwise (default 90)
- FUPIN_MAX_UPLOAD_MB, FUPIN_MAX_IMPORT_ROWS, FUPIN_MAX_IMPORT_COLUMNS, FUPIN_MAX_CELL_CHARS,
  FUPIN_MAX_XLSX_UNCOMPRESSED_MB, FUPIN_MAX_XLSX_RATIO: limits on import files (fupin.core.tabular_guard)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1.")
    return value


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FUPIN_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("FUPIN_DEBUG", "") == "1"
_INSECURE_DEV_KEY = "insecure-development-key-change-me"
SECRET_KEY = os.environ.get("FUPIN_SECRET_KEY") or (_INSECURE_DEV_KEY if DEBUG or os.environ.get("FUPIN_ALLOW_DEV_KEY") == "1" else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set FUPIN_SECRET_KEY (or FUPIN_DEBUG=1 for development).")
FUPIN_HASH_KEY = os.environ.get("FUPIN_HASH_KEY", SECRET_KEY)
# Ed25519 key that signs certificate codes (PEM path or text, or 32 bytes in hex/base64); empty: derived from the
# secret key, for development only (fupin.certification.signing).
FUPIN_SIGNING_KEY = os.environ.get("FUPIN_SIGNING_KEY", "")

ALLOWED_HOSTS = [h for h in os.environ.get("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "ninja",
    "fupin.core",
    "fupin.registry",
    "fupin.linkage",
    "fupin.certification",
    "fupin.ledger",
    "fupin.incentives",
    "fupin.supervision",
    "fupin.public",
    "fupin.leadership",
    "fupin.detection",
    "fupin.api",
    "fupin.portal",
    "fupin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fupin.core.uploads.RequestSizeMiddleware",  # a body above the upload limit → 413 before anything reads it
    "fupin.core.middleware.RejectNulMiddleware",  # NUL in path/query/body → 400 (PostgreSQL refuses NUL in text)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fupin.portal.middleware.PasswordChangeRequiredMiddleware",  # after a reset: the change page first
    "fupin.portal.middleware.DomainErrorMiddleware",  # domain errors on pages → 403/404 pages, never 500
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # a locked-out login gets the lockout page (429)
]

# Passwords: Argon2 (argon2-cffi) for new and changed passwords; older PBKDF2 hashes still verify and are upgraded
# at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Login throttling (django-axes): after FUPIN_LOGIN_FAILURE_LIMIT failed logins for one user name from one address,
# that pair is locked out for FUPIN_LOGIN_COOLOFF_MINUTES; the lockout goes to the security log
# (fupin.core.signals). Command-line authentication has no address and is not throttled (fupin.core.login_throttle).
AUTHENTICATION_BACKENDS = [
    "fupin.core.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _env_int("FUPIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = _env_int("FUPIN_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_VERBOSE = False

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fupin.portal.context.navigation",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'fupin.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Translations of portal pages live per area (portal/locale/<area>/zh_Hans/...); each app keeps its own locale/ too.
LOCALE_PATHS = sorted(p for p in (PACKAGE_DIR / "portal" / "locale").glob("*") if p.is_dir())
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(DATA_DIR / "files")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = os.environ.get("FUPIN_SECURE_COOKIES", "") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if SESSION_COOKIE_SECURE:  # served over HTTPS: tell browsers to keep to it (`fupin check --deploy` is then clean)
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
if os.environ.get("FUPIN_PROXY_SSL_HEADER", "") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Backups (fupin.core.backup): where pg_dump/pg_restore live when they are not on the PATH.
FUPIN_PG_BIN = os.environ.get("FUPIN_PG_BIN", "")
# Content-Security-Policy (django-csp): everything from our own origin, no inline script or style anywhere (pages
# and charts use classes from static style sheets; tests/core/test_hardening.py keeps templates free of inline code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Uploads and import files (checked before any file is parsed: fupin.core.tabular_guard, ADR 0002).
# The open data (fupin.public.web): requests per address and window before a 429 (0: no limit).
FUPIN_PUBLIC_RATE_LIMIT = _env_int("FUPIN_PUBLIC_RATE_LIMIT", 300)
FUPIN_PUBLIC_RATE_WINDOW_SECONDS = _env_int("FUPIN_PUBLIC_RATE_WINDOW_SECONDS", 60)
FUPIN_TOKEN_DAYS = _env_int("FUPIN_TOKEN_DAYS", 90)  # lifetime of a new API token unless its creator gives another

FUPIN_MAX_UPLOAD_MB = _env_int("FUPIN_MAX_UPLOAD_MB", 200)  # one file, and a request body (plus 1 MB of form)
FUPIN_MAX_IMPORT_ROWS = _env_int("FUPIN_MAX_IMPORT_ROWS", 1_048_576)  # lines of a file, header included
FUPIN_MAX_IMPORT_COLUMNS = _env_int("FUPIN_MAX_IMPORT_COLUMNS", 200)
FUPIN_MAX_CELL_CHARS = _env_int("FUPIN_MAX_CELL_CHARS", 131_072)  # the csv module's field limit
FUPIN_MAX_XLSX_UNCOMPRESSED_MB = _env_int("FUPIN_MAX_XLSX_UNCOMPRESSED_MB", 1024)  # all parts of one .xlsx
FUPIN_MAX_XLSX_RATIO = _env_int("FUPIN_MAX_XLSX_RATIO", 100)  # uncompressed ÷ compressed, per part above 1 MB
# Django's own request limits: form fields and JSON bodies are held in memory (a 5,000-row purchase batch is
# about 2 MB), files above 2.5 MB are streamed to a temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

_shared_reference = Path.cwd().parent / "shared" / "data" / "reference"
FUPIN_REFERENCE_DIR = os.environ.get("FUPIN_REFERENCE_DIR") or (str(_shared_reference) if _shared_reference.is_dir() else "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # personal data (resident identity numbers, mobile numbers) is masked in every record a handler writes
    "filters": {"personal_data": {"()": "fupin.core.logmask.PersonalDataFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
}
