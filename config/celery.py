"""Celery app: tenant-schemas-celery carries the active schema with every task."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = TenantAwareCeleryApp("hostline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
