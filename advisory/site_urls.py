from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from advisory import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("firm/users/", views.firm_users, name="firm_users"),
    path("firm/history/", views.firm_history, name="firm_history"),
    path("firm/settings/", views.firm_settings, name="firm_settings"),
    path("firm/users/<int:pk>/active/", views.firm_user_active, name="firm_user_active"),
    path("firm/users/<int:pk>/resend/", views.firm_user_resend, name="firm_user_resend"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("settings/tokens/", views.api_tokens, name="api_tokens"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
