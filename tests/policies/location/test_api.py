"""POST/GET /api/v1/households/{id}/asset-location/: compute, save, read; errors; access.

The hand-checked household: taxable $60k + traditional IRA $40k, 60/40 stocks/bonds; the
figures are worked out by hand in the comments from docs/DOMAIN.md "Asset location".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisory.models import Role
from policies.location.models import SavedLocationPlan
from policies.services import PolicyDraft, TargetDraft, policy_create
from portfolios.models import AccountType, Household
from tests.conftest import CAN_EDIT_POLICY, CAN_VIEW, PERSONAS, World
from tests.factories import (
    AccountFactory,
    AssetClassFactory,
    HouseholdFactory,
    LotFactory,
    SecurityFactory,
)
from tests.policies.conftest import make_policy

pytestmark = pytest.mark.django_db

D = Decimal
CAN_COMPUTE = {"owner", "teammate", "admin", "operations"}
OUTSIDERS = {"other_advisor", "foreign_advisor", "other_client"}


def location_url(household: Household) -> str:
    return f"/api/v1/households/{household.pk}/asset-location/"


def amounts(body: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Recommended dollars by (account name, class), leaving out empty cells."""
    return {
        (p["account_name"], p["asset_class"]): p["amount"]
        for p in body["placements"]
        if D(p["amount"])
    }


# --- the hand-checked household --------------------------------------------------------------


def hand_checked_household(world: World) -> Household:
    """The hand-checked household, held pro rata today: 60/40 in each account.

    Stocks: mu 7%, 2% yield, all qualified; bonds: mu 4%, all income, ordinary.
    t_ord 35%, t_ltcg 15%, t_ret 25%; the IPS: 60/40, horizon 20 years.
    """
    stocks = AssetClassFactory(
        firm=world.firm,
        code="stocks",
        name="US stocks",
        expected_return=D("0.07"),
        income_yield=D("0.02"),
        qualified_ratio=D("1"),
        turnover=D("0"),
    )
    bonds = AssetClassFactory(
        firm=world.firm,
        code="bonds",
        name="US bonds",
        expected_return=D("0.04"),
        income_yield=D("0.04"),
        qualified_ratio=D("0"),
        turnover=D("0"),
    )
    stock_fund = SecurityFactory(firm=world.firm, symbol="STK", asset_class=stocks, price=D("100"))
    bond_fund = SecurityFactory(firm=world.firm, symbol="BDF", asset_class=bonds, price=D("50"))
    household = HouseholdFactory(
        firm=world.firm,
        name="Hand Family",
        primary_advisor=world.user("owner"),
        t_ord=D("0.35"),
        t_ltcg=D("0.15"),
        t_ret=D("0.25"),
    )
    taxable = AccountFactory(
        household=household, name="Joint taxable", account_type=AccountType.TAXABLE, cash=D("0")
    )
    ira = AccountFactory(
        household=household,
        name="Jane's IRA",
        account_type=AccountType.TRADITIONAL_IRA,
        cash=D("0"),
    )
    for account, stock_shares, bond_shares in ((taxable, "360", "480"), (ira, "240", "320")):
        # taxable: 360 * $100 = $36,000 stocks + 480 * $50 = $24,000 bonds; IRA $24,000 + $16,000
        LotFactory(account=account, security=stock_fund, quantity=D(stock_shares))
        LotFactory(account=account, security=bond_fund, quantity=D(bond_shares))
    policy_create(
        household=household,
        author=world.user("owner"),
        draft=PolicyDraft(
            targets=(TargetDraft("stocks", D("0.6")), TargetDraft("bonds", D("0.4"))),
            rationale="60/40 for the hand check.",
        ),
        queue_work=False,
    )
    return household


def test_the_hand_checked_household_puts_every_bond_in_the_ira(world: World, api_as: Any) -> None:
    # given
    household = hand_checked_household(world)
    # when
    response = api_as("owner").post(location_url(household), {}, format="json")
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["feasible"] is True
    assert body["horizon_years"] == 20  # from the IPS
    assert body["basis"] == "pre_tax"
    # d_stocks = 0.02 * 0.15 = 0.003; d_bonds = 0.04 * 0.35 = 0.014
    # F[taxable, stocks] = 1.067^20 = 3.658376   F[taxable, bonds] = 1.026^20 = 1.670888
    # F[IRA, stocks] = 1.07^20 * 0.75 = 2.902263  F[IRA, bonds] = 1.04^20 * 0.75 = 1.643342
    # Stocks lose 0.756 per dollar by leaving taxable, bonds only 0.028: bonds go to the IRA.
    assert amounts(body) == {
        ("Joint taxable", "stocks"): "60000.00",
        ("Jane's IRA", "bonds"): "40000.00",
    }
    # objective = 60,000 * 3.658376414 + 40,000 * 1.643342357 = 285,236.28
    # baseline = 36,000 * 3.658376414 + 24,000 * 1.670887521
    #          + 24,000 * 2.902263347 + 16,000 * 1.643342357 = 267,750.65
    # uplift = 17,485.63; (285,236.28 / 267,750.65)^(1/20) - 1 = 0.0031681 -> 31.68 bp a year
    assert body["objective"] == "285236.28"
    assert body["baseline_objective"] == "267750.65"
    assert body["uplift_dollars"] == "17485.63"
    assert body["uplift_bp"] == "31.68"
    # Sold: $24,000 of bonds in taxable and $24,000 of stocks in the IRA.
    assert body["dollars_moved"] == "48000.00"
    assert body["binding"] == []
    current = {
        (p["account_name"], p["asset_class"]): p["current_amount"] for p in body["placements"]
    }
    assert current[("Joint taxable", "bonds")] == "24000.00"
    assert current[("Jane's IRA", "stocks")] == "24000.00"


def test_the_explanation_is_in_the_firms_words(world: World, api_as: Any) -> None:
    household = hand_checked_household(world)
    body = api_as("owner").post(location_url(household), {}, format="json").json()
    by_class = {e["asset_class"]: e for e in body["explanations"]}
    assert by_class["bonds"]["taxable_drag"] == "0.014000"  # 0.04 * 0.35
    assert by_class["stocks"]["taxable_drag"] == "0.003000"  # 0.02 * 0.15
    assert by_class["bonds"]["placed_in"] == ["Jane's IRA"]
    assert "US bonds would lose 1.4% a year to tax" in by_class["bonds"]["reason"]
    assert "ordinary income at 35%" in by_class["bonds"]["reason"]
    assert "$17,485.63" in body["summary"]
    assert "31.68 basis points a year" in body["summary"]


def test_options_reach_the_plan(world: World, api_as: Any) -> None:
    household = hand_checked_household(world)
    body = {"horizon_years": 10, "basis": "after_tax", "churn_penalty_bp": "0"}
    response = api_as("owner").post(location_url(household), body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["horizon_years"] == 10
    assert answer["basis"] == "after_tax"
    assert answer["churn_penalty_bp"] == "0.0000"
    # After tax the IRA is worth 30,000: the household is 90,000, 60/40 = 54,000 / 36,000
    # after tax. Taxable 60,000 holds 54,000 stocks and 6,000 bonds; the IRA's 40,000
    # (30,000 after tax) holds bonds.
    assert amounts(answer) == {
        ("Joint taxable", "stocks"): "54000.00",
        ("Joint taxable", "bonds"): "6000.00",
        ("Jane's IRA", "bonds"): "40000.00",
    }


# --- compute, save, read -----------------------------------------------------------------------


def test_computing_saves_nothing(world: World, api_as: Any) -> None:
    make_policy(world)
    response = api_as("owner").post(location_url(world.household), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plan_id"] is None
    # Joint brokerage 25,000 + 12,000 + 5,000 cash; IRA 21,600 + 1,000 cash: 64,600 in all.
    assert sum(D(p["amount"]) for p in body["placements"]) == D("64600.00")
    assert sum(D(p["current_amount"]) for p in body["placements"]) == D("64600.00")
    assert not SavedLocationPlan.objects.exists()


def test_save_then_read_the_current_plan(world: World, api_as: Any) -> None:
    # given
    make_policy(world)
    api = api_as("owner")
    # when
    saved = api.post(location_url(world.household), {"save": True}, format="json")
    current = api.get(location_url(world.household))
    # then
    assert saved.status_code == 201, saved.content
    assert current.status_code == 200, current.content
    plan_id = saved.json()["plan_id"]
    body = current.json()
    assert body["id"] == plan_id
    assert body["is_current"] is True
    assert body["created_by"] == world.user("owner").pk
    for key in ("objective", "baseline_objective", "uplift_bp", "uplift_dollars", "summary"):
        assert body[key] == saved.json()[key]
    assert amounts(body) == amounts(saved.json())
    assert body["explanations"] == saved.json()["explanations"]


def test_no_saved_plan_is_404(world: World, api_as: Any) -> None:
    make_policy(world)
    assert api_as("owner").get(location_url(world.household)).status_code == 404


def test_saving_again_supersedes_the_current_plan(world: World, api_as: Any) -> None:
    make_policy(world)
    api = api_as("owner")
    first = api.post(location_url(world.household), {"save": True}, format="json").json()
    second = api.post(
        location_url(world.household), {"save": True, "horizon_years": 5}, format="json"
    ).json()
    plans = SavedLocationPlan.objects.filter(household=world.household)
    assert plans.count() == 2
    assert list(plans.filter(is_current=True).values_list("pk", flat=True)) == [second["plan_id"]]
    assert plans.get(pk=first["plan_id"]).is_current is False
    assert api.get(location_url(world.household)).json()["horizon_years"] == 5


def test_the_same_idempotency_key_saves_once(world: World, api_as: Any) -> None:
    make_policy(world)
    api = api_as("owner")
    headers = {"Idempotency-Key": "location-1"}
    first = api.post(location_url(world.household), {"save": True}, format="json", headers=headers)
    again = api.post(location_url(world.household), {"save": True}, format="json", headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["plan_id"] == again.json()["plan_id"]
    assert SavedLocationPlan.objects.count() == 1


# --- answers that are not a plan ---------------------------------------------------------------


def test_an_infeasible_menu_is_answered_with_the_reason(world: World, api_as: Any) -> None:
    # given: the brokerage offers US equity only and the IRA US bonds only
    make_policy(world)
    taxable = world.household.accounts.get(name="Joint brokerage")
    ira = world.household.accounts.get(name="Ann IRA")
    taxable.allowed_asset_classes.set([world.classes["us_equity"]])
    ira.allowed_asset_classes.set([world.classes["us_bonds"]])
    # when
    response = api_as("owner").post(location_url(world.household), {"save": True}, format="json")
    # then: 200, not saved, and why
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["feasible"] is False
    assert body["plan_id"] is None
    assert body["placements"] == []
    rooms = {b["asset_class"]: b for b in body["binding"] if b["kind"] == "class_room"}
    # International equity's target is 20% of 64,600 = 12,920 and no account offers it.
    assert rooms["intl_equity"]["amount"] == "12920.00"
    assert "International equity need $12,920.00" in rooms["intl_equity"]["message"]
    assert body["summary"].startswith("No placement fits")
    assert not SavedLocationPlan.objects.exists()


def test_no_active_ips_is_400(world: World, api_as: Any) -> None:
    response = api_as("owner").post(location_url(world.household), {"save": True}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "This household has no active Investment Policy Statement."
    assert not SavedLocationPlan.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"horizon_years": 0}, "horizon_years"),
        ({"horizon_years": 61}, "horizon_years"),
        ({"horizon_years": "soon"}, "horizon_years"),
        ({"basis": "roth"}, "basis"),
        ({"churn_penalty_bp": "-1"}, "churn_penalty_bp"),
        ({"churn_penalty_bp": "lots"}, "churn_penalty_bp"),
        ({"as_of": "2026-13-01"}, "as_of"),
    ],
)
def test_bad_options_are_400_and_save_nothing(
    world: World, api_as: Any, body: dict[str, Any], field: str
) -> None:
    make_policy(world)
    response = api_as("owner").post(location_url(world.household), {**body, "save": True})
    assert response.status_code == 400, response.content
    assert response.json()[field]
    assert not SavedLocationPlan.objects.exists()


# --- access --------------------------------------------------------------------------------


def expected_post(persona: str, *, save: bool) -> int:
    if persona == "anonymous":
        return 401
    if persona in OUTSIDERS:
        return 404
    allowed = CAN_EDIT_POLICY if save else CAN_COMPUTE
    if persona not in allowed:
        return 403
    return 201 if save else 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("save", [False, True])
def test_access_to_computing_and_saving(
    world: World, api_as: Any, persona: str, save: bool
) -> None:
    make_policy(world)
    response = api_as(persona).post(location_url(world.household), {"save": save}, format="json")
    assert response.status_code == expected_post(persona, save=save), response.content
    assert SavedLocationPlan.objects.exists() == (response.status_code == 201)


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_to_reading_the_saved_plan(world: World, api_as: Any, persona: str) -> None:
    make_policy(world)
    api_as("owner").post(location_url(world.household), {"save": True}, format="json")
    response = api_as(persona).get(location_url(world.household))
    if persona == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == (200 if persona in CAN_VIEW else 404)


def test_the_roles_behind_the_matrix(world: World) -> None:
    # The matrix above assumes operations may compute and clients may not.
    assert world.user("operations").membership.role == Role.OPERATIONS
    assert world.user("client").membership.role == Role.CLIENT


# --- queries -------------------------------------------------------------------------------


def add_lots(world: World, count: int) -> None:
    account = world.household.accounts.get(name="Joint brokerage")
    for day in range(count):
        LotFactory(
            account=account,
            security=world.securities["ITOT"],
            quantity=D("1"),
            cost_basis=D("100"),
            acquired_on=date(2024, 1, 1 + day % 28),
        )


def post_queries(world: World, api_as: Any) -> int:
    api = api_as("owner")
    with CaptureQueriesContext(connection) as queries:
        response = api.post(location_url(world.household), {}, format="json")
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_lots(world: World, api_as: Any) -> None:
    make_policy(world)
    add_lots(world, 3)
    few = post_queries(world, api_as)
    add_lots(world, 30)
    assert post_queries(world, api_as) == few
    assert few <= 15
