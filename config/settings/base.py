"""Settings from the environment (django-environ); embedded services when URLs are unset."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
embedded.ensure_environment()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
# Fernet key for tenant secrets at rest; derived from SECRET_KEY when not given.
HOSTLINE_ENCRYPTION_KEY = env("HOSTLINE_ENCRYPTION_KEY", default="")
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost")
PUBLIC_HOST = env("PUBLIC_HOST", default=f"app.{BASE_DOMAIN}")
SITE_PORT = env("SITE_PORT", default="8000")
SITE_SCHEME = env("SITE_SCHEME", default="http")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS",
    default=[f"{SITE_SCHEME}://*.{BASE_DOMAIN}:{SITE_PORT}", f"{SITE_SCHEME}://{BASE_DOMAIN}:{SITE_PORT}"],
)

SHARED_APPS = [
    "django_tenants",
    "daphne",
    "tenants",
    "billing",
    "accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_htmx",
    "channels",
    "frontend",
    "ops",
]
# Users live in each tenant's own schema (accounts, auth, sessions are in both lists):
# a user, session or API token of tenant A simply does not exist inside tenant B.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "telephony",
    "crm",
    "reports",
    "qa",
    "wfm",
]
INSTALLED_APPS = list(SHARED_APPS) + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Issue `SET search_path` once per tenant switch, not before every query (halves round trips;
# django-tenants forgets the cached path on rollback, savepoint rollback and reconnect).
TENANT_LIMIT_SET_CALLS = True
# Pre-cloned schemas kept ready for signup (0 disables the pool; signup then clones).
TENANT_SPARE_POOL = env.int("TENANT_SPARE_POOL", default=3)
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

MIDDLEWARE = [
    "tenants.middleware.HostlineTenantMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenants.middleware.TenantLifecycleMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context.hostline",
            ],
        },
    }
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

_db = env.db("DATABASE_URL")
_db["HOST"] = unquote(_db.get("HOST", ""))
_db["ENGINE"] = "django_tenants.postgresql_backend"
_db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES = {"default": _db}

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every cache key carries the tenant's schema: one tenant never reads another's entries.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # channels_redis waits on BZPOPMIN for 5 s; redis-py 8 defaults socket_timeout to 5 s,
        # which tore every idle websocket down (channels_redis#422). Reads may take longer.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": "hostline"},
    }
}


def _celery_url(url: str) -> str:
    # kombu spells unix sockets redis+socket://
    return "redis+socket://" + url[len("unix://"):] if url.startswith("unix://") else url


CELERY_BROKER_URL = _celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Tenants metered / invoiced at once by a billing run (one database connection each).
BILLING_WORKERS = env.int("BILLING_WORKERS", default=2)
# The operator's timezone: billing months start at midnight here; beat's crontabs run in it.
PLATFORM_TIMEZONE = env("PLATFORM_TIMEZONE", default="UTC")
CELERY_TIMEZONE = PLATFORM_TIMEZONE
CELERY_BEAT_SCHEDULE: dict = {
    "tenant-pool-refill": {"task": "tenants.pool_refill", "schedule": 600.0},
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.LettersAndDigitsValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        # Argon2 first: memory-hard, and ~10x cheaper in CPU than PBKDF2 at Django's defaults,
        # which keeps signup and login fast without weakening stored hashes.
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ],
)
# Tenant admins and operators must sign in with an authenticator app (production default: on).
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Hostline")
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes lock for 1, 2, 4, 8… seconds
LOGIN_RATE_LIMIT = env.int("LOGIN_RATE_LIMIT", default=10)  # failed attempts per 15 min per e-mail+IP

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Recording audio restored from a backup (served when present; the carrier holds the rest).
RECORDINGS_ARCHIVE_DIR = env("RECORDINGS_ARCHIVE_DIR", default=str(BASE_DIR / ".data" / "recordings"))
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # serve frontend/static directly until collectstatic has run
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Hostline <no-reply@localhost>")
# SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend in production).
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.HostlineAutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hostline API",
    "DESCRIPTION": "Hosted call center platform API. Every tenant-scoped route answers on the tenant's own domain.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set used by several fields (else drf-spectacular invents hashed names).
    "ENUM_NAME_OVERRIDES": {
        "MonitorModeEnum": "telephony.models.calls.MonitorMode",
        "CampaignStateEnum": "telephony.models.outbound.Campaign.State",
        "BacklogAttemptOutcomeEnum": "telephony.models.backlog.AttemptOutcome",
        "CallOutcomeEnum": "telephony.models.calls.Outcome",
        "CallStatusEnum": "telephony.models.calls.CallStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}

# The sandbox carrier process (`manage.py sandbox_carrier`): REST commands go here.
# Numbers written without a country code (CSV imports, the desk) are read in this region.
DEFAULT_PHONE_REGION = env("DEFAULT_PHONE_REGION", default="US")
CRM_IMPORT_SYNC_ROWS = env.int("CRM_IMPORT_SYNC_ROWS", default=5000)  # larger CSV files import in a worker
SANDBOX_CARRIER_URL = env("SANDBOX_CARRIER_URL", default="http://127.0.0.1:8010")
# Seconds an agent's desk may stay silent before the agent is logged out (RT-4). The desk pings
# every 2 s (written within 1 s), so 7 s is three missed beats; with the 2 s sweep a closed
# desk shows offline within 10 s.
PRESENCE_GRACE_S = env.int("PRESENCE_GRACE_S", default=7)
CELERY_BEAT_SCHEDULE["crm-cases-overdue"] = {"task": "crm.cases_overdue_all", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["crm-follow-ups"] = {"task": "crm.follow_ups_all", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["reports-daily-summaries"] = {"task": "reports.daily_summaries", "schedule": 900.0}
CELERY_BEAT_SCHEDULE["wfm-schedules-resume"] = {"task": "wfm.schedules_resume", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["wfm-lateness"] = {"task": "wfm.lateness_sweep_all", "schedule": 600.0}
CELERY_BEAT_SCHEDULE["qa-sampling"] = {"task": "qa.sample_yesterday_all", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["wfm-intraday"] = {"task": "wfm.intraday_check_all", "schedule": 300.0}
REPORTS_SUMMARY_HOUR = env.int("REPORTS_SUMMARY_HOUR", default=7)  # tenant-local hour the daily summary goes out
CELERY_BEAT_SCHEDULE["telephony-recordings-expire"] = {"task": "telephony.recordings_expire_all",
                                                       "schedule": 24 * 3600.0}
CELERY_BEAT_SCHEDULE["billing-usage"] = {"task": "billing.usage_collect_all", "schedule": 900.0}
CELERY_BEAT_SCHEDULE["billing-monthly-invoices"] = {"task": "billing.invoice_run_last_month",
                                                    "schedule": crontab(day_of_month="1", hour="2", minute="0")}
CELERY_BEAT_SCHEDULE["billing-dunning"] = {"task": "billing.dunning", "schedule": crontab(hour="6", minute="0")}
CELERY_BEAT_SCHEDULE["outbound-dial-tick"] = {"task": "outbound.dial_tick_all", "schedule": 2.0,
                                              "options": {"expires": 4}}
CELERY_BEAT_SCHEDULE["telephony-sweep"] = {"task": "telephony.sweep_all", "schedule": 2.0,
                                           "options": {"expires": 4}}
