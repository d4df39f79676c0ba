"""Pages for reviews."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.reviews import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", views.review_dashboard, name="review_dashboard"),
    path("reviews/calendar/", views.review_calendar_page, name="review_calendar"),
    path("portal/reviews/", views.portal_reviews, name="portal_reviews"),
    path("households/<int:pk>/reviews/", views.household_reviews, name="household_reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/start/", views.review_start_page, name="review_start"),
    path("reviews/<int:pk>/checklist/", views.review_checklist_page, name="review_checklist"),
    path("reviews/<int:pk>/skip/", views.review_skip_page, name="review_skip"),
    path("reviews/<int:pk>/acknowledge/", views.review_acknowledge_page, name="review_acknowledge"),
    path(
        "reviews/<int:pk>/questionnaire/",
        views.review_questionnaire_page,
        name="review_questionnaire",
    ),
    path("reviews/<int:pk>/targets/", views.review_targets_page, name="review_targets"),
    path("reviews/<int:pk>/packet/", views.review_packet_page, name="review_packet"),
    path("reviews/<int:pk>/packet.pdf", views.review_packet_pdf, name="review_packet_pdf"),
    path("reviews/<int:pk>/report.pdf", views.review_report_pdf, name="review_report"),
]
