from __future__ import annotations

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "policies"
    verbose_name = "Policies, location and rebalancing"

    def ready(self) -> None:
        from policies.modelportfolios.selectors import model_change_card
        from policies.reviews.selectors import review_flags
        from portfolios.dashboard import register_card_provider, register_flag_provider

        # Open reviews show on the households dashboard next to the drift flags.
        register_flag_provider(review_flags)
        # Drafts a model's change made wait above the households, to activate.
        register_card_provider(model_change_card)
