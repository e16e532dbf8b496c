"""Production: TLS in front (a proxy terminating HTTPS), secure cookies, HSTS, a real secret.
`manage.py check --deploy` is clean with these (tests/security/test_hardening.py)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters in production.")
SITE_SCHEME = "https"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Carrier webhooks and health checks come over HTTPS too; the proxy answers plain HTTP with a redirect.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # every tenant is a subdomain
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)  # a shift, not two weeks
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://*.{BASE_DOMAIN}", f"https://{BASE_DOMAIN}"])  # noqa: F405
REQUIRE_STAFF_2FA = env.bool("REQUIRE_STAFF_2FA", default=True)  # admins and operators: authenticator app
