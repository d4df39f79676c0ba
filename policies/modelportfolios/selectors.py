"""Reads of model portfolios, scoped to the caller's firm.

Firm staff read the firm's models (admins, advisors, operations); admins and
advisors change them; clients are refused (403). A model of another firm is 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from advisory.models import Role
from policies.modelportfolios.models import ModelBuyChoice, ModelPortfolio, ModelTarget
from policies.models import InvestmentPolicy, PolicyStatus
from portfolios.access import Capability, firm_id_of, households_for, role_of

if TYPE_CHECKING:
    from advisory.models import User

READERS = (Role.ADMIN, Role.ADVISOR, Role.OPERATIONS)
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


def buy_list_of(model: ModelPortfolio) -> dict[str, list[ModelBuyChoice]]:
    """Class code -> the class's buy list in order (preferred first); prefetch ``buy_list``."""
    lists: dict[str, list[ModelBuyChoice]] = {}
    for choice in model.buy_list.all():
        lists.setdefault(choice.asset_class.code, []).append(choice)
    return lists
