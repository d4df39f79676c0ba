"""Pages for IPS versions, the risk questionnaire, acknowledgements and drift."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("households/<int:pk>/policy/", views.policy_detail, name="policy_detail"),
    path("households/<int:pk>/policy/new/", views.policy_new, name="policy_new"),
    path("households/<int:pk>/policy/validate/", views.policy_validate, name="policy_validate"),
    path("households/<int:pk>/policy/history/", views.policy_history, name="policy_history"),
    path("households/<int:pk>/policy/diff/", views.policy_diff_page, name="policy_diff"),
    path("households/<int:pk>/risk/", views.risk_questionnaire, name="risk_questionnaire"),
    path("households/<int:pk>/drift/", views.household_drift_page, name="household_drift"),
    path("households/<int:pk>/panels/", views.household_panels, name="household_panels"),
    path(
        "policies/<int:pk>/acknowledge/",
        views.policy_acknowledge_page,
        name="policy_acknowledge",
    ),
    path("policies/<int:pk>/activate/", views.policy_activate_page, name="policy_activate"),
    path("policies/<int:pk>/discard/", views.policy_discard_page, name="policy_discard"),
    path("policies/<int:pk>/document.pdf", views.policy_document, name="policy_document"),
]
