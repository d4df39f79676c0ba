"""Wash sales across the household: the window, the IRS examples, the three rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from advisory.engine.types import (
    AccountInfo,
    HouseholdSnapshot,
    LotInfo,
    SecurityInfo,
    TaxTreatment,
    TransactionInfo,
)
from advisory.engine.wash_sales import (
    ProposedSale,
    WashRule,
    adjust_for_wash_sale,
    blocked_groups_to_buy,
    blocked_lot_ids,
    find_wash_sale_blocks,
    group_label,
    groups_bought_recently,
    groups_sold_at_loss_recently,
    wash_sale_violations,
    within_wash_window,
)

D = Decimal
AS_OF = date(2025, 6, 30)
TAXABLE, IRA, ROTH = 1, 2, 3


@pytest.mark.parametrize(
    ("days", "inside"),
    [(-31, False), (-30, True), (-1, True), (0, True), (1, True), (30, True), (31, False)],
)
def test_window_is_30_days_before_and_after(days: int, inside: bool) -> None:
    assert within_wash_window(AS_OF, AS_OF + timedelta(days=days)) is inside


def test_pub_550_example_disallows_the_loss_and_raises_the_new_basis() -> None:
    # Buy 100 sh for $1,000, sell them for $750, rebuy 100 sh within 30 days for $800.
    adjustment = adjust_for_wash_sale(D("100"), D("750"), D("1000"), D("100"), D("800"))
    assert adjustment.realized_gain == D("-250")
    assert adjustment.disallowed_loss == D("250.00")
    assert adjustment.recognized_gain == D("0.00")
    assert adjustment.replacement_basis == D("1050.00")  # 800 + 250
    assert adjustment.loss_lost_for_good is False


def test_rev_rul_2008_5_repurchase_in_an_ira_loses_the_loss_without_raising_basis() -> None:
    # Loss in the taxable account, the same stock bought in the IRA the next day.
    adjustment = adjust_for_wash_sale(
        D("100"), D("750"), D("1000"), D("100"), D("800"), TaxTreatment.TRADITIONAL
    )
    assert adjustment.disallowed_loss == D("250.00")
    assert adjustment.recognized_gain == D("0.00")
    assert adjustment.replacement_basis == D("800")  # not increased
    assert adjustment.loss_lost_for_good is True


def test_partial_replacement_disallows_only_the_replaced_share() -> None:
    # 40 of the 100 shares replaced: 40% of the $250 loss (100) is disallowed.
    adjustment = adjust_for_wash_sale(D("100"), D("750"), D("1000"), D("40"), D("320"))
    assert adjustment.disallowed_loss == D("100.00")
    assert adjustment.recognized_gain == D("-150.00")
    assert adjustment.replacement_basis == D("420.00")


def test_a_gain_is_never_a_wash_sale() -> None:
    adjustment = adjust_for_wash_sale(D("100"), D("1200"), D("1000"), D("100"), D("1100"))
    assert adjustment.disallowed_loss == 0
    assert adjustment.recognized_gain == D("200")
    assert adjustment.replacement_basis == D("1100")


SECURITIES = {
    1: SecurityInfo(1, "VOO", "us_equity", "sp500", D("100")),
    2: SecurityInfo(2, "IVV", "us_equity", "sp500", D("100")),
    3: SecurityInfo(3, "VTI", "us_equity", "total-us", D("100")),
    4: SecurityInfo(4, "BND", "us_bonds", "agg", D("70")),
}
ACCOUNTS = (
    AccountInfo(TAXABLE, "Joint", "taxable", D("0")),
    AccountInfo(IRA, "IRA", "traditional_ira", D("0")),
    AccountInfo(ROTH, "Roth", "roth_ira", D("0")),
)
LOTS = (
    LotInfo(10, TAXABLE, 1, D("10"), D("1500"), date(2024, 1, 2)),  # VOO at a loss (1,000 < 1,500)
    LotInfo(11, TAXABLE, 1, D("10"), D("500"), date(2024, 1, 2)),  # VOO at a gain
    LotInfo(12, IRA, 2, D("10"), D("1500"), date(2024, 1, 2)),  # IVV at a "loss" inside the IRA
    LotInfo(13, TAXABLE, 3, D("10"), D("2000"), date(2024, 1, 2)),  # VTI at a loss
)


def snapshot_with(*transactions: TransactionInfo) -> HouseholdSnapshot:
    return HouseholdSnapshot(1, AS_OF, ACCOUNTS, SECURITIES, LOTS, recent_transactions=transactions)


def test_a_reinvested_dividend_in_the_roth_blocks_selling_the_group_at_a_loss() -> None:
    # IVV dividend reinvested in the Roth 12 days ago: the sp500 group was bought.
    snapshot = snapshot_with(TransactionInfo(ROTH, 2, "reinvest", AS_OF - timedelta(days=12)))
    blocks = find_wash_sale_blocks(snapshot)
    assert [b.rule for b in blocks] == [WashRule.RECENT_PURCHASE]
    # Only taxable loss lots are blocked: lot 11 is at a gain, lot 12 sits in an IRA.
    assert blocked_lot_ids(blocks) == {10}
    assert blocks[0].until == AS_OF - timedelta(days=12) + timedelta(days=31)
    assert "18 June 2025" in blocks[0].reason


def test_a_purchase_31_days_ago_no_longer_blocks() -> None:
    snapshot = snapshot_with(TransactionInfo(TAXABLE, 1, "buy", AS_OF - timedelta(days=31)))
    assert find_wash_sale_blocks(snapshot) == ()
    assert groups_bought_recently(snapshot) == {}


def test_a_loss_sale_in_the_taxable_account_blocks_buying_the_group_in_the_ira() -> None:
    sale = TransactionInfo(
        TAXABLE, 2, "sell", AS_OF - timedelta(days=30), D("5"), realized_gain=D("-120")
    )
    snapshot = snapshot_with(sale)
    blocks = find_wash_sale_blocks(snapshot)
    assert blocked_groups_to_buy(blocks) == {"sp500"}
    assert blocks[0].security_ids == (1, 2)
    assert "IRAs included" in blocks[0].reason


def test_sales_in_an_ira_and_sales_at_a_gain_block_nothing() -> None:
    snapshot = snapshot_with(
        TransactionInfo(IRA, 2, "sell", AS_OF - timedelta(days=3), realized_gain=D("-500")),
        TransactionInfo(TAXABLE, 3, "sell", AS_OF - timedelta(days=3), realized_gain=D("40")),
    )
    assert groups_sold_at_loss_recently(snapshot) == {}
    assert find_wash_sale_blocks(snapshot) == ()


def test_violations_name_each_rule() -> None:
    snapshot = snapshot_with(
        TransactionInfo(ROTH, 2, "buy", AS_OF - timedelta(days=2)),  # sp500 bought
        TransactionInfo(TAXABLE, 4, "sell", AS_OF - timedelta(days=2), realized_gain=D("-9")),
    )
    problems = wash_sale_violations(
        snapshot,
        [ProposedSale(10, D("-500")), ProposedSale(13, D("-1000"))],  # sp500 and total-us losses
        [4, 3],  # buys agg (sold at a loss 2 days ago) and total-us (sold at a loss here)
    )
    assert problems == (
        "lot 10 sold at a loss but sp500 was bought on 2025-06-28",
        "agg bought but sold at a loss on 2025-06-28",
        "total-us both sold at a loss and bought in this proposal",
    )


def test_a_block_names_the_group_by_its_symbols() -> None:
    # IVV bought in the Roth 12 days ago: the advisor reads "IVV, VOO (sp500)", not a code.
    snapshot = snapshot_with(TransactionInfo(ROTH, 2, "buy", AS_OF - timedelta(days=12)))
    assert group_label(snapshot, "sp500") == "IVV/VOO"
    assert group_label(snapshot, "unheld_group") == "unheld group"
    assert find_wash_sale_blocks(snapshot)[0].reason.startswith(
        "IVV/VOO was bought on 18 June 2025 (within 30 days)"
    )


def test_a_long_group_is_counted_not_listed() -> None:
    many = {
        n: SecurityInfo(n, symbol, "us_equity", "sp500", D("100"))
        for n, symbol in enumerate(("VOO", "IVV", "SPLG", "SPY", "CSPX"), start=1)
    }
    snapshot = HouseholdSnapshot(1, AS_OF, ACCOUNTS, many, ())
    assert group_label(snapshot, "sp500") == "CSPX/IVV/SPLG and 2 more"


def test_a_clean_proposal_has_no_violations() -> None:
    snapshot = snapshot_with()
    # Sell VOO at a loss, buy VTI (another group); sell VOO at a gain and buy VOO in the IRA.
    assert wash_sale_violations(snapshot, [ProposedSale(10, D("-500"))], [3]) == ()
    assert wash_sale_violations(snapshot, [ProposedSale(11, D("500"))], [1]) == ()
