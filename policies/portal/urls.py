"""The client portal's pages."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.portal import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("portal/", views.client_portal, name="client_portal"),
    path("portal/plan/", views.portal_plan, name="portal_plan"),
    path("portal/documents/", views.portal_documents, name="portal_documents"),
    path("portal/waiting/", views.portal_waiting, name="portal_waiting"),
    path("portal/notifications/", views.portal_notifications, name="portal_notifications"),
    path(
        "portal/acknowledge/ips/<int:pk>/",
        views.portal_acknowledge_ips,
        name="portal_acknowledge_ips",
    ),
    path(
        "portal/acknowledge/review/<int:pk>/",
        views.portal_acknowledge_review,
        name="portal_acknowledge_review",
    ),
]
