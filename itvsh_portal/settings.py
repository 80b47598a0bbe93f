"""
The portal's one settings module, driven by the environment.

Without any environment the portal runs embedded: SQLite under var/, Celery tasks run eagerly in the
web process, a local-memory cache and a development secret generated into var/. Setting DATABASE_URL,
CELERY_BROKER_URL, CACHE_URL (or REDIS_URL), SECRET_KEY, DEBUG, ALLOWED_HOSTS and HTTPS switches each
part to its production form; see README, "Betrieb mit PostgreSQL und Redis".
"""

import datetime
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
# A parallel test run (pytest-xdist sets PYTEST_XDIST_WORKER=gw0, gw1, … in each worker before the settings load):
# every worker has a var/ of its own (secret, uploads, files) and, below, a Redis database of its own, so one
# worker's cache.clear() never empties another's. Unset outside such a run: nothing changes.
XDIST_WORKER = env("PYTEST_XDIST_WORKER", default="")
if XDIST_WORKER:
    VAR_DIR = VAR_DIR / f"xdist-{XDIST_WORKER}"
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret() -> str:
    """A random secret kept in var/ so that sessions survive a restart of the embedded set-up."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def _xdist_redis_db(url: str, worker: str) -> str:
    """redis://host:port/13 for worker gw1 -> redis://host:port/14: the base database plus the worker's number
    (base 0 where the URL names none). Other cache URLs (e.g. locmem://) stay as they are."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.scheme.startswith("redis"):
        return url
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + int(worker.removeprefix('gw'))}"))


SECRET_KEY = env("SECRET_KEY", default=None) or _development_secret()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Reference data shipped in the repository (copied from ../shared/data with sources and licences).
DATA_DIR = BASE_DIR / "data"

INSTALLED_APPS = [
    # First: its ready() makes the error message catalogue (common/messages.py) the default of DRF and Django
    # before any other app builds a form or serializer.
    "itvsh_portal",
    "accounts.admin_config.PortalAdminConfig",  # django.contrib.admin with the OTP-aware site (accounts/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_otp",
    "accounts.otp_apps.OtpTotpConfig",  # django_otp.plugins.otp_totp under a German name
    "accounts.otp_apps.OtpStaticConfig",  # django_otp.plugins.otp_static under a German name
    "axes",
    "organisations",
    "accounts",
    "cooperations",
    "ozg_monitoring",
    "federal",  # the federal Dashboard Digitale Verwaltung beside our statuses (federal/README.md)
    "funding",
    "audit",  # after the domain apps: the audit trail of their changes (audit/README.md)
    "opendata",
]

MIDDLEWARE = [
    "itvsh_portal.observability.RequestIdMiddleware",  # first: every log line of the request carries its id
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "itvsh_portal.db_router.ReplicaMiddleware",  # before any database read: replica or primary (db_router.py)
    "django.middleware.security.SecurityMiddleware",
    "itvsh_portal.security.SecurityHeadersMiddleware",
    "itvsh_portal.security.RequestSizeLimitMiddleware",
    "itvsh_portal.probes.ProbeMiddleware",  # /healthz, /readyz, /metrics before the host check (itvsh_portal/probes.py)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "itvsh_portal.security.InputCheckMiddleware",  # control characters in path or query: 400 naming the parameter
    "django.middleware.common.CommonMiddleware",
    "common.pages.RenamedParamsMiddleware",  # old public parameter names (page, format): 301 to seite, export
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",  # who and through which door, for the audit trail
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "itvsh_portal.urls"
WSGI_APPLICATION = "itvsh_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "itvsh_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite run in memory (Django's default, named here: under the metered engine below pytest-django
    # would otherwise give each parallel worker a file "test_<path>_gw0" in a folder that does not exist).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
# An optional PostgreSQL read replica for anonymous public reads (itvsh_portal/db_router.py, common/replica.py).
# Without DATABASE_REPLICA_URL the alias names the primary's own database and nothing is routed to it; in the tests
# it is always a mirror of the primary (Django's TEST MIRROR), so that the router's tests run everywhere.
_replica_url = env("DATABASE_REPLICA_URL", default="")
DATABASES["replica"] = env.db_url_config(_replica_url) if _replica_url else dict(DATABASES["default"])
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
READ_REPLICA_ENABLED = bool(_replica_url)
DATABASE_ROUTERS = ["itvsh_portal.db_router.ReplicaRouter"]
# A client that wrote reads from the primary for this many seconds (a signed, HttpOnly cookie): longer than the
# replica's usual lag, so nobody reads their own write stale.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
REPLICA_STICKY_COOKIE = "portal_primary"
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        _database["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------------
_cache_url = env("CACHE_URL", default=None) or env("REDIS_URL", default=None)
if _cache_url and XDIST_WORKER:
    _cache_url = _xdist_redis_db(_cache_url, XDIST_WORKER)
CACHES = {
    "default": (
        env.cache_url_config(_cache_url)
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "itvsh-portal"}
    )
}

# Cached reads (common/cached_reads.py): when true, computing a cached value raises if it reads a table its scope does
# not watch (its entries would go stale). On in the tests; costs a query wrapper per computation where it is on.
CACHED_READS_VERIFY = env.bool("CACHED_READS_VERIFY", default=False)
# The in-process layer of the cached reads: each process checks a scope's version in the shared cache at most once in
# this many seconds (a write committed in another process shows here after at most that long; 0: always ask), and
# keeps at most this many bytes of entries.
CACHED_READS_LOCAL_SECONDS = env.float("CACHED_READS_LOCAL_SECONDS", default=1.0)
CACHED_READS_LOCAL_BYTES = env.int("CACHED_READS_LOCAL_BYTES", default=32 * 1024 * 1024)

# --- Celery -------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/Berlin"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker logs through LOGGING below (JSON with the request id), not through a format of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs. Every task here is idempotent, so a double run by a restarted beat does no harm.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Agreements past their term -> ausgelaufen, obligations past due -> verspätet, reminders (90/30 days).
    "cooperations-daily": {"task": "cooperations.daily", "schedule": crontab(hour=6, minute=15)},
    # The monthly OZG snapshot of the aggregates the time series read (idempotent per date).
    "ozg-monthly-snapshot": {
        "task": "ozg_monitoring.snapshot_monthly",
        "schedule": crontab(minute=15, hour=0, day_of_month=1),
    },
    # Drawdowns waiting for review longer than 14 days, once per drawdown and week.
    "funding-review-reminders": {
        "task": "funding.tasks.send_review_reminders",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # The CSV report of the past fiscal year, once.
    "funding-yearly-report": {
        "task": "funding.tasks.generate_yearly_report",
        "schedule": crontab(minute=0, hour=6, day_of_month=2, month_of_year=1),
    },
}

# --- Passwords and authentication --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Language, time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
# Dates as DD.MM.YYYY and times in local time with "Uhr", in inputs too (itvsh_portal/formats/de/formats.py).
FORMAT_MODULE_PATH = ["itvsh_portal.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "itvsh_portal.storage.StaticFilesStorage"},
}
# Static files are served as collected: hashed names, gzip and brotli beside each file (compressed manifest storage),
# one year `immutable` for every hashed name. `make run` and the image run collectstatic as part of their set-up.
# The finders (plain names, unhashed, uncompressed) serve only where that is asked for: STATIC_FROM_FINDERS (default:
# DEBUG), and the test suite, which runs without collectstatic (tests/conftest.py).
STATIC_FROM_FINDERS = env.bool("STATIC_FROM_FINDERS", default=DEBUG)
WHITENOISE_USE_FINDERS = STATIC_FROM_FINDERS
#: Cache-Control of a hashed file (WhiteNoise's own is ten years): one year, immutable.
STATIC_IMMUTABLE_MAX_AGE = 365 * 24 * 60 * 60


def _static_headers(headers, path, url):
    # WhiteNoise answers before the clickjacking middleware: the security headers go onto the files themselves.
    from itvsh_portal.security import static_headers

    static_headers(headers, path, url)


WHITENOISE_ADD_HEADERS_FUNCTION = _static_headers
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded documents live outside the web root and are served only through views that check access.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "uploads")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = "/dokumente/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# No request body may be larger than this (413 before it is read); uploads have their own smaller limits.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=25 * 1024 * 1024)
COOPERATIONS_SOURCE_MAX_BYTES = 10 * 1024 * 1024  # uploaded source documents: PDF only, at most this size
# URLs typed without a scheme in forms are taken as https (Django 6's default; opted into now).
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- E-mail -------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portal@itvsh.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------------------------
# HTTPS=true behind TLS: secure cookies, HSTS and the redirect. Off for the embedded set-up on http.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and scrapes reach the pod on http
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by itvsh_portal.security.SecurityHeadersMiddleware, in development too, so that the
# tests see what production sends. Nothing from another origin, no inline code or styles.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if HTTPS:
    CONTENT_SECURITY_POLICY["upgrade-insecure-requests"] = []
# No page of ours uses any of these browser features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- REST API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The token class goes first: DRF takes the WWW-Authenticate header (and so 401 instead of 403) from it.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The one policy (itvsh_portal/permissions.py): public reads; writes need a user, a writing token and the
    # view's rule for the action, the same Rule the service checks. Views extend it, never replace it.
    "DEFAULT_PERMISSION_CLASSES": ["itvsh_portal.permissions.PortalPolicy"],
    # Per client: anonymous clients by IP, token and session clients by user; failed token authentications by
    # IP (accounts.authentication). Atomic fixed-window counters in the cache (Redis in production, so that all
    # web workers share the count): common/throttling.py. A throttled client gets 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttling.AnonThrottle",
        "common.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
        "auth_failure": env("API_THROTTLE_AUTH_FAILURES", default="20/min"),
        # Reports sent through "Barriere melden" per client address (itvsh_portal/feedback.py).
        "barrier_report": "5/h",
    },
    # Trusted reverse proxies in front of the portal (X-Forwarded-For is read only then). 0: REMOTE_ADDR.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "common.api.StrictOrderingFilter",
    ],
    # JSON with limits (depth, number length, control characters: common/parsers.py), forms as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API des Digitalisierungsportals ITV.SH",
    "DESCRIPTION": (
        "Register der öffentlichen Stellen Schleswig-Holsteins, Kooperationsvereinbarungen, "
        "OZG-Monitoring und Finanzierung. Lesen ist öffentlich; Schreiben braucht ein Token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["itvsh_portal.permissions.PortalPolicy"],  # public reads, like every API view
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Error answers (400/401/403/404/415/429) of every operation with shared bodies: common/api.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.postprocess_error_responses",
    ],
    # One schema name per choice set, so that clients get stable enum names (and the schema no warnings).
    "ENUM_NAME_OVERRIDES": {
        "AgreementKindEnum": "cooperations.models.Agreement.Kind",
        "AgreementPartyRoleEnum": "cooperations.models.AgreementParty.Role",
        "AgreementStatusEnum": "cooperations.models.Agreement.Status",
        "AgreementTermKindEnum": "cooperations.models.Agreement.TermKind",
        "ApiTokenScopeEnum": "accounts.models.ApiToken.Scope",
        "ApiTokenStatusEnum": "accounts.models.ApiToken.Status",
        "BudgetLineStatusEnum": "funding.models.BudgetLine.Status",
        "DatePrecisionEnum": "cooperations.models.DatePrecision",
        "DrawdownStatusEnum": "funding.models.Drawdown.Status",
        "DvAktivEnum": "federal.export.AKTIV_CHOICES",
        "DvFlaechendeckungEnum": "federal.export.COVERAGE_CHOICES",
        "DvOnlineStatusEnum": "federal.export.ONLINE_STATUS_CHOICES",
        "ExecutingLevelEnum": "ozg_monitoring.models.ExecutingLevel",
        "FundingSourceKindEnum": "funding.models.FundingSource.Kind",
        "ImportJobStateEnum": "ozg_monitoring.models.ImportJob.State",
        "InKindContributionKindEnum": "funding.models.InKindContribution.Kind",
        "MeasureStatusEnum": "cooperations.models.Measure.Status",
        "ObligationStatusEnum": "cooperations.models.Obligation.Status",
        "OrganisationKindEnum": "organisations.models.Organisation.Kind",
        "OzgLeistungLevelSourceEnum": "ozg_monitoring.models.OzgLeistung.LevelSource",
        "ReminderLogKindEnum": "cooperations.models.ReminderLog.Kind",
        "RolloutStatusMaturityModelEnum": "ozg_monitoring.models.RolloutStatus.MaturityModel",
        "RolloutStatusPlatformEnum": "ozg_monitoring.models.RolloutStatus.Platform",
        "AgreementSourceKindEnum": "cooperations.models.Source.Kind",
        "ProvenanceSourceKindEnum": "common.provenance.SourceKind",
        "StageEnum": "ozg_monitoring.models.Stage",
        "StatusEventActionEnum": "ozg_monitoring.models.StatusEvent.Action",
        "StatusEventChannelEnum": "common.provenance.Channel",
        "VerwaltungMembershipRoleEnum": "accounts.models.VerwaltungMembership.Role",
    },
}

# --- Portal -------------------------------------------------------------------------------------------
PORTAL_NAME = "Digitalisierungsportal Schleswig-Holstein"
PORTAL_OPERATOR = "IT-Verbund Schleswig-Holstein (ITV.SH)"
PORTAL_CONTACT_EMAIL = env("PORTAL_CONTACT_EMAIL", default="")
# Where the form "Barriere melden" of the Erklärung zur Barrierefreiheit sends its reports (itvsh_portal/feedback.py);
# empty: to PORTAL_CONTACT_EMAIL.
PORTAL_ACCESSIBILITY_EMAIL = env("PORTAL_ACCESSIBILITY_EMAIL", default="")
# The operator's facts on Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit. Nothing is assumed:
# until each is set, the pages show a marked placeholder, and `check --deploy` fails (itvsh_portal/checks.py).
PORTAL_OPERATOR_ADDRESS = env("PORTAL_OPERATOR_ADDRESS", default="")  # e.g. "Straße 1, 24103 Kiel"
PORTAL_OPERATOR_REPRESENTATIVE = env(
    "PORTAL_OPERATOR_REPRESENTATIVE", default=""
)  # name and function of the person(s) entitled to represent the operator
PORTAL_OPERATOR_BOARD_CHAIR = env("PORTAL_OPERATOR_BOARD_CHAIR", default="")  # Vorsitz des Verwaltungsrats
PORTAL_SUPERVISORY_AUTHORITY = env("PORTAL_SUPERVISORY_AUTHORITY", default="")  # name and address
PORTAL_CONTACT_PHONE = env("PORTAL_CONTACT_PHONE", default="")
PORTAL_CONTENT_RESPONSIBLE = env("PORTAL_CONTENT_RESPONSIBLE", default="")  # § 18 Abs. 2 MStV
PORTAL_DATA_PROTECTION_OFFICER = env("PORTAL_DATA_PROTECTION_OFFICER", default="")  # name and contact
PORTAL_LOG_RETENTION = env("PORTAL_LOG_RETENTION", default="")  # how long server logs are kept, e.g. "7 Tagen"
PORTAL_HOSTING_PROVIDER = env("PORTAL_HOSTING_PROVIDER", default="")  # data centre / processor (Art. 28 DSGVO)
PORTAL_VAT_ID = env("PORTAL_VAT_ID", default="")  # optional: only where the operator has one
# Functions (dotted paths) taking the request and returning notices shown on every public page.
PORTAL_NOTICE_PROVIDERS: list[str] = ["ozg_monitoring.selectors.portal_notices"]
# Demo content (e.g. the OZG rollout demo) is never loaded where this is false.
DEMO_CONTENT_ENABLED = env.bool("DEMO_CONTENT_ENABLED", default=True)

# LOG_FORMAT=json (the image's default): one JSON object per line with the request id (itvsh_portal/observability.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "itvsh_portal.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "itvsh_portal.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # axes logs each failed login and lockout at WARNING; its start-up banner at INFO is noise.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes.apps": {"level": "WARNING"}},
}

# --- Open data ------------------------------------------------------------------------------------------
# Published monthly snapshots of the OZG rollout status (immutable files, never overwritten); see opendata/README.md.
OPENDATA_ROOT = Path(env("OPENDATA_ROOT", default=str(VAR_DIR / "opendata")))
# Absolute base of the links in the DCAT-AP.de catalogue, e.g. "https://portal.example.org"; empty: from the request.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="")
# Who receives the reminders of agreements without a responsible person (cooperations.reminders): a staff group.
REMINDER_FALLBACK_GROUP = env("REMINDER_FALLBACK_GROUP", default="Redaktion")
# The scopes (common/cached_reads.py) of what the layout adds to every cached page: its notices.
CACHED_PAGE_LAYOUT_SCOPES = "itvsh_portal.context_processors.notice_scopes"

# --- Login, second factor, lockout, sessions ----------------------------------------------------------
# Staff sign in at the admin with password, then a second factor (TOTP app or a backup code) before the admin
# opens: accounts/admin_site.py, accounts/README.md.
OTP_TOTP_ISSUER = "ITV.SH Portal"
# Nobody reads another person's TOTP secret or QR code in the admin (the config and QR views answer 403): with
# them, a staff member who may view devices could clone a superuser's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Failed logins: django-axes locks a user name from one address (the pair, not either alone) after 5 failures
# for 15 minutes; a success resets the count. The axes backend goes first, as its docs say. API tokens do not
# pass through authenticate(), so axes does not see them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address as the API throttles see it (NUM_PROXIES trusted proxies; see itvsh_portal.security).
AXES_CLIENT_IP_CALLABLE = "itvsh_portal.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = True
LOGGING["loggers"].setdefault("axes", {"level": "INFO"})  # lockouts and failed logins in the log
LOGGING["loggers"].setdefault("accounts", {"level": "INFO"})
# Sessions: 30 minutes without a request, 8 hours after the login at most (accounts/middleware.py).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)

# --- Operations: readiness, metrics, error reports (docs/BETRIEB.md) -------------------------------------------
# /readyz answers 503 when one of these fails; an operator may drop "cache" or "broker" to keep serving pages
# from the database while Redis is away (throttles and sessions then fail too).
READINESS_REQUIRED = env.list("READINESS_REQUIRED", default=["database", "cache", "broker", "migrations"])
# The role the application connects as (no owner of the tables); the migrate job grants it its rights.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
# /metrics (Prometheus): only with `Authorization: Bearer <METRICS_TOKEN>` or from METRICS_ALLOWED_NETWORKS
# (e.g. the pod network, "10.0.0.0/8"); with neither it is off. A worker serves its own on METRICS_WORKER_PORT.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
METRICS_WORKER_PORT = env.int("METRICS_WORKER_PORT", default=0)
# Queries and cache hits counted by django-prometheus' wrappers of the same backends.
_METERED_BACKENDS = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
    "django.core.cache.backends.redis.RedisCache": "itvsh_portal.metrics.MeteredRedisCache",
    "django.core.cache.backends.locmem.LocMemCache": "itvsh_portal.metrics.MeteredLocMemCache",
}
for _database in DATABASES.values():
    _database["ENGINE"] = _METERED_BACKENDS.get(_database["ENGINE"], _database["ENGINE"])
for _cache in CACHES.values():
    _cache["BACKEND"] = _METERED_BACKENDS.get(_cache["BACKEND"], _cache["BACKEND"])
# Optional error reports: SENTRY_DSN (Sentry or a compatible service); no personal data is sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from itvsh_portal.observability import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default=""),
        release=env("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- The federal dashboard and the link checker (federal/README.md) ------------------------------------------------
# Outbound HTTP: unset = no restriction beyond each client's own rules; a list ("host" or "host:port") = only these.
# The test suite sets it to the loopback addresses (tests/conftest.py): no test reaches another machine.
OUTBOUND_HTTP_ALLOWED_HOSTS = env.list("OUTBOUND_HTTP_ALLOWED_HOSTS", default=None)
# The federal API (default: the server named in data/ozg/digitale-verwaltung-api.openapi.yaml). Only the command
# sync_federal_dashboard and the monthly task below call it; neither `make run` nor CI does.
FEDERAL_DASHBOARD_URL = env("FEDERAL_DASHBOARD_URL", default="https://digitale-verwaltung.api.proxy.bund.dev/api/")
FEDERAL_DASHBOARD_TIMEOUT = env.float("FEDERAL_DASHBOARD_TIMEOUT", default=30.0)  # seconds, connect and read
FEDERAL_DASHBOARD_RETRIES = env.int("FEDERAL_DASHBOARD_RETRIES", default=3)
FEDERAL_DASHBOARD_BACKOFF = env.float("FEDERAL_DASHBOARD_BACKOFF", default=2.0)  # first wait; doubled, at most 60 s
FEDERAL_DASHBOARD_PAGE_SIZE = env.int("FEDERAL_DASHBOARD_PAGE_SIZE", default=1000)
FEDERAL_DASHBOARD_FILETYPE = env("FEDERAL_DASHBOARD_FILETYPE", default="csv")  # csv or xlsx for /v1/data/{ars}
FEDERAL_DASHBOARD_MAX_BYTES = env.int("FEDERAL_DASHBOARD_MAX_BYTES", default=200 * 1024 * 1024)
FEDERAL_DASHBOARD_MAX_PAGES = env.int("FEDERAL_DASHBOARD_MAX_PAGES", default=10_000)
# The link checker (ozg_monitoring/linkcheck.py): off unless enabled (production). LINKCHECK_ALLOWED_HOSTS lists
# "host:port" entries that skip the SSRF guard's address check: only tests set it, for their local servers.
LINKCHECK_ENABLED = env.bool("LINKCHECK_ENABLED", default=False)
LINKCHECK_ALLOWED_HOSTS = env.list("LINKCHECK_ALLOWED_HOSTS", default=[])
LINKCHECK_TIMEOUT = env.float("LINKCHECK_TIMEOUT", default=10.0)
LINKCHECK_CONCURRENCY = env.int("LINKCHECK_CONCURRENCY", default=8)
LINKCHECK_PER_HOST = env.int("LINKCHECK_PER_HOST", default=2)
LINKCHECK_MAX_REDIRECTS = env.int("LINKCHECK_MAX_REDIRECTS", default=5)
# Monthly sync (the Bund updates monthly; the 3rd leaves it time) and the daily link check (a no-op when disabled).
CELERY_BEAT_SCHEDULE["federal-dashboard-monthly"] = {
    "task": "federal.sync_monthly",
    "schedule": crontab(minute=30, hour=3, day_of_month=3),
}
CELERY_BEAT_SCHEDULE["ozg-linkcheck-daily"] = {
    "task": "ozg_monitoring.linkcheck_daily",
    "schedule": crontab(minute=30, hour=2),
}
# The running count of statuses per stage gains a row per writing statement: folded every ten minutes.
CELERY_BEAT_SCHEDULE["ozg-stage-tally"] = {
    "task": "ozg_monitoring.stage_tally_compact",
    "schedule": crontab(minute="*/10"),
}

# OZG notifications (ozg_monitoring/services/notifications.py). A status unchanged for STALE_STATUS_MONTHS months is
# stale (the admin start page uses the same setting); its Verwaltung's reporting members are reminded on the
# schedule below, each Verwaltung at most once every OZG_STALE_REMINDER_DAYS days. Monitoring (the group
# OZG_DIGEST_GROUP) gets the digest of the Kommunen's changes every morning.
STALE_STATUS_MONTHS = env.int("STALE_STATUS_MONTHS", default=6)
OZG_STALE_REMINDER_DAYS = env.int("OZG_STALE_REMINDER_DAYS", default=30)
OZG_DIGEST_GROUP = env("OZG_DIGEST_GROUP", default="Monitoring")
CELERY_BEAT_SCHEDULE["ozg-kommune-digest-daily"] = {
    "task": "ozg_monitoring.kommune_digest_daily",
    "schedule": crontab(minute=0, hour=7),
}
CELERY_BEAT_SCHEDULE["ozg-stale-status-reminders"] = {
    "task": "ozg_monitoring.stale_status_reminders",
    # a cron line "minute hour day-of-month month day-of-week"; default: Mondays at 08:00
    "schedule": crontab(
        **dict(
            zip(
                ("minute", "hour", "day_of_month", "month_of_year", "day_of_week"),
                env("OZG_STALE_REMINDER_SCHEDULE", default="0 8 * * mon").split(),
                strict=True,
            )
        )
    ),
}
