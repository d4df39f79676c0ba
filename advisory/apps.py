from __future__ import annotations

from django.apps import AppConfig


class AdvisoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "advisory"
    verbose_name = "Firms and users"

    def ready(self) -> None:
        # The dashboard (portfolios) may not import policies; the site joins them here.
        from advisory.flags import dashboard_flags
        from portfolios.dashboard import register_flag_provider

        register_flag_provider(dashboard_flags)

        from django.core.signals import request_finished

        from advisory.logs import clear_request_id

        request_finished.connect(clear_request_id, dispatch_uid="advisory.clear_request_id")
