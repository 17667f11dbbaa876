"""Settings for qiaolian, driven by environment variables (see README "Configuration").

Embedded default: no DATABASE_URL -> SQLite file, no REDIS_URL -> eager Celery and local-memory cache.
"""
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VERSION = "0.1.0"

DEBUG = env.bool("DEBUG", default=False)
# The embedded default is for one machine; production must set its own key.
SECRET_KEY = env.str("SECRET_KEY", default="qiaolian-embedded-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mptt",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "auditlog",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_cas_ng",  # its session tickets: CAS single logout (统一身份认证, below)
    "orgs",
    "census",
    "tasks",
    "qiaolian",  # the project package: commands that compose the apps (load_demo, benchmark)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qiaolian.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qiaolian.middleware.AbsoluteSessionLimitMiddleware",
    "qiaolian.middleware.NoStoreForSignedInMiddleware",  # Cache-Control: no-store for signed-in users
    # Two-factor login: django-otp reads the session's verified device; administrators (and users who enrolled)
    # reach nothing but the second-factor pages until verified; then the initial password; then 三员分立's pages.
    "django_otp.middleware.OTPMiddleware",
    "orgs.twofactor.middleware.SecondFactorMiddleware",
    "orgs.accounts.middleware.InitialPasswordMiddleware",
    "orgs.access.middleware.AdministratorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A control character (NUL …) in the path, the query or a posted form field: 400 naming it, before any view.
    "orgs.common.inputs.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "qiaolian.middleware.TrustedAddressAuditlogMiddleware",
    # AxesMiddleware must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qiaolian.urls"
WSGI_APPLICATION = "qiaolian.wsgi.application"

# Widgets render through TEMPLATES, so templates/django/forms/widgets/ can replace a widget's markup (select.html:
# options inline, not an include per option).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "django.template.context_processors.i18n",
                "qiaolian.context_processors.scope",
                "qiaolian.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process jobs and the web requests read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
# Persistent connections, checked before each request's first query: after a database restart the workers
# reconnect by themselves (no restart of the application); requests during the outage get a 503 (qiaolian/views.py).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")



def _worker_cache_url(url: str, worker: str) -> str:
    """The cache's Redis URL for a pytest-xdist worker ("gw0", "gw1" …): its own database number (1, 2 …), so that
    one worker's `cache.clear()` (FLUSHDB, before each test) never empties the figures another worker just cached.
    Outside the test workers the URL is used as given."""
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    return urlunsplit(urlsplit(url)._replace(path=f"/{1 + int(worker[2:])}"))


if REDIS_URL:
    CACHES: dict = {
        "default": {
            # A Redis outage makes the cache miss, never a page fail (qiaolian/cache.py).
            "BACKEND": "qiaolian.cache.FailSoftRedisCache",
            "LOCATION": _worker_cache_url(REDIS_URL, env.str("PYTEST_XDIST_WORKER", default="")),
            "KEY_PREFIX": "qiaolian",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, "RETRY_AFTER": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qiaolian"}}

# Celery: eager in-process without Redis (embedded default), real workers with it.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Well below the Redis visibility timeout so an acked-late task is never delivered twice while it runs.
# A message taken by a worker that died (kill -9, the machine lost) is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An import or report still "running" this long after it started was cut off (its worker died or hit the hard time
# limit, 1500 s for imports, 900 s for reports): the sweep jobs mark it failed with the reason.
JOB_STUCK_SECONDS = env.int("JOB_STUCK_SECONDS", default=1800)
# Report builds go to their own queue, served by docker-compose's `report-worker` (recycled after each report).
CELERY_TASK_ROUTES = {"tasks.build_report": {"queue": "reports"}}
# One beat process runs these (docker-compose's `beat`); times are Asia/Shanghai (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE: dict = {
    "daily-reminders": {"task": "tasks.send_reminders", "schedule": crontab(hour=8, minute=0)},
    "outbox-relay": {"task": "tasks.relay_outbox", "schedule": 60.0},
    "job-outbox-relay": {"task": "orgs.relay_jobs", "schedule": env.float("JOB_OUTBOX_RELAY_SECONDS", default=30.0)},
    "monthly-reports": {"task": "tasks.send_monthly_reports", "schedule": crontab(day_of_month=1, hour=7, minute=0)},
    "report-cleanup": {"task": "tasks.delete_expired_reports", "schedule": crontab(hour=3, minute=30)},
    "census-upload-retention": {"task": "census.delete_expired_uploads", "schedule": crontab(hour=3, minute=45)},
    "coverage-nightly": {"task": "census.evaluate_coverage_everywhere", "schedule": crontab(hour=2, minute=30)},
    "imports-stuck": {"task": "census.fail_stuck_imports", "schedule": 300.0},
    "reports-stuck": {"task": "tasks.fail_stuck_reports", "schedule": 300.0},
    "jobs-stuck": {"task": "orgs.fail_stuck_jobs", "schedule": 300.0},
    "audit-retention": {"task": "orgs.audit_retention", "schedule": crontab(hour=3, minute=10)},
}
# For the fault scripts only (tests/production/fault_two_beats.py): every beat job every N seconds instead of on
# its schedule. Never set in production.
if BEAT_EVERY_SECONDS := env.float("BEAT_EVERY_SECONDS", default=0.0):
    CELERY_BEAT_SCHEDULE = {name: {**entry, "schedule": BEAT_EVERY_SECONDS} for name, entry in CELERY_BEAT_SCHEDULE.items()}

# The job outbox (orgs/jobs/): a row sent to the broker but not started after this long is sent again (the broker
# lost its queue; the job still runs once), at most JOB_OUTBOX_MAX_SENDS times in all: a row sent that often and
# still not started is marked failed by the sweep (`orgs.fail_stuck_jobs`), as is a row still running
# JOB_STUCK_SECONDS after it started. Finished rows are kept this many days.
JOB_OUTBOX_RESEND_SECONDS = env.int("JOB_OUTBOX_RESEND_SECONDS", default=600)
JOB_OUTBOX_MAX_SENDS = env.int("JOB_OUTBOX_MAX_SENDS", default=5)
JOB_OUTBOX_KEEP_DAYS = env.int("JOB_OUTBOX_KEEP_DAYS", default=7)

# Sessions live in the database: a Redis outage must not log anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the cookie age becomes an idle timeout
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Transport and browser hardening (README "Configuration", docs/operations.md "Deployment settings"). SECURE_COOKIES
# says the site is served over TLS; HSTS and the HTTPS redirect then follow by default.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes on loopback speak plain HTTP
if env.bool("BEHIND_TLS_PROXY", default=False):
    # Only behind a proxy that terminates TLS and sets (never passes through) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=bool(SECURE_HSTS_SECONDS))
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=bool(SECURE_HSTS_SECONDS))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp: scripts and styles only from our own static files: no inline <script>, no on*= attributes, no
# style="" attributes (the templates keep their behaviour in static/js/app.js). Reports of violations go to the
# browser console (tests/browser/test_csp.py reads it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],  # and the CAS server, when on (统一身份认证, below)
        "frame-ancestors": ["'none'"],
    },
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# ---- 统一身份认证 (unified sign-on, orgs/signon/; README "Configuration", docs/operations.md) ----------------------
# CAS (django-cas-ng) is on when CAS_SERVER_URL is set; OpenID Connect (mozilla-django-oidc) when its authorization,
# token and JWKS endpoints and the client's id and secret are all set. Off, nothing changes: no buttons, the sign-on
# URLs answer 404, their backends are not listed. A sign-on only finds an account the level above opened and mapped
# (the account's 统一身份认证账号): it never creates one, and administrators sign in locally with their second factor.
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="")
if CAS_SERVER_URL and not CAS_SERVER_URL.endswith("/"):
    CAS_SERVER_URL += "/"  # python-cas joins "login", "p3/serviceValidate" and "logout" to it
_cas_version = env.str("CAS_VERSION", default="3").strip()
# 1, 2, 3 (as numbers: django-cas-ng takes the CAS 1 protocol only for the number 1) or CAS_2_SAML_1_0
CAS_VERSION: int | str = int(_cas_version) if _cas_version.isdigit() else _cas_version
# The attribute of the validation that holds the external subject; "cas:user" is the CAS user name itself.
CAS_USERNAME_ATTRIBUTE = env.str("CAS_USERNAME_ATTRIBUTE", default="cas:user")
CAS_VERIFY_SSL_CERTIFICATE = env.bool("CAS_VERIFY_SSL_CERTIFICATE", default=True)
# The site's public address when a proxy rewrites it (e.g. https://qiaolian.example.gov.cn): the service URL.
CAS_ROOT_PROXIED_AS = env.str("CAS_ROOT_PROXIED_AS", default="")
CAS_CREATE_USER = False  # never: accounts are opened by the level above
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_REDIRECT_URL = "/"
CAS_LOGOUT_COMPLETELY = True
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")  # checked against the id_token's "iss" when set
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")  # optional: the id_token's claims suffice
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
# The provider's end_session_endpoint (RP-initiated logout): when set, 退出 after an OIDC sign-on also ends the provider's
# session (the signed-on session then keeps its id_token, sent as id_token_hint).
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid profile")
OIDC_SUBJECT_CLAIM = env.str("OIDC_SUBJECT_CLAIM", default="sub")  # the claim mapped to the account
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)  # client_secret_basic, else _post
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_VERIFY_SSL = env.bool("OIDC_VERIFY_SSL", default=True)
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "signon:oidc-callback"
SIGNON_TIMEOUT = env.float("SIGNON_TIMEOUT", default=10.0)  # seconds, each call to a platform
OIDC_TIMEOUT = SIGNON_TIMEOUT
# Also accept an account whose user name equals the external subject when no account is mapped to it (off).
SIGNON_MATCH_USERNAME = env.bool("SIGNON_MATCH_USERNAME", default=False)
# The buttons' text (default 统一身份认证登录), e.g. "江西省统一身份认证平台登录".
SIGNON_CAS_LABEL = env.str("SIGNON_CAS_LABEL", default="")
SIGNON_OIDC_LABEL = env.str("SIGNON_OIDC_LABEL", default="")
if CAS_SERVER_URL:
    AUTHENTICATION_BACKENDS.append("orgs.signon.backends.CasBackend")
    # the logout form ends at the CAS server's logout after a CAS sign-on: a redirect the form-action must allow
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(urlunsplit((*urlsplit(CAS_SERVER_URL)[:2], "", "", "")))
if all((OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_JWKS_ENDPOINT, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET)):
    AUTHENTICATION_BACKENDS.append("orgs.signon.backends.OidcBackend")
    if OIDC_OP_LOGOUT_ENDPOINT:  # the logout form ends at the provider's end_session_endpoint, as for CAS
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(urlunsplit((*urlsplit(OIDC_OP_LOGOUT_ENDPOINT)[:2], "", "", "")))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a (user name, address) pair, never a user name alone, so that one person
# cannot lock another out and one office behind a proxy is not locked out by one colleague.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The reverse proxies in front of the application (one nginx: 1). Only then is X-Forwarded-For read, and only the
# entry the outermost proxy added (orgs.common.audit.client_address; the lockout below alike).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Every stored file is encrypted at rest (orgs/common/sealing.py): uploads and reports hold resident IDs.
    "default": {"BACKEND": "orgs.common.sealing.SealedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# With the file-based backend (django.core.mail.backends.filebased.EmailBackend), one file per message in here.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qiaolian@localhost")
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the fault scripts count what was sent).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call gets 401 with a WWW-Authenticate header, not 403.
        # Both tell django-auditlog the authenticated user (its middleware runs before DRF authenticates a token);
        # the token class refuses the tokens of administrators: they log in with a second factor.
        "orgs.twofactor.api.TokenAuthentication",
        "orgs.access.authentication.AuditedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "orgs.access.api.WritesNeedWritingRole",
    ],
    # DRF's parsers, refusing text with control characters (NUL …) with a 400 naming the field.
    "DEFAULT_PARSER_CLASSES": [
        "orgs.common.parsers.JSONParser",
        "orgs.common.parsers.FormParser",
        "orgs.common.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "侨联组织建设管理系统 API",
    "DESCRIPTION": "qiaolian: regions, census, coverage, organizations, plans and reports. Every list is scoped to the caller's regions.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from drf-spectacular-sidecar: the machines that run this have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # 400, 401, 403 and 404 with their JSON bodies, documented for every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "qiaolian.api_schema.error_responses",
    ],
    # Two choice sets share the field name "level": name their enums instead of hashing them.
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "orgs.regions.models.RegionLevel",
        "PlaceLevelEnum": "census.coverage.models.PlaceLevel",
        "UnitKindEnum": "orgs.units.models.UnitKind",
        "OrganizationKindEnum": "orgs.organizations.models.OrganizationKind",
        "OrganizationStatusEnum": "orgs.organizations.founding.OrganizationStatus",
        "ImportStatusEnum": "census.importing.models.ImportStatus",
        "TaskStatusEnum": "tasks.plans.models.TaskStatus",
        "ReportStatusEnum": "tasks.reports.models.ReportStatus",
        "ReportFormatEnum": "tasks.reports.models.ReportFormat",
        "CategoryEnum": "census.registry.models.Category",
        "LeaderPositionEnum": "orgs.organizations.choices.LeaderPosition",
        "DesignationKindEnum": "orgs.homes.models.DesignationKind",
        "MembershipRoleEnum": "orgs.access.roles.Role",
        "LeadershipRoleEnum": "tasks.plans.models.LeadershipRole",
        "BuildApproachEnum": "orgs.homes.models.BuildApproach",
    },
}

# django-auditlog: who changed what, before -> after.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Audit entries are kept this many days, then deleted by the daily `audit-retention` job; at least 180
# (网络安全法 §21), refused below by the system check orgs.E180.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=180)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# A control character left in a stored value never fails an admin Excel export (escape_cell strips them first).
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# Report requests of one user per hour (page and API); beyond it the page says when to retry, the API answers 429.
REPORT_REQUESTS_PER_HOUR = env.int("REPORT_REQUESTS_PER_HOUR", default=20)

# Two-factor login (django-otp, TOTP): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="侨联组织建设管理系统")

# Demo data: the password printed by `make run` for every demo login.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Qiaolian@2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Sensitive data at rest (document and phone numbers, stored files) is encrypted and found by a keyed hash
# (orgs.common.fieldkeys, orgs.common.crypto; docs/operations.md, "国密"). Keys: FIELD_KEYS, comma-separated (the
# first encrypts, all decrypt; each at least 32 characters, e.g. `python -c "import secrets;
# print(secrets.token_urlsafe(32))"`), else FIELD_KEYS_FILE (a file outside the database, one key per line), else
# RESIDENT_ID_KEY (the variable of before, same form), else one derived from SECRET_KEY (embedded default only).
# FIELD_CIPHER: "aes" (AES-256-GCM, HMAC-SHA256) or "sm4" (SM4-GCM, HMAC-SM3); `manage.py rotate_keys` rewrites
# what an earlier key or cipher wrote. PASSWORD_HASHER: "sm3" puts PBKDF2-HMAC-SM3 first (passwords are re-hashed
# at the next login); "default" keeps Django's PBKDF2-SHA256; empty: sm3 when FIELD_CIPHER is sm4.
RESIDENT_ID_KEY = env.str("RESIDENT_ID_KEY", default="")
FIELD_KEYS = env.str("FIELD_KEYS", default="")
FIELD_KEYS_FILE = env.str("FIELD_KEYS_FILE", default="")
FIELD_CIPHER = env.str("FIELD_CIPHER", default="aes")
PASSWORD_HASHER = env.str("PASSWORD_HASHER", default="")
_DJANGO_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
_SM3_HASHER = "orgs.accounts.hashers.PBKDF2SM3PasswordHasher"
if PASSWORD_HASHER not in ("", "sm3", "default"):
    raise ImproperlyConfigured(f"PASSWORD_HASHER={PASSWORD_HASHER!r}: expected sm3 or default")
if PASSWORD_HASHER == "sm3" or (not PASSWORD_HASHER and FIELD_CIPHER.strip().lower() == "sm4"):
    PASSWORD_HASHERS = [_SM3_HASHER, *_DJANGO_HASHERS]  # first: what passwords are (re-)hashed with
else:
    PASSWORD_HASHERS = [*_DJANGO_HASHERS[:1], _SM3_HASHER, *_DJANGO_HASHERS[1:]]  # SM3 hashes still verify

# Uploads: refused above this size; xlsx archives checked before parsing (zip bombs). The expanded size is a bound on
# what one import holds in memory rather than a compression ratio: 100,000 rows expand to 60-100 MB (inline strings
# the most) and their preview takes about 400 MB; a sheet whose rows repeat one another compresses up to 25:1, so a
# genuine file under the upload limit can pass it, from about 400,000 rows: told to split it (docs/benchmarks.md,
# "Upload checks on genuine files"; docs/decisions.md).
CENSUS_UPLOAD_MAX_BYTES = env.int("CENSUS_UPLOAD_MAX_BYTES", default=30 * 1024 * 1024)
CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES", default=400 * 1024 * 1024)
CENSUS_XLSX_MAX_ENTRIES = env.int("CENSUS_XLSX_MAX_ENTRIES", default=2000)
# The original file and error report of a committed census import are deleted this many days after the commit
# (daily beat job census.delete_expired_uploads); the import record stays.
CENSUS_UPLOAD_RETENTION_DAYS = env.int("CENSUS_UPLOAD_RETENTION_DAYS", default=90)
# Files larger than this are checked and imported by a Celery job, with a progress bar.
CENSUS_ASYNC_BYTES = env.int("CENSUS_ASYNC_BYTES", default=512 * 1024)
# Decrypted working copies of stored files for readers that need a path (blank: /dev/shm, else the temp folder).
FILE_WORK_DIR = env.str("FILE_WORK_DIR", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


# Messaging platforms (tasks/notifications/platforms/, README "Configuration"). A channel whose settings are empty is
# not configured and not offered. The *_API_BASE and SMS_ENDPOINT overrides point the clients elsewhere (the tests'
# fake servers on loopback); production leaves them at the official addresses.
# 企业微信 application messages (发送应用消息).
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
# 钉钉 work notifications (工作通知) of an internal application.
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com")
# SMS, for escalations of overdue work only, through the provider's official SDK: "aliyun" or "tencent".
SMS_PROVIDER = env.str("SMS_PROVIDER", default="")
SMS_ACCESS_KEY_ID = env.str("SMS_ACCESS_KEY_ID", default="")
SMS_ACCESS_KEY_SECRET = env.str("SMS_ACCESS_KEY_SECRET", default="")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="")
SMS_TEMPLATE_CODE = env.str("SMS_TEMPLATE_CODE", default="")  # 阿里云 TemplateCode (SMS_123456789) / 腾讯云 TemplateId
SMS_SDK_APP_ID = env.str("SMS_SDK_APP_ID", default="")  # 腾讯云 SmsSdkAppId
SMS_REGION = env.str("SMS_REGION", default="ap-guangzhou")  # 腾讯云 region
SMS_ENDPOINT = env.str("SMS_ENDPOINT", default="")  # e.g. http://127.0.0.1:8400 (tests); empty: the provider's own
# The template's text as registered with the provider; its parameters are ${count} (overdue items) and ${region}.
SMS_ESCALATION_TEXT = env.str(
    "SMS_ESCALATION_TEXT", default="您有${count}项逾期工作未完成（${region}），请尽快登录侨联组织建设管理系统处理。"
)
