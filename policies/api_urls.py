"""/api/v1/ routes for IPS versions, drift and the risk questionnaire."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("households/<int:pk>/policy/", api.HouseholdPolicyView.as_view(), name="api-policy"),
    path(
        "households/<int:pk>/policies/",
        api.HouseholdPolicyListView.as_view(),
        name="api-policy-list",
    ),
    path("households/<int:pk>/drift/", api.HouseholdDriftView.as_view(), name="api-drift"),
    path(
        "households/<int:pk>/risk-profile/",
        api.RiskProfileView.as_view(),
        name="api-risk-profile",
    ),
    path("risk-questionnaire/", api.RiskQuestionnaireView.as_view(), name="api-risk-questionnaire"),
    path("policies/diff/", api.PolicyDiffView.as_view(), name="api-policy-diff"),
    path("policies/<int:pk>/", api.PolicyDetailView.as_view(), name="api-policy-detail"),
    path(
        "policies/<int:pk>/activate/",
        api.PolicyActivateView.as_view(),
        name="api-policy-activate",
    ),
    path(
        "policies/<int:pk>/acknowledge/",
        api.PolicyAcknowledgeView.as_view(),
        name="api-policy-acknowledge",
    ),
    path(
        "policies/<int:pk>/document.pdf",
        api.PolicyDocumentView.as_view(),
        name="api-policy-document",
    ),
]
