"""Lots are purchases: a lot acquired in the last 30 days, in any account, blocks loss
sales of its group in every proposal kind, whether or not a transaction records it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisory.engine.rebalance import (
    harvest_losses,
    plan_rebalance,
    plan_tranches,
)
from advisory.engine.rebalance.types import RebalancePlan, Side
from advisory.engine.types import (
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    PolicyTargets,
    SecurityInfo,
)
from advisory.engine.wash_sales import find_wash_sale_blocks, groups_bought_recently
from tests.engine.households import AS_OF, BND, BND_SUB, EQ, LONG_AGO, household, lot, taxable

D = Decimal
TWELVE_DAYS_AGO = AS_OF - timedelta(days=12)
BONDS_DOWN = PolicyTargets(targets={"us_equity": D("0.8"), "us_bonds": D("0.2")})


def roth(account_id: int = 3) -> AccountInfo:
    return AccountInfo(account_id, f"Roth {account_id}", "roth_ira", D("0"), D("0"))


def bnd_case(roth_lot_acquired: object) -> HouseholdSnapshot:
    """The BND case: 200 BND in the brokerage bought at $74.28 (now $50: a $4,856 loss),
    and 10 BND in the Roth IRA, bought on ``roth_lot_acquired``; no transaction is
    recorded for either lot. Bonds are overweight, so a rebalance sells bonds."""
    return household(
        [taxable(1), roth(3)],
        [
            lot(1, 1, BND, "200", "14856.00"),
            lot(2, 1, EQ, "20", "1500.00"),
            lot(3, 3, BND, "10", "500.00", roth_lot_acquired),  # type: ignore[arg-type]
        ],
    )


def loss_sales(plan: RebalancePlan, lot_id: int) -> list[Decimal]:
    return [r.gain for t in plan.trades for r in t.lots if r.lot_id == lot_id and r.gain < 0]


def test_the_bnd_lot_in_the_roth_blocks_the_loss_sale_in_the_brokerage() -> None:
    # given: BND bought 12 days ago in the Roth IRA, recorded only as a lot
    snapshot = bnd_case(TWELVE_DAYS_AGO)
    # then: the brokerage's BND loss lot is blocked until the 31st day after that purchase
    (block,) = find_wash_sale_blocks(snapshot)
    assert block.lot_ids == (1,)
    assert block.until == TWELVE_DAYS_AGO + timedelta(days=31)
    # and: neither a rebalance nor a harvest sells it at a loss
    assert loss_sales(plan_rebalance(snapshot, BONDS_DOWN), 1) == []
    assert loss_sales(harvest_losses(snapshot, BONDS_DOWN), 1) == []


def test_without_the_recent_lot_the_same_household_harvests_the_4856_loss() -> None:
    # The control: the Roth lot bought long ago is no purchase in the window.
    snapshot = bnd_case(LONG_AGO)
    assert find_wash_sale_blocks(snapshot) == ()
    assert sum(loss_sales(harvest_losses(snapshot, BONDS_DOWN), 1)) == D("-4856.00")


def test_a_recent_lot_does_not_count_against_its_own_sale() -> None:
    # The only BND bought in the window is lot 1 itself: selling it is no wash sale.
    snapshot = household([taxable(1)], [lot(1, 1, BND, "200", "14856.00", TWELVE_DAYS_AGO)])
    assert find_wash_sale_blocks(snapshot) == ()
    assert groups_bought_recently(snapshot) == {"agg": TWELVE_DAYS_AGO}


def test_a_lot_bought_in_the_window_blocks_buying_nothing_else() -> None:
    # A different group (AGG) bought recently does not block BND.
    snapshot = household(
        [taxable(1), roth(3)],
        [lot(1, 1, BND, "200", "14856.00"), lot(2, 3, BND_SUB, "10", "500.00", TWELVE_DAYS_AGO)],
    )
    assert find_wash_sale_blocks(snapshot) == ()


def test_a_lot_acquired_after_as_of_is_not_a_purchase_in_the_window() -> None:
    snapshot = bnd_case(AS_OF + timedelta(days=3))
    assert find_wash_sale_blocks(snapshot) == ()


# --- every proposal kind, over random households ------------------------------------------

SECURITIES = {
    1: SecurityInfo(1, "VOO", "us_equity", "sp500", D("100")),
    2: SecurityInfo(2, "IVV", "us_equity", "sp500", D("100")),
    3: SecurityInfo(3, "BND", "us_bonds", "agg", D("50")),
    4: SecurityInfo(4, "AGG", "us_bonds", "ishares-agg", D("50")),
}
KINDS = ("taxable", "traditional_ira", "roth_ira", "hsa")


@st.composite
def households_with_recent_lots(draw: st.DrawFn) -> HouseholdSnapshot:
    kinds = ["taxable", *draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=2))]
    accounts = [
        AccountInfo(i + 1, f"{k} {i + 1}", k, D(draw(st.integers(0, 3000))), D(0))
        for i, k in enumerate(kinds)
    ]
    lots = []
    for lot_id in range(1, draw(st.integers(2, 8)) + 1):
        account = draw(st.sampled_from(accounts))
        security = SECURITIES[draw(st.sampled_from(sorted(SECURITIES)))]
        quantity = D(draw(st.integers(1, 100)))
        factor = D(draw(st.integers(40, 160))) / 100  # basis per share / price
        basis = (quantity * security.price * factor).quantize(D("0.01"))
        days_ago = draw(st.sampled_from((0, 5, 12, 29, 30, 31, 45, 400, 2000)))
        lots.append(
            LotInfo(lot_id, account.id, security.id, quantity, basis, AS_OF - timedelta(days_ago))
        )
    return HouseholdSnapshot(1, AS_OF, tuple(accounts), SECURITIES, tuple(lots))


def bought_in_window_by_another_lot(snapshot: HouseholdSnapshot, sold: LotInfo) -> bool:
    """Hand-written rule of docs/DOMAIN.md, independent of the engine's code."""
    group = snapshot.securities[sold.security_id].substitute_group
    return any(
        other.id != sold.id
        and snapshot.securities[other.security_id].substitute_group == group
        and AS_OF - timedelta(days=30) <= other.acquired_on <= AS_OF
        for other in snapshot.lots
    )


def assert_no_loss_sale_after_a_recent_lot(
    snapshot: HouseholdSnapshot, plan: RebalancePlan
) -> None:
    lots = {lot.id: lot for lot in snapshot.lots}
    taxable_ids = {a.id for a in snapshot.accounts if a.account_type == "taxable"}
    for trade in plan.trades:
        if trade.side is not Side.SELL or trade.account_id not in taxable_ids:
            continue
        for relief in trade.lots:
            if relief.gain < 0:
                assert not bought_in_window_by_another_lot(snapshot, lots[relief.lot_id])


TARGETS = st.sampled_from(
    [
        PolicyTargets(targets={"us_equity": D("0.8"), "us_bonds": D("0.2")}),
        PolicyTargets(targets={"us_equity": D("0.2"), "us_bonds": D("0.8")}),
        PolicyTargets(targets={"us_equity": D("0.5"), "us_bonds": D("0.5")}),
    ]
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(households_with_recent_lots(), TARGETS)
def test_rebalances_never_sell_at_a_loss_a_group_a_lot_bought(
    snapshot: HouseholdSnapshot, targets: PolicyTargets
) -> None:
    assert_no_loss_sale_after_a_recent_lot(snapshot, plan_rebalance(snapshot, targets))


@SETTINGS
@given(households_with_recent_lots(), TARGETS)
def test_harvests_never_sell_at_a_loss_a_group_a_lot_bought(
    snapshot: HouseholdSnapshot, targets: PolicyTargets
) -> None:
    assert_no_loss_sale_after_a_recent_lot(snapshot, harvest_losses(snapshot, targets))


@SETTINGS
@given(households_with_recent_lots(), TARGETS, st.integers(3, 6))
def test_tranches_never_sell_at_a_loss_a_group_a_lot_bought(
    snapshot: HouseholdSnapshot, targets: PolicyTargets, months: int
) -> None:
    plan = plan_rebalance(snapshot, targets)
    for tranche in plan_tranches(plan, months, AS_OF):
        assert_no_loss_sale_after_a_recent_lot(
            snapshot, RebalancePlan(**{**plan.__dict__, "trades": tranche.trades})
        )
