from django.apps import AppConfig


class WfmConfig(AppConfig):
    name = "wfm"
    default_auto_field = "django.db.models.BigAutoField"
