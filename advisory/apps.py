from __future__ import annotations

from django.apps import AppConfig


class AdvisoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "advisory"
    verbose_name = "Firms and users"
