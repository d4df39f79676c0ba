from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from portfolios import archive_views, book_views, restriction_views, securities, views
from portfolios.imports import views as import_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("securities/", securities.security_list_page, name="security_list"),
    path("securities/<int:pk>/edit/", securities.security_edit_page, name="security_edit"),
    path("holdings/", securities.holdings_search_page, name="holdings_search"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", archive_views.household_delete, name="household_delete"),
    path("households/<int:pk>/people/new/", book_views.person_create, name="person_create"),
    path("people/<int:pk>/edit/", book_views.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", book_views.person_delete, name="person_delete"),
    path("households/<int:pk>/accounts/new/", book_views.account_create, name="account_create"),
    path(
        "households/<int:pk>/restrictions/new/",
        restriction_views.restriction_create,
        name="restriction_create",
    ),
    path(
        "restrictions/<int:pk>/remove/",
        restriction_views.restriction_remove,
        name="restriction_remove",
    ),
    path("accounts/<int:pk>/", book_views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", book_views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", book_views.account_delete, name="account_delete"),
    path("accounts/<int:pk>/lots/new/", book_views.lot_create, name="lot_create"),
    path(
        "accounts/<int:pk>/transactions/new/",
        book_views.transaction_create,
        name="transaction_create",
    ),
    path(
        "transactions/<int:pk>/delete/",
        archive_views.transaction_delete,
        name="transaction_delete",
    ),
    path("archive/", archive_views.archive_list, name="archive"),
    path(
        "archive/<str:kind>/<int:pk>/restore/",
        archive_views.archive_restore,
        name="archive_restore",
    ),
    path("lots/<int:pk>/", book_views.lot_detail, name="lot_detail"),
    path("lots/<int:pk>/edit/", book_views.lot_edit, name="lot_edit"),
    path("lots/<int:pk>/delete/", book_views.lot_delete, name="lot_delete"),
    path("imports/", import_views.book_import_page, name="book_import"),
    path("imports/history/", import_views.import_history, name="import_history"),
    path("imports/mappings/", import_views.mapping_page, name="import_mappings"),
    path("imports/runs/<int:pk>/", import_views.import_progress, name="import_progress"),
    path("exports/", import_views.exports_page, name="exports"),
    path(
        "households/<int:pk>/realized-gains/",
        import_views.realized_gains_page,
        name="realized_gains",
    ),
    path(
        "households/<int:pk>/realized-gains.pdf",
        import_views.realized_gains_pdf,
        name="realized_gains_pdf",
    ),
    path("imports/<str:kind>/template.csv", import_views.import_template, name="import_template"),
]
