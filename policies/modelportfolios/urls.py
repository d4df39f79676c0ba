"""Pages of the firm's models."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.modelportfolios import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("models/", views.model_list_page, name="model_list"),
    path("models/new/", views.model_new, name="model_new"),
    path("models/<int:pk>/", views.model_detail_page, name="model_detail"),
    path("models/<int:pk>/edit/", views.model_edit, name="model_edit"),
]
