"""Settings for qiaolian, driven by environment variables (see README "Configuration").

Embedded default: no DATABASE_URL -> SQLite file, no REDIS_URL -> eager Celery and local-memory cache.
"""
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab

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
    "orgs",
    "census",
    "tasks",
    "qiaolian",  # the project package: commands that compose the apps (load_demo, benchmark)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qiaolian.middleware.AbsoluteSessionLimitMiddleware",
    "orgs.accounts.middleware.InitialPasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A control character (NUL …) in the path, the query or a posted form field: 400 naming it, before any view.
    "orgs.common.inputs.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # AxesMiddleware must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qiaolian.urls"
WSGI_APPLICATION = "qiaolian.wsgi.application"

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
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _worker_cache_url(REDIS_URL, env.str("PYTEST_XDIST_WORKER", default="")),
            "KEY_PREFIX": "qiaolian",
            "TIMEOUT": 300,
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 900
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Report builds go to their own queue, served by docker-compose's `report-worker` (recycled after each report).
CELERY_TASK_ROUTES = {"tasks.build_report": {"queue": "reports"}}
# One beat process runs these (docker-compose's `beat`); times are Asia/Shanghai (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE: dict = {
    "daily-reminders": {"task": "tasks.send_reminders", "schedule": crontab(hour=8, minute=0)},
    "outbox-relay": {"task": "tasks.relay_outbox", "schedule": 60.0},
    "monthly-reports": {"task": "tasks.send_monthly_reports", "schedule": crontab(day_of_month=1, hour=7, minute=0)},
    "report-cleanup": {"task": "tasks.delete_expired_reports", "schedule": crontab(hour=3, minute=30)},
    "coverage-nightly": {"task": "census.evaluate_coverage_everywhere", "schedule": crontab(hour=2, minute=30)},
}

# Sessions live in the database: a Redis outage must not log anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the cookie age becomes an idle timeout
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

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
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
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
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
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
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qiaolian@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call gets 401 with a WWW-Authenticate header, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
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
    },
}

# django-auditlog: who changed what, before -> after.
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# A control character left in a stored value never fails an admin Excel export (escape_cell strips them first).
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True

# Demo data: the password printed by `make run` for every demo login.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Qiaolian@2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Resident ID numbers are stored encrypted (Fernet) and found by a keyed hash. Production sets a key
# (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`);
# comma-separated keys rotate: the first encrypts, all decrypt.
RESIDENT_ID_KEY = env.str("RESIDENT_ID_KEY", default="")

# Uploads: refused above this size; xlsx archives checked before parsing (zip bombs).
CENSUS_UPLOAD_MAX_BYTES = env.int("CENSUS_UPLOAD_MAX_BYTES", default=30 * 1024 * 1024)
CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES = env.int("CENSUS_XLSX_MAX_UNCOMPRESSED_BYTES", default=400 * 1024 * 1024)
CENSUS_XLSX_MAX_ENTRIES = env.int("CENSUS_XLSX_MAX_ENTRIES", default=2000)
# Files larger than this are checked and imported by a Celery job, with a progress bar.
CENSUS_ASYNC_BYTES = env.int("CENSUS_ASYNC_BYTES", default=512 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

