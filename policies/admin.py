"""Admin for IPS versions (read-mostly: versions change through the services) and drift."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from policies.models import DriftSnapshot, InvestmentPolicy, PolicyAcknowledgement, PolicyTarget


class PolicyTargetInline(admin.TabularInline):
    model = PolicyTarget
    extra = 0
    fields = ("asset_class", "weight")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AcknowledgementInline(admin.TabularInline):
    model = PolicyAcknowledgement
    extra = 0
    fields = ("user", "acknowledged_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InvestmentPolicy)
class InvestmentPolicyAdmin(admin.ModelAdmin):
    """Versions are written by the services (validation, activation lock); here they are read."""

    list_display = ("household", "version", "status", "effective_date", "method", "author")
    list_filter = ("status", "method")
    search_fields = ("household__name",)
    list_select_related = ("household", "author")
    inlines = (PolicyTargetInline, AcknowledgementInline)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DriftSnapshot)
class DriftSnapshotAdmin(admin.ModelAdmin):
    list_display = ("household", "computed_on", "needs_rebalance", "calendar_due", "reason")
    list_filter = ("computed_on", "needs_rebalance", "calendar_due", "has_policy")
    search_fields = ("household__name",)
    list_select_related = ("household",)
    date_hierarchy = "computed_on"
