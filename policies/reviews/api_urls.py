"""/api/v1/ routes for reviews and the review packet."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from policies.reviews import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", api.ReviewListView.as_view(), name="api-review-list"),
    path("reviews/<int:pk>/", api.ReviewDetailView.as_view(), name="api-review-detail"),
    path("reviews/<int:pk>/start/", api.ReviewStartView.as_view(), name="api-review-start"),
    path(
        "reviews/<int:pk>/complete/", api.ReviewCompleteView.as_view(), name="api-review-complete"
    ),
    path("reviews/<int:pk>/skip/", api.ReviewSkipView.as_view(), name="api-review-skip"),
    path(
        "reviews/<int:pk>/acknowledge/",
        api.ReviewAcknowledgeView.as_view(),
        name="api-review-acknowledge",
    ),
    path(
        "reviews/<int:pk>/packet.pdf",
        api.ReviewPacketPdfView.as_view(),
        name="api-review-packet-pdf",
    ),
    path(
        "households/<int:pk>/review-packet/",
        api.HouseholdReviewPacketView.as_view(),
        name="api-review-packet",
    ),
]
