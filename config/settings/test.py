from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The in-process suite reads mail from locmem; the real Celery worker a test starts writes
# files the test can read (TEST_EMAIL_BACKEND / EMAIL_FILE_PATH set in its environment).
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")  # noqa: F405
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")  # noqa: F405
# Test tasks use their own queue: a `make run` worker on the same Redis never takes them.
CELERY_TASK_DEFAULT_QUEUE = "hostline-test"
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "hostline-test"  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = "test"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def _redis_db(url: str, db: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}db={db}"


# Tests use their own Redis databases so flushing them never touches a running dev instance.
CACHES["default"]["LOCATION"] = _redis_db(REDIS_URL, 1)  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = _redis_db(REDIS_URL, 2)  # noqa: F405
# The in-process client never needs static files; the daphne a browser test drives does.
if not env.bool("SERVE_STATIC", default=False):  # noqa: F405
    MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
# Tests opt into spares explicitly (tenant_pool_refill(size=…)); the default path clones.
TENANT_SPARE_POOL = 0
# The suite commits for real thousands of times (and clones a schema per test tenant); a
# crash of the test database loses nothing worth keeping, so commits need not wait on fsync.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
# Restored recordings of the test run never mix with a dev instance's.
RECORDINGS_ARCHIVE_DIR = env("TEST_RECORDINGS_ARCHIVE_DIR", default=str(BASE_DIR / ".data" / "test-recordings"))  # noqa: F405
