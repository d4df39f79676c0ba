"""Reads of model portfolios, scoped to the caller's firm.

Firm staff read the firm's models (admins, advisors, operations); admins and
advisors change them; clients are refused (403). A model of another firm is 404.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from advisory.models import Role
from policies.modelportfolios.models import ModelBuyChoice, ModelPortfolio, ModelTarget
from policies.models import InvestmentPolicy, PolicyStatus
from portfolios.access import Capability, firm_id_of, households_for, role_of
from portfolios.dashboard import DashboardCard

if TYPE_CHECKING:
    from advisory.models import User

READERS = (Role.ADMIN, Role.ADVISOR, Role.OPERATIONS)
DASHBOARD_DRAFTS = 10  # rows on the dashboard's card; the model pages list them all
WRITERS = (Role.ADMIN, Role.ADVISOR)


def may_read_models(user: User) -> bool:
    return role_of(user) in READERS


def may_edit_models(user: User) -> bool:
    return role_of(user) in WRITERS


def model_list(*, user: User) -> QuerySet[ModelPortfolio]:
    """The firm's models with their targets and buy lists; 403 for anyone but staff."""
    firm_id = firm_id_of(user)
    if firm_id is None or not may_read_models(user):
        raise PermissionDenied("Only the firm's staff see its models.")
    targets = ModelTarget.objects.select_related("asset_class").order_by(
        "asset_class__sort_order", "asset_class__code"
    )
    buy_list = ModelBuyChoice.objects.select_related("asset_class", "security").order_by(
        "asset_class__sort_order", "asset_class__code", "rank"
    )
    return (
        ModelPortfolio.objects.filter(firm_id=firm_id)
        .prefetch_related(Prefetch("targets", targets), Prefetch("buy_list", buy_list))
        .order_by("name", "pk")
    )


def model_get(*, user: User, pk: int | str, write: bool = False) -> ModelPortfolio:
    """One model of the caller's firm (else 404); ``write`` refuses readers (403)."""
    try:
        model = model_list(user=user).get(pk=pk)
    except (ModelPortfolio.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404("No such model.") from missing
    if write and not may_edit_models(user):
        raise PermissionDenied("Only advisors and firm admins change models.")
    return model


def model_followers(*, model: ModelPortfolio, user: User) -> QuerySet[InvestmentPolicy]:
    """The active versions following the model, of the households the user may see."""
    return (
        InvestmentPolicy.objects.filter(
            model=model, status=PolicyStatus.ACTIVE, household__in=households_for(user)
        )
        .select_related("household")
        .order_by("household__name", "household_id")
    )


def model_drafts(*, model: ModelPortfolio, user: User) -> QuerySet[InvestmentPolicy]:
    """Drafts following the model awaiting activation, of households the user may act on."""
    return (
        InvestmentPolicy.objects.filter(
            model=model,
            status=PolicyStatus.DRAFT,
            household__in=households_for(user, write=Capability.EDIT_POLICY),
        )
        .select_related("household")
        .order_by("household__name", "household_id")
    )


def model_change_drafts(*, user: User) -> QuerySet[InvestmentPolicy]:
    """Drafts a model's change made for its followers, awaiting activation, newest first.

    A model's change drafts a version for each household whose active version follows
    the model (``services.model_update``), so such a draft follows the model at a later
    model version than the household's active one; a draft that starts following a
    model is the IPS editor's, not a model change's. ``active_pk`` is the active
    version (to compare with). Households the user may act on, as on the model's page.
    """
    active = InvestmentPolicy.objects.filter(
        household_id=OuterRef("household_id"),
        status=PolicyStatus.ACTIVE,
        model_id=OuterRef("model_id"),
        model_version__lt=OuterRef("model_version"),
    )
    return (
        InvestmentPolicy.objects.filter(
            status=PolicyStatus.DRAFT,
            model__isnull=False,
            household__in=households_for(user, write=Capability.EDIT_POLICY),
        )
        .annotate(active_pk=Subquery(active.values("pk")[:1]))
        .filter(active_pk__isnull=False)
        .select_related("household", "model")
        .order_by("-created_at", "household__name", "pk")
    )


def model_change_card(user: User, as_of: date) -> DashboardCard | None:
    """The dashboard's "Model changes to activate" card, or None when nothing waits."""
    drafts = model_change_drafts(user=user)
    shown = list(drafts[:DASHBOARD_DRAFTS])
    if not shown:
        return None
    total = len(shown) if len(shown) < DASHBOARD_DRAFTS else drafts.count()
    return DashboardCard(
        "policies/modelportfolios/_dashboard_card.html",
        {"drafts": shown, "more": total - len(shown)},
    )


def buy_list_of(model: ModelPortfolio) -> dict[str, list[ModelBuyChoice]]:
    """Class code -> the class's buy list in order (preferred first); prefetch ``buy_list``."""
    lists: dict[str, list[ModelBuyChoice]] = {}
    for choice in model.buy_list.all():
        lists.setdefault(choice.asset_class.code, []).append(choice)
    return lists
