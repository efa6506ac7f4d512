"""Django settings for kitaplan.

Everything is defined here; environment variables only switch values (``KITAPLAN_`` prefix for
our own keys, plus the conventional ``DATABASE_URL``, ``SECRET_KEY`` and ``DEBUG``). The defaults
make the demo work: an embedded SQLite database under ``var/`` and ``DEBUG`` off.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

#: Where the embedded database, uploads and the demo secret live (``KITAPLAN_DATA_DIR``).
DATA_DIR = Path(env.str("KITAPLAN_DATA_DIR", default=str(Path.cwd() / "var")))

DEBUG = env.bool("DEBUG", default=False)
#: The demo's key; `kitaplan serve` refuses to listen beyond this machine while it is in use.
DEMO_SECRET_KEY = "insecure-demo-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("KITAPLAN_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens: stored as digests, several per user, each with an expiry
    "drf_spectacular",
    "axes",  # login throttling and lockout
    "django_otp",  # optional second factor (TOTP) for administrators and the payment office
    "django_otp.plugins.otp_totp",
    "kitaplan.web.core",
    "kitaplan.web.audit",
    "kitaplan.web.accounts",  # login, second factor, security page, users and roles
    "kitaplan.web.territory",
    "kitaplan.web.jobs",  # background jobs: state, progress, results (queue: ADR 0012)
    "kitaplan.web.facilities",
    "kitaplan.web.imports",
    "kitaplan.web.planning",
    "kitaplan.web.monitoring",
    "kitaplan.web.budget",
    "kitaplan.web.allocation",
    "kitaplan.web.childminding",
    "kitaplan.web.qualification",  # QHB courses and further training
    "kitaplan.web.inclusion",  # inclusion checklist, Kita staff qualification, resource pool
    "kitaplan.web.payments",
    "kitaplan.web.substitutes",  # absences and substitute care
    "kitaplan.web.measures",  # strategic action plan (Maßnahmenplan)
    "kitaplan.web.networks",  # networks: members, meetings, invitations
    "kitaplan.web.finder",  # the parents' public Kita-Finder
    "kitaplan.web.reports",  # reports across capabilities (yearly report, move to a Kita)
    "kitaplan.web.administration",  # set-up of territories, users and roles without /admin/
    "kitaplan.web.api",
]

MIDDLEWARE = [
    "kitaplan.web.core.request_log.RequestLogMiddleware",  # first: times the whole request
    "kitaplan.web.core.health.HealthCheckMiddleware",  # /healthz before host check and redirect
    "kitaplan.web.core.uploads.UploadLimitMiddleware",  # 413 for an API body over the limit
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy header (django-csp)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kitaplan.web.core.middleware.ChosenLanguageMiddleware",
    "kitaplan.web.core.errors.MethodNotAllowedPageMiddleware",  # German page for a bare 405
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kitaplan.web.accounts.login.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # 404 for another territory's object (docs/architecture.md: territory scope)
    "kitaplan.web.scope.TerritoryScopeMiddleware",
    # last, so that it turns a lockout into the German page (docs: axes installation)
    "axes.middleware.AxesMiddleware",
    # reports read from the replica when there is one (core.routers); only the view's own reads
    "kitaplan.web.core.routers.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "kitaplan.web.urls"
WSGI_APPLICATION = "kitaplan.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kitaplan.web.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kitaplan.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server processes share the file (ADR 0011). WAL lets pages read while another
    # process writes; the busy timeout makes a writer wait for the lock instead of failing; and
    # IMMEDIATE transactions take the write lock when they begin, because a transaction that
    # first reads and then writes cannot wait for it: SQLite answers "database is locked" at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
#: A PostgreSQL read replica (``KITAPLAN_REPLICA_URL``, a URL like ``DATABASE_URL``): reports
#: and exports read from it, everything else and every write uses the default database, and
#: migrations run only there (core.routers; docs/operations.md "Beyond one machine"). In tests
#: it is a mirror of the default database.
if env.str("KITAPLAN_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("KITAPLAN_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["kitaplan.web.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

#: Background jobs (ADR 0012). On PostgreSQL the queue is procrastinate's tables (its app and
#: migrations only there: its SQL is PostgreSQL-only) and ``kitaplan worker`` works it; on
#: SQLite an in-memory queue is worked by a thread of the server. ``KITAPLAN_JOBS_EAGER`` runs
#: jobs at once in the caller (the tests), through the same wrapper and state changes.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("kitaplan.web.jobs"), "procrastinate.contrib.django")
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
PROCRASTINATE_ON_APP_READY = "kitaplan.web.jobs.services.on_app_ready"
KITAPLAN_JOBS_EAGER = env.bool("KITAPLAN_JOBS_EAGER", default=False)
#: Seconds between a worker's heartbeats, and without one after which its jobs are recovered.
KITAPLAN_WORKER_HEARTBEAT_SECONDS = env.float("KITAPLAN_WORKER_HEARTBEAT_SECONDS", default=10)
KITAPLAN_WORKER_STALLED_SECONDS = env.float("KITAPLAN_WORKER_STALLED_SECONDS", default=30)
#: Uploads to the import page above this size (KiB) are checked and imported as a job.
KITAPLAN_IMPORT_JOB_THRESHOLD_KB = env.int("KITAPLAN_IMPORT_JOB_THRESHOLD_KB", default=512)
#: Register the jobs app's test kinds (the worker crash test); never in production.
KITAPLAN_JOB_TEST_KINDS = env.bool("KITAPLAN_JOB_TEST_KINDS", default=False)
#: Derived data (balance, targets, monitoring, a stored run's parts: ``core.derived``) is cached in
#: the database by default, which every process and machine of an installation shares; a
#: ``KITAPLAN_CACHE_URL`` such as ``redis://host:6379/0`` or ``filecache:///path`` replaces it.
CACHES = {"default": env.cache_url("KITAPLAN_CACHE_URL", default="dbcache://kitaplan_cache")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
#: Login throttling (django-axes): after ``KITAPLAN_LOGIN_FAILURE_LIMIT`` failed logins an
#: account is locked, and so is the address they came from, for ``KITAPLAN_LOGIN_LOCKOUT_MINUTES``
#: (``/login/``; ``/admin/login/`` sends there; anything else that authenticates with a password).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("KITAPLAN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("KITAPLAN_LOGIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
#: Behind a reverse proxy the client's address is the first of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = 1 if env.bool("KITAPLAN_BEHIND_PROXY", default=False) else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env.bool("KITAPLAN_BEHIND_PROXY", default=False)
    else ["REMOTE_ADDR"]
)
#: Roles whose users must log in with a second factor (TOTP) once they have set one up, and
#: may not use kitaplan without one (comma-separated role codes; empty: optional for everyone).
KITAPLAN_OTP_REQUIRED_ROLES = env.list("KITAPLAN_OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = env.str("KITAPLAN_OTP_ISSUER", default="kitaplan")
#: The admin never shows a device's secret key or its QR code (only the user sees it, once).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [PACKAGE_DIR / "web" / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
#: Only needed for ``collectstatic`` in production; the app serves static files from the apps.
STATIC_ROOT = env.str("KITAPLAN_STATIC_ROOT", default=None)
# Serve static files straight from the apps (no collectstatic step for the demo).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "uploads"
#: Storage (docs/operations.md, "Beyond one machine"). ``default``: uploads that stay (documents
#: of measures) and generated files; ``spool``: files that wait for a job or a confirmation
#: (core.files). By default the file system: ``MEDIA_ROOT`` and folders of the data directory.
#: ``KITAPLAN_S3_BUCKET`` puts both into that S3-compatible bucket (django-storages), under
#: ``KITAPLAN_S3_PREFIX`` (default ``kitaplan``) ``/media`` and ``/spool``;
#: ``KITAPLAN_S3_ENDPOINT_URL`` names a service other than AWS, ``KITAPLAN_S3_REGION`` its
#: region, ``KITAPLAN_S3_ADDRESSING_STYLE=path`` where it wants the bucket in the path. The
#: credentials come from boto3's own sources (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
#: a profile, an instance role), never from these settings.
_S3_BUCKET = env.str("KITAPLAN_S3_BUCKET", default="")
STORAGES: dict[str, dict[str, object]]
if _S3_BUCKET:
    _s3_prefix = env.str("KITAPLAN_S3_PREFIX", default="kitaplan").strip("/")
    _s3_options = {
        "bucket_name": _S3_BUCKET,
        "endpoint_url": env.str("KITAPLAN_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("KITAPLAN_S3_REGION", default="") or None,
        "addressing_style": env.str("KITAPLAN_S3_ADDRESSING_STYLE", default="") or None,
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,  # links to a file are signed and expire
        "file_overwrite": False,  # a second upload of the same name gets a name of its own
    }
    STORAGES = {
        alias: {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**_s3_options, "location": "/".join(filter(None, [_s3_prefix, folder]))},
        }
        for alias, folder in (("default", "media"), ("spool", "spool"))
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "spool": {"BACKEND": "kitaplan.web.core.files.DataDirStorage"},
    }
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
#: Bounded input (docs/operations.md): uploads over ``KITAPLAN_MAX_UPLOAD_MB`` are refused before
#: they are parsed (core.uploads: a form error on the page, 413 on the API; ``kitaplan import``
#: checks the file size first). An import stores at most ``KITAPLAN_MAX_STORED_PROBLEMS``
#: problems and the count of the rest.
KITAPLAN_MAX_UPLOAD_MB = env.int("KITAPLAN_MAX_UPLOAD_MB", default=50)
KITAPLAN_MAX_STORED_PROBLEMS = env.int("KITAPLAN_MAX_STORED_PROBLEMS", default=1000)
FILE_UPLOAD_HANDLERS = [
    "kitaplan.web.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = KITAPLAN_MAX_UPLOAD_MB * 1024 * 1024

#: Deployment (docs/operations.md, "Production settings"). A *production* instance is one with
#: DEBUG off and a secret key of its own; it defaults to HTTPS only (redirect, Secure cookies).
#: The demo (the demo's key, loopback only) keeps plain HTTP. ``core.checks`` refuses the demo's
#: key as a system check error once ALLOWED_HOSTS names anything beyond this machine.
_PRODUCTION = not DEBUG and SECRET_KEY != DEMO_SECRET_KEY
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("KITAPLAN_SECURE_COOKIES", default=_PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("KITAPLAN_SECURE_CSRF_COOKIE", default=SESSION_COOKIE_SECURE)
#: Seconds a login lasts (default 8 hours, a working day); ``KITAPLAN_SESSION_AT_BROWSER_CLOSE``
#: ends it when the browser closes.
SESSION_COOKIE_AGE = env.int("KITAPLAN_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("KITAPLAN_SESSION_AT_BROWSER_CLOSE", default=False)
SECURE_SSL_REDIRECT = env.bool("KITAPLAN_SSL_REDIRECT", default=_PRODUCTION)
#: HSTS is opt-in (browsers remember it): 0 sends no header; production: 31536000 (one year).
SECURE_HSTS_SECONDS = env.int("KITAPLAN_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("KITAPLAN_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("KITAPLAN_HSTS_PRELOAD", default=False)
#: Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto (and strips it from
#: clients): ``KITAPLAN_BEHIND_PROXY=1``. Never set it when clients reach the app directly.
if env.bool("KITAPLAN_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = env.str("KITAPLAN_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

#: Optional background tiles for maps (empty: no external tile server is contacted).
KITAPLAN_MAP_TILE_URL = env.str("KITAPLAN_MAP_TILE_URL", default="")
KITAPLAN_MAP_TILE_ATTRIBUTION = env.str("KITAPLAN_MAP_TILE_ATTRIBUTION", default="")


def _tile_source(url: str) -> list[str]:
    """The CSP source that allows a tile URL template such as ``https://{s}.tile.example/{z}/…``."""
    from urllib.parse import urlsplit

    if not url:
        return []
    parts = urlsplit(url)
    host = parts.netloc
    if host.startswith("{s}."):
        host = "*." + host[len("{s}.") :]
    if not parts.scheme or "{" in host:
        return [f"{parts.scheme}:"] if parts.scheme else []
    return [f"{parts.scheme}://{host}"]


#: Content-Security-Policy (django-csp): scripts, styles and fonts only from kitaplan itself (no
#: inline code, no inline style attributes); images also as data: URIs (KERN's icons) and from
#: the map tile server. ``KITAPLAN_CSP_REPORT_ONLY=1`` only reports violations.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_source(KITAPLAN_MAP_TILE_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env.bool("KITAPLAN_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY, CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY, {}

#: E-mail (substitute notices, network invitations). ``KITAPLAN_EMAIL_BACKEND``: ``console``,
#: ``smtp``, ``file``, ``locmem``, ``dummy`` or a dotted path. With the demo's secret key the
#: default is the console (messages are printed, nothing leaves the machine); otherwise Django's
#: SMTP backend, which counts as configured only once ``KITAPLAN_EMAIL_HOST`` names a server.
_EMAIL_BACKENDS = {
    name: f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "smtp", "filebased", "locmem", "dummy")
}
_EMAIL_BACKENDS["file"] = _EMAIL_BACKENDS["filebased"]
_email_backend = env.str(
    "KITAPLAN_EMAIL_BACKEND", default="console" if SECRET_KEY == DEMO_SECRET_KEY else "smtp"
)
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
if env.str("KITAPLAN_EMAIL_HOST", default=""):
    EMAIL_HOST = env.str("KITAPLAN_EMAIL_HOST")
    EMAIL_PORT = env.int("KITAPLAN_EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("KITAPLAN_EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("KITAPLAN_EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("KITAPLAN_EMAIL_USE_TLS", default=True)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_TIMEOUT = 20
#: The sender of kitaplan's e-mails (a network's own organiser address wins for invitations).
DEFAULT_FROM_EMAIL = env.str("KITAPLAN_DEFAULT_FROM_EMAIL", default="kitaplan@example.org")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",  # header "Authorization: Token KEY"
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
#: API tokens (django-rest-knox): the longest lifetime a new token may get
#: (``KITAPLAN_API_TOKEN_DAYS``, default 90 days); an expired token answers 401.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("KITAPLAN_API_TOKEN_DAYS", default=90)),
    "AUTO_REFRESH": False,
}
KNOX_TOKEN_MODEL = "knox.AuthToken"  # noqa: S105 - a model name; migrations depend on it
SPECTACULAR_SETTINGS = {
    "TITLE": "kitaplan API",
    "DESCRIPTION": "Areas, population, indicators and facilities of a municipality's childcare.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

#: Logs go to standard error. ``kitaplan.request`` writes one line per request (method, path
#: without query, status, duration, user id, request id; ``core.request_log``), as ``key=value``
#: text or, with ``KITAPLAN_LOG_FORMAT=json``, as JSON lines; ``KITAPLAN_REQUEST_LOG=0`` stops it.
KITAPLAN_LOG_FORMAT = env.str("KITAPLAN_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "requests": {
            "()": "kitaplan.web.core.request_log."
            + ("JsonFormatter" if KITAPLAN_LOG_FORMAT == "json" else "TextFormatter")
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "requests"},
    },
    "loggers": {
        "kitaplan.request": {
            "handlers": ["console"],
            "level": "INFO" if env.bool("KITAPLAN_REQUEST_LOG", default=True) else "WARNING",
            "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": env.str("KITAPLAN_LOG_LEVEL", default="WARNING")},
}

#: Retention of personal data (``kitaplan retention``, docs/operations.md "Retention and
#: erasure"); the legal reasons shown with them live in :mod:`kitaplan.web.core.retention`.
#: Applications: months after the round's care start (withdrawn or not).
KITAPLAN_RETENTION_APPLICATION_MONTHS = env.int("KITAPLAN_RETENTION_APPLICATION_MONTHS", default=12)
#: Parents' e-mail addresses (substitute notices): months after the care contract ended.
KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS = env.int(
    "KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS", default=3
)
#: Childminders who left: years after the last payment to them (or after leaving when unpaid);
#: payment runs themselves are kept (§ 147 AO, budget law).
KITAPLAN_RETENTION_CHILDMINDER_YEARS = env.int("KITAPLAN_RETENTION_CHILDMINDER_YEARS", default=10)
#: How long released payment runs and their lines are kept (shown as the legal reason).
KITAPLAN_RETENTION_PAYMENT_YEARS = env.int("KITAPLAN_RETENTION_PAYMENT_YEARS", default=10)
